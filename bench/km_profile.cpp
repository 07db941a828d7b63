// km_profile: where the time of one km_bench row's fit goes. It runs the row's fit (the same data,
// initial centres, options and strategy as km_bench) on a build of the library with KM_PROFILE
// defined, whose hooks (include/km/detail/profile.hpp) time the driver's phases and the thread
// team's runs, and prints per phase the time per fit, its share of the fit, the time per call
// (per pass, for the passes' phases) and the time the team's threads spent idle in it.
//
//   build/bench/km_profile --row blobs/n=100000/d=16/k=64/double/hamerly [--threads 2]
//                          [--fits 5] [--km_data_dir=PATH]
//
// A row is any name km_bench prints (`km_bench --benchmark_list_tests`), with or without its
// "/real_time" suffix; "/threads=N" at the end, or --threads, sets options.threads. One fit warms
// up (allocations, the threads' start), then the mean of --fits fits is shown. bench/README.md
// ("Where the time goes") says what each phase holds and how to look deeper with perf and
// callgrind.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>

#include <km/kmeans.hpp>

#include "bench_data.hpp"
#include "bench_rows.hpp"

#if !defined(KM_PROFILE)
#error "km_profile reads the hooks of a KM_PROFILE build (bench/CMakeLists.txt defines it)"
#endif

