// Golden results: a few dozen fits, each run by every strategy of km::exact_strategies, whose bits
// must come out the same under every compiler, standard library and CPU that CI proves (DESIGN.md,
// the exactness contract). For each fit the
// file holds a hash of the labels, of the centres' bits and of the canonical squared distances
// from every point to every centre, the inertia's bits and the iteration count. CI (.ci/run
// platforms) runs this program built with g++ and clang with libc++, at baseline x86-64 and
// -march=native, for aarch64 under qemu-user, and with Eigen's matrix products in OpenBLAS or split
// across OpenMP threads.
//
//   km_golden FILE           runs the fits, compares each with its line in FILE; on any
//                            difference names the fit and what differs, and exits with 1
//   km_golden --write FILE   writes FILE anew from this build's results
//
// Write the file only when a change is meant to change results, which the exactness contract says
// should essentially never happen: a difference is a bug until proven otherwise, and the new file
// must come from a g++ build on x86-64, then pass on every other platform.
//
// It depends on km and Eigen alone (no Catch2), so that it cross-compiles with nothing more. The
// data come from integer arithmetic and exact scaling by powers of two, never from libm, whose
// results may differ between platforms.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <km/kmeans.hpp>

namespace {

/// splitmix64, our own copy: the data must not follow a change in km's random numbers.
class integer_stream {
 public:
  explicit integer_stream(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15u;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
  }

  /// In [0, bound); the slight bias of the modulo does no harm to test data.
  std::int64_t below(std::int64_t bound) {
    return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(bound));
  }

 private:
  std::uint64_t state_;
};

/// Points given as integers times 2^-scale_bits: a correctly rounded conversion and an exact
/// scaling make them the same floats and doubles on every IEEE platform.
struct data_set {
  std::string name;
  int k = 0;
  Eigen::Index rows = 0;
  Eigen::Index cols = 0;
  int scale_bits = 0;
  std::vector<std::int64_t> integers;  // row-major

  template <typename Scalar>
  km::row_matrix<Scalar> points() const {
    const Scalar scale = Scalar(1) / static_cast<Scalar>(std::int64_t(1) << scale_bits);
    km::row_matrix<Scalar> out(rows, cols);
    for (Eigen::Index i = 0; i < out.size(); ++i)
      out.data()[i] = static_cast<Scalar>(integers[static_cast<std::size_t>(i)]) * scale;
    return out;
  }

  /// 0, 0.5, 1, 1.5 and 2 in a fixed pattern: some points left out, the others counted unevenly.
  template <typename Scalar>
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> weights() const {
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> w(rows);
    for (Eigen::Index i = 0; i < rows; ++i)
      w[i] = static_cast<Scalar>((i * 7) % 5) / Scalar(2);
    return w;
  }
};

/// `count` blobs with integer centres in [0, 2^centre_bits)^d, each point its blob's centre plus
/// four draws in [-2^spread_bits, 2^spread_bits) per coordinate (a rough bell), plus `offset`;
/// point i belongs to blob i % count. Scaled by 2^-8.
data_set blobs(std::string name, Eigen::Index n, Eigen::Index d, int count, int k, int centre_bits,
               int spread_bits, std::uint64_t seed, std::int64_t offset = 0) {
  integer_stream random(seed);
  std::vector<std::int64_t> centres(static_cast<std::size_t>(count * d));
  for (std::int64_t& c : centres)
    c = random.below(std::int64_t(1) << centre_bits);
  data_set out{std::move(name), k, n, d, 8, {}};
  out.integers.reserve(static_cast<std::size_t>(n * d));
  const std::int64_t half = std::int64_t(1) << spread_bits;
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::size_t blob = static_cast<std::size_t>(i % count);
    for (Eigen::Index j = 0; j < d; ++j) {
      std::int64_t value =
          offset + centres[blob * static_cast<std::size_t>(d) + static_cast<std::size_t>(j)];
      for (int draw = 0; draw < 4; ++draw)
        value += random.below(2 * half) - half;
      out.integers.push_back(value);
    }
  }
  return out;
}

