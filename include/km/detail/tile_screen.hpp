// The tile screen, the expanded form for short rows: every centre's score |c|^2 - 2 x.c for a
// tile of points, then the exactness check of DESIGN.md rule 3.
//
// In low and middle dimension a matrix product spends more time packing its operands and the
// caller more time re-reading the product block than the arithmetic takes. Here one SIMD
// register holds the same centre's score for `lanes` points: a centre costs d multiply-adds with
// its coordinates broadcast, and the running best and second-best scores of every point of the
// tile are a register each, kept by min and max alone. No search across a register's lanes is
// left for the per-point decision, which mostly reduces to two comparisons.
//
// Double points may be screened in float lanes (Lane = float): twice the points per register.
// The margin then also covers rounding the points and centres to float and the float
// arithmetic, so the decision it proves is still that of the exact double distances.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "../result.hpp"
#include "distance.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "screen_lanes.hpp"

namespace km::detail {

template <typename Scalar, typename Lane = Scalar>
class tile_screen {
  static_assert(sizeof(Lane) <= sizeof(Scalar), "lanes at most as wide as the points' scalars");

 public:
  /// Points per tile: Eigen's widest packet (8 doubles or 16 floats with AVX-512), at least 4 so
  /// that a build without SIMD still has independent chains to overlap.
  static constexpr int lanes = std::max<int>(4, EIGEN_MAX_ALIGN_BYTES / int(sizeof(Lane)));
  using pack = Eigen::Array<Lane, lanes, 1>;
  using lane_type = Lane;
  /// The longest rows screened here; longer ones go through a matrix product's cache blocks.
  static constexpr int max_dimensions = 64;

  /// The largest squared norm of the points (inf past the range): the screen needs every one
  /// within accepts(), and margin() may take this bound in place of a point's own norm.
  /// On the team: a pass over all the points, bound by memory on long rows.
  static Scalar largest_norm(const points_view<Scalar>& points, thread_team& team) {
    const chunks work{points.rows(), 8192};
    std::vector<Scalar> largest(static_cast<std::size_t>(work.count()), 0);  // per task
    team.run(work.count(), [&](Eigen::Index t, int) {
      Scalar norm = 0;
      for (Eigen::Index i = work.begin(t); i < work.end(t); ++i)
        norm = std::max(norm, points.row(i).squaredNorm());
      largest[static_cast<std::size_t>(t)] = norm;
    });
    return largest.empty() ? Scalar{0} : *std::max_element(largest.begin(), largest.end());
  }

  /// Whether points (or centres) of squared norm up to `norm` fit the expanded form in Lane.
  static bool accepts(Scalar norm) { return fits_expanded<Lane>(norm); }

  /// Takes `centres` for the passes to come; false when their norms are too large for the
  /// expanded form (the caller then compares canonically).
  bool set_centres(const row_matrix<Scalar>& centres) {
    k_ = static_cast<int>(centres.rows());
    d_ = centres.cols();
    // Padding centres up to whole half blocks: score 0 coordinates, +inf norm, never a winner
    // nor a candidate. A tail scored one centre at a time would be a single chain of d
    // multiply-adds, each waiting on the last.
    padded_k_ = (k_ + centres_at_once / 2 - 1) / (centres_at_once / 2) * (centres_at_once / 2);
    Scalar largest_norm = 0;
    for (int c = 0; c < k_; ++c)
      largest_norm = std::max(largest_norm, centres.row(c).squaredNorm());
    if (!accepts(largest_norm)) return false;  // also for inf and NaN
    coordinates_.assign(std::size_t(padded_k_) * std::size_t(d_), Lane(0));
    std::transform(centres.data(), centres.data() + centres.size(), coordinates_.begin(),
                   [](Scalar value) { return static_cast<Lane>(value); });
    norms_.assign(std::size_t(padded_k_) * lanes, std::numeric_limits<Lane>::infinity());
    for (int c = 0; c < k_; ++c) {
      const Lane norm = static_cast<Lane>(centres.row(c).squaredNorm());
      std::fill_n(norms_.begin() + std::ptrdiff_t(c) * lanes, lanes, norm);
    }
    margin_ = expanded_margin<Scalar, Lane>(d_);
    // The largest centre's share stands for every centre's: one threshold per point.
    centre_margin_ = margin_.centre_relative * largest_norm;
    return margin_.finite();
  }

