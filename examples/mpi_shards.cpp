// mpi_shards: k-means on one large file, split over MPI processes; `mpi_shards --help` tells all.
//
//   cmake --build build --target mpi_shards                 # built where CMake finds MPI
//   mpirun -n 4 mpi_shards points.csv 10                    # CSV, one point per line
//   mpirun -n 4 mpi_shards points.f64 10 --binary 128       # raw row-major float64, d = 128
//   mpirun -n 4 mpi_shards points.f32 10 --binary 128 --float --labels labels.txt
//
// Shows how each process reads its own slice of a file (no process reads the whole file, none
// sends points to another), fits it with km::mpi::kmeans, prints progress from rank 0 only, and
// makes sure that an error on one process ends every process with one clear message instead of a
// hang. The centres and inertia are bit for bit those of km::kmeans on the whole file, whatever
// the number of processes.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mpi.h>

#include <km/mpi.hpp>

#include "csv_reader.hpp"

namespace {

// The help text; its list of strategies comes from km::exact_strategies.
std::string usage() {
  std::string text = R"(usage: mpirun -n P mpi_shards FILE K [options]

Clusters the points of FILE into K clusters with exact k-means (k-means++ initialisation) over
P MPI processes, each reading and holding only its own share of the points. Rank 0 prints the
progress and the result (n, d, iterations, inertia, cluster sizes, centres, time) on standard
output, and errors on standard error; except for the times, the output does not depend on P.

FILE is a CSV file, one point per line (numbers separated by commas), unless --binary is given.
Each process reads the lines that START in its share of the bytes, [size*r/P, size*(r+1)/P) for
rank r, so that every line is read exactly once. A first line without a single number is a
header and is skipped; blank lines are skipped; LF or CRLF; NaN and infinity are rejected.
Errors name the byte (counted from 0) at which the bad line starts, since no process knows the
line numbers of the others.

Options:
  --binary D           FILE holds raw n x D float64 values, row-major, in this machine's byte
                       order (no header); rank r reads rows [n*r/P, n*(r+1)/P)
  --float              with --binary: the values are float32 (and are clustered as float32)
  --strategy S         one of STRATEGIES
                       (default automatic)
  --seed N             seed of the k-means++ initialisation (default 0)
  --max-iterations N   cap on the assignment passes (default 300)
  --threads T          threads per process, 0 = all (default 1); the result does not depend on it
  --labels OUT         each rank writes the labels of its points to OUT.rankR, one per line;
                       OUT.rank0, OUT.rank1, ... in rank order are the labels in file order
  -h, --help           this text

Exit status: 0 done; 2 bad arguments or bad input; 1 anything else (such as an unwritable OUT).
)";
  return text.replace(text.find("STRATEGIES"), 10, km::strategy_names<km::exact_strategies>());
}

// A mistake on the command line: every rank finds it alike, rank 0 reports it.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A problem that stops the program with exit status 1 rather than 2 (the input is not at fault).
struct io_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename Int>
Int parse_integer(const std::string& text, const std::string& what) {
  Int value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || stop != end || error != std::errc()) {
    throw usage_error("bad " + what + " '" + text + "': expected a whole number");
  }
  return value;
}

struct arguments {
  std::string path, strategy = "automatic", labels;
  km::options opts;
  std::int64_t binary_columns = 0;  // 0: the file is CSV
  bool single = false;              // --float
};