/// The integer grid {0, ..., side - 1}^d: exact ties between centres everywhere.
data_set grid(std::string name, std::int64_t side, Eigen::Index d, int k) {
  Eigen::Index n = 1;
  for (Eigen::Index j = 0; j < d; ++j)
    n *= side;
  data_set out{std::move(name), k, n, d, 0, {}};
  for (Eigen::Index i = 0; i < n; ++i) {
    std::int64_t rest = i;
    for (Eigen::Index j = 0; j < d; ++j) {
      out.integers.push_back(rest % side);
      rest /= side;
    }
  }
  return out;
}

/// The data sets, each shaped to make a strategy do real work (see km::automatic::choose).
std::vector<data_set> data_sets() {
  return {
      // d = 2, n >= 20000: automatic takes kd_tree.
      blobs("plane", 24000, 2, 20, 16, 12, 7, 1),
      // Mid dimension: automatic opens with vectorised passes, then hamerly.
      blobs("mid", 5000, 12, 16, 24, 11, 9, 2),
      // d >= 128, k >= 32: automatic opens with vectorised passes, then elkan; rows through the
      // matrix product.
      blobs("wide", 2000, 144, 30, 40, 8, 10, 3),
      // k >= 128 and d > 64: automatic takes vectorised, on the matrix product.
      blobs("many", 2000, 72, 100, 128, 8, 9, 4),
      // k <= 4: automatic takes naive.
      blobs("few", 3000, 5, 4, 3, 10, 9, 5),
      // 2^20 + a small spread: float keeps only eighths, so many exact ties there.
      blobs("offset", 3000, 3, 6, 6, 12, 8, 6, std::int64_t(1) << 28),
      // Integer grids: ties between centres everywhere.
      grid("grid2", 64, 2, 10),
      grid("grid4", 6, 4, 16),
  };
}

const char* name_of(km::init_method init) {
  switch (init) {
    case km::init_method::first_k:
      return "first_k";
    case km::init_method::random:
      return "random";
    case km::init_method::kmeans_plus_plus:
      return "kmeans_plus_plus";
    case km::init_method::kmeans_parallel:
      return "kmeans_parallel";
  }
  return "?";
}

enum class precision { float32, float64 };

struct fit_spec {
  const char* data;
  precision scalar;
  km::init_method init;
  bool weighted = false;
  int threads = 1;
  int n_init = 1;

  /// Unique: data/scalar/init, then what differs from the default.
  std::string name() const {
    std::string out = std::string(data) + "/" +
                      (scalar == precision::float32 ? "float" : "double") + "/" + name_of(init);
    if (weighted) out += "/weighted";
    if (threads != 1) out += "/threads=" + std::to_string(threads);
    if (n_init != 1) out += "/n_init=" + std::to_string(n_init);
    return out;
  }
};

/// Float and double, every init, sample weights, 1 and 2 threads and n_init > 1, on data where
/// each strategy does real work. Every strategy of km::exact_strategies runs every fit.
std::vector<fit_spec> fits() {
  using init = km::init_method;
  constexpr precision f = precision::float32, d = precision::float64;
  const init first_k = init::first_k, random = init::random, kpp = init::kmeans_plus_plus,
             parallel = init::kmeans_parallel;
  // data, scalar, init, weighted, threads, n_init
  return {
      {"plane", d, kpp},
      {"plane", f, random, true, 2},
      {"plane", f, parallel},
      {"plane", d, first_k, false, 2, 3},

      {"mid", d, kpp},
      {"mid", f, kpp, false, 2},
      {"mid", f, random, true},
      {"mid", f, parallel, false, 1, 2},
      {"mid", d, parallel, true, 2, 3},

      {"wide", f, kpp},
      {"wide", d, kpp, false, 2},
      {"wide", d, random, true},
      {"wide", d, first_k, false, 1, 2},

      {"many", d, kpp},
      {"many", f, random, true, 2},

      {"few", d, kpp},
      {"few", f, random},
      {"few", d, first_k, false, 1, 4},

      {"offset", f, kpp},
      {"offset", d, random, true},
      {"offset", f, parallel, false, 2},

      {"grid2", d, first_k},
      {"grid2", f, kpp, false, 2},
      {"grid2", f, random, true},

      {"grid4", f, random},
      {"grid4", d, kpp, false, 2},
      {"grid4", f, parallel, true, 1, 2},
  };
}

