// km_bench: every km strategy on a grid of seeded Gaussian blobs and on the real data sets of the
// data directory, each row from the same initial centres to convergence (or a cap on passes),
// beside the physical bounds of the machine measured by this same binary.
//
//   build/bench/km_bench --benchmark_counters_tabular=true          # QUICK set (about a minute)
//   build/bench/km_bench --km_full                                  # FULL grid, all data sets
//   build/bench/km_bench --km_data_dir=PATH                         # real data sets from PATH
//   build/bench/km_bench --benchmark_format=json --benchmark_out=km.json
//
// The data directory defaults to $KM_DATA_DIR, else ../shared/data next to the source tree (see
// bench_data.hpp); data sets that are missing are skipped with one line on stderr. Every Google
// Benchmark flag works as usual (--benchmark_filter=kd_tree, --benchmark_repetitions=3, ...).
//
// Rows are named DATA/SCALAR/STRATEGY, e.g. blobs/n=100000/d=2/k=16/double/kd_tree or
// letter/k=26/double/naive (blobs: n points around k blob centres, spread 2, seed 42). Every
// strategy of a row starts from the same k centres (distinct data rows of a seeded draw) and runs
// at most `passes` Lloyd passes with tolerance 0, so it stops earlier only when no label changes;
// as every strategy returns naive's labels bit for bit, all strategies of a row run the same
// passes, and the time per pass compares like with like. Times are of the whole fit (input
// checks, tree build and update included), divided by the passes it ran. Each row also checks
// that contract: a strategy whose iterations, inertia, labels or centres differ in any bit from
// those of the first strategy run on the same data (naive, where it runs) gets MISMATCH in its
// label and a line on stderr.
//
// Counters (per row):
//   s_per_iter           seconds per Lloyd pass: fit time / passes
//   points_per_s         n * passes / fit time
//   passes               passes per fit (the cap, or fewer when the fit converged)
//   dist_per_point_iter  result.distance_computations / (n * passes): k for naive, about k for
//                        vectorised (plus near-ties re-decided canonically), below k where a
//                        strategy prunes (a kd-tree pruning test counts as one)
//   GFLOP/s              dense strategies (every point against every centre: naive, vectorised):
//                        3 n k d flops per pass (a subtraction, a multiplication and an addition
//                        per coordinate of each distance). Pruning strategies (kd_tree): 3 d flops
//                        per distance computation they report, i.e. the arithmetic rate of the
//                        work they did do, not of the work they avoided.
//   peak_MiB             peak heap bytes during a fit minus those held before it (bench_memory.hpp;
//                        glibc only). The points themselves are not counted: they exist already.
//   bound_fraction       (time the physical bound allows for one pass) / s_per_iter: 1 = at the
//                        bound; see bound_seconds_per_pass() for the formulas. The label says
//                        which bound applied.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <benchmark/benchmark.h>

#include <km/blobs.hpp>
#include <km/kmeans.hpp>

#include "bench_bounds.hpp"
#include "bench_data.hpp"
#include "bench_memory.hpp"
#include "bench_rows.hpp"