arguments parse_arguments(int argc, char** argv) {
  arguments args;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 == argc) throw usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--binary") {
      args.binary_columns = parse_integer<std::int64_t>(value(), "--binary");
      if (args.binary_columns < 1 || args.binary_columns > (std::int64_t{1} << 32)) {
        throw usage_error("--binary needs a column count from 1 to 2^32");
      }
    } else if (arg == "--float") {
      args.single = true;
    } else if (arg == "--strategy") {
      args.strategy = value();
    } else if (arg == "--seed") {
      args.opts.seed = parse_integer<std::uint64_t>(value(), "--seed");
    } else if (arg == "--max-iterations") {
      args.opts.max_iterations = parse_integer<int>(value(), "--max-iterations");
    } else if (arg == "--threads") {
      args.opts.threads = parse_integer<int>(value(), "--threads");
    } else if (arg == "--labels") {
      args.labels = value();
    } else if (arg.size() > 1 && arg[0] == '-' && (arg[1] < '0' || arg[1] > '9')) {
      throw usage_error("unknown option " + arg);
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) throw usage_error("expected a file and K");
  args.path = positional[0];
  args.opts.k = parse_integer<int>(positional[1], "K");
  if (args.single && args.binary_columns == 0) throw usage_error("--float needs --binary D");
  if (!km::with_strategy<km::exact_strategies>(args.strategy, [](auto) {})) {
    throw usage_error("unknown strategy '" + args.strategy + "': use one of " +
                      km::strategy_names<km::exact_strategies>());
  }
  return args;
}

// The start of rank r's share when `total` items are split over `ranks`: total*r/ranks, without
// the overflow of total*r.
std::int64_t share_start(std::int64_t total, int rank, int ranks) {
  return total / ranks * rank + total % ranks * rank / ranks;
}

std::int64_t file_size(std::ifstream& file, const std::string& path) {
  file.seekg(0, std::ios::end);
  const std::streamoff size = file.tellg();
  if (!file || size < 0) throw io_error(path + ": cannot find the size of the file");
  return static_cast<std::int64_t>(size);
}

std::ifstream open(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw io_error(path + ": cannot open: " + std::strerror(errno));
  return file;
}

// This rank's rows of a raw row-major file of Scalar values with `d` columns.
template <typename Scalar>
km::row_matrix<Scalar> read_binary_rows(const std::string& path, std::int64_t d, int rank,
                                        int ranks) {
  std::ifstream file = open(path);
  const std::int64_t size = file_size(file, path);
  const std::int64_t row_bytes = d * static_cast<std::int64_t>(sizeof(Scalar));
  if (size % row_bytes != 0) {
    throw std::invalid_argument(path + ": " + std::to_string(size) +
                                " bytes is not a whole number of rows of " + std::to_string(d) +
                                " " + (sizeof(Scalar) == 4 ? "float32" : "float64") + " values (" +
                                std::to_string(row_bytes) + " bytes each)");
  }
  const std::int64_t n = size / row_bytes;
  const std::int64_t first = share_start(n, rank, ranks), last = share_start(n, rank + 1, ranks);
  km::row_matrix<Scalar> rows(last - first, d);
  file.seekg(first * row_bytes);
  file.read(reinterpret_cast<char*>(rows.data()), (last - first) * row_bytes);
  if (!file) throw io_error(path + ": cannot read bytes from " + std::to_string(first * row_bytes));
  return rows;
}

// A first line without a single number (like "x,y,z") is a header, as for csv_reader.hpp.
bool is_header(std::string_view line) {
  bool any_number = false;
  km_examples::detail::for_each_field(line, [&](std::string_view field, std::size_t) {
    double unused = 0;
    any_number = any_number || km_examples::detail::parse_number(field, unused) !=
                                   km_examples::detail::number::not_a_number;
  });
  return !any_number;
}

// One rank's lines of a CSV file, parsed.
struct csv_slice {
  km::row_matrix<double> points;  // 0 x 0 when no line starts in this rank's share
  std::int64_t first_line = -1;   // the byte at which the first data line starts; -1: none
};

[[noreturn]] void bad_line(const std::string& path, std::int64_t line, std::size_t field,
                           const std::string& problem) {
  throw std::invalid_argument(path + ": line at byte " + std::to_string(line) +
                              (field > 0 ? ", field " + std::to_string(field) : "") + ": " +
                              problem);
}