  /// How far |x|^2 + score(c) may be from the exact |x - c|^2, and the canonical distance too,
  /// for a point of squared norm `norm` and any centre (detail::expanded_margin).
  Scalar margin(Scalar norm) const {
    return centre_margin_ + (margin_.point_relative * norm + margin_.absolute);
  }

  /// Values of one tile's scores: k registers of `lanes` (and a few of padding).
  Eigen::Index tile_size() const noexcept { return Eigen::Index(padded_k_) * lanes; }

  /// One tile's outcome: every centre's score, centre c's for point p at c * lanes + p, and per
  /// point the smallest score and the second smallest (equal to it on a tie).
  struct tile {
    Lane* scores;
    pack best, second;

    Lane at(int centre, int p) const {
      return scores[std::size_t(centre) * lanes + std::size_t(p)];
    }
  };

  /// Scores the `lanes` points (a short tile repeats a point) against every centre, into
  /// `scores` (tile_size() scalars). Several centres at once: their chains of multiply-adds are
  /// independent, so the processor overlaps them instead of waiting on one.
  tile score(const Scalar* const* points, Lane* scores) const {
    pack twice[max_dimensions];
    fill(points, d_, twice);
    return score(twice, scores);
  }

  /// The registers of a tile of points (a short tile repeats a point): -2 x, exact, then rounded
  /// to Lane, a register per coordinate, so once per tile rather than once per centre. `twice`
  /// holds the columns of the points (max_dimensions at most).
  static void fill(const Scalar* const* points, Eigen::Index columns, pack* twice) {
    for (Eigen::Index j = 0; j < columns; ++j) {
      for (int p = 0; p < lanes; ++p)
        twice[j](p) = static_cast<Lane>(-2 * points[p][j]);
    }
  }

