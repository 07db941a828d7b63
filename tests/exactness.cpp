// The exactness contract of DESIGN.md: every exact strategy returns what km::naive returns, bit for
// bit, on data built to break it.
#include <catch2/catch.hpp>

#include "data.hpp"

using namespace km_tests;

namespace {

template <typename Scalar>
void check_all_strategies(const matrix<Scalar>& points, const km::options& opts,
                          const matrix<Scalar>* initial = nullptr) {
  for_each_fast_strategy([&](std::string_view name, auto strategy) {
    INFO("strategy " << name);
    require_same_as_naive<decltype(strategy)>(points, opts, initial);
  });
}

}  // namespace

template <typename Strategy, typename Scalar>
void check_adversarial_cases() {
  for (const auto& data : adversarial_cases<Scalar>()) {
    for (const auto init :
         {km::init_method::first_k, km::init_method::random, km::init_method::kmeans_plus_plus}) {
      INFO(Strategy::name << ", " << data.name << ", init " << static_cast<int>(init));
      km::options opts;
      opts.k = data.k;
      opts.init = init;
      opts.seed = 17;
      opts.max_iterations = 60;
      require_same_as_naive<Strategy>(data.points, opts);
    }
  }
}

TEMPLATE_LIST_TEST_CASE("every exact strategy equals naive on adversarial data", "[exactness]",
                        fast_strategies) {
  check_adversarial_cases<TestType, float>();
  check_adversarial_cases<TestType, double>();
}

TEMPLATE_TEST_CASE("vectorised equals naive where it fills its tiles on every pass", "[exactness]",
                   float, double) {
  // Past kept_tiles_bytes of tiles (4 bytes a coordinate in float lanes) vectorised no longer
  // keeps the points as tiles: a tile more than fits, in the longest rows its screen takes.
  const Eigen::Index d = km::vectorised::assigner<TestType>::screen_dimensions;
  const auto n = static_cast<Eigen::Index>(km::vectorised::kept_tiles_bytes) / (4 * d) + 17;
  const matrix<TestType> points = blobs<TestType>(n, d, 5, 2.0, 31);
  km::options opts;
  opts.k = 5;
  opts.max_iterations = 3;
  require_same_as_naive<km::vectorised>(points, opts);
}

TEMPLATE_TEST_CASE("every exact strategy equals naive when clusters empty", "[exactness]", float,
                   double) {
  // Two of the given centres lie far from every point: their clusters are empty after the first
  // pass and the shared relocation rule must act identically for every strategy.
  const emptying_case<TestType> data;
  km::options opts;
  opts.k = 5;
  check_all_strategies(data.points, opts, &data.initial);
}

TEMPLATE_TEST_CASE("every exact strategy equals naive from centres on exact ties", "[exactness]",
                   float, double) {
  // Points on the mirror line x0 = 0, centres mirrored across it: every point is equidistant from
  // each mirrored pair, so the lower index must win everywhere.
  const matrix<TestType> points = mirror<TestType>(200);
  matrix<TestType> initial(4, 2);
  initial << -2, 3, 2, 3, -2, 8, 2, 8;
  km::options opts;
  opts.k = 4;
  check_all_strategies(points, opts, &initial);
}

TEMPLATE_TEST_CASE("every exact strategy equals naive with tolerance and iteration caps",
                   "[exactness]", float, double) {
  const matrix<TestType> points = blobs<TestType>(3000, 4, 12, 2.5, 22);
  km::options opts;
  opts.k = 12;
  opts.seed = 5;
  for (const int cap : {1, 2, 5}) {
    INFO("max_iterations " << cap);
    opts.max_iterations = cap;
    check_all_strategies(points, opts);
  }
  opts.max_iterations = 300;
  opts.tolerance = 1e-2;
  check_all_strategies(points, opts);
}

TEMPLATE_TEST_CASE("every exact strategy equals naive on many random configurations", "[exactness]",
                   float, double) {
  // Random shapes, spreads and k, with coordinates rounded to a coarse grid half the time so
  // that ties are frequent.
  km::detail::rng random(99);
  for (int trial = 0; trial < 40; ++trial) {
    const auto n = static_cast<Eigen::Index>(20 + random.index(400));
    const auto d = static_cast<Eigen::Index>(1 + random.index(12));
    const int k = static_cast<int>(
        1 + random.index(static_cast<std::uint64_t>(std::min<Eigen::Index>(n, 24))));
    matrix<TestType> points =
        blobs<TestType>(n, d, 1 + static_cast<int>(random.index(6)), 0.2 + 3 * random.unit(),
                        1000 + static_cast<std::uint64_t>(trial));
    if (trial % 2 == 0) points = points.array().round().matrix();
    INFO("trial " << trial << ": n " << n << ", d " << d << ", k " << k);
    km::options opts;
    opts.k = k;
    opts.seed = static_cast<std::uint64_t>(trial);
    check_all_strategies(points, opts);
  }
}