/// FNV-1a (64 bits) fed with integers byte by byte, least significant first: the same hash
/// whatever the platform's byte order.
class fnv1a {
 public:
  template <typename Unsigned>
  void add(Unsigned value) {
    static_assert(std::is_unsigned_v<Unsigned>);
    for (std::size_t byte = 0; byte < sizeof(Unsigned); ++byte) {
      hash_ ^= static_cast<std::uint64_t>(value >> (8 * byte)) & 0xFFu;
      hash_ *= 0x100000001B3u;
    }
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xCBF29CE484222325u;
};

template <typename Scalar>
auto bits_of(Scalar value) {
  using bits = std::conditional_t<sizeof(Scalar) == 4, std::uint32_t, std::uint64_t>;
  static_assert(sizeof(bits) == sizeof(Scalar));
  bits out;
  std::memcpy(&out, &value, sizeof out);
  return out;
}

std::string hex(std::uint64_t value, int digits) {
  char text[17];
  std::snprintf(text, sizeof text, "%0*llx", digits, static_cast<unsigned long long>(value));
  return text;
}

/// One line of the golden file.
struct record {
  std::string labels;      // FNV-1a of the labels
  std::string centres;     // FNV-1a of the centres' bit patterns, row by row
  std::string distances;   // FNV-1a of the canonical squared distances to the centres
  std::string inertia;     // the inertia's bit pattern
  std::string iterations;  // assignment passes
  double inertia_value = 0;

  bool operator==(const record& other) const {
    return labels == other.labels && centres == other.centres && distances == other.distances &&
           inertia == other.inertia && iterations == other.iterations;
  }
};

/// The record of a fit. The distances show the canonical distance's every bit: the results
/// absorb an ulp's difference in it almost always (the inertia is an exact sum rounded once, a
/// label moves only near a tie), so they alone would hardly notice a fused multiply-add or a
/// reordered sum there.
template <typename Scalar>
record record_of(const km::result<Scalar>& r, const km::row_matrix<Scalar>& points) {
  fnv1a labels, centres, distances;
  for (Eigen::Index i = 0; i < r.labels.size(); ++i)
    labels.add(static_cast<std::uint32_t>(r.labels[i]));
  for (Eigen::Index i = 0; i < r.centers.size(); ++i)
    centres.add(bits_of(r.centers.data()[i]));
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    for (Eigen::Index c = 0; c < r.centers.rows(); ++c) {
      distances.add(bits_of(km::detail::squared_distance(points.row(i).data(),
                                                         r.centers.row(c).data(), points.cols())));
    }
  }
  return {
      hex(labels.value(), 16),      hex(centres.value(), 16),
      hex(distances.value(), 16),   hex(bits_of(r.inertia), 2 * static_cast<int>(sizeof(Scalar))),
      std::to_string(r.iterations), static_cast<double>(r.inertia)};
}

template <typename Strategy, typename Scalar>
record fit_with(const fit_spec& spec, const data_set& data) {
  km::options opts;
  opts.k = data.k;
  opts.init = spec.init;
  opts.seed = 7;
  opts.n_init = spec.n_init;
  opts.max_iterations = 60;  // bounds the time under emulation; some fits stop at the cap
  opts.threads = spec.threads;
  const km::kmeans<Strategy> model(opts);
  const km::row_matrix<Scalar> points = data.points<Scalar>();
  if (!spec.weighted) return record_of(model.fit(points), points);
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> w = data.weights<Scalar>();
  return record_of(model.fit(points, km::weights(w)), points);
}

/// Each strategy's record of one fit, in the order of km::exact_strategies.
template <typename Scalar>
std::vector<std::pair<std::string, record>> fit_in(const fit_spec& spec, const data_set& data) {
  std::vector<std::pair<std::string, record>> out;
  km::for_each_strategy<km::exact_strategies>([&](auto strategy) {
    using strategy_type = decltype(strategy);
    out.emplace_back(strategy_type::name, fit_with<strategy_type, Scalar>(spec, data));
  });
  return out;
}

std::vector<std::pair<std::string, record>> fit(const fit_spec& spec,
                                                const std::vector<data_set>& sets) {
  for (const data_set& data : sets) {
    if (data.name != spec.data) continue;
    return spec.scalar == precision::float32 ? fit_in<float>(spec, data)
                                             : fit_in<double>(spec, data);
  }
  throw std::logic_error("no data set named " + std::string(spec.data));
}

