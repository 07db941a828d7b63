// km::vectorised: every centre's |x - c|^2 = |x|^2 - 2 x.c + |c|^2 at once, then the exactness
// check of DESIGN.md rule 3. Rows up to 64 long go through detail::tile_screen (a tile of
// points against centres broadcast one by one; double points in float lanes while that decides
// nearly every point); longer rows through blocks of Eigen's matrix product.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "detail/distance.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"
#include "detail/product_screen.hpp"
#include "detail/screen_ladder.hpp"
#include "detail/screen_lanes.hpp"
#include "detail/tile_screen.hpp"

namespace km {

/// The expanded form is fast (a matrix product) but rounds differently from the canonical
/// distance, and it loses accuracy when |x| and |c| are large next to |x - c|. Each distance is
/// therefore only trusted up to a rigorous error margin; every centre whose interval overlaps the
/// best one's is re-decided with the canonical distance. Memory beside the data: for rows up to
/// 64 long, k x d centres in each lane type, a tile's k scores per thread, and the points as
/// the screen's tiles (n x d in the lane type: floats for double points) where those take at
/// most 32 MiB; for longer rows, n point norms and one block x k product buffer per thread.
/// Never n x k.
struct vectorised {
  static constexpr std::string_view name = "vectorised";
  static constexpr std::string_view summary =
      "blocks of points against all centres by matrix product: many columns and centres";

  /// The most memory the points' tiles are kept in for a fit (1e6 x 8 or 1.3e5 x 64 points in
  /// float lanes); larger data sets fill each tile on every pass.
  static constexpr std::size_t kept_tiles_bytes = std::size_t{32} << 20;

  template <typename Scalar>
  class assigner {
    using screen_type = detail::tile_screen<Scalar>;
    using norms_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : points_(points),
          team_(team),
          largest_norm_(measure_norms()),
          ladder_(points.rows(), largest_norm_) {}

    /// The points' values changed in place (a mini-batch refilled): the passes from now on
    /// read them as a new assigner would, in the buffers this one already holds.
    void points_changed() {
      largest_norm_ = measure_norms();
      ladder_.reopen(largest_norm_);
      kept_.template of<float>().filled = false;
      kept_.template of<Scalar>().filled = false;
    }

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      if (points_.cols() > screen_dimensions) {
        return ladder_.pass(coarse_products_, products_, centres, [&](const auto* screen) {
          return screen != nullptr ? multiplied(*screen, centres, labels)
                                   : canonically(centres, labels);
        });
      }
      const Eigen::Index changed = ladder_.pass(coarse_, screen_, centres, [&](const auto* screen) {
        return screen != nullptr ? screened(*screen, centres, labels)
                                 : canonically(centres, labels);
      });
      if (ladder_.left_float()) kept_.template of<float>() = {};
      return changed;
    }

    /// Expanded-form distances plus the canonical ones of near-ties.
    std::uint64_t distance_computations() const noexcept { return distances_.total(); }

    /// The points' largest squared norm.
    Scalar largest_norm() const noexcept { return largest_norm_; }

    /// Up to this many columns the points go through detail::tile_screen one by one; from
    /// there on the matrix product's cache blocking wins.
    static constexpr Eigen::Index screen_dimensions = screen_type::max_dimensions;

   private:
    /// The points' largest squared norm. Long rows keep each point's, for the matrix product's
    /// margins; short rows store no n-vector (a fresh one costs more in page faults than the
    /// norms cost to compute).
    Scalar measure_norms() {
      if (points_.cols() <= screen_dimensions) return screen_type::largest_norm(points_, team_);
      point_norms_.resize(points_.rows());
      const detail::chunks work{points_.rows(), 8192};
      team_.run(work.count(), [&](Eigen::Index t, int) {
        const Eigen::Index rows = work.end(t) - work.begin(t);
        point_norms_.segment(work.begin(t), rows) =
            points_.middleRows(work.begin(t), rows).rowwise().squaredNorm();
      });
      return point_norms_.size() > 0 ? point_norms_.maxCoeff() : Scalar{0};
    }

    template <typename Screen>
    Eigen::Index screened(const Screen& screen, const row_matrix<Scalar>& centres,
                          Eigen::VectorXi& labels) {
      using pack = typename Screen::pack;
      constexpr int tile = Screen::lanes;
      const Eigen::Index d = points_.cols();
      // Tiles of small data sets are kept for the fit: with few centres, filling a tile
      // (converting and transposing its points) costs more than scoring it.
      kept_tiles<typename Screen::lane_type>& kept =
          kept_.template of<typename Screen::lane_type>();
      const Eigen::Index tiles = (points_.rows() + tile - 1) / tile;
      const bool keep = static_cast<std::size_t>(tiles * d) * sizeof(pack) <= kept_tiles_bytes;
      if (keep) kept.registers.resize(static_cast<std::size_t>(tiles * d));
      const bool refill = !keep || !kept.filled;
      const auto centre_row = [&centres](int c) { return centres.row(c).data(); };
      const detail::chunks work{points_.rows(), 2048};  // whole tiles
      const Eigen::Index changed = over_chunks(
          work, static_cast<int>(centres.rows()),
          [&](Eigen::Index begin, Eigen::Index end, scratch& own, std::uint64_t& canonical) {
            auto* scores = own.scores.sized_for(screen);
            pack local[Screen::max_dimensions];
            Eigen::Index changed_here = 0;
            for (Eigen::Index i = begin; i < end; i += tile) {
              // A short last tile repeats its last point rather than branch in the kernel.
              const int size = static_cast<int>(std::min<Eigen::Index>(tile, end - i));
              const Scalar* rows[tile];
              for (int p = 0; p < tile; ++p)
                rows[p] = points_.row(i + std::min(p, size - 1)).data();
              pack* twice = keep ? kept.registers.data() + (i / tile) * d : local;
              if (refill) Screen::fill(rows, d, twice);
              const auto scored = screen.score(twice, scores);
              for (int p = 0; p < size; ++p) {
                const int label = screen.nearest(scored, p, rows[p], largest_norm_, labels[i + p],
                                                 centre_row, own.candidates.data(), canonical);
                if (labels[i + p] != label) {
                  labels[i + p] = label;
                  ++changed_here;
                }
              }
            }
            return changed_here;
          });
      kept.filled = keep;
      return changed;
    }

