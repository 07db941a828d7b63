// km's runner for the peer comparison (bench/README.md, "Runner protocol"):
//
//   km_run PROBLEM_DIR OUT_DIR [--variant STRATEGY[/float32]] [--repeat R] [--threads T]
//
// STRATEGY is any of km::exact_strategies by name (default automatic).
//
// Fits km::kmeans<Strategy> from init.f64, tolerance 0 (stop after a pass that changes no label),
// on T threads (default one, as the protocol asks), and at most max_iterations centre updates, as
// the peers count them: km counts assignment passes, so it gets one more, whose labels belong to
// the final centres (the peers' final assignment, scikit-learn's last E-step); times fit() alone,
// best of R. With /float32 the points and initial centres are cast to float before timing and the
// fit runs in float. Every strategy returns the same result bit for bit; only the time differs.
#include <algorithm>
#include <exception>
#include <string>

#include <km/kmeans.hpp>

#include "problem_io.hpp"

namespace {

template <typename Strategy, typename Points>
void run(const bench::problem& p, const Points& points, const Points& init,
         const bench::arguments& args, bench::outcome& out) {
  using Scalar = typename Points::Scalar;
  km::options opts;
  opts.k = p.k;
  opts.max_iterations = p.max_iterations + 1;
  opts.tolerance = 0.0;
  opts.threads = args.threads;
  const km::kmeans<Strategy> model(opts);
  km::result<Scalar> r;
  out.seconds = bench::best_of(args.repeat, [&] { r = model.fit(points, init); });
  out.iterations = std::min(r.iterations, p.max_iterations);
  out.converged = r.converged;
  bench::write_outputs(args.out_dir, out, r.labels, r.centers);
}

template <typename Strategy>
void run_in(bool float32, const bench::problem& p, const bench::arguments& args,
            bench::outcome& out) {
  if (float32) {
    out.precision = "float32";
    const km::row_matrix<float> points = p.points.cast<float>();
    const km::row_matrix<float> init = p.init.cast<float>();
    run<Strategy>(p, points, init, args, out);
  } else {
    run<Strategy>(p, p.points, p.init, args, out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string strategies = km::strategy_names<km::exact_strategies>();
  const bench::arguments args = bench::parse_arguments(
      argc, argv, "automatic", strategies + ", each optionally with /float32", true);
  const std::string suffix = "/float32";
  std::string strategy = args.variant;
  const bool float32 =
      strategy.size() > suffix.size() &&
      strategy.compare(strategy.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (float32) strategy.resize(strategy.size() - suffix.size());
  if (!km::with_strategy<km::exact_strategies>(strategy, [](auto) {})) {
    bench::fail(
        2, "unknown variant '" + args.variant + "': " + strategies + ", optionally with /float32");
  }

  const bench::problem p = bench::read_problem(args.problem_dir);
  bench::outcome out;
  out.library = "km";
  out.variant = args.variant;
  try {
    km::with_strategy<km::exact_strategies>(
        strategy, [&](auto chosen) { run_in<decltype(chosen)>(float32, p, args, out); });
  } catch (const std::exception& e) {  // km::invalid_input: data km refuses (NaN, overflow, ...)
    const std::string what = e.what();
    bench::fail(3, what.rfind("km: ", 0) == 0 ? what : "km: " + what);
  }
  return 0;
}
