// options::n_init: several runs from different seeds, the lowest inertia kept.
#include <vector>

#include "data.hpp"

using namespace km_tests;

namespace {

struct run_end {
  int run;
  double inertia;
};

/// The final inertia of every run, in the order the runs report them.
template <typename Scalar>
km::result<Scalar> fit_recording_runs(const matrix<Scalar>& points, km::options opts,
                                      std::vector<run_end>& ends) {
  opts.on_iteration = [&ends](const km::iteration_report& report) {
    if (report.last) ends.push_back({report.run, report.inertia});
    return true;
  };
  return km::kmeans<>(opts).fit(points);
}

}  // namespace

TEMPLATE_TEST_CASE("n_init keeps the run of lowest inertia, the earliest on a tie", "[n_init]",
                   float, double) {
  using Scalar = TestType;
  // Overlapping blobs and a random start: the runs end in different local minima.
  const matrix<Scalar> points = blobs<Scalar>(2000, 2, 12, 2.5, 41);
  km::options opts;
  opts.k = 9;
  opts.init = km::init_method::random;
  opts.seed = 17;
  opts.n_init = 6;
  std::vector<run_end> ends;
  const auto best = fit_recording_runs(points, opts, ends);
  REQUIRE(ends.size() == 6);
  int winner = 0;
  for (int r = 0; r < 6; ++r) {
    REQUIRE(ends[static_cast<std::size_t>(r)].run == r);
    if (static_cast<Scalar>(ends[static_cast<std::size_t>(r)].inertia) <
        static_cast<Scalar>(ends[static_cast<std::size_t>(winner)].inertia)) {
      winner = r;
    }
  }
  // The runs really differ, or the test proves nothing.
  REQUIRE(ends[0].inertia != ends[1].inertia);

  // Each run is the one-run fit from its own seed; run 0 keeps the fit's seed.
  for (int r = 0; r < 6; ++r) {
    km::options single = opts;
    single.n_init = 1;
    single.seed = km::detail::run_seed(opts.seed, r);
    const auto alone = km::kmeans<>(single).fit(points);
    REQUIRE(
        same_bits(alone.inertia, static_cast<Scalar>(ends[static_cast<std::size_t>(r)].inertia)));
    if (r == winner) {
      REQUIRE((alone.labels.array() == best.labels.array()).all());
      REQUIRE(alone.centers == best.centers);
      REQUIRE(same_bits(alone.inertia, best.inertia));
      REQUIRE(alone.iterations == best.iterations);
    }
  }
  REQUIRE(km::detail::run_seed(opts.seed, 0) == opts.seed);
}

TEST_CASE("n_init gives the same result on every thread count", "[n_init][threads]") {
  const matrix<double> points = blobs<double>(20000, 4, 10, 2.0, 42);
  km::options opts;
  opts.k = 10;
  opts.n_init = 3;
  const auto one = km::kmeans<>(opts).fit(points);
  for (const int threads : {2, 3}) {
    opts.threads = threads;
    const auto many = km::kmeans<>(opts).fit(points);
    REQUIRE((many.labels.array() == one.labels.array()).all());
    REQUIRE(many.centers == one.centers);
    REQUIRE(same_bits(many.inertia, one.inertia));
  }
}

TEST_CASE("n_init runs once from given centres, and must be >= 1", "[n_init]") {
  const matrix<double> points = blobs<double>(300, 2, 3, 1.0, 43);
  km::options opts;
  opts.k = 3;
  opts.n_init = 4;
  std::vector<int> runs;
  opts.on_iteration = [&runs](const km::iteration_report& report) {
    runs.push_back(report.run);
    return true;
  };
  km::kmeans<>(opts).fit(points, points.topRows(3));
  REQUIRE(!runs.empty());
  for (const int run : runs)
    REQUIRE(run == 0);

  opts.n_init = 0;
  require_invalid_input([&] { return km::kmeans<>(opts).fit(points); }, "n_init = 0 must be >= 1");
}
