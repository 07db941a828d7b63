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
#include "parallel.hpp"

namespace km::detail {

template <typename Scalar>
class distance_bounds {
 public:
  explicit distance_bounds(Eigen::Index d)
      : relative_(static_cast<double>(error_bound<Scalar>::relative(d))),
        absolute_(static_cast<double>(error_bound<Scalar>::absolute(d))) {
    // Past relative_ = 1/4 (float data with d in the millions) the bounds prove nothing.
    if (!(relative_ < 0.25)) return;
    const double denominator = (1 - relative_) * (1 - 8 * eps);
    threshold_factor_ =
        std::sqrt((1 + relative_) * (1 + 8 * eps) / denominator * (1 + 4 * eps)) * (1 + 12 * eps);
    threshold_offset_ = std::sqrt(4 * absolute_ / denominator * (1 + 4 * eps)) * (1 + 12 * eps);
  }

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

  /// Bounds on the exact distance from a screen's score: |x|^2 + score is within `margin` of
  /// the exact square (tile_screen::margin, product_screen::margin). Each rounding here is relative
  /// to its own result, so each sum is pushed outwards before the next operation uses it.
  static double upper_from_score(double norm, double score, double margin) {
    const double sum = std::max(norm + score, 0.0) * (1 + 2 * eps);
    return std::sqrt((sum + margin) * (1 + 2 * eps)) * (1 + 4 * eps);
  }
  static double lower_from_score(double norm, double score, double margin) {
    const double sum = (norm + score) * (1 - 2 * eps);
    const double square = (sum - margin) * (1 - 2 * eps);
    return square > 0 ? std::sqrt(square) * (1 - 4 * eps) : 0.0;
  }
  /// The same for arrays of doubles, element by element: one vector square root for them all.
  template <typename Array>
  static Array lower_from_score(const Array& norm, const Array& score, const Array& margin) {
    const Array sum = (norm + score) * (1 - 2 * eps);
    const Array square = (sum - margin) * (1 - 2 * eps);
    return (square > 0).select(square.sqrt() * (1 - 4 * eps), 0.0);  // NaN roots unselected
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
  /// is given, between every two centres: k^2 / 2 distances every pass, a large part of it once
  /// the bounds hold, so they are shared out to the team. Centre a and centre k - 1 - a together
  /// have k - 1 pairs with the centres after them: such twins make tasks of equal work. Each thread
  /// slot keeps its own nearest gaps in `per_slot` (a minimum is exact in any order).
  void gaps(const row_matrix<Scalar>& centres, std::vector<double>& nearest, Eigen::MatrixXd* all,
            thread_team& team, std::vector<double>& per_slot) const {
    const Eigen::Index k = centres.rows();
    const std::size_t width = static_cast<std::size_t>(k);
    // Tasks of at least 2^15 coordinates' work: waking a thread costs microseconds.
    const Eigen::Index twins = (k + 1) / 2;
    const Eigen::Index per_twin = std::max<Eigen::Index>(1, (k - 1) * centres.cols());
    const chunks work{twins, std::max<Eigen::Index>(1, (Eigen::Index{1} << 15) / per_twin)};
    const int slots = team.slots(work.count());
    per_slot.assign(static_cast<std::size_t>(slots) * width,
                    std::numeric_limits<double>::infinity());
    if (all != nullptr) all->setZero(k, k);
    const auto pairs_after = [&](Eigen::Index a, double* mine) {
      for (Eigen::Index b = a + 1; b < k; ++b) {
        const double gap =
            lower(squared_distance(centres.row(a).data(), centres.row(b).data(), centres.cols()));
        mine[a] = std::min(mine[a], gap);
        mine[b] = std::min(mine[b], gap);
        if (all != nullptr) (*all)(a, b) = (*all)(b, a) = gap;
      }
    };
    team.run(work.count(), [&](Eigen::Index t, int slot) {
      double* mine = per_slot.data() + static_cast<std::size_t>(slot) * width;
      for (Eigen::Index a = work.begin(t); a < work.end(t); ++a) {
        pairs_after(a, mine);
        if (k - 1 - a != a) pairs_after(k - 1 - a, mine);
      }
    });
    nearest.assign(per_slot.begin(), per_slot.begin() + static_cast<std::ptrdiff_t>(width));
    for (int s = 1; s < slots; ++s) {
      const double* theirs = per_slot.data() + static_cast<std::size_t>(s) * width;
      for (std::size_t c = 0; c < width; ++c)
        nearest[c] = std::min(nearest[c], theirs[c]);
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
  /// once per bound, it turns every later test into one comparison. No square root per point:
  /// sqrt(a u^2 + b) <= sqrt(a) u + sqrt(b), with sqrt(a) and sqrt(b) worked out once.
  double nearer_threshold(double own_upper) const {
    return (threshold_factor_ * own_upper + threshold_offset_) * (1 + 4 * eps);
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
  double threshold_factor_ = std::numeric_limits<double>::infinity();
  double threshold_offset_ = std::numeric_limits<double>::infinity();
};

}  // namespace km::detail
