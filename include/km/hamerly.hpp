// km::hamerly: Hamerly (2010), "Making k-means even faster", SIAM SDM. Each point keeps an upper
// bound on the distance to its centre and one lower bound on the distance to every other centre;
// as long as the bounds (moved by how far the centres moved) keep the two apart, the point's
// label cannot have changed and no distance is computed at all.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "detail/bounds.hpp"
#include "detail/distance.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"
#include "detail/screen_ladder.hpp"
#include "detail/tile_screen.hpp"

namespace km {

/// Wins for low to moderate d when the centres settle over many passes: most points then cost
/// O(1) per pass. Memory beside the data: two doubles per point and the previous k x d centres.
///
/// The bounds are kept on exact Euclidean distances and are rounded outwards whenever they are
/// computed or moved. A point keeps its label only when the bounds prove that its canonical
/// distance to its centre is *strictly* below its canonical distance to every other centre, with
/// the canonical form's rounding error on both sides; any doubt, including every tie, sends it
/// through the same full canonical comparison as km::naive. So the labels equal naive's.
struct hamerly {
  static constexpr std::string_view name = "hamerly";
  static constexpr std::string_view summary =
      "a distance bound per point: low to moderate columns, many iterations";

  template <typename Scalar>
  class assigner {
    using screen_type = detail::tile_screen<Scalar>;
    using coarse_type = detail::tile_screen<Scalar, float>;

    /// Points waiting to be scored together, with the scratch to score them.
    struct queue {
      Eigen::Index points[coarse_type::lanes];  // the most lanes of either screen
      int size = 0;
      detail::tile_scores<Scalar> scores;
      std::vector<int> candidates;
    };

   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : assigner(points, team,
                   points.cols() <= screen_type::max_dimensions
                       ? screen_type::largest_norm(points, team)
                       : Scalar{0}) {}

    /// As above, from the points' largest squared norm (screen_type::largest_norm), which only
    /// rows short enough for the screen need: for a caller that has measured it already.
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team,
             Scalar largest_norm)
        : points_(points),
          team_(team),
          bounds_(points.cols()),
          // Longer rows than the screen takes: the canonical comparison alone.
          ladder_(points.rows(), points.cols() <= screen_type::max_dimensions
                                     ? largest_norm
                                     : std::numeric_limits<Scalar>::infinity()),
          upper_(static_cast<std::size_t>(points.rows())),
          lower_(static_cast<std::size_t>(points.rows())) {}

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      const bool first = previous_.rows() == 0;
      if (!first) measure_centres(centres);
      const Eigen::Index changed = ladder_.pass(coarse_, screen_, centres, [&](const auto* screen) {
        return pass(screen, centres, labels, first);
      });
      previous_ = centres;
      return changed;
    }

    /// Full comparisons (k each) plus the single distances that tightened an upper bound.
    std::uint64_t distance_computations() const noexcept { return distances_.total(); }

