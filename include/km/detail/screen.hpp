// The expanded-form screen for short rows: every centre's score |c|^2 - 2 x.c for a tile of
// points, then the exactness check of DESIGN.md rule 3.
//
// In low and middle dimension a matrix product spends more time packing its operands and the
// caller more time re-reading the product block than the arithmetic takes. Here one SIMD
// register holds the same centre's score for `lanes` points: a centre costs d multiply-adds with
// its coordinates broadcast, and the running best and second-best scores of every point of the
// tile are a register each, kept by min and max alone. No search across a register's lanes is
// left for the per-point decision, which mostly reduces to two comparisons.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "../result.hpp"
#include "distance.hpp"
#include "points.hpp"

namespace km::detail {

template <typename Scalar>
class expanded_screen {
 public:
  /// Points per tile: Eigen's widest packet (8 doubles with AVX-512), at least 4 so that a build
  /// without SIMD still has independent chains to overlap.
  static constexpr int lanes = std::max<int>(4, EIGEN_MAX_ALIGN_BYTES / int(sizeof(Scalar)));
  using pack = Eigen::Array<Scalar, lanes, 1>;
  /// The longest rows screened here; longer ones go through a matrix product's cache blocks.
  static constexpr int max_dimensions = 64;

  /// The largest squared norm of the points (inf past the range): the screen needs every one
  /// at most max / 16, and margin() may take this bound in place of a point's own norm.
  static Scalar largest_norm(const points_view<Scalar>& points) {
    Scalar largest = 0;
    for (Eigen::Index i = 0; i < points.rows(); ++i)
      largest = std::max(largest, points.row(i).squaredNorm());
    return largest;
  }

  /// Takes `centres` for the passes to come; false when their norms are too large for the
  /// expanded form (the caller then compares canonically).
  bool set_centres(const row_matrix<Scalar>& centres) {
    k_ = static_cast<int>(centres.rows());
    d_ = centres.cols();
    // Padding centres up to whole half blocks: score 0 coordinates, +inf norm, never a winner
    // nor a candidate. A tail scored one centre at a time would be a single chain of d
    // multiply-adds, each waiting on the last.
    padded_k_ = (k_ + centres_at_once / 2 - 1) / (centres_at_once / 2) * (centres_at_once / 2);
    coordinates_.assign(std::size_t(padded_k_) * std::size_t(d_), Scalar(0));
    std::copy_n(centres.data(), centres.size(), coordinates_.begin());
    norms_.assign(std::size_t(padded_k_) * lanes, std::numeric_limits<Scalar>::infinity());
    Scalar largest_norm = 0;
    for (int c = 0; c < k_; ++c) {
      const Scalar norm = centres.row(c).squaredNorm();
      std::fill_n(norms_.begin() + std::ptrdiff_t(c) * lanes, lanes, norm);
      largest_norm = std::max(largest_norm, norm);
    }
    relative_ = error_bound<Scalar>::relative(d_);
    absolute_ = error_bound<Scalar>::absolute(d_);
    centre_margin_ = 6 * relative_ * largest_norm;
    return std::isfinite(relative_) && largest_norm <= std::numeric_limits<Scalar>::max() / 16;
  }

  /// How far |x|^2 + score(c) may be from the exact |x - c|^2, and the canonical distance too,
  /// for a point of squared norm `norm` (rigorous for any summation order, with or without FMA;
  /// gamma = d u / (1 - d u)): the score is off by at most gamma (3 |c|^2 + |x|^2), the computed
  /// |x|^2 by gamma |x|^2, the canonical distance, at most 2 (|x|^2 + |c|^2), by gamma times
  /// that; relative_ exceeds gamma by 16 roundings, which cover the few operations around it.
  Scalar margin(Scalar norm) const { return centre_margin_ + (4 * relative_ * norm + absolute_); }

  /// Scalars of one tile's scores: k registers of `lanes` (and a few of padding).
  Eigen::Index tile_size() const noexcept { return Eigen::Index(padded_k_) * lanes; }

  /// One tile's outcome: every centre's score, centre c's for point p at c * lanes + p, and per
  /// point the smallest score and the second smallest (equal to it on a tie).
  struct tile {
    Scalar* scores;
    pack best, second;

    Scalar at(int centre, int p) const {
      return scores[std::size_t(centre) * lanes + std::size_t(p)];
    }
  };

  /// Scores the `lanes` points (a short tile repeats a point) against every centre, into
  /// `scores` (tile_size() scalars). Several centres at once: their chains of multiply-adds are
  /// independent, so the processor overlaps them instead of waiting on one.
  tile score(const Scalar* const* points, Scalar* scores) const {
    // -2 x, exact, a register per coordinate: once per tile rather than once per centre.
    pack twice[max_dimensions];
    for (Eigen::Index j = 0; j < d_; ++j) {
      for (int p = 0; p < lanes; ++p)
        twice[j](p) = -2 * points[p][j];
    }
    // Registers are filled by loads from broadcast copies (norms, infinities), never by
    // pack::Constant: GCC builds those from half-width stores, and the full-width load that
    // follows cannot be forwarded from them (a stall on every centre's chain).
    pack best = Eigen::Map<const pack>(infinities_.data());
    pack second = best;
    int c = 0;
    for (; c + centres_at_once <= padded_k_; c += centres_at_once)
      score_centres<centres_at_once>(twice, c, scores, best, second);
    if (c < padded_k_) score_centres<centres_at_once / 2>(twice, c, scores, best, second);
    return tile{scores, best, second};
  }

