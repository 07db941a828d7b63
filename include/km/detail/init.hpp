// Initial centres: first_k, random, greedy k-means++ and k-means||. Strategy-independent and
// seeded, so every strategy starts from the same centres.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../options.hpp"
#include "bounding_box.hpp"
#include "collective.hpp"
#include "distance.hpp"
#include "draw.hpp"
#include "exact_sum.hpp"
#include "fit_context.hpp"
#include "parallel.hpp"
#include "point_weights.hpp"
#include "points.hpp"
#include "rng.hpp"

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

/// Draws by weight, with weights that drop to 0 as their points are taken. A taken point stays in
/// the sums until refresh(), so a caller rejects it instead of paying an O(n) refresh per draw.
/// Indices are global (collective.hpp); this process holds the weights of its own rows.
template <typename Scalar, typename Collective>
class weighted_draw {
 public:
  explicit weighted_draw(const fit_context<Scalar, Collective>& fit)
      : weights_(static_cast<std::size_t>(fit.points.rows())),
        draw_(exact_grid(fit.weights.largest, static_cast<double>(fit.processes.total())),
              fit.points.rows()),
        team_(fit.team),
        processes_(fit.processes) {
    for (std::size_t i = 0; i < weights_.size(); ++i)
      weights_[i] = fit.weights[static_cast<Eigen::Index>(i)];
    refresh();
  }

  Eigen::Index operator()(rng& random) const { return draw_(term(), random, processes_); }

  void remove(Eigen::Index global) {
    const Eigen::Index local = global - processes_.offset();
    if (local >= 0 && local < static_cast<Eigen::Index>(weights_.size())) removed_.push_back(local);
  }

  /// Drops the removed points from the sums.
  void refresh() {
    for (const Eigen::Index i : removed_)
      weights_[static_cast<std::size_t>(i)] = 0;
    removed_.clear();
    draw_.measure(term(), team_, processes_);
  }

 private:
  auto term() const {
    return [this](Eigen::Index i) { return weights_[static_cast<std::size_t>(i)]; };
  }

  std::vector<double> weights_;  // as last measured
  std::vector<Eigen::Index> removed_;
  proportional_draw draw_;
  thread_team& team_;
  const Collective& processes_;
};

/// k distinct global row indices drawn one after another with probability proportional to the
/// weights of the points not yet drawn (at least k of them are positive). A draw that hits a
/// point already taken is repeated; after a run of such misses the sums are rebuilt without the
/// points taken, which ends the misses.
template <typename Scalar, typename Collective>
std::vector<Eigen::Index> weighted_distinct_indices(const fit_context<Scalar, Collective>& fit,
                                                    int k, rng& random) {
  weighted_draw<Scalar, Collective> draw(fit);
  std::unordered_set<Eigen::Index> taken;
  std::vector<Eigen::Index> chosen;
  chosen.reserve(static_cast<std::size_t>(k));
  while (static_cast<int>(chosen.size()) < k) {
    Eigen::Index pick = draw(random);
    for (int misses = 1; taken.count(pick) != 0; ++misses) {
      if (misses % 16 == 0) draw.refresh();
      pick = draw(random);
    }
    taken.insert(pick);
    draw.remove(pick);
    chosen.push_back(pick);
  }
  return chosen;
}

