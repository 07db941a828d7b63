// km::vectorised: every centre's |x - c|^2 = |x|^2 - 2 x.c + |c|^2 at once, then the exactness
// check of DESIGN.md rule 3. Rows up to 64 long go through detail::expanded_screen (a tile of
// points against centres broadcast one by one; double points in float lanes while that decides
// nearly every point); longer rows through blocks of Eigen's matrix product.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include "detail/distance.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"
#include "detail/product_screen.hpp"
#include "detail/screen.hpp"

namespace km {

/// The expanded form is fast (a matrix product) but rounds differently from the canonical
/// distance, and it loses accuracy when |x| and |c| are large next to |x - c|. Each distance is
/// therefore only trusted up to a rigorous error margin; every centre whose interval overlaps the
/// best one's is re-decided with the canonical distance. Memory beside the data: for rows up to
/// 64 long, k x d centres in each lane type and a tile's k scores per thread; for longer rows, n
/// point norms and one block x k product buffer per thread. Never n x k.
struct vectorised {
  template <typename Scalar>
  class assigner {
    using screen_type = detail::expanded_screen<Scalar>;
    /// Double points are screened in float lanes first (twice the points per register), for as
    /// long as that leaves few of them to the canonical comparison.
    using coarse_type = detail::expanded_screen<Scalar, float>;
    using product_screen_type = detail::product_screen<Scalar>;
    static constexpr bool has_coarse = !std::is_same_v<Scalar, float>;

   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : points_(points), team_(team) {
      if (points.cols() <= screen_dimensions) {
        // Short rows: the screen's margins take the largest norm, and no n-vector is stored
        // (a fresh one costs more in page faults than the norms cost to compute).
        largest_norm_ = screen_type::largest_norm(points);
        norms_usable_ = screen_type::accepts(largest_norm_);
        coarse_usable_ = has_coarse && coarse_type::accepts(largest_norm_);
      } else {
        point_norms_ = points.rowwise().squaredNorm();
        norms_usable_ = (point_norms_.array() <= std::numeric_limits<Scalar>::max() / 16).all();
      }
    }

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      const Eigen::Index n = points_.rows();
      const Eigen::Index d = points_.cols();
      const int k = static_cast<int>(centres.rows());
      if (d <= screen_dimensions && norms_usable_) {
        if (coarse_usable_ && coarse_.set_centres(centres)) {
          // Lost to near-ties (data far from the origin next to its spread, say): then the
          // canonical comparisons cost more than float saves, for the rest of the fit.
          const std::uint64_t before = canonical_.total();
          const Eigen::Index changed = screened(coarse_, centres, labels);
          if (8 * (canonical_.total() - before) > static_cast<std::uint64_t>(n))
            coarse_usable_ = false;
          return changed;
        }
        if (screen_.set_centres(centres)) return screened(screen_, centres, labels);
      }
      // Keep the product block near 256 KiB whatever k is, and at least 64 rows for the GEMM.
      const Eigen::Index block = std::clamp<Eigen::Index>((Eigen::Index(1) << 15) / k, 64, 2048);
      const detail::chunks work{n, block};
      const int slots = team_.slots(work.count());
      if (scratch_.size() < static_cast<std::size_t>(slots))
        scratch_.resize(static_cast<std::size_t>(slots));
      distances_.resize(slots);
      const bool fast = norms_usable_ && products_.set_centres(centres);
      return detail::sum_over_chunks(
          team_, work, [&](Eigen::Index start, Eigen::Index end, int slot) {
            scratch& own = scratch_[static_cast<std::size_t>(slot)];
            own.products.resize(block, k);
            own.candidates.resize(static_cast<std::size_t>(k));
            const Eigen::Index rows = end - start;
            if (fast) products_.score(points_, start, rows, own.products);
            Eigen::Index changed = 0;
            for (Eigen::Index r = 0; r < rows; ++r) {
              const Eigen::Index i = start + r;
              const int label = fast ? products_.nearest(points_.row(i).data(), point_norms_[i],
                                                         own.products.row(r).data(), labels[i],
                                                         own.candidates.data(), distances_[slot])
                                     : nearest_canonical(i, centres, own, slot);
              if (labels[i] != label) {
                labels[i] = label;
                ++changed;
              }
            }
            return changed;
          });
    }