  /// The canonically nearest centre to point p of `scored` (`point`, squared norm `norm`, at most
  /// max / 16), ties to the lowest index. `previous` (or -1) is tried first. `candidates` holds k
  /// ints of the caller's scratch; `canonical` counts the canonical distances computed for
  /// near-ties. Safe to call from several threads at once.
  template <typename CentreRow>
  int nearest(const tile& scored, int p, const Scalar* point, Scalar norm, int previous,
              CentreRow centre_row, int* candidates, std::uint64_t& canonical) const {
    const Scalar best = scored.best(p);
    const Scalar threshold = best + 2 * margin(norm);
    if (!(scored.second(p) > threshold)) {
      int count = 0;
      for (int c = 0; c < k_; ++c) {
        if (!(scored.at(c, p) > threshold)) candidates[count++] = c;
      }
      canonical += static_cast<std::uint64_t>(count);
      Scalar distance;
      return nearest_of(point, candidates, count, centre_row, d_, distance);
    }
    // One centre is clear of the others: the one with the smallest score, most often the
    // point's centre of the previous pass.
    if (previous >= 0 && scored.at(previous, p) == best) return previous;
    int winner = 0;
    while (scored.at(winner, p) != best)
      ++winner;
    return winner;
  }

  /// The smallest score of point p among the centres other than `winner`.
  static Scalar runner_up(const tile& scored, int p, int winner) {
    return scored.at(winner, p) == scored.best(p) ? scored.second(p) : scored.best(p);
  }

 private:
  static constexpr int centres_at_once = 8;

  /// Scores centres [first, first + count) and folds them into the tile's best and second.
  template <int count>
  void score_centres(const pack* twice, int first, Scalar* scores, pack& best, pack& second) const {
    const Scalar* coordinates = coordinates_.data() + std::size_t(first) * std::size_t(d_);
    // Fewer centres than a full block split each sum into partial sums over every chains-th
    // coordinate: always centres_at_once independent chains of multiply-adds.
    constexpr int chains = centres_at_once / count;
    pack partial[count][chains];
    for (int b = 0; b < count; ++b) {
      partial[b][0] = Eigen::Map<const pack>(norms_.data() + std::size_t(first + b) * lanes);
      for (int h = 1; h < chains; ++h)
        partial[b][h] = pack::Zero();
    }
    Eigen::Index j = 0;
    for (; j + chains <= d_; j += chains) {
      for (int h = 0; h < chains; ++h) {
        for (int b = 0; b < count; ++b)
          partial[b][h] += twice[j + h] * coordinates[b * d_ + j + h];
      }
    }
    for (; j < d_; ++j) {
      for (int b = 0; b < count; ++b)
        partial[b][0] += twice[j] * coordinates[b * d_ + j];
    }
    pack sum[count];
    for (int b = 0; b < count; ++b) {
      sum[b] = partial[b][0];
      for (int h = 1; h < chains; ++h)
        sum[b] += partial[b][h];
    }
    for (int b = 0; b < count; ++b)
      Eigen::Map<pack>(scores + std::size_t(first + b) * lanes) = sum[b];
    // A tournament among the block, then one merge into the running pair: a chain of one
    // minimum per block rather than one per centre.
    pack block_best, block_second;
    smallest_two<count>(sum, block_best, block_second);
    second = best.max(block_best).min(second.min(block_second));
    best = best.min(block_best);
  }

  /// The smallest and the second smallest (equal on a tie) of each lane of `values`.
  template <int count>
  static void smallest_two(const pack* values, pack& best, pack& second) {
    if constexpr (count == 1) {
      best = values[0];
      second = Eigen::Map<const pack>(infinities_.data());
    } else if constexpr (count == 2) {
      best = values[0].min(values[1]);
      second = values[0].max(values[1]);
    } else {
      pack best_low, second_low, best_high, second_high;
      smallest_two<count / 2>(values, best_low, second_low);
      smallest_two<count - count / 2>(values + count / 2, best_high, second_high);
      best = best_low.min(best_high);
      second = best_low.max(best_high).min(second_low.min(second_high));
    }
  }

  std::vector<Scalar> coordinates_;  // the centres, row after row, then the padding
  std::vector<Scalar> norms_;        // their squared norms, each repeated `lanes` times
  inline static const std::vector<Scalar> infinities_ =
      std::vector<Scalar>(lanes, std::numeric_limits<Scalar>::infinity());
  int k_ = 0, padded_k_ = 0;
  Eigen::Index d_ = 0;
  Scalar relative_ = 0, absolute_ = 0, centre_margin_ = 0;
};

}  // namespace km::detail