namespace {

using km_bench::row;

/// How a strategy spends its time, which decides its GFLOP/s and the bound it is held to.
enum class work {
  dense,   ///< every point against every centre through arithmetic (naive, vectorised)
  pruned,  ///< skips distance computations (every strategy but naive and vectorised)
};

struct settings {
  bool full = false;
  std::string data_dir;
  std::uint64_t centre_seed = km_bench::centre_seed;  ///< the draw of the initial centres
};

settings& config() {
  static settings s;
  return s;
}

/// The time one pass could take at the machine's physical bound, from what every pass has to do.
///
/// Dense strategies compute all n k distances; written as a matrix product (the vectorised form)
/// that is n k d multiply-adds = 2 n k d flops, which can go no faster than Eigen's own matrix
/// product on this machine (DGEMM, or SGEMM for float). A pass must also read the points once
/// (n d sizeof(Scalar) bytes) and write the labels (4 n bytes), which can go no faster than the
/// memory read bandwidth. The bound is the larger of the two times (a roofline): compute-bound
/// rows (large k d) are held to the FLOP rate, small-k rows to the bandwidth.
///   dense:  max(2 n k d / gemm_flops_per_s, (n d sizeof(Scalar) + 4 n) / read_bytes_per_s)
///
/// Pruning strategies avoid most distances, so no flop count applies to them; the one thing no
/// exact pass can avoid is touching every point and its label once:
///   pruned: (n d sizeof(Scalar) + 4 n) / read_bytes_per_s
///
/// bound_fraction = this / s_per_iter (1 means at the bound; the fit's extra work, such as the
/// update step and a tree build, is part of what keeps a row below 1).
template <typename Scalar>
double bound_seconds_per_pass(work kind, double n, double d, double k, const char*& which) {
  const km_bench::machine_bounds& b = km_bench::bounds();
  const double bytes = n * d * static_cast<double>(sizeof(Scalar)) + 4 * n;
  const double memory_seconds = bytes / b.read_bytes_per_s;
  if (kind == work::pruned) {
    which = "bandwidth";
    return memory_seconds;
  }
  const double flop_seconds = 2 * n * k * d / b.gemm_flops_per_s<Scalar>();
  which = flop_seconds >= memory_seconds ? "flops" : "bandwidth";
  return std::max(flop_seconds, memory_seconds);
}

/// What every strategy of a row must agree on, bit for bit (DESIGN.md, the exactness contract).
struct fit_summary {
  int iterations = 0;
  double inertia = 0;
  std::uint64_t labels_hash = 0, centres_hash = 0;
};

/// FNV-1a over the bytes of an array.
template <typename T>
std::uint64_t hash_bytes(const T* data, Eigen::Index count) {
  std::uint64_t hash = 14695981039346656037ULL;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < static_cast<std::size_t>(count) * sizeof(T); ++i)
    hash = (hash ^ bytes[i]) * 1099511628211ULL;
  return hash;
}

template <typename Scalar>
fit_summary summarise(const km::result<Scalar>& r) {
  return {r.iterations, static_cast<double>(r.inertia),
          hash_bytes(r.labels.data(), r.labels.size()),
          hash_bytes(r.centers.data(), r.centers.size())};
}

/// Compares a fit with the first strategy's fit of the same row and precision; returns "" when
/// they agree, else what differs (every exact strategy must return naive's result bit for bit).
std::string check_agreement(const std::string& row_key, const char* strategy_name,
                            const fit_summary& mine) {
  struct first_fit {
    std::string strategy;
    fit_summary summary;
  };
  static std::map<std::string, first_fit> first;
  const auto found = first.find(row_key);
  if (found == first.end()) {
    first.emplace(row_key, first_fit{strategy_name, mine});
    return "";
  }
  const fit_summary& other = found->second.summary;
  std::string differs;
  if (mine.iterations != other.iterations) differs += " iterations";
  // The bits themselves: a -0.0 for a 0.0, or a NaN, must count as a difference.
  // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
  if (std::memcmp(&mine.inertia, &other.inertia, sizeof(double)) != 0) differs += " inertia";
  if (mine.labels_hash != other.labels_hash) differs += " labels";
  if (mine.centres_hash != other.centres_hash) differs += " centres";
  if (differs.empty()) return "";
  return "MISMATCH with " + found->second.strategy + ":" + differs;
}