    /// Expanded-form distances plus the canonical ones of near-ties.
    std::uint64_t distance_computations() const noexcept { return distances_.total(); }

    /// Up to this many columns the points go through detail::expanded_screen one by one; from
    /// there on the matrix product's cache blocking wins (bench/README.md, "vectorised").
    static constexpr Eigen::Index screen_dimensions = screen_type::max_dimensions;

   private:
    template <typename Screen>
    Eigen::Index screened(const Screen& screen, const row_matrix<Scalar>& centres,
                          Eigen::VectorXi& labels) {
      constexpr int tile = Screen::lanes;
      const int k = static_cast<int>(centres.rows());
      const detail::chunks work{points_.rows(), 2048};
      const int slots = team_.slots(work.count());
      if (scratch_.size() < static_cast<std::size_t>(slots))
        scratch_.resize(static_cast<std::size_t>(slots));
      distances_.resize(slots);
      canonical_.resize(slots);
      const auto centre_row = [&centres](int c) { return centres.row(c).data(); };
      return detail::sum_over_chunks(
          team_, work, [&](Eigen::Index begin, Eigen::Index end, int slot) {
            scratch& own = scratch_[static_cast<std::size_t>(slot)];
            auto* scores = own.scores.sized_for(screen);
            own.candidates.resize(static_cast<std::size_t>(k));
            std::uint64_t canonical = 0;
            Eigen::Index changed = 0;
            for (Eigen::Index i = begin; i < end; i += tile) {
              // A short last tile repeats its last point rather than branch in the kernel.
              const int size = static_cast<int>(std::min<Eigen::Index>(tile, end - i));
              const Scalar* rows[tile];
              for (int p = 0; p < tile; ++p)
                rows[p] = points_.row(i + std::min(p, size - 1)).data();
              const auto scored = screen.score(rows, scores);
              for (int p = 0; p < size; ++p) {
                const int label = screen.nearest(scored, p, rows[p], largest_norm_, labels[i + p],
                                                 centre_row, own.candidates.data(), canonical);
                if (labels[i + p] != label) {
                  labels[i + p] = label;
                  ++changed;
                }
              }
            }
            distances_[slot] +=
                static_cast<std::uint64_t>(end - begin) * static_cast<std::uint64_t>(k) + canonical;
            canonical_[slot] += canonical;
            return changed;
          });
    }

    /// Per thread: one block's products (or one tile's scores) and the candidate list of one
    /// point.
    struct scratch {
      row_matrix<Scalar> products;
      detail::tile_scores<Scalar> scores;
      std::vector<int> candidates;
    };

    /// Used when the norms are too large for the expanded form (huge offsets): plain canonical.
    int nearest_canonical(Eigen::Index i, const row_matrix<Scalar>& centres, scratch& own,
                          int slot) {
      const int k = static_cast<int>(centres.rows());
      for (int c = 0; c < k; ++c)
        own.candidates[static_cast<std::size_t>(c)] = c;
      distances_[slot] += static_cast<std::uint64_t>(k);
      Scalar distance;
      return detail::nearest_of(
          points_.row(i).data(), own.candidates.data(), k,
          [&centres](int c) { return centres.row(c).data(); }, points_.cols(), distance);
    }

    detail::points_view<Scalar> points_;
    detail::thread_team& team_;
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> point_norms_;  // for the matrix product only
    Scalar largest_norm_ = 0;                               // for the screen only
    bool norms_usable_ = false;
    product_screen_type products_;  // the centres for long rows
    screen_type screen_;            // the centres packed for short rows
    coarse_type coarse_;            // the same in float lanes, for double points
    bool coarse_usable_ = false;
    detail::slot_counters canonical_;  // canonical comparisons of screened points, per thread
    std::vector<scratch> scratch_;     // one per thread
    detail::slot_counters distances_;  // per thread
  };
};

}  // namespace km
