// Results never depend on the thread count: every strategy, run with 2, 3 and 8 threads, returns
// the bits of its one-thread fit (which the exactness tests tie to km::naive). The data are large
// enough that the work really is split: many point chunks, kd-tree subtrees and update partials.
//
// .ci/run's sanitize step defines KM_SANITIZED_BUILD. Under AddressSanitizer and UBSan a fit runs
// about ten times slower, and the full cases took several minutes per test case there, most of
// the step. That build hunts memory errors and undefined behaviour on the threaded paths, which
// fewer passes over fewer points take just as well, so it caps the passes, shrinks the data and
// seeds with k-means++ for one strategy only; every other build runs the cases in full. Shrunk,
// every case still spans several tasks of the assignment and inertia loops (1024 points each), the
// larger ones several of the draws' (4096) and of the checks' and grid sums' (8192), the first
// three of the update's (16384), the emptying case two: every thread count still splits the work
// and fills its per-thread partials.
#include <algorithm>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "data.hpp"

namespace {

using namespace km_tests;

#ifdef KM_SANITIZED_BUILD
constexpr bool sanitized_build = true;
#else
constexpr bool sanitized_build = false;
#endif

/// The number of points: `full`, or `sanitized` in the sanitized build (see the top of the file).
Eigen::Index points_for_build(Eigen::Index full, Eigen::Index sanitized) {
  return sanitized_build ? sanitized : full;
}

template <typename Strategy, typename Scalar>
void require_thread_independent(const matrix<Scalar>& points, km::options opts,
                                const matrix<Scalar>* initial = nullptr) {
  // Ten passes take every strategy past its first pass, into the bound and pruning logic of the
  // later ones; the sanitized build stops there (see the top of the file).
  if (sanitized_build) opts.max_iterations = std::min(opts.max_iterations, 10);
  opts.threads = 1;
  std::vector<trace_entry> expected_trace;
  const auto expected = traced_fit<Strategy>(points, opts, initial, expected_trace);
  for (const int threads : {2, 3, 8}) {
    INFO("threads " << threads);
    opts.threads = threads;
    std::vector<trace_entry> trace;
    require_same_fit(expected, expected_trace, traced_fit<Strategy>(points, opts, initial, trace),
                     trace);
  }
  // Without a callback the fit skips the per-pass inertia; the result must not change.
  opts.threads = 3;
  const km::kmeans<Strategy> model(opts);
  const auto quiet = initial != nullptr ? model.fit(points, *initial) : model.fit(points);
  REQUIRE((quiet.labels.array() == expected.labels.array()).all());
  REQUIRE(same_bits(quiet.inertia, expected.inertia));
}

template <typename Scalar>
void check_every_strategy(const matrix<Scalar>& points, const km::options& opts,
                          const matrix<Scalar>* initial = nullptr) {
  const auto check = [&](std::string_view name, auto strategy) {
    INFO("strategy " << name);
    require_thread_independent<decltype(strategy)>(points, opts, initial);
  };
  check("naive", km::naive{});
  // k-means++ seeding, most of a fit's time here, runs the same code whatever the strategy: the
  // sanitized build checks it with naive alone (every strategy still runs from first_k).
  if (sanitized_build && initial == nullptr && opts.init == km::init_method::kmeans_plus_plus)
    return;
  for_each_fast_strategy(check);
}

/// Points rounded to a coarse grid: many exact duplicates and exact ties between centres.
template <typename Scalar>
matrix<Scalar> rounded(matrix<Scalar> points, double step) {
  for (Eigen::Index i = 0; i < points.size(); ++i) {
    points.data()[i] = static_cast<Scalar>(std::round(points.data()[i] / step) * step);
  }
  return points;
}

}  // namespace

TEMPLATE_TEST_CASE("every thread count gives the bits of one thread", "[threads]", float, double) {
  struct threaded_case {
    const char* name;
    matrix<TestType> points;
    int k;
  };
  const auto n = points_for_build;
  const std::vector<threaded_case> cases = {
      {"blobs, 2-d", blobs<TestType>(n(40000, 34000), 2, 12, 0.8, 21), 16},
      {"blobs, 9-d", blobs<TestType>(n(20000, 9000), 9, 20, 1.0, 22), 24},
      {"grid-rounded blobs, 3-d", rounded(blobs<TestType>(n(30000, 17000), 3, 6, 2.0, 23), 0.5),
       10},
      {"offset 1e8",
       (blobs<TestType>(n(20000, 10000), 2, 5, 0.5, 24).array() + TestType(1e8)).matrix(), 8},
      {"blobs, 40-d", blobs<TestType>(n(6000, 3000), 40, 8, 1.5, 25), 12}};
  for (const auto& data : cases) {
    for (const auto init : {km::init_method::first_k, km::init_method::kmeans_plus_plus}) {
      INFO(data.name << ", " << data.points.rows() << " points, init " << static_cast<int>(init));
      km::options opts;
      opts.k = data.k;
      opts.init = init;
      opts.seed = 3;
      check_every_strategy(data.points, opts);
    }
  }
}

TEMPLATE_TEST_CASE("clusters that empty are refilled alike on every thread count", "[threads]",
                   float, double) {
  // Far initial centres empty their clusters; the points are many, so relocation scans them all.
  const matrix<TestType> points = blobs<TestType>(points_for_build(30000, 17000), 2, 4, 1.0, 26);
  matrix<TestType> initial(6, 2);
  initial << 0, 0, 1, 1, -1, 0, 0, -1, 1e4, 1e4, -1e4, 1e4;
  km::options opts;
  opts.k = 6;
  check_every_strategy(points, opts, &initial);
}

TEMPLATE_TEST_CASE("threads = 0 uses the hardware and changes nothing", "[threads]", float,
                   double) {
  const matrix<TestType> points = blobs<TestType>(30000, 4, 8, 1.0, 27);
  km::options opts;
  opts.k = 10;
  const auto one = km::kmeans<km::kd_tree>(opts).fit(points);
  opts.threads = 0;
  const auto all = km::kmeans<km::kd_tree>(opts).fit(points);
  REQUIRE((one.labels.array() == all.labels.array()).all());
  REQUIRE(same_bits(one.inertia, all.inertia));
  REQUIRE(one.centers == all.centers);
}

TEST_CASE("bad input is reported alike on every thread count", "[threads]") {
  // Two bad values far apart: every thread count must name the first in row order.
  matrix<double> points = blobs<double>(50000, 3, 4, 1.0, 28);
  points(45000, 0) = std::numeric_limits<double>::quiet_NaN();
  points(30000, 2) = std::numeric_limits<double>::infinity();
  for (const int threads : {1, 2, 3, 8}) {
    INFO("threads " << threads);
    km::options opts;
    opts.k = 4;
    opts.threads = threads;
    REQUIRE_THROWS_WITH(km::kmeans<>(opts).fit(points),
                        Catch::Matchers::Contains("row 30000, column 2 is inf"));
  }
}
