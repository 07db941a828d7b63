// Rigorous bounds on exact Euclidean distances, for the strategies that carry distance bounds from
// pass to pass (km::hamerly, km::elkan). Every bound is rounded outwards when it is computed or
// moved, and the only decision drawn from bounds is "this centre is canonically strictly farther
// than that one", proven with the canonical form's rounding error on both sides.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "../result.hpp"
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

  /// Upper bounds on how far each centre moved from `before` to `after`.
  void moves(const row_matrix<Scalar>& before, const row_matrix<Scalar>& after,
             std::vector<double>& moved) const {
    moved.resize(static_cast<std::size_t>(after.rows()));
    for (Eigen::Index c = 0; c < after.rows(); ++c) {
      moved[static_cast<std::size_t>(c)] =
          upper(squared_distance(before.row(c).data(), after.row(c).data(), after.cols()));
    }
  }

  /// Lower bounds on the distance from each centre to its nearest other centre and, when `all`
  /// is given, between every two centres.
  void gaps(const row_matrix<Scalar>& centres, std::vector<double>& nearest,
            Eigen::MatrixXd* all) const {
    const Eigen::Index k = centres.rows();
    nearest.assign(static_cast<std::size_t>(k), std::numeric_limits<double>::infinity());
    if (all != nullptr) all->setZero(k, k);
    for (Eigen::Index a = 0; a < k; ++a) {
      for (Eigen::Index b = a + 1; b < k; ++b) {
        const double gap =
            lower(squared_distance(centres.row(a).data(), centres.row(b).data(), centres.cols()));
        nearest[static_cast<std::size_t>(a)] = std::min(nearest[static_cast<std::size_t>(a)], gap);
        nearest[static_cast<std::size_t>(b)] = std::min(nearest[static_cast<std::size_t>(b)], gap);
        if (all != nullptr) (*all)(a, b) = (*all)(b, a) = gap;
      }
    }
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
