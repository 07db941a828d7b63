// Strong and weak scaling of km::mpi::kmeans, and, measured alone, the two parts of a Lloyd pass
// that more ranks do not divide: the allreduces of the clusters' sums and the centre update that
// every rank then makes whole. The figures behind the model in bench/MPI_SCALING.md.
//
//   mpirun -n P km_mpi_scaling [--mode strong|weak] [--n N] [--d D] [--k K] [--passes I]
//                              [--repeat R] [--strategy automatic|vectorised] [--no-check]
//
// strong: N rows in all, split evenly over the P ranks; weak: N rows per rank, P x N in all.
// Every rank makes the same blobs (km::make_blobs: k blob centres, spread 2, seed 42, as km_bench)
// and keeps its own contiguous rows, so row i is the same point whatever P is (the weak data set
// of P ranks starts with that of fewer). Every fit starts from the same k initial centres, drawn
// from the first N rows (so weak runs share them too), one thread per rank, tolerance 0 and at
// most I passes: the same work whatever P is (fewer passes only when no label changes). A fit's
// time is the slowest rank's, from a barrier to the end of fit(); min and median of R fits.
//
// Defaults: strong, N = 1e6, d = 8, k = 32, 20 passes, R = 5, automatic. --no-check skips the
// fit on rank 0 alone that the result is compared with, bit for bit. The last line, "result ...",
// repeats every figure as key=value for scripts/bench-mpi.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include <mpi.h>

#include <km/automatic.hpp>
#include <km/blobs.hpp>
#include <km/mpi.hpp>
#include <km/vectorised.hpp>

#include "bench_data.hpp"

namespace {

struct settings {
  bool weak = false;
  Eigen::Index n = 1000000;  // in all (strong) or per rank (weak)
  Eigen::Index d = 8;
  int k = 32;
  int passes = 20;
  int repeat = 5;
  std::string strategy = "automatic";
  bool check = true;
};

/// Every rank parses the same command line, so every rank agrees on whether it is bad.
bool parse(int argc, char** argv, settings& s, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-check") {
      s.check = false;
      continue;
    }
    if (i + 1 >= argc) {
      error = flag + " needs a value (or is unknown)";
      return false;
    }
    const std::string value = argv[++i];
    char* end = nullptr;
    const long long number = std::strtoll(value.c_str(), &end, 10);
    const bool integral = end != value.c_str() && *end == '\0' && number > 0;
    if (flag == "--mode" && (value == "strong" || value == "weak")) {
      s.weak = value == "weak";
    } else if (flag == "--strategy" && (value == "automatic" || value == "vectorised")) {
      s.strategy = value;
    } else if (flag == "--n" && integral) {
      s.n = static_cast<Eigen::Index>(number);
    } else if (flag == "--d" && integral) {
      s.d = static_cast<Eigen::Index>(number);
    } else if ((flag == "--k" || flag == "--passes" || flag == "--repeat") && integral &&
               number <= 1000000) {
      (flag == "--k" ? s.k : flag == "--passes" ? s.passes : s.repeat) = static_cast<int>(number);
    } else {
      // NOLINTNEXTLINE(performance-inefficient-string-concatenation): once, on the way out
      error = "bad argument: " + flag + " " + value;
      return false;
    }
  }
  return true;
}