// Reads the lines that start in [size*rank/ranks, size*(rank+1)/ranks), the standard split:
// a rank skips the line it starts inside of (its predecessor reads it) and reads on past the end
// of its share to finish its last line.
csv_slice read_csv_lines(const std::string& path, int rank, int ranks) {
  std::ifstream file = open(path);
  const std::int64_t size = file_size(file, path);
  const std::int64_t begin = share_start(size, rank, ranks);
  const std::int64_t end = share_start(size, rank + 1, ranks);
  std::int64_t at = 0;  // where the next line starts
  std::string line;
  if (begin > 0) {  // a line starts at `begin` only if the byte before it ends a line
    file.seekg(begin - 1);
    std::getline(file, line);
    at = begin + static_cast<std::int64_t>(line.size());
  } else {
    file.seekg(0);
  }

  csv_slice slice;
  std::vector<double> values;
  std::size_t columns = 0;
  while (at < end && std::getline(file, line)) {
    const std::int64_t start = at;
    at += static_cast<std::int64_t>(line.size()) + 1;
    std::string_view text = line;
    if (start == 0 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 BOM
    if (km_examples::detail::trim(text).empty()) continue;
    if (start == 0 && is_header(text)) continue;
    std::size_t fields = 0;
    km_examples::detail::for_each_field(text, [&](std::string_view field, std::size_t column) {
      double value = 0;
      switch (km_examples::detail::parse_number(field, value)) {
        case km_examples::detail::number::ok:
          if (std::isfinite(value)) break;
          bad_line(path, start, column, km_examples::detail::quoted(field) + " is not finite");
        case km_examples::detail::number::too_large:
          bad_line(path, start, column,
                   km_examples::detail::quoted(field) + " is too large for a double");
        case km_examples::detail::number::not_a_number:
          bad_line(path, start, column,
                   field.empty() ? std::string("empty field")
                                 : km_examples::detail::quoted(field) + " is not a number");
      }
      values.push_back(value);
      fields = column;
    });
    if (columns == 0) {
      columns = fields;
      slice.first_line = start;
    } else if (fields != columns) {
      bad_line(path, start, 0,
               std::to_string(fields) + " fields, but the line at byte " +
                   std::to_string(slice.first_line) + " has " + std::to_string(columns));
    }
  }
  if (file.bad()) throw io_error(path + ": cannot read");
  const auto rows = static_cast<Eigen::Index>(columns == 0 ? 0 : values.size() / columns);
  slice.points = Eigen::Map<const km::row_matrix<double>>(values.data(), rows,
                                                          static_cast<Eigen::Index>(columns));
  return slice;
}

// Collective: every rank passes its status (0 fine, 2 bad input, 1 anything else) and, if it
// failed, its message; all return the same status, the worst. Rank 0 prints the message of the
// lowest rank that failed. The point: a rank that cannot go on must not leave the others
// waiting in the fit's first collective call.
int agree(MPI_Comm comm, int status, std::string error) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &ranks);
  int first = status != 0 ? rank : ranks, failed = status != 0 ? 1 : 0, worst = status;
  MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == ranks) return 0;
  MPI_Allreduce(MPI_IN_PLACE, &failed, 1, MPI_INT, MPI_SUM, comm);
  MPI_Allreduce(MPI_IN_PLACE, &worst, 1, MPI_INT, MPI_MAX, comm);
  int length = static_cast<int>(error.size());
  MPI_Bcast(&length, 1, MPI_INT, first, comm);
  error.resize(static_cast<std::size_t>(length));
  MPI_Bcast(error.data(), length, MPI_CHAR, first, comm);
  if (rank == 0) {
    std::fprintf(stderr, "mpi_shards: rank %d: %s\n", first, error.c_str());
    if (failed > 1)
      std::fprintf(stderr, "mpi_shards: (%d ranks failed; the first shown)\n", failed);
  }
  return worst;
}