   private:
    /// One pass: bounds first, then the points they fail through `screen`, a tile at a time, or
    /// (screen null) one by one canonically.
    template <typename Screen>
    Eigen::Index pass(const Screen* screen, const row_matrix<Scalar>& centres,
                      Eigen::VectorXi& labels, bool first) {
      // Small tasks, so that small data still shares out evenly over the threads.
      const detail::chunks work{points_.rows(), 1024};
      const int slots = team_.slots(work.count());
      distances_.resize(slots);
      ladder_.canonical().resize(slots);
      if (queues_.size() < static_cast<std::size_t>(slots))
        queues_.resize(static_cast<std::size_t>(slots));
      return detail::sum_over_chunks(
          team_, work, [&](Eigen::Index begin, Eigen::Index end, int slot) {
            Eigen::Index count = 0;
            queue& waiting = queues_[static_cast<std::size_t>(slot)];
            const auto assign = [&](Eigen::Index i) {
              if (screen == nullptr) {
                count += assign_fully(i, centres, labels, slot);
                return;
              }
              waiting.points[waiting.size++] = i;
              if (waiting.size == Screen::lanes)
                count += assign_screened(*screen, waiting, centres, labels, slot);
            };
            // The bounds of a block of points first, without a branch per point (which the
            // points that fail, often a fifth to a half of them, would mispredict), noting the
            // failures; then those alone.
            constexpr Eigen::Index block = 256;
            Eigen::Index failed[block];
            for (Eigen::Index start = begin; start < end; start += block) {
              const Eigen::Index stop = std::min(end, start + block);
              if (first) {
                for (Eigen::Index i = start; i < stop; ++i)
                  assign(i);
                continue;
              }
              const int failures = moved_bounds_fail(start, stop, labels, failed);
              for (int f = 0; f < failures; ++f) {
                if (!tightened_keeps_label(failed[f], centres, labels, slot)) assign(failed[f]);
              }
            }
            if (waiting.size > 0) count += assign_screened(*screen, waiting, centres, labels, slot);
            return count;
          });
    }

    /// How far each centre moved, the two largest moves, and each centre's nearest neighbour.
    void measure_centres(const row_matrix<Scalar>& centres) {
      bounds_.moves(previous_, centres, moved_);
      largest_move_ = second_move_ = 0;
      largest_mover_ = -1;
      for (std::size_t c = 0; c < moved_.size(); ++c) {
        if (moved_[c] > largest_move_) {
          second_move_ = largest_move_;
          largest_move_ = moved_[c];
          largest_mover_ = static_cast<int>(c);
        } else {
          second_move_ = std::max(second_move_, moved_[c]);
        }
      }
      bounds_.gaps(centres, nearest_gap_, nullptr, team_, gap_scratch_);
    }

    /// Moves the bounds of points [start, stop) by the centres' moves; writes to `failed` the
    /// points whose bounds no longer prove their label, and returns how many. On local copies of
    /// the members: the stores to the bounds might alias them, and every point would reload them.
    int moved_bounds_fail(Eigen::Index start, Eigen::Index stop, const Eigen::VectorXi& labels,
                          Eigen::Index* failed) {
      const detail::distance_bounds<Scalar> bounds = bounds_;
      double* const upper = upper_.data();
      double* const lower = lower_.data();
      const double* const moved = moved_.data();
      const double* const gaps = nearest_gap_.data();
      const int* const label = labels.data();
      const int largest_mover = largest_mover_;
      const double largest_move = largest_move_, second_move = second_move_;
      int failures = 0;
      for (Eigen::Index i = start; i < stop; ++i) {
        const int own = label[i];
        const double others_moved = own == largest_mover ? second_move : largest_move;
        const double own_upper = bounds.grown(upper[i], moved[own]);
        upper[i] = own_upper;
        lower[i] = bounds.shrunk(lower[i], others_moved);
        failed[failures] = i;
        failures += !proven(bounds, lower[i], gaps[own], own_upper);
      }
      return failures;
    }

    /// For a point whose moved bounds failed: its upper bound from its distance to its own
    /// centre; true when the bounds then prove its label unchanged.
    bool tightened_keeps_label(Eigen::Index i, const row_matrix<Scalar>& centres,
                               const Eigen::VectorXi& labels, int slot) {
      const int own = labels[i];
      const std::size_t s = static_cast<std::size_t>(i);
      ++distances_[slot];
      upper_[s] = bounds_.upper(
          detail::squared_distance(points_.row(i).data(), centres.row(own).data(), points_.cols()));
      return proven(bounds_, lower_[s], nearest_gap_[static_cast<std::size_t>(own)], upper_[s]);
    }

    /// Whether every other centre is beyond the lower bound, or at least the own centre's
    /// nearest gap minus own_upper away.
    static bool proven(const detail::distance_bounds<Scalar>& bounds, double lower, double gap,
                       double own_upper) {
      const double threshold = bounds.nearer_threshold(own_upper);
      return (lower > threshold) | (gap > bounds.reach(threshold, own_upper));
    }

