// Rigorous bounds on exact Euclidean distances, for the strategies that carry distance bounds from
// pass to pass (km::hamerly, km::elkan). Every bound is rounded outwards when it is computed or
// moved, and the only decision drawn from bounds is "this centre is canonically strictly farther
// than that one", proven with the canonical form's rounding error on both sides.
#pragma once

#include <cmath>
#include <limits>

#include <Eigen/Core>

#include "distance.hpp"

namespace km::detail {

template <typename Scalar>
class distance_bounds {
 public:
  explicit distance_bounds(Eigen::Index d)
      : relative_(static_cast<double>(error_bound<Scalar>::relative(d))),
        absolute_(static_cast<double>(error_bound<Scalar>::absolute(d))) {}

  /// Bounds on the exact distance, given a canonical squared distance: the canonical form is
  /// within relative_ times the exact square, plus absolute_ for underflow.
  double upper(Scalar canonical) const {
    return std::sqrt((static_cast<double>(canonical) + absolute_) / (1 - relative_) *
                     (1 + 8 * eps));
  }
  double lower(Scalar canonical) const {
    const double square =
        (static_cast<double>(canonical) - absolute_) / (1 + relative_) * (1 - 8 * eps);
    return square > 0 ? std::sqrt(square) * (1 - 4 * eps) : 0.0;
  }

  /// A bound on a distance after its centre moved by at most `move`.
  static double grown(double upper, double move) { return (upper + move) * (1 + 4 * eps); }
  static double shrunk(double lower, double move) {
    const double moved = lower - move;
    return moved > 0 ? moved * (1 - 4 * eps) : 0.0;
  }

  /// For a point whose exact distance to its own centre is <= own_upper: any other centre
  /// whose exact distance is known to be > the returned threshold is canonically strictly
  /// farther, no tie possible. The threshold t satisfies t^2 (1 - relative_) > own_upper^2
  /// (1 + relative_) + 2 absolute_ (the canonical errors of both sides), rounded up; computed
  /// once per bound, it turns every later test into one comparison.
  double nearer_threshold(double own_upper) const {
    // Past relative_ = 1/4 (float data with d in the millions) the bounds prove nothing.
    if (!(relative_ < 0.25)) return std::numeric_limits<double>::infinity();
    const double square =
        (own_upper * own_upper * (1 + relative_) * (1 + 8 * eps) + 4 * absolute_) /
        ((1 - relative_) * (1 - 8 * eps));
    return std::sqrt(square) * (1 + 8 * eps);
  }

  /// The distance between the own centre and another beyond which the other is past
  /// `threshold` for every point within own_upper of the own centre (triangle inequality:
  /// |x - other| >= |own - other| - |x - own|), rounded up.
  static double reach(double threshold, double own_upper) {
    return (threshold + own_upper) * (1 + 8 * eps);
  }

 private:
  static constexpr double eps = std::numeric_limits<double>::epsilon();
  double relative_, absolute_;
};

}  // namespace km::detail
