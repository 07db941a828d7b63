// The physical bounds km_bench compares every strategy against, measured on the machine at hand
// by the same binary (same compiler flags, same Eigen kernels) before the benchmarks run:
//
//   dgemm, sgemm    Eigen's matrix product rate on one thread, double and float: C = A B with
//                   1024 x 1024 operands, 2 * 1024^3 flops, after one warm-up product. This is
//                   the best a distance pass built on a matrix product could do per flop.
//   read bandwidth  bytes per second of one thread summing a 512 MiB array of doubles (far
//                   beyond any cache), after the array is written once. This is the best a pass
//                   that has to stream the points could do.
//
// Each is the best of at least 5 timed runs, and of as many more as fit in one second (at most
// 100): on a shared machine a best of 5 alone lands well below the machine's rate whenever a
// neighbour holds the core (DGEMM read 24 instead of 40 GFLOP/s on a loaded 2-core machine),
// and a bound that is too low makes a row look faster than the bound.
//
// register_bound_benchmarks() adds them as rows bound/dgemm, bound/sgemm and bound/read_bandwidth
// (counters GFLOP/s and GB/s, time = the best measured time of one product / one sweep) so that
// they land in the JSON output next to the strategies.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <limits>

#include <benchmark/benchmark.h>
#include <Eigen/Core>

namespace km_bench {

struct machine_bounds {
  bool measured = false;
  double dgemm_flops_per_s = 0;  ///< Eigen double matrix product, one thread
  double sgemm_flops_per_s = 0;  ///< Eigen float matrix product, one thread
  double read_bytes_per_s = 0;   ///< one thread streaming memory
  double dgemm_seconds = 0, sgemm_seconds = 0, read_seconds = 0;  ///< best time of one run

  template <typename Scalar>
  double gemm_flops_per_s() const {
    return sizeof(Scalar) == sizeof(float) ? sgemm_flops_per_s : dgemm_flops_per_s;
  }
};

/// The bounds of this process: all zero until measure_bounds() has run.
inline machine_bounds& bounds() {
  static machine_bounds measured;
  return measured;
}

namespace detail {

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Repeats `run` (which returns its own time) at least `repeats` times and until `budget`
/// seconds have passed, at most 100 times; returns the best time and counts the runs.
template <typename Run>
double best_of(int repeats, double budget, int& runs, Run run) {
  double best = std::numeric_limits<double>::infinity();
  const auto start = std::chrono::steady_clock::now();
  runs = 0;
  while (runs < repeats || (seconds_since(start) < budget && runs < 100)) {
    best = std::min(best, run());
    ++runs;
  }
  return best;
}

/// Best time of one size x size x size product.
template <typename Scalar>
double best_gemm_seconds(Eigen::Index size, int repeats, double budget, int& runs) {
  using matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  const matrix a = matrix::Random(size, size);
  const matrix b = matrix::Random(size, size);
  matrix c(size, size);
  c.noalias() = a * b;  // warm-up: page faults, caches, clocks
  return best_of(repeats, budget, runs, [&] {
    const auto start = std::chrono::steady_clock::now();
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
    return seconds_since(start);
  });
}

/// Best time of one sweep summing `bytes` of doubles.
inline double best_read_seconds(std::size_t bytes, int repeats, double budget, int& runs) {
  const auto count = static_cast<Eigen::Index>(bytes / sizeof(double));
  // Written once in full, so every page is mapped before the timed sweeps.
  Eigen::VectorXd data = Eigen::VectorXd::LinSpaced(count, 0.0, 1.0);
  return best_of(repeats, budget, runs, [&] {
    const auto start = std::chrono::steady_clock::now();
    double sum = data.sum();  // Eigen's vectorised reduction: several packets in flight
    benchmark::DoNotOptimize(sum);
    return seconds_since(start);
  });
}

inline void register_bound(const char* name, const char* counter, double machine_bounds::*seconds,
                           double machine_bounds::*rate, double scale) {
  benchmark::RegisterBenchmark(name,
                               [=](benchmark::State& state) {
                                 const machine_bounds& b = bounds();
                                 if (!b.measured) {
                                   state.SkipWithError("bounds were not measured");
                                   return;
                                 }
                                 for (auto _ : state)
                                   state.SetIterationTime(b.*seconds);
                                 state.counters[counter] = b.*rate / scale;
                               })
      ->Iterations(1)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace detail

/// Measures the three bounds (about 4 seconds), stores them in bounds() and prints them to stderr.
inline const machine_bounds& measure_bounds() {
  constexpr Eigen::Index size = 1024;
  constexpr int repeats = 5;
  constexpr double budget = 1.0;
  constexpr std::size_t read_bytes = std::size_t(512) << 20;
  const double flops =
      2.0 * static_cast<double>(size) * static_cast<double>(size) * static_cast<double>(size);
  machine_bounds& b = bounds();
  int dgemm_runs = 0, sgemm_runs = 0, read_runs = 0;
  b.dgemm_seconds = detail::best_gemm_seconds<double>(size, repeats, budget, dgemm_runs);
  b.sgemm_seconds = detail::best_gemm_seconds<float>(size, repeats, budget, sgemm_runs);
  b.read_seconds = detail::best_read_seconds(read_bytes, repeats, budget, read_runs);
  b.dgemm_flops_per_s = flops / b.dgemm_seconds;
  b.sgemm_flops_per_s = flops / b.sgemm_seconds;
  b.read_bytes_per_s = static_cast<double>(read_bytes) / b.read_seconds;
  b.measured = true;
  std::fprintf(stderr,
               "km_bench bounds (one thread): Eigen DGEMM %.1f GFLOP/s, SGEMM %.1f GFLOP/s "
               "(%ld^3 products, best of %d and %d); memory read %.1f GB/s (%zu MiB sum, best "
               "of %d)\n",
               b.dgemm_flops_per_s / 1e9, b.sgemm_flops_per_s / 1e9, static_cast<long>(size),
               dgemm_runs, sgemm_runs, b.read_bytes_per_s / 1e9, read_bytes >> 20, read_runs);
  return b;
}

/// Rows bound/dgemm, bound/sgemm (counter GFLOP/s) and bound/read_bandwidth (counter GB/s).
inline void register_bound_benchmarks() {
  detail::register_bound("bound/dgemm", "GFLOP/s", &machine_bounds::dgemm_seconds,
                         &machine_bounds::dgemm_flops_per_s, 1e9);
  detail::register_bound("bound/sgemm", "GFLOP/s", &machine_bounds::sgemm_seconds,
                         &machine_bounds::sgemm_flops_per_s, 1e9);
  detail::register_bound("bound/read_bandwidth", "GB/s", &machine_bounds::read_seconds,
                         &machine_bounds::read_bytes_per_s, 1e9);
}

}  // namespace km_bench