/// Greedy k-means++ (Arthur & Vassilvitskii 2007, with the local trials that scikit-learn uses):
/// each new centre is the best of 2 + floor(ln k) candidates drawn with probability proportional to
/// the squared distance to the nearest centre so far, "best" being the lowest resulting potential
/// (ties: the earlier candidate). When every point already sits on a centre (potential 0, e.g.
/// fewer distinct points than k) candidates are drawn uniformly instead. With sample weights,
/// every draw and the potential take each point's squared distance times its weight, and the
/// first centre and the draws at potential 0 follow the weights alone; weights of 1 draw as
/// no weights do.
///
/// The distances to each candidate are computed in chunks on the team's threads; the potentials
/// and the draws use exact prefix sums (proportional_draw), so no choice depends on the thread
/// count, or on how the points are split among processes.
template <typename Scalar, typename Collective>
void kmeans_plus_plus(const fit_context<Scalar, Collective>& fit, int k, rng& random,
                      row_matrix<Scalar>& centres) {
  const points_view<Scalar>& points = fit.points;
  const point_weights<Scalar>& weights = fit.weights;
  thread_team& team = fit.team;
  const Collective& processes = fit.processes;
  const Eigen::Index n = points.rows();
  const Eigen::Index d = points.cols();
  const Eigen::Index total = processes.total();
  const int trials = 2 + static_cast<int>(std::floor(std::log(static_cast<double>(k))));
  const auto point = [&](Eigen::Index i) { return points.row(i).data(); };

  std::vector<Scalar> closest(static_cast<std::size_t>(n));
  std::vector<Scalar> with_candidate(static_cast<std::size_t>(n));
  std::vector<Scalar> best_with_candidate(static_cast<std::size_t>(n));

  // No two points of the box are farther apart than its diagonal; 1% covers the rounding of
  // that bound and of the canonical distances.
  const exact_grid grid(fit.box.squared_diagonal() * 1.01 * weights.largest,
                        static_cast<double>(total));
  const auto cost = [&](Eigen::Index i, Scalar distance) {
    return weights.given() ? weights[i] * static_cast<double>(distance)
                           : static_cast<double>(distance);
  };
  const auto cost_of = [&](const std::vector<Scalar>& distances) {
    return [&cost, &distances](Eigen::Index i) {
      return cost(i, distances[static_cast<std::size_t>(i)]);
    };
  };
  // A point drawn by weight alone. Unweighted, this is the same draw as with every weight 1
  // (the first prefix sum above unit() * n), so weights of 1 give the unweighted fit.
  std::optional<weighted_draw<Scalar, Collective>> by_weight;
  if (weights.given()) by_weight.emplace(fit);
  const auto any_point = [&] {
    if (by_weight) return (*by_weight)(random);
    const double target = random.unit() * static_cast<double>(total);
    return std::min(static_cast<Eigen::Index>(target), total - 1);
  };
  // The point at a global index, on every process.
  const auto fetch = [&](Eigen::Index global) {
    return rows_at(processes, points, std::vector<Eigen::Index>{global});
  };

  row_matrix<Scalar> chosen = fetch(any_point());
  centres.row(0) = chosen;
  // Draws for the next centre: in proportion to the cost of each point's closest centre so far.
  proportional_draw draw(grid, n), candidate_draw(grid, n), draw_for_best(grid, n);
  double potential = draw.measure(
      [&](Eigen::Index i) {
        const std::size_t s = static_cast<std::size_t>(i);
        closest[s] = squared_distance(point(i), chosen.data(), d);
        return cost(i, closest[s]);
      },
      team, processes);

  for (int c = 1; c < k; ++c) {
    double best_potential = 0;
    row_matrix<Scalar> best;
    for (int trial = 0; trial < trials; ++trial) {
      const row_matrix<Scalar> candidate =
          fetch(potential > 0 ? draw(cost_of(closest), random, processes) : any_point());
      // The potential with the candidate, summed as the draws for the next centre need it.
      const double candidate_potential = candidate_draw.measure(
          [&](Eigen::Index i) {
            const std::size_t s = static_cast<std::size_t>(i);
            with_candidate[s] =
                std::min(closest[s], squared_distance(point(i), candidate.data(), d));
            return cost(i, with_candidate[s]);
          },
          team, processes);
      if (best.size() == 0 || candidate_potential < best_potential) {
        best = candidate;
        best_potential = candidate_potential;
        best_with_candidate.swap(with_candidate);
        std::swap(draw_for_best, candidate_draw);
      }
    }
    centres.row(c) = best;
    closest.swap(best_with_candidate);
    std::swap(draw, draw_for_best);
    potential = best_potential;
  }
}

