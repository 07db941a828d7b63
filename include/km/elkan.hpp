// km::elkan: Elkan (2003), "Using the triangle inequality to accelerate k-means", ICML. Each point
// keeps an upper bound on the distance to its centre and a lower bound on its distance to every
// centre; a centre is compared only when neither its lower bound nor half its distance to the
// point's centre rules it out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "detail/bounds.hpp"
#include "detail/distance.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"
#include "detail/product_screen.hpp"
#include "detail/screen_ladder.hpp"
#include "detail/screen_lanes.hpp"
#include "invalid_input.hpp"

namespace km {

/// Wins for high d and many iterations, where one skipped distance saves d operations. Memory
/// beside the data: n x k lower bounds (8 bytes each), n upper bounds, k x k centre distances and
/// the previous centres. Refuses, with km::invalid_input, a fit whose bounds would exceed
/// `max_bound_bytes` (4 GiB); km::hamerly needs two bounds per point instead.
///
/// Exactness as for km::hamerly: bounds on exact distances are rounded outwards, a centre is
/// skipped only when the bounds prove it canonically *strictly* farther than the point's current
/// centre, and the centres that are compared are compared canonically with ties to the lower
/// index, so the labels equal km::naive's.
struct elkan {
  static constexpr std::string_view name = "elkan";
  static constexpr std::string_view summary =
      "a bound per point and centre: many columns, many iterations";

  static constexpr std::uint64_t max_bound_bytes = std::uint64_t(1) << 32;

  template <typename Scalar>
  class assigner {
   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : points_(points),
          team_(team),
          bounds_(points.cols()),
          // Each point's norm is checked as the first pass meets it.
          ladder_(points.rows(), Scalar{0}),
          upper_(static_cast<std::size_t>(points.rows())) {}

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      const Eigen::Index n = points_.rows();
      const int k = static_cast<int>(centres.rows());
      const bool first = previous_.rows() == 0;
      if (first) {
        allocate_lower_bounds(n, k);
        // Through the matrix product where the norms allow: the margins cover its roundings,
        // so the bounds and labels stay rigorous.
        const Eigen::Index changed =
            ladder_.pass(coarse_products_, products_, centres, [&](const auto* screen) {
              return screen != nullptr ? first_pass_screened(*screen, centres, labels)
                                       : Eigen::Index{-1};  // canonically, below
            });
        if (changed >= 0) {
          previous_ = centres;
          return changed;
        }
      } else {
        bounds_.moves(previous_, centres, moved_);
        bounds_.gaps(centres, nearest_gap_, &gap_, team_, gap_scratch_);
      }
      const detail::chunks work{n, 1024};
      distances_.resize(team_.slots(work.count()));
      const Eigen::Index changed =
          detail::sum_over_chunks(team_, work, [&](Eigen::Index begin, Eigen::Index end, int slot) {
            Eigen::Index count = 0;
            for (Eigen::Index i = begin; i < end; ++i) {
              if (first) {
                count += assign_fully(i, centres, labels, slot);
              } else {
                move_bounds(i, labels[i], k);
                count += update_point(i, centres, labels, slot);
              }
            }
            return count;
          });
      previous_ = centres;
      return changed;
    }

    /// Point-to-centre distances computed (centre-to-centre ones are not counted).
    std::uint64_t distance_computations() const noexcept { return distances_.total(); }

   private:
    void allocate_lower_bounds(Eigen::Index n, int k) {
      const std::uint64_t bytes =
          static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(k) * sizeof(double);
      if (bytes > max_bound_bytes) {
        throw invalid_input("elkan needs n x k = " + std::to_string(n) + " x " + std::to_string(k) +
                            " lower bounds (" + std::to_string(bytes >> 20) +
                            " MiB), over its cap of " + std::to_string(max_bound_bytes >> 20) +
                            " MiB; use km::hamerly, which needs two bounds per point");
      }
      lower_.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
      k_ = static_cast<std::size_t>(k);
    }

    double& lower(Eigen::Index i, int c) {
      return lower_[static_cast<std::size_t>(i) * k_ + static_cast<std::size_t>(c)];
    }

    /// Moves point i's bounds by how far each centre moved since the previous pass.
    void move_bounds(Eigen::Index i, int own, int k) {
      const std::size_t s = static_cast<std::size_t>(i);
      upper_[s] = bounds_.grown(upper_[s], moved_[static_cast<std::size_t>(own)]);
      for (int c = 0; c < k; ++c) {
        lower(i, c) = bounds_.shrunk(lower(i, c), moved_[static_cast<std::size_t>(c)]);
      }
    }

    Scalar canonical(Eigen::Index i, const row_matrix<Scalar>& centres, int c, int slot) {
      ++distances_[slot];
      return detail::squared_distance(points_.row(i).data(), centres.row(c).data(), points_.cols());
    }

