// The profiling hooks (include/km/detail/profile.hpp), as bench/km_profile reads them: this
// binary is built with KM_PROFILE. Each phase runs as often as the fit's passes say, and the
// phases cover the fit's wall time: together never more (no time counted twice), and not much
// less (no phase of the fit left out). That a profiling build returns the normal build's bits is
// the test golden.profiled (tests/CMakeLists.txt): km_golden built with KM_PROFILE must reproduce
// the golden results that the normal km_golden does.
#include <algorithm>
#include <chrono>
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "data.hpp"

namespace {

using namespace km_tests;
namespace profile = km::detail::profile;

const profile::phase_totals& totals_of(profile::phase which) {
  return profile::totals().phases[static_cast<int>(which)];
}

/// One fit's record: every phase ran as often as the fit's passes say, within its own time.
/// Returns the share of the fit's wall time that the phases cover.
template <typename Strategy>
double covered_share(const km::kmeans<Strategy>& model, const matrix<double>& points,
                     const matrix<double>& initial, int threads) {
  profile::reset();
  const auto start = std::chrono::steady_clock::now();
  const km::result<double> r = model.fit(points, initial);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int passes = r.iterations;
  REQUIRE(passes > 1);  // so that every per-pass phase runs

  const profile::record& record = profile::totals();
  REQUIRE(record.threads == threads);
  REQUIRE(totals_of(profile::phase::checks).calls == 1);
  REQUIRE(totals_of(profile::phase::init).calls == 1);
  REQUIRE(totals_of(profile::phase::setup).calls == 1);
  REQUIRE(totals_of(profile::phase::assignment).calls == passes);
  // An assigner that reports its moves (kd_tree) updates the sums within its passes.
  const long sums = std::is_same_v<Strategy, km::kd_tree> ? 0 : passes;
  REQUIRE(totals_of(profile::phase::sums).calls == sums);
  REQUIRE(totals_of(profile::phase::centres).calls == passes - 1);
  REQUIRE(totals_of(profile::phase::inertia).calls == 1);
  REQUIRE(totals_of(profile::phase::stop).calls == 1);
  REQUIRE(record.phases[profile::phases].team_runs == 0);  // every team run within a phase

  double covered = 0;
  long team_runs = 0;
  for (int p = 0; p < profile::phases; ++p) {
    const profile::phase_totals& t = record.phases[p];
    INFO("phase " << p);
    covered += t.seconds;
    team_runs += t.team_runs;
    REQUIRE(t.team_seconds <= t.seconds);
    REQUIRE(t.busy_seconds <= t.thread_seconds);
  }
  REQUIRE(team_runs >= passes);
  INFO("phases " << covered << " s of " << wall << " s");
  REQUIRE(covered <= wall);  // no time counted twice
  return covered / wall;
}

template <typename Strategy>
void require_phases_cover_fits(const matrix<double>& points, int threads) {
  km::options opts;
  opts.k = 16;
  opts.max_iterations = 30;
  opts.threads = threads;
  const km::kmeans<Strategy> model(opts);
  const matrix<double> initial = points.topRows(opts.k);
  static_cast<void>(model.fit(points, initial));  // the threads' start and first allocations
  std::vector<double> shares;
  for (int f = 0; f < 5; ++f)
    shares.push_back(covered_share(model, points, initial, threads));
  // Outside every phase there is little more than the result's return; but a fit of a few
  // milliseconds on a busy machine may lose a scheduler's time slice anywhere: the median fit.
  std::sort(shares.begin(), shares.end());
  INFO("median share " << shares[2]);
  REQUIRE(shares[2] >= 0.9);
}

}  // namespace

TEST_CASE("the profile's phases add up to the fits' wall time", "[profile]") {
  const matrix<double> points = blobs<double>(20000, 8, 16, 2.0, 42);
  km::for_each_strategy<km::exact_strategies>([&](auto strategy) {
    using Strategy = decltype(strategy);
    for (const int threads : {1, 2}) {
      INFO(Strategy::name << " on " << threads << " threads");
      require_phases_cover_fits<Strategy>(points, threads);
    }
  });
}
