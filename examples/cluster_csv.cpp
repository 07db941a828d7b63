// cluster_csv: k-means on a CSV file from the command line; `cluster_csv --help` tells all.
//
//   cluster_csv iris.csv 3                   # labels, a blank line, then the centres on stdout
//   cluster_csv points.csv 10 vectorised --seed 7 --out-labels labels.txt --out-centres c.csv
//   cluster_csv big.csv 100 --mini-batch 4096   # approximate, for data too large to sweep often
//
// Shows how to load a file into a km::row_matrix<double> (csv_reader.hpp), pick a strategy at
// run time, follow a fit through options.on_iteration (mini_batch_options.on_step), and report
// km::invalid_input to a user.
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <km/kmeans.hpp>

#include "csv_reader.hpp"

namespace {

// The help text; its list of strategies comes from km::exact_strategies.
std::string usage() {
  std::string text = "usage: cluster_csv FILE.csv K [" +
                     km::strategy_names<km::exact_strategies>("|") + "] [options]\n" + R"(
Clusters the points of FILE.csv into K clusters with exact k-means (k-means++ initialisation)
and writes the cluster of each point and the centres.

Strategies (all give bit-identical results; only their speed differs; default automatic):
)";
  km::for_each_strategy<km::exact_strategies>([&](auto strategy) {
    const std::string name(decltype(strategy)::name);
    text += "  " + name + std::string(name.size() < 12 ? 13 - name.size() : 1, ' ');
    text += std::string(decltype(strategy)::summary) + "\n";
  });
  return text + R"(
Options:
  --seed N             seed of the k-means++ initialisation (default 0); same seed, same result
  --max-iterations N   cap on the assignment passes of exact k-means (default 300)
  --mini-batch B       approximate mini-batch k-means instead (km::mini_batch_kmeans, no
                       strategy): each step moves the centres from B points drawn at random
  --max-steps N        cap on the mini-batch steps (default 1000)
  --threads N          threads to use, 0 = all (default 1); the result does not depend on it
  --out-labels FILE    the cluster of each point, 0 to K-1, one per line in input order
  --out-centres FILE   the K centres, one per line, comma-separated
  -h, --help           this text
Without --out-labels / --out-centres (or with FILE -), both go to standard output: the labels,
a blank line, the centres. Standard error gets one progress line per iteration (inertia, labels
changed, summed squared centre shift) or per 100 mini-batch steps, and a summary.

Input: one point per line, numbers separated by commas, every line with the same number of
fields. The first line is skipped as a header only when none of its fields is a number (like
"x,y,z"). LF or CRLF line endings, spaces around fields and blank lines at the end are fine;
NaN and infinity are rejected.

Exit status: 0 done; 2 bad arguments or bad input; 1 anything else (such as an unwritable FILE).
)";
}

// A mistake on the command line: reported with a pointer to --help, exit status 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename Int>
Int parse_integer(const std::string& text, const std::string& what) {
  Int value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error == std::errc::result_out_of_range) {
    throw usage_error("bad " + what + " '" + text + "': out of range");
  }
  if (text.empty() || stop != end || error != std::errc()) {
    throw usage_error("bad " + what + " '" + text + "': expected a whole number");
  }
  return value;
}

