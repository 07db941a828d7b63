// The data km_bench fits: seeded Gaussian blobs (km::make_blobs) and the real data sets of the
// data directory (CSV files, read at run time with km_examples::read_csv), each made on first use
// and cached one at a time; and the initial centres that every strategy of a row starts from.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <csv_reader.hpp>
#include <km/blobs.hpp>
#include <km/result.hpp>

namespace km_bench {

/// Where a row's points come from: Gaussian blobs when `path` is empty, else a CSV file.
struct data_source {
  std::string key;  ///< identifies the data exactly (the cache key)
  Eigen::Index n = 0, d = 0;
  int blobs = 0;
  double spread = 0;
  std::uint64_t seed = 0;
  std::string path;
};

/// n points in d dimensions around `blobs` centres uniform in [-10, 10]^d, normal deviates of
/// standard deviation `spread` (km::make_blobs).
inline data_source blobs_data(Eigen::Index n, Eigen::Index d, int blobs, double spread,
                              std::uint64_t seed) {
  data_source s;
  s.key = "blobs " + std::to_string(n) + " " + std::to_string(d) + " " + std::to_string(blobs) +
          " " + std::to_string(spread) + " " + std::to_string(seed);
  s.n = n;
  s.d = d;
  s.blobs = blobs;
  s.spread = spread;
  s.seed = seed;
  return s;
}

inline data_source csv_data(const std::string& path) {
  data_source s;
  s.key = "csv " + path;
  s.path = path;
  return s;
}

namespace detail {
template <typename Scalar>
struct cache_slot {
  static inline std::string key;
  static inline km::row_matrix<Scalar> points;
};

inline void clear_cache() {
  cache_slot<double>::key.clear();
  cache_slot<double>::points.resize(0, 0);
  cache_slot<float>::key.clear();
  cache_slot<float>::points.resize(0, 0);
}
}  // namespace detail

/// The points of `source` in precision Scalar, made or read on first use. Only one data set is
/// kept at a time (the benchmarks of one data set run one after another), so memory stays at the
/// size of the largest one. Throws km_examples::csv_error when a file cannot be read.
template <typename Scalar>
const km::row_matrix<Scalar>& points_of(const data_source& source) {
  using slot = detail::cache_slot<Scalar>;
  if (slot::key == source.key) return slot::points;
  detail::clear_cache();
  if (source.path.empty()) {
    slot::points =
        km::make_blobs<Scalar>(source.n, source.d, source.blobs, source.spread, source.seed).points;
  } else {
    slot::points = km_examples::read_csv(source.path).points.template cast<Scalar>();
  }
  slot::key = source.key;
  return slot::points;
}

/// k rows of `points` drawn by a seeded std::mt19937_64 (its output is fixed by the standard; the
/// mapping to an index is ours), distinct in value as well as in index so that no two centres
/// start equal, as long as the data has k distinct rows (after 64 k + 1000 draws it settles
/// for distinct indices). The same data, k and seed give the same centres to every strategy.
template <typename Scalar>
km::row_matrix<Scalar> initial_centres(const km::row_matrix<Scalar>& points, int k,
                                       std::uint64_t seed) {
  const auto n = static_cast<std::uint64_t>(points.rows());
  std::mt19937_64 engine(seed);
  std::vector<Eigen::Index> chosen;
  std::vector<bool> taken(static_cast<std::size_t>(n), false);
  const std::uint64_t patience = 64 * static_cast<std::uint64_t>(k) + 1000;
  for (std::uint64_t draw = 0; static_cast<int>(chosen.size()) < k; ++draw) {
    const std::uint64_t index = engine() % n;  // bias below n / 2^64: irrelevant here
    if (taken[static_cast<std::size_t>(index)]) continue;
    const auto row = static_cast<Eigen::Index>(index);
    bool duplicate = false;
    if (draw < patience) {
      for (const Eigen::Index other : chosen)
        duplicate = duplicate || points.row(other) == points.row(row);
    }
    if (duplicate) continue;
    taken[static_cast<std::size_t>(index)] = true;
    chosen.push_back(row);
  }
  km::row_matrix<Scalar> centres(k, points.cols());
  for (int c = 0; c < k; ++c)
    centres.row(c) = points.row(chosen[static_cast<std::size_t>(c)]);
  return centres;
}

/// The directory of the real data sets: $KM_DATA_DIR when set, else ../shared/data next to the
/// source tree (KM_BENCH_SOURCE_DIR, a compile definition), else ../shared/data from the working
/// directory (right when run from the repository root). --km_data_dir overrides all of these.
inline std::string default_data_dir() {
  if (const char* env = std::getenv("KM_DATA_DIR"); env != nullptr && *env != '\0') return env;
#if defined(KM_BENCH_SOURCE_DIR)
  return std::string(KM_BENCH_SOURCE_DIR) + "/../shared/data";
#else
  return "../shared/data";
#endif
}

inline bool readable(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  std::fclose(file);
  return true;
}

}  // namespace km_bench
