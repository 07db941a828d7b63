// The expanded-form screen for long rows: a block of points against every centre through Eigen's
// matrix product, |c|^2 - 2 x.c per centre, then the exactness check of DESIGN.md rule 3.
//
// From about 64 coordinates on, the product's cache blocking beats scoring a tile of points at a
// time (tile_screen): a centre's row no longer fits beside the tile in registers. As there,
// double points may be scored in float (Lane = float, a single-precision product at twice the
// rate) with the margin widened by float's roundings.
#pragma once

#include <cstdint>
#include <type_traits>

#include <Eigen/Core>

#include "../result.hpp"
#include "distance.hpp"
#include "points.hpp"
#include "screen_lanes.hpp"

namespace km::detail {

/// One thread's buffers for product_screen<Scalar, Lane>: a block's scores, and its points
/// rounded to Lane (when Lane is narrower than Scalar).
template <typename Lane>
struct product_scratch {
  row_matrix<Lane> scores;
  row_matrix<Lane> rounded;
};

template <typename Scalar, typename Lane = Scalar>
class product_screen {
  static_assert(sizeof(Lane) <= sizeof(Scalar), "lanes at most as wide as the points' scalars");

 public:
  /// Whether a point (or centre) of squared norm `norm` fits the expanded form in Lane.
  static bool accepts(Scalar norm) { return fits_expanded<Lane>(norm); }

  using lane_type = Lane;

  /// Takes `centres` (kept by reference: they must outlive the pass) for the blocks to come;
  /// false when their norms are too large for the expanded form.
  bool set_centres(const row_matrix<Scalar>& centres) {
    centres_ = &centres;
    const Eigen::Index d = centres.cols();
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> norms = centres.rowwise().squaredNorm();
    if (!norms.unaryExpr([](Scalar norm) { return accepts(norm); }).all()) return false;
    // Each centre's own share of the margin (detail::expanded_margin); the point's share is the
    // same for every centre.
    margin_ = expanded_margin<Scalar, Lane>(d);
    if constexpr (!std::is_same_v<Lane, Scalar>) lane_centres_ = centres.template cast<Lane>();
    centre_norms_ = norms.template cast<Lane>();
    centre_margins_ = margin_.centre_relative * norms;
    return margin_.finite();
  }

  /// Rows [start, start + rows) of `points` against every centre: their scores, into the first
  /// `rows` rows of own.scores (resized to at least that many rows, and k columns).
  void score(const points_view<Scalar>& points, Eigen::Index start, Eigen::Index rows,
             product_scratch<Lane>& own) const {
    const Eigen::Index k = centre_norms_.size();
    if (own.scores.rows() < rows || own.scores.cols() != k) own.scores.resize(rows, k);
    auto block = own.scores.topRows(rows);
    if constexpr (std::is_same_v<Lane, Scalar>) {
      block.noalias() = points.middleRows(start, rows) * centres_->transpose();
    } else {
      if (own.rounded.rows() < rows || own.rounded.cols() != points.cols())
        own.rounded.resize(rows, points.cols());
      own.rounded.topRows(rows) = points.middleRows(start, rows).template cast<Lane>();
      block.noalias() = own.rounded.topRows(rows) * lane_centres_.transpose();
    }
    block.array() = (Lane(-2) * block.array()).rowwise() + centre_norms_.array().transpose();
  }

  /// Row p of the block last scored into `own`.
  static const Lane* scores_of(const product_scratch<Lane>& own, Eigen::Index p) {
    return own.scores.row(p).data();
  }

  /// How far |x|^2 + the score of centre c may be from the exact |x - c|^2, and the canonical
  /// distance too, for a point of squared norm `norm`.
  Scalar margin(int c, Scalar norm) const { return centre_margins_[c] + point_margin(norm); }

  /// The canonically nearest centre to `point` (squared norm `norm`), ties to the lowest index,
  /// from its row of score(). `previous` (or -1) is tried first. `candidates` holds k ints of the
  /// caller's scratch; `canonical` counts the canonical distances computed for near-ties.
  int nearest(const Scalar* point, Scalar norm, const Lane* scores, int previous, int* candidates,
              std::uint64_t& canonical) const {
    using array = Eigen::Array<Lane, Eigen::Dynamic, 1>;
    const int k = static_cast<int>(centre_norms_.size());
    // Whole-row array expressions, so that Eigen vectorises them; min is exact in any order.
    // Compared in Scalar: a Lane = float sum could round best + 2 margin.
    const auto score = Eigen::Map<const array>(scores, k).template cast<Scalar>();
    const auto margins = centre_margins_.array();
    const Scalar best_upper = (score + margins).minCoeff();
    const Scalar threshold = best_upper + 2 * point_margin(norm);
    // Candidates: centres whose lower end is not above the threshold. Usually only the best.
    const int count = k - static_cast<int>((score - margins > threshold).count());
    if (count > 1) canonical += static_cast<std::uint64_t>(count);
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
  Scalar point_margin(Scalar norm) const {
    return margin_.point_relative * norm + margin_.absolute;
  }

  const row_matrix<Scalar>* centres_ = nullptr;  // for the canonical comparisons
  row_matrix<Lane> lane_centres_;                // rounded to Lane, when not Scalar
  Eigen::Matrix<Lane, Eigen::Dynamic, 1> centre_norms_;
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> centre_margins_;
  expanded_margin<Scalar, Lane> margin_{0};
};

}  // namespace km::detail
