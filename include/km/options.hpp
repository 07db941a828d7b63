// Options of a k-means fit: an aggregate with defaults, so C++20 callers may write
// km::options{.k = 10, .seed = 7}. Field order is part of the API (designated initialisers).
#pragma once

#include <cstdint>
#include <functional>

#include <Eigen/Core>

namespace km {

/// How the first centres are chosen when fit() is not given any.
enum class init_method {
  first_k,           ///< the first k points, in input order (the seed text's rule); with
                     ///< sample weights, the first k of positive weight
  random,            ///< k distinct points drawn uniformly; with sample weights, one after
                     ///< another in proportion to the weights of the points not yet drawn
  kmeans_plus_plus,  ///< greedy k-means++: 2 + floor(ln k) trials per centre, best one kept;
                     ///< with sample weights, draws in proportion to weight x D^2
  kmeans_parallel,   ///< k-means|| (Bahmani et al. 2012): 5 rounds that each sample about 2k
                     ///< points at once in proportion to weight x D^2, then greedy k-means++
                     ///< on those candidates weighted by the points nearest to each; far fewer
                     ///< steps across MPI processes than k-means++ (km/mpi.hpp)
};

/// What a fit reports after every assignment pass (see options::on_iteration).
struct iteration_report {
  int iteration = 0;                ///< 1 for the first assignment pass
  double inertia = 0;               ///< sum of squared distances to the centres just assigned
  Eigen::Index labels_changed = 0;  ///< points whose label this pass changed (all, on pass 1);
                                    ///< in a weighted fit, only those of positive weight
  double centre_shift = 0;          ///< summed squared move of the centres updated after this
                                    ///< pass; 0 on the last pass, which updates nothing
  bool last = false;                ///< true on the final pass (its return value is ignored)
  int run = 0;                      ///< which of the options::n_init runs, from 0
};

struct options {
  int k = 8;  ///< clusters, 1 <= k <= number of points
  init_method init = init_method::kmeans_plus_plus;
  std::uint64_t seed = 0;    ///< every random choice flows from this
  int n_init = 1;            ///< runs from different initial centres (run 0 uses `seed`, the
                             ///< others seeds derived from it); the lowest inertia wins, the
                             ///< earliest run on a tie. A fit from given centres runs once.
  int max_iterations = 300;  ///< cap on assignment passes, >= 1
  double tolerance = 0.0;    ///< 0: stop when no label changes; > 0: also stop once the summed
                             ///< squared centre shift is <= tolerance
  int threads = 1;           ///< 0 = all hardware threads; results never depend on it
  /// Called after every assignment pass of every run; return false to end that run early. The
  /// run then makes one last assignment pass so that the labels it returns belong to the
  /// centres it returns.
  std::function<bool(const iteration_report&)> on_iteration = {};
  /// Whether on_iteration's reports before the last carry the inertia, which costs a pass over
  /// the points each iteration. false leaves it 0 there, for a callback that only decides
  /// whether to go on (the last report always has it). The result is the same either way.
  bool report_inertia = true;
};

}  // namespace km
