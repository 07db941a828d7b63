// The expanded-form screen for short rows: every centre's score |c|^2 - 2 x.c for one point,
// computed a register of centres at a time, then the exactness check of DESIGN.md rule 3.
//
// In low and middle dimension a matrix product spends more time packing its operands and the
// caller more time re-reading the product block than the arithmetic takes. Here the centres are
// packed once per pass, `lanes` of them side by side (one SIMD register per dimension), so a
// point's scores come out of d multiply-adds per register, straight into the running minima.
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
  /// Centres per register: Eigen's widest packet (8 doubles with AVX-512), at least 4 so that
  /// a build without SIMD still has independent chains to overlap.
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

  /// Packs `centres` for the passes to come; false when their norms are too large for the
  /// expanded form (the caller then compares canonically).
  bool set_centres(const row_matrix<Scalar>& centres) {
    k_ = static_cast<int>(centres.rows());
    d_ = centres.cols();
    groups_ = (k_ + lanes - 1) / lanes;
    packed_.assign(static_cast<std::size_t>(groups_) * static_cast<std::size_t>(d_ + 1) * lanes,
                   Scalar(0));
    Scalar largest_norm = 0;
    for (int c = 0; c < groups_ * lanes; ++c) {
      Scalar* group = packed_.data() + static_cast<std::size_t>(c / lanes) *
                                           static_cast<std::size_t>(d_ + 1) * lanes;
      const int lane = c % lanes;
      if (c >= k_) {  // padding: a score of +inf never wins and is never a candidate
        group[lane] = std::numeric_limits<Scalar>::infinity();
        continue;
      }
      const Scalar norm = centres.row(c).squaredNorm();
      group[lane] = norm;
      largest_norm = std::max(largest_norm, norm);
      for (Eigen::Index j = 0; j < d_; ++j)
        group[(j + 1) * lanes + lane] = centres(c, j);
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

  /// Values of one point's score row: k rounded up to whole registers.
  Eigen::Index padded_k() const noexcept { return Eigen::Index(groups_) * lanes; }

  /// Scores |c|^2 - 2 x.c of `tile` points against every centre, into `scores` (row p of
  /// padded_k() values for point p). Several points per register of centres: their chains of
  /// multiply-adds are independent, so the processor overlaps them instead of waiting on one.
  template <int tile>
  void score(const Scalar* const* points, Scalar* scores) const {
    // -2 x, exact, once per point rather than once per register of centres.
    Eigen::Array<Scalar, tile, max_dimensions> twice;
    for (int p = 0; p < tile; ++p) {
      for (Eigen::Index j = 0; j < d_; ++j)
        twice(p, j) = -2 * points[p][j];
    }
    for (int g = 0; g < groups_; ++g) {
      const Scalar* group = group_data(g);
      pack sum[tile];
      for (int p = 0; p < tile; ++p)
        sum[p] = Eigen::Map<const pack>(group);
      for (Eigen::Index j = 0; j < d_; ++j) {
        const pack coordinate = Eigen::Map<const pack>(group + (j + 1) * lanes);
        for (int p = 0; p < tile; ++p)
          sum[p] += twice(p, j) * coordinate;
      }
      for (int p = 0; p < tile; ++p)
        Eigen::Map<pack>(scores + p * padded_k() + g * lanes) = sum[p];
    }
  }

  /// The canonically nearest centre to `point` (squared norm `norm`, at most max / 16), ties to
  /// the lowest index, from its row of score(). `previous` (or -1) is tried first. `candidates`
  /// holds k ints of the caller's scratch; `canonical` counts the canonical distances computed
  /// for near-ties. Safe to call from several threads at once.
  template <typename CentreRow>
  int nearest(const Scalar* point, Scalar norm, int previous, CentreRow centre_row,
              const Scalar* scores, int* candidates, std::uint64_t& canonical) const {
    pack smallest = Eigen::Map<const pack>(scores);
    for (int g = 1; g < groups_; ++g)
      smallest = smallest.min(Eigen::Map<const pack>(scores + g * lanes));
    const Scalar best = smallest.minCoeff();
    // The likely winner: most often the point's centre of the previous pass.
    int winner = previous;
    if (previous < 0 || scores[previous] != best) {
      winner = 0;
      while (scores[winner] != best)
        ++winner;
    }
    const Scalar threshold = best + 2 * margin(norm);
    if (runner_up(scores, winner) > threshold) return winner;
    return nearest_among_close(point, threshold, centre_row, scores, candidates, canonical);
  }

  /// The smallest score of the centres other than `winner`: the minimum over all registers,
  /// with +inf added to the winner's lane (no lane masking in Eigen's fixed-size arrays costs
  /// less).
  Scalar runner_up(const Scalar* scores, int winner) const {
    const int winner_group = winner / lanes;
    pack smallest = Eigen::Map<const pack>(scores + winner_group * lanes) +
                    Eigen::Map<const pack>(hide_lane_.data() + (winner % lanes) * lanes);
    for (int g = 0; g < groups_; ++g) {
      if (g != winner_group) smallest = smallest.min(Eigen::Map<const pack>(scores + g * lanes));
    }
    return smallest.minCoeff();
  }

 private:
  const Scalar* group_data(int g) const {
    return packed_.data() + static_cast<std::size_t>(g) * static_cast<std::size_t>(d_ + 1) * lanes;
  }

  template <typename CentreRow>
  int nearest_among_close(const Scalar* point, Scalar threshold, CentreRow centre_row,
                          const Scalar* scores, int* candidates, std::uint64_t& canonical) const {
    int count = 0;
    for (int c = 0; c < k_; ++c) {
      if (!(scores[c] > threshold)) candidates[count++] = c;
    }
    canonical += static_cast<std::uint64_t>(count);
    Scalar distance;
    return nearest_of(point, candidates, count, centre_row, d_, distance);
  }

  // Row L: +inf in lane L, 0 in the others (inf + a finite score = inf).
  const std::vector<Scalar> hide_lane_ = [] {
    std::vector<Scalar> rows(lanes * lanes, Scalar(0));
    for (int lane = 0; lane < lanes; ++lane)
      rows[static_cast<std::size_t>(lane * lanes + lane)] = std::numeric_limits<Scalar>::infinity();
    return rows;
  }();
  // Group g: `lanes` squared norms, then d rows of `lanes` coordinates (centre g * lanes + lane).
  std::vector<Scalar> packed_;
  int k_ = 0, groups_ = 0;
  Eigen::Index d_ = 0;
  Scalar relative_ = 0, absolute_ = 0, centre_margin_ = 0;
};

}  // namespace km::detail