  /// score() for a tile whose registers fill() has written.
  tile score(const pack* twice, Lane* scores) const {
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
    // The threshold and the comparisons in Scalar: Lane = float may round best + 2 margin.
    const Lane best = scored.best(p);
    const Scalar threshold = static_cast<Scalar>(best) + 2 * margin(norm);
    if (!(static_cast<Scalar>(scored.second(p)) > threshold)) {
      int count = 0;
      for (int c = 0; c < k_; ++c) {
        if (!(static_cast<Scalar>(scored.at(c, p)) > threshold)) candidates[count++] = c;
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
  static Lane runner_up(const tile& scored, int p, int winner) {
    return scored.at(winner, p) == scored.best(p) ? scored.second(p) : scored.best(p);
  }

 private:
  static constexpr int centres_at_once = 8;

  /// Scores centres [first, first + count) and folds them into the tile's best and second.
  template <int count>
  void score_centres(const pack* twice, int first, Lane* scores, pack& best, pack& second) const {
    const Lane* coordinates = coordinates_.data() + std::size_t(first) * std::size_t(d_);
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
          multiply_add(partial[b][h], twice[j + h], coordinates[b * d_ + j + h]);
      }
    }
    for (; j < d_; ++j) {
      for (int b = 0; b < count; ++b)
        multiply_add(partial[b][0], twice[j], coordinates[b * d_ + j]);
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
    const smallest_pair block = smallest_two<count>(sum);
    second = lower(higher(best, block.best), lower(second, block.second));
    best = lower(best, block.best);
  }

  /// sum += a * b, fused where the processor has a multiply-add (a single rounding: the margin
  /// holds with or without it). Spelled out because km builds with -ffp-contract=off, for the
  /// canonical distance, and that keeps the compiler from fusing `sum += a * b` here itself.
  static void multiply_add(pack& sum, const pack& a, Lane b) {
    if constexpr (Eigen::internal::packet_traits<Lane>::size == lanes) {
      using packet = typename Eigen::internal::packet_traits<Lane>::type;
      namespace simd = Eigen::internal;
      simd::pstoreu(sum.data(), simd::pmadd(simd::ploadu<packet>(a.data()), simd::pset1<packet>(b),
                                            simd::ploadu<packet>(sum.data())));
    } else {
      sum += a * b;
    }
  }

  /// Lane-wise minimum and maximum (no NaN reaches them: accepted norms keep scores finite or
  /// +inf). With GCC, on its own vector type, where `x < y ? x : y` is one min instruction:
  /// GCC 12 reports a false "used uninitialized" inside its AVX-512 min and max intrinsics,
  /// which Eigen's min() calls (GCC bug 105593), and compiles a loop over the lanes to one scalar
  /// min per lane.
  static pack lower(const pack& a, const pack& b) {
#if defined(__GNUC__) && !defined(__clang__)
    GCC_lanes x, y;
    std::memcpy(&x, a.data(), sizeof x);
    std::memcpy(&y, b.data(), sizeof y);
    return pack_of(x < y ? x : y);
#else
    return a.min(b);
#endif
  }
  static pack higher(const pack& a, const pack& b) {
#if defined(__GNUC__) && !defined(__clang__)
    GCC_lanes x, y;
    std::memcpy(&x, a.data(), sizeof x);
    std::memcpy(&y, b.data(), sizeof y);
    return pack_of(x > y ? x : y);
#else
    return a.max(b);
#endif
  }

#if defined(__GNUC__) && !defined(__clang__)
  // Never passed or returned by value: without AVX, a 32-byte vector there changes the ABI.
  typedef Lane GCC_lanes __attribute__((vector_size(sizeof(Lane) * lanes)));
  static pack pack_of(const GCC_lanes& values) {
    pack out;
    std::memcpy(out.data(), &values, sizeof values);
    return out;
  }
#endif

  /// The smallest and the second smallest (equal on a tie) of each lane of some scores.
  struct smallest_pair {
    pack best, second;
  };

  template <int count>
  static smallest_pair smallest_two(const pack* values) {
    if constexpr (count == 1) {
      return {values[0], Eigen::Map<const pack>(infinities_.data())};
    } else if constexpr (count == 2) {
      return {lower(values[0], values[1]), higher(values[0], values[1])};
    } else {
      const smallest_pair low = smallest_two<count / 2>(values);
      const smallest_pair high = smallest_two<count - count / 2>(values + count / 2);
      return {lower(low.best, high.best),
              lower(higher(low.best, high.best), lower(low.second, high.second))};
    }
  }

  std::vector<Lane> coordinates_;  // the centres, row after row, then the padding
  std::vector<Lane> norms_;        // their squared norms, each repeated `lanes` times
  inline static const std::vector<Lane> infinities_ =
      std::vector<Lane>(lanes, std::numeric_limits<Lane>::infinity());
  int k_ = 0, padded_k_ = 0;
  Eigen::Index d_ = 0;
  expanded_margin<Scalar, Lane> margin_{0};
  Scalar centre_margin_ = 0;
};

/// One thread's buffer for a tile's scores, in either lane type that may screen Scalar points.
template <typename Scalar>
class tile_scores {
 public:
  template <typename Lane>
  Lane* sized_for(const tile_screen<Scalar, Lane>& screen) {
    std::vector<Lane>& buffer = buffers_.template of<Lane>();
    buffer.resize(static_cast<std::size_t>(screen.tile_size()));
    return buffer.data();
  }

 private:
  template <typename Lane>
  using lane_vector = std::vector<Lane>;
  per_lane<Scalar, lane_vector> buffers_;
};

}  // namespace km::detail