/// k-means|| (Bahmani, Moseley, Vattani, Kumar & Vassilvitskii 2012). From one point drawn as
/// k-means++ draws its first, each of 5 rounds adds every point x independently with probability
/// min(1, l x cost(x) / potential), l = 2k, cost(x) its weight x squared distance to the nearest
/// candidate so far; rounds go on (at most 64) while there are fewer than k candidates and some
/// point lies off them. Each candidate is then weighted by the points nearest to it (ties: the
/// earlier candidate), and greedy k-means++ picks the k centres among the weighted candidates.
///
/// A point's coin in a round is hashed_unit(round key, global index), so the sample, like
/// everything else here, is the same for every thread count and every split among processes; the
/// processes exchange one sample per round instead of one point per k-means++ trial.
template <typename Scalar, typename Collective>
void kmeans_parallel(const fit_context<Scalar, Collective>& fit, int k, rng& random,
                     row_matrix<Scalar>& centres) {
  const points_view<Scalar>& points = fit.points;
  const point_weights<Scalar>& weights = fit.weights;
  thread_team& team = fit.team;
  const Collective& processes = fit.processes;
  constexpr int rounds = 5;        // Bahmani et al. find 5 rounds enough, with l = 2k
  constexpr int most_rounds = 64;  // only while fewer than k candidates
  const double oversampling = 2.0 * k;
  const Eigen::Index n = points.rows();
  const Eigen::Index d = points.cols();
  const Eigen::Index total = processes.total();

  // As in kmeans_plus_plus: no two points are farther apart than the box's diagonal.
  const exact_grid grid(fit.box.squared_diagonal() * 1.01 * weights.largest,
                        static_cast<double>(total));

  std::vector<Scalar> closest(static_cast<std::size_t>(n));  // squared distance to candidates
  std::vector<int> nearest(static_cast<std::size_t>(n), 0);  // index of the nearest candidate
  const auto cost = [&](Eigen::Index i) {
    const double distance = static_cast<double>(closest[static_cast<std::size_t>(i)]);
    return weights.given() ? weights[i] * distance : distance;
  };

  Eigen::Index first = 0;
  if (weights.given()) {
    first = weighted_draw<Scalar, Collective>(fit)(random);
  } else {
    const double target = random.unit() * static_cast<double>(total);
    first = std::min(static_cast<Eigen::Index>(target), total - 1);
  }
  row_matrix<Scalar> candidates = rows_at(processes, points, std::vector<Eigen::Index>{first});

  // Takes candidates [from, end) into `closest` and `nearest`; returns the new potential.
  const auto absorb = [&](Eigen::Index from) {
    auto sums = grid_level_sums(grid, n, team, [&](Eigen::Index i) {
      const std::size_t s = static_cast<std::size_t>(i);
      for (Eigen::Index c = from; c < candidates.rows(); ++c) {
        const Scalar distance = squared_distance(points.row(i).data(), candidates.row(c).data(), d);
        if (c == 0 || distance < closest[s]) {
          closest[s] = distance;
          nearest[s] = static_cast<int>(c);
        }
      }
      return cost(i);
    });
    processes.sum(sums.data(), static_cast<int>(sums.size()));
    return rounded_sum(sums);
  };
  double potential = absorb(0);

  const chunks work{n, 4096};
  for (int round = 0;
       potential > 0 && round < most_rounds && (round < rounds || candidates.rows() < k); ++round) {
    const std::uint64_t key = random.bits();
    std::vector<std::vector<Eigen::Index>> sampled(static_cast<std::size_t>(work.count()));
    team.run(work.count(), [&](Eigen::Index t, int) {
      for (Eigen::Index i = work.begin(t); i < work.end(t); ++i) {
        const auto index = static_cast<std::uint64_t>(processes.offset() + i);
        if (hashed_unit(key, index) * potential < oversampling * cost(i))
          sampled[static_cast<std::size_t>(t)].push_back(processes.offset() + i);
      }
    });
    std::vector<Eigen::Index> mine;
    for (const auto& chunk : sampled)
      mine.insert(mine.end(), chunk.begin(), chunk.end());
    const std::vector<Eigen::Index> picked = processes.gather(std::move(mine));  // global order
    if (picked.empty()) continue;
    const Eigen::Index from = candidates.rows();
    const auto added = static_cast<Eigen::Index>(picked.size());
    candidates.conservativeResize(from + added, d);
    candidates.bottomRows(added) = rows_at(processes, points, picked);
    potential = absorb(from);
  }

  // Each candidate weighs what its nearest points weigh, summed exactly over every process.
  const Eigen::Index m = candidates.rows();
  const exact_grid weight_grid(weights.largest, static_cast<double>(total));
  using level_sums = std::array<double, exact_grid::levels>;
  std::vector<std::vector<level_sums>> partials(
      static_cast<std::size_t>(team.slots(work.count())),
      std::vector<level_sums>(static_cast<std::size_t>(m)));
  team.run(work.count(), [&](Eigen::Index t, int slot) {
    auto& sums = partials[static_cast<std::size_t>(slot)];
    for (Eigen::Index i = work.begin(t); i < work.end(t); ++i) {
      const level_sums parts = weight_grid.split(weights[i]);
      level_sums& into = sums[static_cast<std::size_t>(nearest[static_cast<std::size_t>(i)])];
      for (std::size_t l = 0; l < parts.size(); ++l)
        into[l] += parts[l];
    }
  });
  std::vector<double> flat(static_cast<std::size_t>(m) * exact_grid::levels, 0.0);
  for (const auto& sums : partials) {
    for (std::size_t c = 0; c < sums.size(); ++c) {
      for (std::size_t l = 0; l < exact_grid::levels; ++l)
        flat[c * exact_grid::levels + l] += sums[c][l];
    }
  }
  processes.sum(flat.data(), static_cast<int>(flat.size()));
  std::vector<Scalar> candidate_weights(static_cast<std::size_t>(m));
  double heaviest = 0;
  for (std::size_t c = 0; c < candidate_weights.size(); ++c) {
    candidate_weights[c] = static_cast<Scalar>(rounded_sum<exact_grid::levels>(
        {flat[c * exact_grid::levels], flat[c * exact_grid::levels + 1],
         flat[c * exact_grid::levels + 2]}));
    heaviest = std::max(heaviest, static_cast<double>(candidate_weights[c]));
  }

  // The same few candidates on every process: the rest is one process's k-means++.
  const point_weights<Scalar> candidate_point_weights{candidate_weights.data(), heaviest};
  const solo one_process(m);
  kmeans_plus_plus(fit_context<Scalar, solo>{view_of_rows(candidates), candidate_point_weights,
                                             fit.box, team, one_process},
                   k, random, centres);
}

