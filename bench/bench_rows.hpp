// The rows of km_bench (strategies.cpp) as data: what each one fits, from which centres, for how
// many passes, so that another tool (km_profile) can run exactly the fit a row's name names.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <km/options.hpp>

#include "bench_data.hpp"

namespace km_bench {

/// The draw of every row's initial centres (initial_centres()).
inline constexpr std::uint64_t centre_seed = 1;

/// One row of the table for every strategy (and precision) it is run with.
struct row {
  std::string name;  ///< DATA part of the benchmark name
  data_source data;
  int k = 0;
  int passes = 100;  ///< options.max_iterations
  std::string note;
  int threads = 1;  ///< options.threads
};

/// The options every fit of `spec` runs with: to convergence (tolerance 0) within its passes.
inline km::options fit_options(const row& spec) {
  km::options opts;
  opts.k = spec.k;
  opts.max_iterations = spec.passes;
  opts.tolerance = 0;
  opts.threads = spec.threads;
  return opts;
}

/// Rows run to convergence (tolerance 0), as users run k-means, up to a cap on passes: lower on
/// the costly rows, so that one fit stays within seconds.
inline int passes_for(double nkd) {
  return nkd <= 1e9 ? 100 : nkd <= 5e9 ? 30 : 20;
}

/// n points around k blobs of spread 2 (seed 42), k centres; `passes` 0: passes_for(n k d).
inline row blobs_row(Eigen::Index n, Eigen::Index d, int k, int passes = 0) {
  row r;
  r.name = "blobs/n=" + std::to_string(n) + "/d=" + std::to_string(d) + "/k=" + std::to_string(k);
  r.data = blobs_data(n, d, k, 2.0, 42);
  r.k = k;
  const double nkd = static_cast<double>(n) * static_cast<double>(d) * k;
  r.passes = passes > 0 ? passes : passes_for(nkd);
  return r;
}

/// The seed text's example: 1,000 points, 3 blobs of spread 0.6 (the quickstart's data), k = 10.
inline row seed_example_row() {
  row r;
  r.name = "seed_example/n=1000/d=2/k=10";
  r.data = blobs_data(1000, 2, 3, 0.6, 7);
  r.k = 10;
  return r;
}

/// A real data set of the data directory (NAME.csv) and the k it is fitted with.
struct real_data_set {
  const char* name;
  int k;
  bool quick;  ///< in km_bench's QUICK set
};

inline const std::vector<real_data_set>& real_data_sets() {
  static const std::vector<real_data_set> sets = {
      {"digits8x8", 10, true},              // 1,797 x 64
      {"uef_s1", 15, true},                 // 5,000 x 2
      {"pendigits", 10, true},              // 10,992 x 16
      {"letter", 26, true},                 // 20,000 x 16
      {"shuttle", 7, false},                // 58,000 x 9
      {"skin_nonskin", 2, false},           // 245,057 x 3
      {"skin_nonskin", 16, false},          //
      {"kddcup99_10pct_dedup", 23, false},  // 145,586 x 38
      {"mnist_test", 10, false},            // 10,000 x 784
      {"uef_birch1", 100, false},           // 100,000 x 2
  };
  return sets;
}

/// The file of a real data set in the data directory `dir`.
inline std::string real_data_path(const std::string& dir, const char* name) {
  return dir + "/" + name + ".csv";
}

/// The row of a real data set, fitted from its file in `dir`.
inline row real_data_row(const std::string& dir, const real_data_set& set) {
  row r;
  r.name = std::string(set.name) + "/k=" + std::to_string(set.k);
  r.data = csv_data(real_data_path(dir, set.name));
  r.k = set.k;
  r.passes = 100;
  return r;
}

/// The row that the DATA part of a benchmark name names (blobs of any n, d and k; the seed
/// example; a real data set with any k), or none.
inline std::optional<row> row_named(const std::string& name, const std::string& data_dir) {
  long long n = 0, d = 0;
  int k = 0;
  char end = 0;
  if (std::sscanf(name.c_str(), "blobs/n=%lld/d=%lld/k=%d%c", &n, &d, &k, &end) == 3 && n > 0 &&
      d > 0 && k > 0) {
    row r = blobs_row(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d), k);
    if (r.name == name) return r;  // no sign, leading zero or space that sscanf let through
  }
  if (name == seed_example_row().name) return seed_example_row();
  for (const real_data_set& set : real_data_sets()) {
    const std::string prefix = std::string(set.name) + "/k=";
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    real_data_set chosen = set;
    if (std::sscanf(name.c_str() + prefix.size(), "%d%c", &chosen.k, &end) != 1 || chosen.k <= 0)
      continue;
    row r = real_data_row(data_dir, chosen);
    if (r.name == name) return r;
  }
  return std::nullopt;
}

}  // namespace km_bench