int rank_of(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

int size_of(MPI_Comm comm) {
  int p = 1;
  MPI_Comm_size(comm, &p);
  return p;
}

/// A timing is only as fast as the slowest rank: the others wait for it at the next collective.
double slowest(double seconds) {
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return seconds;
}

struct spread_of_runs {
  double min = 0, median = 0;
};

spread_of_runs summarise(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  const std::size_t m = seconds.size() / 2;
  return {seconds.front(),
          seconds.size() % 2 == 1 ? seconds[m] : 0.5 * (seconds[m - 1] + seconds[m])};
}

/// The time of `calls` calls of `step` on every rank, per call, min and median of `repeat`
/// batches (after a few calls that warm the connections up).
template <typename Step>
spread_of_runs time_per_call(int repeat, int calls, Step&& step) {
  for (int i = 0; i < 20; ++i)
    step();
  std::vector<double> seconds;
  for (int r = 0; r < repeat; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    for (int i = 0; i < calls; ++i)
      step();
    seconds.push_back(slowest(MPI_Wtime() - start) / calls);
  }
  return summarise(seconds);
}

/// What each Lloyd pass of a fit sends (include/km/detail/update.hpp): the number of labels
/// that changed (one int64), the clusters' exact sums (3 grid levels x k x d doubles) and their
/// counts (k int64), each an in-place MPI_Allreduce. Zeros, so that repeated sums stay finite.
struct pass_collectives {
  spread_of_runs latency;  // the int64 alone: the fixed cost of one allreduce
  spread_of_runs sums;     // the 3 k d doubles alone: the bulk
  spread_of_runs pass;     // all three, as a pass makes them
  std::size_t bytes = 0;   // of all three
};

pass_collectives time_collectives(const settings& s) {
  std::vector<double> sums(3 * static_cast<std::size_t>(s.k) * static_cast<std::size_t>(s.d), 0.0);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(s.k), 0);
  std::int64_t changed = 0;
  const auto sum_changed = [&] {
    MPI_Allreduce(MPI_IN_PLACE, &changed, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
  };
  const auto sum_sums = [&] {
    MPI_Allreduce(MPI_IN_PLACE, sums.data(), static_cast<int>(sums.size()), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
  };
  const auto sum_counts = [&] {
    MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(counts.size()), MPI_INT64_T,
                  MPI_SUM, MPI_COMM_WORLD);
  };
  // Enough calls that a batch lasts well beyond MPI_Wtime's resolution.
  const int calls = 500;
  pass_collectives out;
  out.latency = time_per_call(s.repeat, calls, sum_changed);
  out.sums = time_per_call(s.repeat, calls, sum_sums);
  out.pass = time_per_call(s.repeat, calls, [&] {
    sum_changed();
    sum_sums();
    sum_counts();
  });
  out.bytes = sizeof(double) * sums.size() + sizeof(std::int64_t) * (counts.size() + 1);
  return out;
}

/// The seconds of one centre update (include/km/detail/update.hpp: new centres from the clusters'
/// exact sums), which every rank makes whole after the allreduce: the one part of a pass that
/// more ranks do not divide. Timed on `mine`, every point labelled i % k, on this rank alone;
/// min of `repeat` batches.
double time_centre_update(const settings& s, const km::row_matrix<double>& mine,
                          const km::row_matrix<double>& initial) {
  namespace kd = km::detail;
  const kd::points_view<double> points = kd::view_of_rows(mine);
  kd::bounding_box box(s.d);
  box.extend(mine);
  box.extend(initial);
  const kd::solo alone(mine.rows());
  kd::thread_team team(1);
  const kd::point_weights<double> unweighted;
  const kd::fit_context<double, kd::solo> fit{points, unweighted, box, team, alone};
  kd::centre_update<double, kd::solo> update(fit, s.k);
  Eigen::VectorXi labels(mine.rows());
  for (Eigen::Index i = 0; i < labels.size(); ++i)
    labels[i] = static_cast<int>(i % s.k);
  update.follow(labels, team);
  km::row_matrix<double> next(s.k, s.d);
  const auto current_labels = [&]() -> const Eigen::VectorXi& { return labels; };
  // About 20 ms a batch: a few hundred thousand centre coordinates.
  const int calls = static_cast<int>(std::max<Eigen::Index>(10, 500000 / (s.k * s.d)));
  double best = 0;
  for (int r = 0; r < s.repeat; ++r) {
    const double start = MPI_Wtime();
    for (int i = 0; i < calls; ++i)
      update(initial, next, current_labels, team);
    const double seconds = (MPI_Wtime() - start) / calls;
    best = r == 0 ? seconds : std::min(best, seconds);
  }
  return best;
}

struct fit_figures {
  spread_of_runs seconds;
  km::result<double> last;  // of the last fit: every fit returns the same
};

template <typename Strategy>
fit_figures time_fits(const settings& s, const km::row_matrix<double>& mine,
                      const km::row_matrix<double>& initial, const km::options& opts) {
  const km::mpi::kmeans<Strategy> model(opts, MPI_COMM_WORLD);
  fit_figures out;
  std::vector<double> seconds;
  for (int r = 0; r < s.repeat; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = MPI_Wtime();
    out.last = model.fit(mine, initial);
    seconds.push_back(slowest(MPI_Wtime() - start));
  }
  out.seconds = summarise(seconds);
  return out;
}

template <typename T>
bool same_bits(const T* a, const T* b, Eigen::Index count) {
  return std::memcmp(a, b, sizeof(T) * static_cast<std::size_t>(count)) == 0;
}

/// Whether `fitted` (every rank's result, labels of its own rows) is bit for bit the fit of
/// rank 0 alone over `all` rows (held by rank 0 only); `begin` holds each rank's first row.
template <typename Strategy>
bool same_as_one_rank(const km::result<double>& fitted, const km::row_matrix<double>& all,
                      const km::row_matrix<double>& initial, const km::options& opts,
                      const std::vector<int>& begin) {
  const int rank = rank_of(MPI_COMM_WORLD), ranks = size_of(MPI_COMM_WORLD);
  int same = 1;
  Eigen::VectorXi reference_labels;
  if (rank == 0) {
    const km::result<double> alone =
        km::mpi::kmeans<Strategy>(opts, MPI_COMM_SELF).fit(all, initial);
    same = alone.iterations == fitted.iterations && same_bits(&alone.inertia, &fitted.inertia, 1) &&
           alone.centers.size() == fitted.centers.size() &&
           same_bits(alone.centers.data(), fitted.centers.data(), alone.centers.size());
    reference_labels = alone.labels;
  }
  std::vector<int> counts(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    counts[static_cast<std::size_t>(r)] =
        begin[static_cast<std::size_t>(r) + 1] - begin[static_cast<std::size_t>(r)];
  }
  Eigen::VectorXi labels(counts[static_cast<std::size_t>(rank)]);
  MPI_Scatterv(reference_labels.data(), counts.data(), begin.data(), MPI_INT, labels.data(),
               static_cast<int>(labels.size()), MPI_INT, 0, MPI_COMM_WORLD);
  same = same && labels.size() == fitted.labels.size() &&
         same_bits(labels.data(), fitted.labels.data(), labels.size());
  MPI_Allreduce(MPI_IN_PLACE, &same, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  return same != 0;
}

template <typename Strategy>
void run(const settings& s) {
  const int rank = rank_of(MPI_COMM_WORLD), ranks = size_of(MPI_COMM_WORLD);
  const Eigen::Index n = s.weak ? s.n * ranks : s.n;
  // Rows of rank r: [begin[r], begin[r + 1]). MPI counts rows in int; so do we.
  std::vector<int> begin(static_cast<std::size_t>(ranks) + 1);
  for (int r = 0; r <= ranks; ++r)
    begin[static_cast<std::size_t>(r)] = static_cast<int>(n * r / ranks);

  // Every rank makes all rows and keeps its own: make_blobs draws them one after another from one
  // stream, so no rank could make only its own. Rank 0 keeps all of them for the check.
  km::row_matrix<double> all = km::make_blobs<double>(n, s.d, s.k, 2.0, 42).points;
  const km::row_matrix<double> initial =
      s.weak ? km_bench::initial_centres<double>(all.topRows(s.n), s.k, 1)
             : km_bench::initial_centres<double>(all, s.k, 1);
  const Eigen::Index first = begin[static_cast<std::size_t>(rank)];
  const km::row_matrix<double> mine =
      all.middleRows(first, begin[static_cast<std::size_t>(rank) + 1] - first);
  const bool check = s.check && ranks > 1;
  if (!check || rank != 0) all.resize(0, 0);

  km::options opts;
  opts.k = s.k;
  opts.max_iterations = s.passes;
  opts.tolerance = 0;
  opts.threads = 1;

  const fit_figures fits = time_fits<Strategy>(s, mine, initial, opts);
  const pass_collectives comm = time_collectives(s);
  const double update_seconds = rank == 0 ? time_centre_update(s, mine, initial) : 0.0;
  const char* same = "- (this is the 1-rank run)";
  if (check) {
    same = same_as_one_rank<Strategy>(fits.last, all, initial, opts, begin) ? "yes" : "no";
  } else if (ranks > 1) {
    same = "not checked";
  }
  if (rank != 0) return;

  const int passes = fits.last.iterations;
  const spread_of_runs per_pass{fits.seconds.min / passes, fits.seconds.median / passes};
  // The assignment's cost per point, centre and dimension on one rank: c_assign of the model.
  const double work =
      static_cast<double>(n) * static_cast<double>(s.k) * static_cast<double>(s.d) / ranks;
  const double distances_per_point_pass =
      static_cast<double>(fits.last.distance_computations) / (static_cast<double>(n) * passes);
  std::printf(
      "mpi_scaling: %s scaling, %d rank(s) x 1 thread, n = %lld (%lld per rank), d = %lld,"
      " k = %d, %s\n",
      s.weak ? "weak" : "strong", ranks, static_cast<long long>(n),
      static_cast<long long>(n / ranks), static_cast<long long>(s.d), s.k, s.strategy.c_str());
  std::printf(
      "  fit, %d passes: min %.4f s, median %.4f s of %d; per pass: min %.3f ms, median "
      "%.3f ms; %.3f ns per point x centre x dimension per rank (min)\n",
      passes, fits.seconds.min, fits.seconds.median, s.repeat, 1e3 * per_pass.min,
      1e3 * per_pass.median, 1e9 * per_pass.min / work);
  std::printf("  distances computed per point per pass: %.2f of k = %d\n", distances_per_point_pass,
              s.k);
  std::printf(
      "  one pass's allreduces (%zu bytes): min %.2f us, median %.2f us; the sums alone "
      "(3 k d doubles): min %.2f us; one int64: min %.2f us\n",
      comm.bytes, 1e6 * comm.pass.min, 1e6 * comm.pass.median, 1e6 * comm.sums.min,
      1e6 * comm.latency.min);
  std::printf(
      "  one centre update, made whole on every rank: min %.2f us, %.2f ns per centre "
      "coordinate\n",
      1e6 * update_seconds, 1e9 * update_seconds / static_cast<double>(s.k * s.d));
  std::printf("  same bits: %s\n", same);
  std::printf(
      "result mode=%s ranks=%d n=%lld d=%lld k=%d strategy=%s passes=%d repeat=%d "
      "fit_min_s=%.6f fit_median_s=%.6f pass_min_ms=%.4f pass_median_ms=%.4f "
      "ns_per_nkd=%.4f distances_per_point=%.3f comm_bytes=%zu comm_pass_min_us=%.3f "
      "comm_pass_median_us=%.3f comm_sums_min_us=%.3f comm_int64_min_us=%.3f update_us=%.3f "
      "same=%s\n",
      s.weak ? "weak" : "strong", ranks, static_cast<long long>(n), static_cast<long long>(s.d),
      s.k, s.strategy.c_str(), passes, s.repeat, fits.seconds.min, fits.seconds.median,
      1e3 * per_pass.min, 1e3 * per_pass.median, 1e9 * per_pass.min / work,
      distances_per_point_pass, comm.bytes, 1e6 * comm.pass.min, 1e6 * comm.pass.median,
      1e6 * comm.sums.min, 1e6 * comm.latency.min, 1e6 * update_seconds, check ? same : "-");
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  settings s;
  std::string error;
  int status = 0;
  if (!parse(argc, argv, s, error)) {
    if (rank_of(MPI_COMM_WORLD) == 0) std::fprintf(stderr, "mpi_scaling: %s\n", error.c_str());
    status = 2;
  } else if ((s.weak ? s.n * size_of(MPI_COMM_WORLD) : s.n) > 2147483647) {
    // MPI_Scatterv counts rows in int.
    if (rank_of(MPI_COMM_WORLD) == 0) std::fprintf(stderr, "mpi_scaling: n must be < 2^31\n");
    status = 2;
  } else if (s.k > s.n) {
    if (rank_of(MPI_COMM_WORLD) == 0) std::fprintf(stderr, "mpi_scaling: k must be <= n\n");
    status = 2;
  } else {
    try {
      if (s.strategy == "vectorised") {
        run<km::vectorised>(s);
      } else {
        run<km::automatic>(s);
      }
    } catch (const std::exception& e) {
      // km::mpi::kmeans throws the same error on every rank, so every rank ends here.
      if (rank_of(MPI_COMM_WORLD) == 0) std::fprintf(stderr, "mpi_scaling: %s\n", e.what());
      status = 1;
    }
  }
  MPI_Finalize();
  return status;
}