    /// Elkan's pass over one point: every centre not ruled out is compared canonically with the
    /// current best (ties to the lower index). Returns 1 when the label changed.
    int update_point(Eigen::Index i, const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                     int slot) {
      const std::size_t s = static_cast<std::size_t>(i);
      const int k = static_cast<int>(centres.rows());
      const int own = labels[i];
      int best = own;
      double upper = upper_[s];
      double threshold = bounds_.nearer_threshold(upper);
      double reach = bounds_.reach(threshold, upper);
      // Every other centre is at least nearest_gap - upper away (triangle inequality).
      if (nearest_gap_[static_cast<std::size_t>(own)] > reach) return 0;
      bool tight = false;
      Scalar best_distance = 0;
      for (int c = 0; c < k; ++c) {
        if (c == best) continue;
        // c is out when it is provably farther than best by its own lower bound, or by the
        // triangle inequality through best: |x - c| >= |best - c| - |x - best|.
        const auto ruled_out = [&] { return lower(i, c) > threshold || gap_(best, c) > reach; };
        if (ruled_out()) continue;
        if (!tight) {
          best_distance = canonical(i, centres, best, slot);
          upper = bounds_.upper(best_distance);
          threshold = bounds_.nearer_threshold(upper);
          reach = bounds_.reach(threshold, upper);
          lower(i, best) = bounds_.lower(best_distance);
          tight = true;
          if (ruled_out()) continue;
        }
        const Scalar distance = canonical(i, centres, c, slot);
        lower(i, c) = bounds_.lower(distance);
        if (distance < best_distance || (distance == best_distance && c < best)) {
          best = c;
          best_distance = distance;
          upper = bounds_.upper(distance);
          threshold = bounds_.nearer_threshold(upper);
          reach = bounds_.reach(threshold, upper);
        }
      }
      upper_[s] = upper;
      if (best == own) return 0;
      labels[i] = best;
      return 1;
    }

    /// The first pass through the matrix product: every point's k bounds come from its scores
    /// (rigorous: the margins cover the scores' errors), its label from the expanded screen,
    /// canonical among near-ties: far cheaper than k canonical distances per point.
    template <typename Screen>
    Eigen::Index first_pass_screened(const Screen& products, const row_matrix<Scalar>& centres,
                                     Eigen::VectorXi& labels) {
      using lane = typename Screen::lane_type;
      const int k = static_cast<int>(centres.rows());
      // As km::vectorised: a score block near 256 KiB, at least 64 rows for the product.
      const Eigen::Index block = std::clamp<Eigen::Index>((Eigen::Index(1) << 15) / k, 64, 2048);
      const detail::chunks work{points_.rows(), block};
      const int slots = team_.slots(work.count());
      distances_.resize(slots);
      ladder_.canonical().resize(slots);
      scratch_.resize(std::max(scratch_.size(), static_cast<std::size_t>(slots)));
      return detail::sum_over_chunks(
          team_, work, [&](Eigen::Index start, Eigen::Index end, int slot) {
            first_pass_scratch& own = scratch_[static_cast<std::size_t>(slot)];
            own.candidates.resize(static_cast<std::size_t>(k));
            detail::product_scratch<lane>& scratch = own.products.template of<lane>();
            products.score(points_, start, end - start, scratch);
            Eigen::Index changed = 0;
            std::uint64_t near_ties = 0;
            for (Eigen::Index i = start; i < end; ++i) {
              const Scalar norm = points_.row(i).squaredNorm();
              if (!Screen::accepts(norm)) {
                changed += assign_fully(i, centres, labels, slot);
                continue;
              }
              const lane* scores = Screen::scores_of(scratch, i - start);
              std::uint64_t canonical = 0;
              const int best = products.nearest(points_.row(i).data(), norm, scores, labels[i],
                                                own.candidates.data(), canonical);
              distances_[slot] += static_cast<std::uint64_t>(k) + canonical;
              near_ties += canonical;
              for (int c = 0; c < k; ++c) {
                lower(i, c) = bounds_.lower_from_score(
                    static_cast<double>(norm), static_cast<double>(scores[c]),
                    static_cast<double>(products.margin(c, norm)));
              }
              upper_[static_cast<std::size_t>(i)] = bounds_.upper_from_score(
                  static_cast<double>(norm), static_cast<double>(scores[best]),
                  static_cast<double>(products.margin(best, norm)));
              if (labels[i] != best) {
                labels[i] = best;
                ++changed;
              }
            }
            ladder_.canonical()[slot] += near_ties;
            return changed;
          });
    }

    /// The first pass when the expanded form cannot be used: the canonical comparison against
    /// every centre, exactly as km::naive.
    int assign_fully(Eigen::Index i, const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                     int slot) {
      distances_[slot] += static_cast<std::uint64_t>(centres.rows());
      const auto nearest = detail::nearest_of_all(
          points_.row(i).data(), centres,
          [&](int c, Scalar distance) { lower(i, c) = bounds_.lower(distance); });
      upper_[static_cast<std::size_t>(i)] = bounds_.upper(nearest.distance);
      if (labels[i] == nearest.index) return 0;
      labels[i] = nearest.index;
      return 1;
    }

    detail::points_view<Scalar> points_;
    detail::thread_team& team_;
    detail::distance_bounds<Scalar> bounds_;
    detail::screen_ladder<Scalar> ladder_;  // for the first pass
    std::vector<double> upper_;             // >= exact distance of each point to its centre
    std::vector<double> lower_;             // n x k: <= exact distance of each point to each centre
    std::size_t k_ = 0;
    row_matrix<Scalar> previous_;      // the centres of the previous pass
    std::vector<double> moved_;        // >= how far each centre moved since
    Eigen::MatrixXd gap_;              // <= centre-to-centre distances
    std::vector<double> nearest_gap_;  // <= distance from each centre to its nearest other
    std::vector<double> gap_scratch_;  // gaps() per thread slot
    detail::slot_counters distances_;  // per thread

    /// Per thread, for the first pass: one block's scores and the candidates of one point.
    struct first_pass_scratch {
      detail::per_lane<Scalar, detail::product_scratch> products;
      std::vector<int> candidates;
    };
    detail::product_screen<Scalar> products_;
    detail::product_screen<Scalar, float> coarse_products_;  // for double points
    std::vector<first_pass_scratch> scratch_;
  };
};

}  // namespace km