// Runs `step` on every rank and agrees on the outcome (see agree).
template <typename Step>
int on_every_rank(MPI_Comm comm, Step&& step) {
  try {
    step();
    return agree(comm, 0, "");
  } catch (const std::invalid_argument& error) {  // the input's fault
    return agree(comm, 2, error.what());
  } catch (const std::exception& error) {  // io_error, bad_alloc...
    return agree(comm, 1, error.what());
  }
}

// Shortest text that reads back as the same value.
template <typename Scalar>
std::string number_text(Scalar value) {
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

template <typename Scalar>
km::result<Scalar> fit_with(const std::string& strategy, const km::options& opts, MPI_Comm comm,
                            const km::row_matrix<Scalar>& points) {
  km::result<Scalar> fit;
  km::with_strategy<km::exact_strategies>(strategy, [&](auto chosen) {
    fit = km::mpi::kmeans<decltype(chosen)>(opts, comm).fit(points);
  });
  return fit;
}

// Fits this rank's points (read in `read_seconds`), prints the result on rank 0 and writes the
// labels.
template <typename Scalar>
int fit_and_report(const arguments& args, MPI_Comm comm, const km::row_matrix<Scalar>& points,
                   double read_seconds) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &ranks);
  km::options opts = args.opts;
  // Set on every rank (km checks that), called on every rank with the same report.
  opts.on_iteration = [rank](const km::iteration_report& report) {
    if (rank == 0) {  // on standard output with the result: mpirun keeps one stream's order
      std::printf("iteration %4d  inertia %-14.8g  changed %-8ld  centre shift %.6g\n",
                  report.iteration, report.inertia, static_cast<long>(report.labels_changed),
                  report.centre_shift);
      std::fflush(stdout);
    }
    return true;  // must be the same on every rank
  };

  const double started = MPI_Wtime();
  km::result<Scalar> fit;
  try {
    fit = fit_with(args.strategy, opts, comm, points);
  } catch (const km::invalid_input& error) {  // thrown alike on every rank
    if (rank == 0) {
      std::fprintf(stderr, "mpi_shards: %s\n", error.what());
      long row = 0, column = 0;  // km counts both from 0, over the whole file
      const char* at = std::strstr(error.what(), " row ");
      if (args.binary_columns > 0 && at != nullptr &&
          std::sscanf(at, " row %ld, column %ld", &row, &column) == 2) {
        std::fprintf(stderr, "mpi_shards: (that value is at byte %lld of %s)\n",
                     static_cast<long long>((row * args.binary_columns + column) *
                                            static_cast<long long>(sizeof(Scalar))),
                     args.path.c_str());
      }
    }
    return 2;
  }
  double fit_seconds = MPI_Wtime() - started;
  MPI_Allreduce(MPI_IN_PLACE, &fit_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);

  std::vector<std::int64_t> sizes(static_cast<std::size_t>(opts.k), 0);
  for (Eigen::Index i = 0; i < fit.labels.size(); ++i)
    ++sizes[static_cast<std::size_t>(fit.labels[i])];
  std::int64_t n = points.rows();
  MPI_Allreduce(MPI_IN_PLACE, sizes.data(), opts.k, MPI_INT64_T, MPI_SUM, comm);
  MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_INT64_T, MPI_SUM, comm);

  if (rank == 0) {
    std::printf("k = %d, n = %lld, d = %ld, %s, %s\n", opts.k, static_cast<long long>(n),
                static_cast<long>(fit.centers.cols()), sizeof(Scalar) == 4 ? "float32" : "float64",
                args.strategy.c_str());
    std::printf("%s after %d iterations\n",
                fit.converged ? "converged" : "stopped by --max-iterations, not converged,",
                fit.iterations);
    std::printf("inertia %.17g\n", static_cast<double>(fit.inertia));
    std::printf("cluster sizes");
    for (const std::int64_t size : sizes)
      std::printf(" %lld", static_cast<long long>(size));
    std::printf("\ncentres\n");
    for (Eigen::Index c = 0; c < fit.centers.rows(); ++c) {
      std::string line;
      for (Eigen::Index j = 0; j < fit.centers.cols(); ++j)
        line += (j > 0 ? "," : "") + number_text(fit.centers(c, j));
      std::printf("%s\n", line.c_str());
    }
    std::printf("%d process%s: read %.3f s, fit %.3f s (the slowest process's times)\n", ranks,
                ranks == 1 ? "" : "es", read_seconds, fit_seconds);
    std::fflush(stdout);
  }

  if (args.labels.empty()) return 0;
  return on_every_rank(comm, [&] {
    const std::string path = args.labels + ".rank" + std::to_string(rank);
    std::ofstream out(path, std::ios::binary);
    for (Eigen::Index i = 0; out && i < fit.labels.size(); ++i)
      out << fit.labels[i] << '\n';
    out.close();
    if (!out) throw io_error(path + ": cannot write");
  });
}