template <typename Strategy, typename Scalar>
void fit_rows(benchmark::State& state, const row& spec, work kind, const char* strategy_name) {
  const km::row_matrix<Scalar>* loaded = nullptr;
  try {
    loaded = &km_bench::points_of<Scalar>(spec.data);
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
    return;
  }
  const km::row_matrix<Scalar>& points = *loaded;
  if (spec.k > points.rows()) {
    state.SkipWithError("k is larger than the number of points");
    return;
  }
  const km::row_matrix<Scalar> initial =
      km_bench::initial_centres(points, spec.k, config().centre_seed);
  const km::kmeans<Strategy> model(km_bench::fit_options(spec));

  std::uint64_t fits = 0, passes = 0, distances = 0;
  fit_summary summary;
  const std::int64_t before = km_bench::memory::begin_peak();
  // The benchmark's real time, measured again for the counters that are rates but read better
  // as plain numbers (GFLOP/s, bound_fraction); the untimed summary of the first fit is left out.
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  clock::duration untimed{};
  for (auto _ : state) {
    const km::result<Scalar> r = model.fit(points, initial);
    ++fits;
    passes += static_cast<std::uint64_t>(r.iterations);
    distances += r.distance_computations;
    benchmark::DoNotOptimize(r.inertia);
    if (fits == 1) {
      const auto pause = clock::now();
      state.PauseTiming();
      summary = summarise(r);
      state.ResumeTiming();
      untimed += clock::now() - pause;
    }
  }
  const double seconds = std::chrono::duration<double>(clock::now() - start - untimed).count();
  const std::int64_t peak = km_bench::memory::peak() - before;

  const double n = static_cast<double>(points.rows());
  const double d = static_cast<double>(points.cols());
  const double k = static_cast<double>(spec.k);
  const double total_passes = static_cast<double>(passes);
  using benchmark::Counter;
  state.counters["s_per_iter"] = Counter(total_passes, Counter::kIsRate | Counter::kInvert);
  state.counters["points_per_s"] = Counter(n * total_passes, Counter::kIsRate);
  state.counters["passes"] = total_passes / static_cast<double>(fits);
  state.counters["dist_per_point_iter"] = static_cast<double>(distances) / (n * total_passes);
  const double flops =
      kind == work::dense ? 3 * n * k * d * total_passes : 3 * d * static_cast<double>(distances);
  state.counters["GFLOP/s"] = flops / 1e9 / seconds;
  if (km_bench::memory::available()) {
    state.counters["peak_MiB"] = static_cast<double>(peak) / (1024.0 * 1024.0);
  }
  // (bound time of one pass * passes) / elapsed time = bound time of one pass / s_per_iter.
  const char* which = "";
  const double bound = bound_seconds_per_pass<Scalar>(kind, n, d, k, which);
  state.counters["bound_fraction"] = bound * total_passes / seconds;

  std::string label = std::string("bound=") + which;
  if (!spec.data.path.empty()) {
    label += " n=" + std::to_string(points.rows()) + " d=" + std::to_string(points.cols());
  }
  if (!spec.note.empty()) label += " " + spec.note;
  const std::string disagreement = check_agreement(
      spec.name + (sizeof(Scalar) == sizeof(float) ? "/float" : "/double"), strategy_name, summary);
  if (!disagreement.empty()) {
    std::fprintf(stderr, "km_bench: %s/%s: %s\n", spec.name.c_str(), strategy_name,
                 disagreement.c_str());
    label += " " + disagreement;
  }
  state.SetLabel(label);
}

/// A strategy the suite runs: every one of km::exact_strategies.
struct strategy {
  const char* name;
  work kind;
  bool reference;  ///< km::naive: skipped on the largest rows of the QUICK set
  void (*fit_double)(benchmark::State&, const row&, work, const char*);
  void (*fit_float)(benchmark::State&, const row&, work, const char*);
};

const std::vector<strategy>& strategies() {
  static const std::vector<strategy> all = [] {
    std::vector<strategy> list;
    km::for_each_strategy<km::exact_strategies>([&](auto chosen) {
      using type = decltype(chosen);  // its name is a string literal: data() ends in a zero
      constexpr bool reference = std::is_same_v<type, km::naive>;
      constexpr bool dense = reference || std::is_same_v<type, km::vectorised>;
      list.push_back({type::name.data(), dense ? work::dense : work::pruned, reference,
                      &fit_rows<type, double>, &fit_rows<type, float>});
    });
    return list;
  }();
  return all;
}

/// In the QUICK set naive is skipped where n k d exceeds this (a tenth of a second per pass).
constexpr double quick_naive_limit = 1e8;