// Writes text to the file at `path`, or to standard output for "-".
void write_output(const std::string& path, const std::string& text) {
  const bool to_stdout = path == "-";
  std::FILE* file = to_stdout ? stdout : std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    throw std::runtime_error(
        path + ": cannot open for writing: " + std::generic_category().message(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  const bool closed = to_stdout ? std::fflush(file) == 0 : std::fclose(file) == 0;
  if (!written || !closed) {
    throw std::runtime_error((to_stdout ? std::string("standard output") : path) +
                             ": write failed");
  }
}

// Shortest text that reads back as the same double.
std::string number_text(double value) {
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
}

// Exact k-means with the strategy called `strategy`, a progress line per assignment pass.
km::result<double> fit_exact(const km::row_matrix<double>& points, km::options opts,
                             const std::string& strategy) {
  opts.on_iteration = [](const km::iteration_report& report) {
    std::fprintf(stderr, "iteration %4d  inertia %-14.8g  changed %-8ld  centre shift %.6g\n",
                 report.iteration, report.inertia, static_cast<long>(report.labels_changed),
                 report.centre_shift);
    return true;  // false would stop the fit early
  };
  km::result<double> fit;
  km::with_strategy<km::exact_strategies>(
      strategy, [&](auto chosen) { fit = km::kmeans<decltype(chosen)>(opts).fit(points); });
  return fit;
}

// Mini-batch k-means with the same k, initialisation, seed and threads, a progress line per 100
// steps.
km::result<double> fit_mini_batch(const km::row_matrix<double>& points, const km::options& exact,
                                  Eigen::Index batch_size, int max_steps) {
  km::mini_batch_options opts;
  opts.k = exact.k;
  opts.init = exact.init;
  opts.seed = exact.seed;
  opts.threads = exact.threads;
  opts.batch_size = batch_size;
  opts.max_steps = max_steps;
  opts.on_step = [](const km::mini_batch_report& report) {
    if (report.step % 100 == 0) {
      std::fprintf(stderr, "step %6d  batch inertia %-14.8g  smoothed %-14.8g  centre shift %.6g\n",
                   report.step, report.batch_inertia, report.smoothed_inertia, report.centre_shift);
    }
    return true;  // false would stop the fit early
  };
  return km::mini_batch_kmeans(opts).fit(points);
}

int run(int argc, char** argv) {
  std::vector<std::string> positional;
  std::string labels_path = "-", centres_path = "-";
  km::options opts;
  std::optional<Eigen::Index> batch_size;  // set: mini-batch k-means
  std::optional<int> max_steps;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 == argc) throw usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    if (arg == "--seed") {
      opts.seed = parse_integer<std::uint64_t>(value(), "--seed");
    } else if (arg == "--max-iterations") {
      opts.max_iterations = parse_integer<int>(value(), "--max-iterations");
    } else if (arg == "--mini-batch") {
      batch_size = parse_integer<Eigen::Index>(value(), "--mini-batch");
    } else if (arg == "--max-steps") {
      max_steps = parse_integer<int>(value(), "--max-steps");
    } else if (arg == "--threads") {
      opts.threads = parse_integer<int>(value(), "--threads");
    } else if (arg == "--out-labels") {
      labels_path = value();
    } else if (arg == "--out-centres" || arg == "--out-centers") {
      centres_path = value();
    } else if (arg.size() > 1 && arg[0] == '-' && (arg[1] < '0' || arg[1] > '9')) {
      throw usage_error("unknown option " + arg);  // "-3" is a (bad) K, left to km to judge
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() < 2) throw usage_error("expected a CSV file and K");
  if (positional.size() > 3) throw usage_error("unexpected argument '" + positional[3] + "'");
  const std::string& path = positional[0];
  opts.k = parse_integer<int>(positional[1], "K");
  if (batch_size && positional.size() == 3) {
    throw usage_error("--mini-batch takes no strategy, got '" + positional[2] + "'");
  }
  if (max_steps && !batch_size) throw usage_error("--max-steps needs --mini-batch");
  const std::string strategy = positional.size() == 3 ? positional[2] : "automatic";
  const bool known = km::with_strategy<km::exact_strategies>(strategy, [](auto) {});
  if (!known) {
    throw usage_error("unknown strategy '" + strategy + "': use one of " +
                      km::strategy_names<km::exact_strategies>());
  }

  const km_examples::csv_table table = km_examples::read_csv(path);  // throws csv_error
  const km::row_matrix<double>& points = table.points;
  const std::string method =
      batch_size ? "mini-batch of " + std::to_string(*batch_size) + " points" : strategy;
  std::fprintf(stderr, "cluster_csv: %ld points x %ld columns%s, k = %d, %s, seed %llu\n",
               static_cast<long>(points.rows()), static_cast<long>(points.cols()),
               table.header.empty() ? "" : " (header line skipped)", opts.k, method.c_str(),
               static_cast<unsigned long long>(opts.seed));

  km::result<double> fit;
  try {
    fit = batch_size ? fit_mini_batch(points, opts, *batch_size,
                                      max_steps.value_or(km::mini_batch_options{}.max_steps))
                     : fit_exact(points, opts, strategy);
  } catch (const km::invalid_input& error) {
    std::fprintf(stderr, "cluster_csv: %s\n", error.what());
    long row = 0, column = 0;  // km counts rows and columns from 0 and knows of no header
    const char* at = std::strstr(error.what(), " row ");
    if (at != nullptr && std::sscanf(at, " row %ld, column %ld", &row, &column) == 2) {
      std::fprintf(stderr, "cluster_csv: (that is line %zu, column %ld of %s)\n",
                   static_cast<std::size_t>(row) + table.first_data_line, column + 1, path.c_str());
    }
    return 2;
  }

  std::string labels_text, centres_text;
  for (Eigen::Index i = 0; i < fit.labels.size(); ++i) {
    labels_text += std::to_string(fit.labels[i]) + '\n';
  }
  for (Eigen::Index c = 0; c < fit.centers.rows(); ++c) {
    for (Eigen::Index j = 0; j < fit.centers.cols(); ++j) {
      centres_text += (j > 0 ? "," : "") + number_text(fit.centers(c, j));
    }
    centres_text += '\n';
  }
  if (labels_path == "-" && centres_path == "-") labels_text += '\n';  // separates the two
  write_output(labels_path, labels_text);
  write_output(centres_path, centres_text);

  std::string sizes;
  for (int c = 0; c < opts.k; ++c) {
    sizes += (c > 0 ? " " : "") + std::to_string((fit.labels.array() == c).count());
  }
  const char* passes = batch_size ? "steps" : "iterations";
  const std::string stopped = std::string("stopped by --max-") + passes + ", not converged,";
  std::fprintf(stderr, "cluster_csv: %s after %d %s, inertia %s, cluster sizes %s\n",
               fit.converged ? "converged" : stopped.c_str(), fit.iterations, passes,
               number_text(fit.inertia).c_str(), sizes.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const usage_error& error) {
    std::fprintf(stderr, "cluster_csv: %s (see cluster_csv --help)\n", error.what());
    return 2;
  } catch (const km_examples::csv_error& error) {
    std::fprintf(stderr, "cluster_csv: %s\n", error.what());
    return 2;
  } catch (const km::invalid_input& error) {
    std::fprintf(stderr, "cluster_csv: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "cluster_csv: %s\n", error.what());
    return 1;
  }
}