int run(int argc, char** argv, MPI_Comm comm) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &ranks);
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
      if (rank == 0) std::fputs(usage().c_str(), stdout);
      return 0;
    }
  }
  const arguments args = parse_arguments(argc, argv);  // alike on every rank: no need to agree

  const double started = MPI_Wtime();
  km::row_matrix<double> points;
  km::row_matrix<float> points_float;
  std::int64_t first_line = -1;
  int status = on_every_rank(comm, [&] {
    if (args.binary_columns == 0) {
      csv_slice slice = read_csv_lines(args.path, rank, ranks);
      points = std::move(slice.points);
      first_line = slice.first_line;
    } else if (args.single) {
      points_float = read_binary_rows<float>(args.path, args.binary_columns, rank, ranks);
    } else {
      points = read_binary_rows<double>(args.path, args.binary_columns, rank, ranks);
    }
  });
  if (status != 0) return status;
  double read_seconds = MPI_Wtime() - started;
  MPI_Allreduce(MPI_IN_PLACE, &read_seconds, 1, MPI_DOUBLE, MPI_MAX, comm);

  if (args.binary_columns == 0) {
    // Each rank checked its own lines; the first data lines of the ranks must agree too. km
    // would say "process 2" here; the byte at which that rank's first line starts says more.
    const std::int64_t mine[2] = {static_cast<std::int64_t>(points.cols()), first_line};
    std::vector<std::int64_t> all(2 * static_cast<std::size_t>(ranks));
    MPI_Allgather(mine, 2, MPI_INT64_T, all.data(), 2, MPI_INT64_T, comm);
    std::size_t reference = all.size();
    for (std::size_t r = 0; r < all.size(); r += 2) {
      if (all[r] == 0) continue;
      if (reference == all.size()) {
        reference = r;
      } else if (all[r] != all[reference]) {
        if (rank == 0) {
          std::fprintf(stderr,
                       "mpi_shards: %s: line at byte %lld: %lld fields, but the line at byte "
                       "%lld has %lld\n",
                       args.path.c_str(), static_cast<long long>(all[r + 1]),
                       static_cast<long long>(all[r]), static_cast<long long>(all[reference + 1]),
                       static_cast<long long>(all[reference]));
        }
        return 2;
      }
    }
  }

  return args.single ? fit_and_report(args, comm, points_float, read_seconds)
                     : fit_and_report(args, comm, points, read_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int status = 0;
  try {
    status = run(argc, argv, MPI_COMM_WORLD);
  } catch (const usage_error& error) {
    if (rank == 0) std::fprintf(stderr, "mpi_shards: %s (see mpi_shards --help)\n", error.what());
    status = 2;
  } catch (const std::exception& error) {
    // Not known to have happened on every rank: the others may be waiting for this one in a
    // collective call, so end them all.
    std::fprintf(stderr, "mpi_shards: rank %d: %s\n", rank, error.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return status;
}
