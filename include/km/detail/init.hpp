// Initial centres: first_k, random and greedy k-means++. Strategy-independent and seeded, so every
// strategy starts from the same centres.
#pragma once

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "../options.hpp"
#include "distance.hpp"
#include "exact_sum.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "rng.hpp"
#include "validate.hpp"

namespace km::detail {

/// k distinct row indices drawn uniformly, in draw order: a Fisher-Yates shuffle of the first k
/// slots of a virtual 0..n-1 array whose displaced entries live in a map (O(k) memory).
inline std::vector<Eigen::Index> distinct_indices(Eigen::Index n, int k, rng& random) {
  std::unordered_map<Eigen::Index, Eigen::Index> displaced;
  const auto at = [&](Eigen::Index i) {
    const auto found = displaced.find(i);
    return found == displaced.end() ? i : found->second;
  };
  std::vector<Eigen::Index> chosen(static_cast<std::size_t>(k));
  for (Eigen::Index slot = 0; slot < k; ++slot) {
    const Eigen::Index pick =
        slot + static_cast<Eigen::Index>(random.index(static_cast<std::uint64_t>(n - slot)));
    const Eigen::Index value = at(pick);
    displaced[pick] = at(slot);
    chosen[static_cast<std::size_t>(slot)] = value;
  }
  return chosen;
}

/// Index of the last positive weight (a guard for a draw that rounds up to the total).
template <typename Scalar>
Eigen::Index last_positive(const std::vector<Scalar>& weights) {
  for (std::size_t i = weights.size(); i-- > 0;) {
    if (weights[i] > 0) return static_cast<Eigen::Index>(i);
  }
  return 0;
}

/// Greedy k-means++ (Arthur & Vassilvitskii 2007, with the local trials that scikit-learn uses):
/// each new centre is the best of 2 + floor(ln k) candidates drawn with probability proportional to
/// the squared distance to the nearest centre so far, "best" being the lowest resulting potential
/// (ties: the earlier candidate). When every point already sits on a centre (potential 0, e.g.
/// fewer distinct points than k) candidates are drawn uniformly instead.
///
/// The distances to each candidate are computed in chunks on the team's threads; the candidate's
/// potential is an exact grid sum (exact_sum.hpp), so the choice never depends on the thread
/// count. The draws use a running sum over the points in order, computed on one thread.
template <typename Scalar>
void kmeans_plus_plus(const points_view<Scalar>& points, int k, rng& random,
                      const bounding_box& box, thread_team& team, row_matrix<Scalar>& centres) {
  const Eigen::Index n = points.rows();
  const Eigen::Index d = points.cols();
  const int trials = 2 + static_cast<int>(std::floor(std::log(static_cast<double>(k))));
  const auto point = [&](Eigen::Index i) { return points.row(i).data(); };

  std::vector<Scalar> closest(static_cast<std::size_t>(n));
  std::vector<Scalar> with_candidate(static_cast<std::size_t>(n));
  std::vector<Scalar> best_with_candidate(static_cast<std::size_t>(n));
  std::vector<double> cumulative(static_cast<std::size_t>(n));

  // No two points of the box are farther apart than its diagonal; 1% covers the rounding of
  // that bound and of the canonical distances.
  double diagonal = 0;
  for (Eigen::Index j = 0; j < d; ++j)
    diagonal += (box.hi[j] - box.lo[j]) * (box.hi[j] - box.lo[j]);
  const exact_grid grid(diagonal * 1.01, static_cast<double>(n));
  const chunks work{n, 4096};

  const Eigen::Index first = static_cast<Eigen::Index>(random.index(static_cast<std::uint64_t>(n)));
  centres.row(0) = points.row(first);
  team.run(work.count(), [&](Eigen::Index t, int) {
    for (Eigen::Index i = work.begin(t); i < work.end(t); ++i) {
      closest[static_cast<std::size_t>(i)] = squared_distance(point(i), point(first), d);
    }
  });

  for (int c = 1; c < k; ++c) {
    double running = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      running += static_cast<double>(closest[static_cast<std::size_t>(i)]);
      cumulative[static_cast<std::size_t>(i)] = running;
    }
    double best_potential = 0;
    Eigen::Index best = -1;
    for (int trial = 0; trial < trials; ++trial) {
      Eigen::Index candidate;
      if (running > 0) {
        // First point whose cumulative weight exceeds the draw; a zero-weight point never is.
        const double target = random.unit() * running;
        const auto hit = std::upper_bound(cumulative.begin(), cumulative.end(), target);
        candidate = hit == cumulative.end() ? last_positive(closest) : hit - cumulative.begin();
      } else {
        candidate = static_cast<Eigen::Index>(random.index(static_cast<std::uint64_t>(n)));
      }
      const double candidate_potential = grid_sum(grid, n, team, [&](Eigen::Index i) {
        const std::size_t s = static_cast<std::size_t>(i);
        with_candidate[s] = std::min(closest[s], squared_distance(point(i), point(candidate), d));
        return static_cast<double>(with_candidate[s]);
      });
      if (best < 0 || candidate_potential < best_potential) {
        best = candidate;
        best_potential = candidate_potential;
        best_with_candidate.swap(with_candidate);
      }
    }
    centres.row(c) = points.row(best);
    closest.swap(best_with_candidate);
  }
}

/// The initial centres for `opts`, k x d.
template <typename Scalar>
row_matrix<Scalar> initial_centres(const points_view<Scalar>& points, const options& opts,
                                   const bounding_box& box, thread_team& team) {
  row_matrix<Scalar> centres(opts.k, points.cols());
  rng random(opts.seed);
  switch (opts.init) {
    case init_method::first_k:
      centres = points.topRows(opts.k);
      break;
    case init_method::random: {
      const auto rows = distinct_indices(points.rows(), opts.k, random);
      for (int c = 0; c < opts.k; ++c)
        centres.row(c) = points.row(rows[static_cast<std::size_t>(c)]);
      break;
    }
    case init_method::kmeans_plus_plus:
      kmeans_plus_plus(points, opts.k, random, box, team, centres);
      break;
  }
  return centres;
}

}  // namespace km::detail