    /// Per thread: one block's products (or one tile's scores) and the candidate list of one
    /// point.
    struct scratch {
      detail::per_lane<Scalar, detail::product_scratch> products;
      detail::tile_scores<Scalar> scores;
      std::vector<int> candidates;
    };

    /// Long rows: blocks of points through `screen`'s matrix product.
    template <typename Screen>
    Eigen::Index multiplied(const Screen& screen, const row_matrix<Scalar>& centres,
                            Eigen::VectorXi& labels) {
      const int k = static_cast<int>(centres.rows());
      // Keep the score block near 256 KiB whatever k is, and at least 64 rows for the product.
      const Eigen::Index block = std::clamp<Eigen::Index>((Eigen::Index(1) << 15) / k, 64, 2048);
      const detail::chunks work{points_.rows(), block};
      return over_chunks(
          work, k,
          [&](Eigen::Index start, Eigen::Index end, scratch& own, std::uint64_t& canonical) {
            auto& products = own.products.template of<typename Screen::lane_type>();
            screen.score(points_, start, end - start, products);
            Eigen::Index changed = 0;
            for (Eigen::Index i = start; i < end; ++i) {
              const int label = screen.nearest(points_.row(i).data(), point_norms_[i],
                                               Screen::scores_of(products, i - start), labels[i],
                                               own.candidates.data(), canonical);
              if (labels[i] != label) {
                labels[i] = label;
                ++changed;
              }
            }
            return changed;
          });
    }

    /// Used when the norms are too large for the expanded form (huge offsets): plain canonical.
    Eigen::Index canonically(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      const int k = static_cast<int>(centres.rows());
      const detail::chunks work{points_.rows(), 1024};
      return over_chunks(
          work, k, [&](Eigen::Index start, Eigen::Index end, scratch&, std::uint64_t&) {
            Eigen::Index changed = 0;
            for (Eigen::Index i = start; i < end; ++i) {
              const int label = detail::nearest_of_all(points_.row(i).data(), centres).index;
              if (labels[i] != label) {
                labels[i] = label;
                ++changed;
              }
            }
            return changed;
          });
    }

    /// Runs body(start, end, scratch, canonical) over the chunks of `work`, counting k distances
    /// per point plus the canonical ones of near-ties the body reports.
    template <typename Body>
    Eigen::Index over_chunks(const detail::chunks& work, int k, Body&& body) {
      const int slots = team_.slots(work.count());
      if (scratch_.size() < static_cast<std::size_t>(slots))
        scratch_.resize(static_cast<std::size_t>(slots));
      distances_.resize(slots);
      ladder_.canonical().resize(slots);
      return detail::sum_over_chunks(
          team_, work, [&](Eigen::Index start, Eigen::Index end, int slot) {
            scratch& own = scratch_[static_cast<std::size_t>(slot)];
            own.candidates.resize(static_cast<std::size_t>(k));
            std::uint64_t canonical = 0;
            const Eigen::Index changed = body(start, end, own, canonical);
            distances_[slot] +=
                static_cast<std::uint64_t>(end - start) * static_cast<std::uint64_t>(k) + canonical;
            ladder_.canonical()[slot] += canonical;
            return changed;
          });
    }

    /// A fit's tiles in one lane type: fill()'s registers, tile after tile.
    template <typename Lane>
    struct kept_tiles {
      using pack = typename detail::tile_screen<Scalar, Lane>::pack;
      std::vector<pack, Eigen::aligned_allocator<pack>> registers;
      bool filled = false;
    };

    detail::points_view<Scalar> points_;
    detail::thread_team& team_;
    detail::per_lane<Scalar, kept_tiles> kept_;
    norms_type point_norms_;  // for the matrix product only
    Scalar largest_norm_;
    detail::screen_ladder<Scalar> ladder_;
    detail::product_screen<Scalar> products_;                // the centres for long rows
    detail::product_screen<Scalar, float> coarse_products_;  // the same in float lanes
    screen_type screen_;                                     // the centres packed for short rows
    detail::tile_screen<Scalar, float> coarse_;              // the same in float lanes
    std::vector<scratch> scratch_;                           // one per thread
    detail::slot_counters distances_;                        // per thread
  };
};

}  // namespace km