    /// Assigns the queued points through the expanded screen, scored together, and resets their
    /// bounds from the scores (rigorous: the screen's margin covers the scores' errors).
    template <typename Screen>
    Eigen::Index assign_screened(const Screen& screen, queue& waiting,
                                 const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                                 int slot) {
      const int k = static_cast<int>(centres.rows());
      waiting.candidates.resize(static_cast<std::size_t>(k));
      const Scalar* rows[Screen::lanes];
      for (int p = 0; p < Screen::lanes; ++p)  // a short tile repeats its last point
        rows[p] = points_.row(waiting.points[std::min(p, waiting.size - 1)]).data();
      const auto scored = screen.score(rows, waiting.scores.sized_for(screen));
      const auto centre_row = [&centres](int c) { return centres.row(c).data(); };
      std::uint64_t canonical = 0;
      Eigen::Index changed = 0;
      for (int p = 0; p < waiting.size; ++p) {
        const Eigen::Index i = waiting.points[p];
        const Scalar point_norm = points_.row(i).squaredNorm();  // only where bounds failed
        const int best = screen.nearest(scored, p, rows[p], point_norm, labels[i], centre_row,
                                        waiting.candidates.data(), canonical);
        const double norm = static_cast<double>(point_norm);
        const double margin = static_cast<double>(screen.margin(point_norm));
        const std::size_t s = static_cast<std::size_t>(i);
        upper_[s] = bounds_.upper_from_score(norm, static_cast<double>(scored.at(best, p)), margin);
        lower_[s] = k > 1
                        ? bounds_.lower_from_score(
                              norm, static_cast<double>(Screen::runner_up(scored, p, best)), margin)
                        : std::numeric_limits<double>::infinity();
        if (labels[i] != best) {
          labels[i] = best;
          ++changed;
        }
      }
      distances_[slot] +=
          static_cast<std::uint64_t>(waiting.size) * static_cast<std::uint64_t>(k) + canonical;
      ladder_.canonical()[slot] += canonical;
      waiting.size = 0;
      return changed;
    }

    /// The canonical comparison against every centre, exactly as km::naive; resets the bounds.
    int assign_fully(Eigen::Index i, const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                     int slot) {
      const int k = static_cast<int>(centres.rows());
      const auto nearest = detail::nearest_of_all(points_.row(i).data(), centres);
      distances_[slot] += static_cast<std::uint64_t>(k);
      const std::size_t s = static_cast<std::size_t>(i);
      upper_[s] = bounds_.upper(nearest.distance);
      lower_[s] =
          k > 1 ? bounds_.lower(nearest.runner_up) : std::numeric_limits<double>::infinity();
      if (labels[i] == nearest.index) return 0;
      labels[i] = nearest.index;
      return 1;
    }

    detail::points_view<Scalar> points_;
    detail::thread_team& team_;
    detail::distance_bounds<Scalar> bounds_;
    // Points that fail their bounds are assigned through a screen, a tile at a time, or
    // canonically (assign_fully), as the ladder says.
    detail::screen_ladder<Scalar> ladder_;
    screen_type screen_;
    coarse_type coarse_;
    std::vector<queue> queues_;        // per thread
    std::vector<double> upper_;        // >= exact distance of each point to its centre
    std::vector<double> lower_;        // <= exact distance of each point to any other centre
    row_matrix<Scalar> previous_;      // the centres of the previous pass
    std::vector<double> moved_;        // >= how far each centre moved since
    std::vector<double> nearest_gap_;  // <= distance from each centre to its nearest other
    std::vector<double> gap_scratch_;  // gaps() per thread slot
    double largest_move_ = 0, second_move_ = 0;
    int largest_mover_ = -1;
    detail::slot_counters distances_;  // per thread
  };
};

}  // namespace km