void register_row(const row& spec, bool with_float) {
  const double nkd = static_cast<double>(spec.data.n) * static_cast<double>(spec.data.d) * spec.k;
  const bool skip_naive = !config().full && spec.data.path.empty() && nkd > quick_naive_limit;
  row shared = spec;
  if (skip_naive) {
    shared.note += (shared.note.empty() ? "" : " ") + std::string("(naive skipped: n*k*d > 1e8)");
  }
  for (const bool single : {false, true}) {
    if (single && !with_float) continue;
    for (const strategy& s : strategies()) {
      if (s.reference && skip_naive) continue;
      const std::string name =
          shared.name + (single ? "/float/" : "/double/") + std::string(s.name);
      benchmark::RegisterBenchmark(name.c_str(), single ? s.fit_float : s.fit_double, shared,
                                   s.kind, s.name)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  }
  // Thread scaling of the default strategy on the large rows: the same fit on two threads (its
  // bits are checked against the row's others like any strategy's).
  if (spec.data.n >= 100000) {
    row threaded = shared;
    threaded.threads = 2;
    const strategy& automatic =
        *std::find_if(strategies().begin(), strategies().end(),
                      [](const strategy& s) { return km::automatic::name == s.name; });
    benchmark::RegisterBenchmark((shared.name + "/double/automatic/threads=2").c_str(),
                                 automatic.fit_double, threaded, automatic.kind,
                                 "automatic/threads=2")
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
}

/// The synthetic rows. QUICK covers each regime once, including the rows the project tracks:
/// low d (2, 4, 8) where the kd-tree should win, high d (64, 256) where the matrix product
/// should, k from 8 to 256 and n from 1e3 to 1e6. FULL adds the whole grid.
void register_synthetic() {
  register_row(km_bench::seed_example_row(), false);

  struct shape {
    Eigen::Index n, d;
    int k, passes;
    bool with_float;
  };
  const shape quick[] = {
      {10000, 2, 8, 0, false},      // small, low d
      {100000, 2, 16, 0, true},     // target: kd_tree territory
      {100000, 4, 64, 0, false},    // low d, more centres
      {1000000, 8, 32, 0, false},   // target: large n, kd_tree at the edge of its range
      {100000, 16, 64, 0, true},    // target: mid d, the crossover
      {100000, 64, 8, 0, false},    // high d, small k: bandwidth-bound
      {10000, 64, 256, 0, false},   // high d, large k: compute-bound
      {10000, 256, 64, 0, true},    // highest d
      {50000, 256, 256, 0, false},  // target: the matrix product's home
  };
  std::vector<std::string> done;
  for (const shape& s : quick) {
    const row r = km_bench::blobs_row(s.n, s.d, s.k, s.passes);
    done.push_back(r.name);
    register_row(r, s.with_float);
  }
  if (!config().full) return;
  for (const Eigen::Index n : {10000, 100000, 1000000}) {
    for (const Eigen::Index d : {2, 4, 8, 16, 64, 256}) {
      if (n * d > 26000000) continue;  // 1e6 x 64 doubles and beyond: memory, not insight
      for (const int k : {8, 32, 128, 256}) {
        const row r = km_bench::blobs_row(n, d, k);
        if (std::find(done.begin(), done.end(), r.name) != done.end()) continue;
        register_row(r, n == 100000 && k == 32);
      }
    }
  }
}

/// The real data sets (bench_rows.hpp): QUICK runs the cheap ones.
void register_real_data() {
  const std::string& dir = config().data_dir;
  std::string missing;
  for (const km_bench::real_data_set& s : km_bench::real_data_sets()) {
    if (!s.quick && !config().full) continue;
    if (!km_bench::readable(km_bench::real_data_path(dir, s.name))) {
      if (missing.find(std::string(" ") + s.name) == std::string::npos) {
        missing += std::string(" ") + s.name;
      }
      continue;
    }
    register_row(km_bench::real_data_row(dir, s), false);
  }
  if (!missing.empty()) {
    std::fprintf(stderr, "km_bench: not found in %s, skipped:%s\n", dir.c_str(), missing.c_str());
  }
}

bool starts_with(const char* text, const char* prefix) {
  return std::strncmp(text, prefix, std::strlen(prefix)) == 0;
}

/// Takes km_bench's own flags out of argv (before Google Benchmark sees it) into config().
/// Returns true when Google Benchmark will only list or explain, not run.
bool parse_own_flags(int& argc, char** argv) {
  settings& s = config();
  s.data_dir = km_bench::default_data_dir();
  bool no_run = false;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const char* arg = argv[i];
    if (std::strcmp(arg, "--km_full") == 0 || std::strcmp(arg, "--km_full=true") == 0) {
      s.full = true;
    } else if (std::strcmp(arg, "--km_full=false") == 0) {
      s.full = false;
    } else if (starts_with(arg, "--km_data_dir=")) {
      s.data_dir = arg + std::strlen("--km_data_dir=");
    } else {
      if (std::strcmp(arg, "--help") == 0) {
        std::fprintf(stdout,
                     "km_bench flags:\n"
                     "  [--km_full]               the full grid and every data set (default: "
                     "the QUICK set)\n"
                     "  [--km_data_dir=PATH]      the real data sets (default: $KM_DATA_DIR, "
                     "else %s)\n\n",
                     s.data_dir.c_str());
        no_run = true;
      }
      if (starts_with(arg, "--benchmark_list_tests") &&
          std::strcmp(arg, "--benchmark_list_tests=false") != 0) {
        no_run = true;
      }
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  argv[argc] = nullptr;
  return no_run;
}

}  // namespace

int main(int argc, char** argv) {
  const bool no_run = parse_own_flags(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  km_bench::register_bound_benchmarks();
  register_synthetic();
  register_real_data();
  if (!no_run) {
    std::fprintf(stderr, "km_bench: %s; data sets from %s\n",
                 config().full ? "FULL set" : "QUICK set (--km_full for the full grid)",
                 config().data_dir.c_str());
    km_bench::measure_bounds();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
