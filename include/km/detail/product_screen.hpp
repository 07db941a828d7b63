// The expanded-form screen for long rows: a block of points against every centre through Eigen's
// matrix product, |c|^2 - 2 x.c per centre, then the exactness check of DESIGN.md rule 3.
//
// From about 64 coordinates on, the product's cache blocking beats scoring a tile of points at a
// time (expanded_screen): a centre's row no longer fits beside the tile in registers.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include <Eigen/Core>

#include "../result.hpp"
#include "distance.hpp"
#include "points.hpp"

namespace km::detail {

template <typename Scalar>
class product_screen {
 public:
  /// Whether a point (or centre) of squared norm `norm` fits the expanded form.
  static bool accepts(Scalar norm) { return norm <= std::numeric_limits<Scalar>::max() / 16; }

  /// Takes `centres` (kept by reference: they must outlive the pass) for the blocks to come;
  /// false when their norms are too large for the expanded form.
  bool set_centres(const row_matrix<Scalar>& centres) {
    centres_ = &centres;
    relative_ = error_bound<Scalar>::relative(centres.cols());
    absolute_ = error_bound<Scalar>::absolute(centres.cols());
    centre_norms_ = centres.rowwise().squaredNorm();
    // The margin of centre c for point x: 6 relative |c|^2 + 4 relative |x|^2 + absolute. It
    // bounds the error of the expanded form (gamma_d (3 |c|^2 + |x|^2)) and of the computed
    // |x|^2 (gamma_d |x|^2), plus that of the canonical form (gamma_d |x - c|^2 <=
    // 2 gamma_d (|x|^2 + |c|^2)), with room for the few roundings of the comparisons themselves
    // (relative exceeds gamma_d by 16 roundings). The point's share is the same for every centre.
    centre_margins_ = (6 * relative_) * centre_norms_;
    return std::isfinite(relative_) && (centre_norms_.array().abs() <= limit()).all();
  }

  /// Rows [start, start + rows) of `points` against every centre: their scores, into the first
  /// `rows` rows of `scores` (which must have at least that many, and k columns).
  void score(const points_view<Scalar>& points, Eigen::Index start, Eigen::Index rows,
             row_matrix<Scalar>& scores) const {
    auto block = scores.topRows(rows);
    block.noalias() = points.middleRows(start, rows) * centres_->transpose();
    block.array() = (Scalar(-2) * block.array()).rowwise() + centre_norms_.array().transpose();
  }

  /// How far |x|^2 + the score of centre c may be from the exact |x - c|^2, and the canonical
  /// distance too, for a point of squared norm `norm`.
  Scalar margin(int c, Scalar norm) const { return centre_margins_[c] + point_margin(norm); }

  /// The canonically nearest centre to `point` (squared norm `norm`), ties to the lowest index,
  /// from its row of score(). `previous` (or -1) is tried first. `candidates` holds k ints of the
  /// caller's scratch; `distances` counts the k expanded distances and the canonical ones of
  /// near-ties.
  int nearest(const Scalar* point, Scalar norm, const Scalar* scores, int previous, int* candidates,
              std::uint64_t& distances) const {
    using array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
    const int k = static_cast<int>(centre_norms_.size());
    // Whole-row array expressions, so that Eigen vectorises them; min is exact in any order.
    const Eigen::Map<const array> score(scores, k);
    const auto margins = centre_margins_.array();
    const Scalar best_upper = (score + margins).minCoeff();
    const Scalar threshold = best_upper + 2 * point_margin(norm);
    // Candidates: centres whose lower end is not above the threshold. Usually only the best.
    const int count = k - static_cast<int>((score - margins > threshold).count());
    distances +=
        static_cast<std::uint64_t>(k) + (count > 1 ? static_cast<std::uint64_t>(count) : 0);
    if (count == 1) {  // which one: most often the point's centre of the previous pass
      if (previous >= 0 && !(score[previous] - margins[previous] > threshold)) return previous;
      int c = 0;
      while (score[c] - margins[c] > threshold)
        ++c;
      return c;
    }
    int listed = 0;
    for (int c = 0; c < k; ++c) {
      if (!(score[c] - margins[c] > threshold)) candidates[listed++] = c;
    }
    Scalar distance;
    return nearest_of(
        point, candidates, listed, [this](int c) { return centres_->row(c).data(); },
        centres_->cols(), distance);
  }

 private:
  static Scalar limit() { return std::numeric_limits<Scalar>::max() / 16; }
  Scalar point_margin(Scalar norm) const { return 4 * relative_ * norm + absolute_; }

  const row_matrix<Scalar>* centres_ = nullptr;
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> centre_norms_;
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> centre_margins_;
  Scalar relative_ = 0, absolute_ = 0;
};

}  // namespace km::detail
