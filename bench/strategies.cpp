// Time per Lloyd iteration of every strategy, from the same initial centres, for a fixed number
// of iterations (tolerance 0, no early stop once converged is impossible to reach in that many).
//
//   build/bench/km_bench --benchmark_counters_tabular=true
#include <map>
#include <string>
#include <tuple>

#include <benchmark/benchmark.h>

#include <km/blobs.hpp>
#include <km/kmeans.hpp>

namespace {

struct shape {
  Eigen::Index n, d;
  int k;
};

template <typename Scalar>
const km::blobs<Scalar>& data_for(const shape& s) {
  // One data set per shape, built on first use and kept for every strategy.
  static std::map<std::tuple<Eigen::Index, Eigen::Index, int>, km::blobs<Scalar>> cache;
  auto key = std::make_tuple(s.n, s.d, s.k);
  auto found = cache.find(key);
  if (found == cache.end()) {
    found = cache.emplace(key, km::make_blobs<Scalar>(s.n, s.d, s.k, 2.0, 42)).first;
  }
  return found->second;
}

template <typename Strategy, typename Scalar>
void fit_iterations(benchmark::State& state, shape s) {
  const auto& data = data_for<Scalar>(s);
  // The same initial centres for every strategy: every (n / k)-th point.
  km::row_matrix<Scalar> initial(s.k, s.d);
  for (int c = 0; c < s.k; ++c)
    initial.row(c) = data.points.row(c * (s.n / s.k));
  km::options opts;
  opts.k = s.k;
  opts.max_iterations = 10;
  int iterations = 0;
  for (auto _ : state) {
    const auto r = km::kmeans<Strategy>(opts).fit(data.points, initial);
    iterations += r.iterations;
    benchmark::DoNotOptimize(r.inertia);
  }
  state.counters["s_per_iter"] = benchmark::Counter(
      static_cast<double>(iterations), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["points_per_s"] = benchmark::Counter(
      static_cast<double>(iterations) * static_cast<double>(s.n), benchmark::Counter::kIsRate);
}

template <typename Strategy>
void register_shape(const char* strategy, shape s) {
  const std::string name = std::string(strategy) + "/n=" + std::to_string(s.n) +
                           "/d=" + std::to_string(s.d) + "/k=" + std::to_string(s.k);
  benchmark::RegisterBenchmark(name.c_str(), fit_iterations<Strategy, double>, s)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

const bool registered = [] {
  for (const shape s : {shape{100000, 2, 16}, shape{50000, 256, 256}}) {
    register_shape<km::naive>("naive", s);
    register_shape<km::vectorised>("vectorised", s);
    register_shape<km::kd_tree>("kd_tree", s);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