const char* const file_header =
    "# km's golden results: tests/golden.cpp (km_golden) runs these fits and compares the bits.\n"
    "# Written by `km_golden --write FILE` from a g++ build on x86-64, only when a change is\n"
    "# meant to change results (which the exactness contract says should essentially never\n"
    "# happen); every other platform in CI must then reproduce it exactly.\n"
    "# labels: FNV-1a 64 of the labels as little-endian uint32; centres: FNV-1a 64 of the\n"
    "# centres' IEEE bit patterns as little-endian uint32/uint64, row by row; distances: the same\n"
    "# of the canonical squared distances of every point to every centre, point by point;\n"
    "# inertia: its IEEE bit pattern; iterations: assignment passes.\n"
    "# fit labels centres distances inertia iterations\n";

std::string line_of(const std::string& name, const record& r) {
  return name + " " + r.labels + " " + r.centres + " " + r.distances + " " + r.inertia + " " +
         r.iterations;
}

/// The golden file's records by fit name; comments (#) and blank lines skipped.
std::map<std::string, record> read_golden(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<std::string, record> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, extra;
    record r;
    if (!(fields >> name >> r.labels >> r.centres >> r.distances >> r.inertia >> r.iterations) ||
        (fields >> extra)) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": not a fit line: " + line);
    }
    if (!out.emplace(name, r).second) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + name + " twice");
    }
  }
  return out;
}

/// What differs between the expected and the actual record, field by field.
std::string differences(const record& expected, const record& actual) {
  std::string out;
  const auto compare = [&](const char* what, const std::string& want, const std::string& got,
                           const std::string& note = "") {
    if (want != got) {
      out += std::string("\n    ") + what + ": expected " + want + ", got " + got + note;
    }
  };
  char inertia[64];
  std::snprintf(inertia, sizeof inertia, " (%.17g)", actual.inertia_value);
  compare("labels hash", expected.labels, actual.labels);
  compare("centre bits hash", expected.centres, actual.centres);
  compare("distance bits hash", expected.distances, actual.distances);
  compare("inertia bits", expected.inertia, actual.inertia, inertia);
  compare("iterations", expected.iterations, actual.iterations);
  return out;
}

int run(bool write, const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<data_set> sets = data_sets();
  const std::vector<fit_spec> specs = fits();
  std::map<std::string, record> expected;
  if (!write) expected = read_golden(path);

  std::string written = file_header;
  int failures = 0;
  std::map<std::string, bool> seen;
  for (const fit_spec& spec : specs) {
    const std::string name = spec.name();
    if (!seen.emplace(name, true).second) throw std::logic_error("fit " + name + " twice");
    const auto results = fit(spec, sets);
    const record& first = results.front().second;  // naive's, the reference
    written += line_of(name, first) + "\n";
    const auto found = expected.find(name);
    if (!write && found == expected.end()) {
      std::cout << "golden: MISSING from " << path << ": " << line_of(name, first) << "\n";
      ++failures;
      continue;
    }
    for (const auto& [strategy, actual] : results) {
      const record& want = write ? first : found->second;
      if (!(want == actual)) {
        std::cout << "golden: DIFFERENT: " << name << " by " << strategy
                  << differences(want, actual) << "\n";
        ++failures;
      }
    }
  }
  for (const auto& [name, r] : expected) {
    if (seen.count(name) == 0) {
      std::cout << "golden: no such fit (a stale line of " << path << "): " << name << "\n";
      ++failures;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (write && failures == 0) {
    std::ofstream out(path, std::ios::binary);
    out << written;
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
    std::cout << "golden: wrote " << specs.size() << " fits to " << path << " (" << seconds
              << " s)\n";
    return 0;
  }
  if (failures > 0) {
    std::cout << "golden: FAILED: " << failures << " difference(s) from " << path << " in "
              << specs.size() << " fits, each by every strategy\n";
    return 1;
  }
  std::cout << "golden: all " << specs.size() << " fits, each by every strategy, match " << path
            << " (" << seconds << " s)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool write = argc == 3 && std::strcmp(argv[1], "--write") == 0;
  if (!(argc == 2 || write)) {
    std::cerr << "usage: km_golden FILE | km_golden --write FILE\n";
    return 2;
  }
  try {
    return run(write, argv[argc - 1]);
  } catch (const std::exception& e) {
    std::cerr << "golden: " << e.what() << "\n";
    return 2;
  }
}