/// The first k points of positive weight (all points weigh 1 without weights), in global order.
template <typename Scalar, typename Collective>
row_matrix<Scalar> first_k_centres(const fit_context<Scalar, Collective>& fit, int k) {
  const points_view<Scalar>& points = fit.points;
  const point_weights<Scalar>& weights = fit.weights;
  const Collective& processes = fit.processes;
  // The points of positive weight on the processes before this one decide the first slot here
  // (counts below 2^53 sum exactly in double).
  double before = 0;
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    before += weights[i] > 0;
  processes.exclusive_sum(&before, 1);
  std::vector<row_pick> mine;
  int slot = static_cast<int>(std::min<double>(before, k));
  for (Eigen::Index i = 0; i < points.rows() && slot < k; ++i) {
    if (weights[i] > 0) mine.push_back({slot++, i});
  }
  return processes.assemble(points, mine, k);
}

/// The initial centres for `opts`, k x d, on every process.
template <typename Scalar, typename Collective>
row_matrix<Scalar> initial_centres(const fit_context<Scalar, Collective>& fit, const options& opts,
                                   std::uint64_t seed) {
  rng random(seed);
  switch (opts.init) {
    case init_method::first_k:
      return first_k_centres(fit, opts.k);
    case init_method::random:
      return rows_at(fit.processes, fit.points,
                     fit.weights.given() ? weighted_distinct_indices(fit, opts.k, random)
                                         : distinct_indices(fit.processes.total(), opts.k, random));
    case init_method::kmeans_parallel:
    case init_method::kmeans_plus_plus:
      break;
  }
  row_matrix<Scalar> centres(opts.k, fit.points.cols());
  if (opts.init == init_method::kmeans_parallel) {
    kmeans_parallel(fit, opts.k, random, centres);
  } else {
    kmeans_plus_plus(fit, opts.k, random, centres);
  }
  return centres;
}

}  // namespace km::detail