namespace {

namespace profile = km::detail::profile;

struct request {
  km_bench::row row;
  bool single = false;  ///< float points
  std::string strategy;
  int fits = 5;
};

/// The phases' names in the table, in profile::phase order.
const char* const phase_names[profile::phases] = {
    "input checks", "initial centres", "setup",   "assignment",
    "update: sums", "update: centres", "inertia", "threads' stop"};

/// The 1-minute load average, or -1 where /proc/loadavg is not to be read.
double load_average() {
  std::ifstream file("/proc/loadavg");
  double load = -1;
  file >> load;
  return file ? load : -1;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// DATA/SCALAR/STRATEGY[/threads=N][/real_time] into the request; false when it names no row.
bool parse_row(std::string name, const std::string& data_dir, request& out, int& threads) {
  if (ends_with(name, "/real_time")) name.resize(name.size() - std::strlen("/real_time"));
  const std::size_t last = name.rfind('/');
  if (last != std::string::npos && name.compare(last, 9, "/threads=") == 0) {
    threads = std::atoi(name.c_str() + last + 9);
    name.resize(last);
  }
  const std::size_t strategy_at = name.rfind('/');
  if (strategy_at == std::string::npos) return false;
  out.strategy = name.substr(strategy_at + 1);
  name.resize(strategy_at);
  if (ends_with(name, "/double")) {
    out.single = false;
  } else if (ends_with(name, "/float")) {
    out.single = true;
  } else {
    return false;
  }
  name.resize(name.rfind('/'));
  const std::optional<km_bench::row> found = km_bench::row_named(name, data_dir);
  if (!found) return false;
  out.row = *found;
  return true;
}

/// One line of the table: a phase's totals over every fit measured, shown per fit.
void print_line(const char* name, const profile::phase_totals& t, double fits, double fit_seconds,
                int threads) {
  const double ms = 1e3 * t.seconds / fits;
  // The threads' time within the phase, less what they spent running tasks and what the fit's
  // own thread spent outside team runs (where it works alone and the others wait).
  const double idle =
      std::max(0.0, threads * t.seconds - (t.seconds - t.team_seconds) - t.busy_seconds);
  const double idle_ms = 1e3 * idle / fits;
  const double capacity = threads * t.seconds;
  char per_call[32] = "";
  if (t.calls > 0) {
    std::snprintf(per_call, sizeof per_call, "%.3f",
                  1e3 * t.seconds / static_cast<double>(t.calls));
  }
  char idle_share[32] = "";
  if (capacity > 0) std::snprintf(idle_share, sizeof idle_share, "%.0f%%", 100 * idle / capacity);
  std::printf("| %-16s | %7.1f | %9.3f | %6.1f%% | %9s | %9.1f | %9.3f | %5s |\n", name,
              static_cast<double>(t.calls) / fits, ms, 100 * t.seconds / fit_seconds, per_call,
              static_cast<double>(t.team_runs) / fits, idle_ms, idle_share);
}

template <typename Strategy, typename Scalar>
int profile_row(const request& req, const std::string& full_name) {
  const km_bench::row& spec = req.row;
  const km::row_matrix<Scalar>& points = km_bench::points_of<Scalar>(spec.data);
  if (spec.k > points.rows()) {
    std::fprintf(stderr, "km_profile: k is larger than the number of points\n");
    return 1;
  }
  const km::row_matrix<Scalar> initial =
      km_bench::initial_centres(points, spec.k, km_bench::centre_seed);
  const km::kmeans<Strategy> model(km_bench::fit_options(spec));

  const double load_before = load_average();
  km::result<Scalar> r = model.fit(points, initial);  // warm-up
  profile::reset();
  using clock = std::chrono::steady_clock;
  double total = 0, fastest = 0, slowest = 0;
  const std::clock_t cpu_start = std::clock();
  for (int f = 0; f < req.fits; ++f) {
    const auto start = clock::now();
    r = model.fit(points, initial);
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    total += seconds;
    fastest = f == 0 ? seconds : std::min(fastest, seconds);
    slowest = std::max(slowest, seconds);
  }
  const double cpu =
      static_cast<double>(std::clock() - cpu_start) / static_cast<double>(CLOCKS_PER_SEC);
  const profile::record measured = profile::totals();
  const double load_after = load_average();

  const double fits = req.fits;
  const int threads = measured.threads;
  std::printf("km_profile %s\n", full_name.c_str());
  std::printf("%lld x %lld points, k = %d, %d %s, %d passes (%s), inertia %.17g\n",
              static_cast<long long>(points.rows()), static_cast<long long>(points.cols()), spec.k,
              threads, threads == 1 ? "thread" : "threads", r.iterations,
              r.converged ? "converged" : "the row's cap", static_cast<double>(r.inertia));
  std::printf(
      "fit: %.3f ms mean of %d fits after one warm-up (min %.3f, max %.3f); load average "
      "%.2f before, %.2f after\n",
      1e3 * total / fits, req.fits, 1e3 * fastest, 1e3 * slowest, load_before, load_after);
  // Below threads x wall time: the threads waited for a core (the machine's other load) or
  // slept in the team between its runs.
  std::printf("CPU time of the process: %.3f ms per fit, %.0f%% of threads x wall time\n\n",
              1e3 * cpu / fits, 100 * cpu / (threads * total));
  std::printf("| %-16s | %7s | %9s | %7s | %9s | %9s | %9s | %5s |\n", "phase", "calls", "ms",
              "of fit", "ms/call", "team runs", "idle ms", "idle");
  std::printf("|%s|%s:|%s:|%s:|%s:|%s:|%s:|%s:|\n", std::string(18, '-').c_str(),
              std::string(8, '-').c_str(), std::string(10, '-').c_str(),
              std::string(8, '-').c_str(), std::string(10, '-').c_str(),
              std::string(10, '-').c_str(), std::string(10, '-').c_str(),
              std::string(6, '-').c_str());
  double covered = 0;
  for (int p = 0; p < profile::phases; ++p) {
    const profile::phase_totals& t = measured.phases[p];
    print_line(phase_names[p], t, fits, total, threads);
    covered += t.seconds;
  }
  // Whatever no phase covers: the result's return, and any team run outside the phases.
  profile::phase_totals other = measured.phases[profile::phases];
  other.seconds = total - covered;
  print_line("other", other, fits, total, threads);

  profile::phase_totals whole;
  whole.calls = req.fits;
  whole.seconds = total;
  for (const profile::phase_totals& t : measured.phases) {
    whole.team_runs += t.team_runs;
    whole.team_seconds += t.team_seconds;
    whole.busy_seconds += t.busy_seconds;
  }
  print_line("fit", whole, fits, total, threads);
  std::printf(
      "\nidle: the threads' time (threads x phase time) not spent running tasks; the fit's own "
      "thread counts as busy outside team runs.\n");
  return 0;
}

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: km_profile --row DATA/SCALAR/STRATEGY[/threads=N] [--threads N] "
               "[--fits N] [--km_data_dir=PATH]\n"
               "  --row          a row of km_bench (km_bench --benchmark_list_tests lists them)\n"
               "  --threads N    options.threads (default 1, or the row's /threads=N)\n"
               "  --fits N       fits measured after one warm-up (default 5)\n"
               "  --km_data_dir  the real data sets (default: $KM_DATA_DIR, else %s)\n",
               km_bench::default_data_dir().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string row_name, data_dir = km_bench::default_data_dir();
  int threads = 0, fits = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--row" && has_value) {
      row_name = argv[++i];
    } else if (arg == "--threads" && has_value) {
      threads = std::atoi(argv[++i]);
    } else if (arg == "--fits" && has_value) {
      fits = std::atoi(argv[++i]);
    } else if (arg.compare(0, 14, "--km_data_dir=") == 0) {
      data_dir = arg.substr(14);
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      usage(stderr);
      return 2;
    }
  }
  request req;
  req.fits = fits;
  int row_threads = 1;
  if (row_name.empty() || fits < 1 || threads < 0 ||
      !parse_row(row_name, data_dir, req, row_threads)) {
    if (!row_name.empty()) std::fprintf(stderr, "km_profile: no such row: %s\n", row_name.c_str());
    usage(stderr);
    return 2;
  }
  req.row.threads = threads > 0 ? threads : row_threads;
  int status = 2;
  const bool known = km::with_strategy<km::exact_strategies>(req.strategy, [&](auto strategy) {
    using Strategy = decltype(strategy);
    try {
      status = req.single ? profile_row<Strategy, float>(req, row_name)
                          : profile_row<Strategy, double>(req, row_name);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "km_profile: %s\n", error.what());
      status = 1;
    }
  });
  if (!known) {
    std::fprintf(stderr, "km_profile: no strategy %s (%s)\n", req.strategy.c_str(),
                 km::strategy_names<km::exact_strategies>().c_str());
  }
  return status;
}
