// Fuzz target for km::kmeans<Strategy>::fit: decodes the bytes into a small clustering problem,
// fits it with every exact strategy, and aborts unless
// - every strategy, on the problem's thread count, returns what km::naive returns on one thread,
//   bit for bit: labels, centres, inertia, iterations, converged and every per-pass report; or
//   every one of them throws km::invalid_input with the same message;
// - input that is plainly bad (k out of range, max_iterations < 1, a bad tolerance, a NaN or an
//   infinity, initial centres of the wrong shape) is rejected, and input of modest finite values
//   with valid options is not;
// - a fit keeps its promises: labels in [0, k) and each the canonically nearest centre (ties to
//   the lowest index), k x d finite centres, finite inertia >= 0, 1 <= iterations <=
//   max_iterations, one report per pass when a callback listens, and a stop one pass after the
//   callback asks for it.
// - predict(points, centres) gives the fit's labels on every strategy, and transform's nearest
//   centre agrees with them;
// - km::mini_batch_kmeans (approximate) either rejects the input like the exact fit or returns
//   labels in range, finite centres and inertia, the same bits on every thread count.
// Any other exception escapes the target, which aborts too.
//
// Input layout (reading past the end gives zero bytes, so every prefix of an input is an input):
//   byte 0      flags: 1 float (else double), 2 initial centres given, 4 on_iteration records
//               every pass, 8 ... and asks to stop after pass `stop`, 16 wide rows (d >= 9),
//               32 sample weights, 64 n_init, 128 a mini-batch fit too
//   byte 1      n = 1 + b % 64
//   byte 2      d = 1 + b % 8, or when wide one of 9, 16, 33, 130 (130: the long distance form)
//   byte 3      k = b % (n + 2): 0 and n + 1 are out of range
//   byte 4      init method b % 4, threads 1 + (b / 4) % 3
//   byte 5      max_iterations = b % 21 (0 is out of range)
//   byte 6      tolerance, one of tolerances[b % 9]
//   bytes 7, 8  seed, little-endian
//   byte 9      stop
//   then n rows: a byte c < 32 (from the second row on) repeats row c % i, else d values follow
//   then, with initial centres: a shape byte s (s % 10: 7 k + 1 rows, 8 k - 1 rows, 9 d + 1
//   columns, else k x d) and their rows: c < 32 copies point c % n where widths match, else values
//   then, with weights, n values; with n_init, a byte b: n_init = b % 4 (0 is out of range)
// A value is a byte c and sometimes more bytes: c < 128 the integer (c >> 1), negative when c is
// odd; c < 192 one of 24 specials, index (c - 128) % 24; c < 224 1e8 + (next byte) / 16; else
// the raw bits of the next 4 (float) or 8 (double) bytes.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <km/kmeans.hpp>

namespace {

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_fit: broken promise: %s\n", what);
  std::abort();
}

class byte_reader {
 public:
  byte_reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return used_ < size_ ? data_[used_++] : 0; }

  template <typename T>
  T raw() {
    unsigned char bytes[sizeof(T)];
    for (unsigned char& b : bytes)
      b = byte();
    T value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t used_ = 0;
};

template <typename Scalar>
using matrix = km::row_matrix<Scalar>;

/// Values that have broken numerical code before: signed zeros, non-finite values, denormals,
/// the extremes of the type, magnitudes whose squares overflow or underflow, and 1e8, next to
/// which small differences vanish.
template <typename Scalar>
Scalar special(int index) {
  using limits = std::numeric_limits<Scalar>;
  constexpr bool is_float = std::is_same_v<Scalar, float>;
  const Scalar big = static_cast<Scalar>(is_float ? 1e38 : 1e300);     // squares overflow
  const Scalar tiny = static_cast<Scalar>(is_float ? 1e-38 : 1e-300);  // squares underflow
  const Scalar specials[] = {Scalar(0),
                             -Scalar(0),
                             Scalar(0.5),
                             Scalar(-0.5),
                             Scalar(1) / Scalar(3),
                             Scalar(0.1),
                             limits::quiet_NaN(),
                             limits::infinity(),
                             -limits::infinity(),
                             limits::denorm_min(),
                             -limits::denorm_min(),
                             limits::min(),
                             limits::min() / 2,
                             big,
                             -big,
                             tiny,
                             -tiny,
                             limits::max(),
                             limits::lowest(),
                             limits::epsilon(),
                             1 + limits::epsilon(),
                             Scalar(1e8),
                             Scalar(-1e8),
                             std::ldexp(Scalar(1), limits::digits)};
  return specials[static_cast<std::size_t>(index) % (sizeof specials / sizeof specials[0])];
}

template <typename Scalar>
Scalar value(byte_reader& in) {
  const int c = in.byte();
  if (c < 128) return static_cast<Scalar>((c & 1) ? -(c >> 1) : c >> 1);
  if (c < 192) return special<Scalar>(c - 128);
  if (c < 224) return static_cast<Scalar>(1e8 + in.byte() / 16.0);
  return in.raw<Scalar>();
}

template <typename Scalar>
struct problem {
  matrix<Scalar> points;
  matrix<Scalar> initial;
  bool has_initial = false;
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> weights;
  bool has_weights = false;
  bool mini_batch = false;
  bool trace = false;
  int stop = 0;  ///< the pass after which the callback asks to stop; 0: never
  km::options opts;
};

const double tolerances[] = {0,
                             0,
                             1e-12,
                             1e-3,
                             1,
                             1e300,
                             -1,
                             std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity()};

template <typename Scalar>
problem<Scalar> decode(std::uint8_t flags, byte_reader& in) {
  problem<Scalar> p;
  const Eigen::Index n = 1 + in.byte() % 64;
  const Eigen::Index wide[] = {9, 16, 33, 130};
  const std::uint8_t d_byte = in.byte();
  const Eigen::Index d = (flags & 16) ? wide[d_byte % 4] : 1 + d_byte % 8;
  p.opts.k = in.byte() % static_cast<int>(n + 2);
  const std::uint8_t init_threads = in.byte();
  p.opts.init = static_cast<km::init_method>(init_threads % 4);
  p.opts.threads = 1 + (init_threads / 4) % 3;
  p.opts.max_iterations = in.byte() % 21;
  p.opts.tolerance = tolerances[in.byte() % (sizeof tolerances / sizeof tolerances[0])];
  p.opts.seed = in.raw<std::uint16_t>();
  p.trace = (flags & 4) != 0;
  const std::uint8_t stop = in.byte();
  p.stop = (flags & 8) != 0 ? stop : 0;

  p.points.resize(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    const std::uint8_t c = in.byte();
    if (i > 0 && c < 32) {
      p.points.row(i) = p.points.row(c % i);
      continue;
    }
    for (Eigen::Index j = 0; j < d; ++j)
      p.points(i, j) = value<Scalar>(in);
  }

  p.has_initial = (flags & 2) != 0;
  if (p.has_initial) {
    const int shape = in.byte() % 10;
    const Eigen::Index rows = std::max(0, p.opts.k + (shape == 7) - (shape == 8));
    p.initial.resize(rows, d + (shape == 9));
    for (Eigen::Index i = 0; i < p.initial.rows(); ++i) {
      const std::uint8_t c = in.byte();
      if (c < 32 && p.initial.cols() == d) {
        p.initial.row(i) = p.points.row(c % n);
        continue;
      }
      for (Eigen::Index j = 0; j < p.initial.cols(); ++j)
        p.initial(i, j) = value<Scalar>(in);
    }
  }
  p.has_weights = (flags & 32) != 0;
  if (p.has_weights) {
    p.weights.resize(n);
    for (Eigen::Index i = 0; i < n; ++i)
      p.weights[i] = value<Scalar>(in);
  }
  if (flags & 64) p.opts.n_init = in.byte() % 4;
  p.mini_batch = (flags & 128) != 0;
  return p;
}

struct pass {
  int run;
  int iteration;
  Eigen::Index labels_changed;
  double inertia;
  double centre_shift;
  bool last;
};

template <typename Scalar>
struct outcome {
  bool rejected = false;
  std::string message;
  km::result<Scalar> fit;
  std::vector<pass> passes;
};

template <typename Strategy, typename Scalar>
outcome<Scalar> run(const problem<Scalar>& p, int threads) {
  outcome<Scalar> out;
  km::options opts = p.opts;
  opts.threads = threads;
  if (p.trace) {
    opts.on_iteration = [&out, &p](const km::iteration_report& report) {
      out.passes.push_back({report.run, report.iteration, report.labels_changed, report.inertia,
                            report.centre_shift, report.last});
      return report.iteration != p.stop;
    };
  }
  const km::kmeans<Strategy> model(opts);
  try {
    if (p.has_weights) {
      out.fit = p.has_initial ? model.fit(p.points, km::weights(p.weights), p.initial)
                              : model.fit(p.points, km::weights(p.weights));
    } else {
      out.fit = p.has_initial ? model.fit(p.points, p.initial) : model.fit(p.points);
    }
  } catch (const km::invalid_input& error) {
    out.rejected = true;
    out.message = error.what();
    return out;
  }
  // The fitted centres label the points again, the same way.
  const Eigen::VectorXi again = model.predict(p.points, out.fit.centers);
  require((again.array() == out.fit.labels.array()).all(), "predict gives the fit's labels");
  const matrix<Scalar> distances = model.transform(p.points, out.fit.centers);
  for (Eigen::Index i = 0; i < distances.rows(); ++i) {
    Eigen::Index nearest = 0;
    distances.row(i).minCoeff(&nearest);
    require(
        distances.row(i).allFinite() && distances(i, nearest) == distances(i, out.fit.labels[i]),
        "transform's nearest centre is the label's distance");
  }
  return out;
}

template <typename T>
bool same_bits(const T& a, const T& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

template <typename Scalar>
void require_same(const outcome<Scalar>& expected, const outcome<Scalar>& actual) {
  require(actual.rejected == expected.rejected, "all strategies reject the same input");
  if (expected.rejected) {
    require(actual.message == expected.message, "all strategies reject with the same message");
    return;
  }
  const km::result<Scalar>& a = actual.fit;
  const km::result<Scalar>& e = expected.fit;
  require(a.iterations == e.iterations, "same iterations as naive");
  require(a.converged == e.converged, "same converged as naive");
  require(a.labels.size() == e.labels.size() && (a.labels.array() == e.labels.array()).all(),
          "same labels as naive");
  require(a.centers.rows() == e.centers.rows() && a.centers.cols() == e.centers.cols() &&
              std::memcmp(a.centers.data(), e.centers.data(),
                          sizeof(Scalar) * static_cast<std::size_t>(e.centers.size())) == 0,
          "same centres as naive, bit for bit");
  require(same_bits(a.inertia, e.inertia), "same inertia as naive, bit for bit");
  require(actual.passes.size() == expected.passes.size(), "same number of reports as naive");
  for (std::size_t i = 0; i < expected.passes.size(); ++i) {
    const pass& x = actual.passes[i];
    const pass& y = expected.passes[i];
    require(x.run == y.run && x.iteration == y.iteration && x.labels_changed == y.labels_changed &&
                same_bits(x.inertia, y.inertia) && same_bits(x.centre_shift, y.centre_shift) &&
                x.last == y.last,
            "same per-pass reports as naive, bit for bit");
  }
}

template <typename Scalar>
bool all_finite(const matrix<Scalar>& values) {
  return values.array().isFinite().all();
}

/// What the input itself says about rejection: +1 it must be rejected, -1 it must not be, 0 it
/// depends on the range check (squared distances that might overflow).
template <typename Scalar>
int expected_rejection(const problem<Scalar>& p) {
  const km::options& o = p.opts;
  const Eigen::Index n = p.points.rows(), d = p.points.cols();
  const bool bad_shape = p.has_initial && (p.initial.rows() != o.k || p.initial.cols() != d);
  if (o.k < 1 || o.k > n || o.max_iterations < 1 || o.n_init < 1 || !(o.tolerance >= 0) ||
      !std::isfinite(o.tolerance) || !all_finite(p.points) || bad_shape ||
      (p.has_initial && !all_finite(p.initial))) {
    return +1;
  }
  if (p.has_weights) {
    const auto& w = p.weights.array();
    if (!(w >= 0).all() || !w.isFinite().all() || (w > 0).count() < o.k) return +1;
    if (!(w <= Scalar(1e9)).all()) return 0;  // large weights: the overflow checks decide
  }
  // Within +-1e9 the squared diagonal of up to 130 columns is far below float's range.
  const auto modest = [](const matrix<Scalar>& values) {
    return (values.array().abs() <= Scalar(1e9)).all();
  };
  return modest(p.points) && (!p.has_initial || modest(p.initial)) ? -1 : 0;
}

template <typename Scalar>
void check_promises(const problem<Scalar>& p, const outcome<Scalar>& o) {
  const int expected = expected_rejection(p);
  if (expected > 0) require(o.rejected, "bad input is rejected");
  if (expected < 0) require(!o.rejected, "valid input of modest values is not rejected");
  if (o.rejected) return;

  const km::result<Scalar>& r = o.fit;
  const Eigen::Index n = p.points.rows(), d = p.points.cols();
  const int k = p.opts.k;
  require(r.labels.size() == n, "one label per point");
  require((r.labels.array() >= 0).all() && (r.labels.array() < k).all(), "labels in [0, k)");
  require(r.centers.rows() == k && r.centers.cols() == d, "k x d centres");
  require(all_finite(r.centers), "finite centres");
  require(std::isfinite(r.inertia) && r.inertia >= 0, "finite inertia >= 0");
  require(r.iterations >= 1 && r.iterations <= p.opts.max_iterations,
          "1 <= iterations <= max_iterations");
  for (Eigen::Index i = 0; i < n; ++i) {
    const Scalar* point = p.points.row(i).data();
    const int label = r.labels[i];
    const Scalar own = km::detail::squared_distance(point, r.centers.row(label).data(), d);
    for (int c = 0; c < k; ++c) {
      const Scalar other = km::detail::squared_distance(point, r.centers.row(c).data(), d);
      require(other > own || (other == own && c >= label),
              "each label is the canonically nearest centre, ties to the lowest index");
    }
  }
  if (p.trace) {
    // Runs (options.n_init) report one after another, each counting its passes from 1 and
    // marking its last; the result is one of them.
    bool result_run_seen = false;
    int run = 0, passes = 0;
    for (std::size_t i = 0; i < o.passes.size(); ++i) {
      require(o.passes[i].run == run, "runs report in order");
      require(o.passes[i].iteration == ++passes, "reports count a run's passes from 1");
      const bool run_ends = i + 1 == o.passes.size() || o.passes[i + 1].run != run;
      require(o.passes[i].last == run_ends, "only a run's last report is last");
      if (run_ends) {
        if (p.stop > 0) require(passes <= p.stop + 1, "a run stops one pass after asked to");
        result_run_seen |= passes == r.iterations;
        ++run;
        passes = 0;
      }
    }
    require(run == (p.has_initial ? 1 : p.opts.n_init), "n_init runs, one from given centres");
    require(result_run_seen, "the result's passes are those of one run");
  }
}

template <typename Scalar>
km::result<Scalar> mini_batch_fit(const problem<Scalar>& p, int threads) {
  km::mini_batch_options opts;
  opts.k = p.opts.k;
  opts.init = p.opts.init;
  opts.seed = p.opts.seed;
  opts.batch_size = 1 + p.opts.max_iterations;
  opts.max_steps = 1 + p.opts.max_iterations;
  opts.threads = threads;
  const km::mini_batch_kmeans model(opts);
  if (p.has_weights) {
    return p.has_initial ? model.fit(p.points, km::weights(p.weights), p.initial)
                         : model.fit(p.points, km::weights(p.weights));
  }
  return p.has_initial ? model.fit(p.points, p.initial) : model.fit(p.points);
}

/// Mini-batch is approximate: no equality with naive, but the same input checks (tolerance and
/// max_iterations aside, which it does not take), valid results, and the same bits on every
/// thread count.
template <typename Scalar>
void check_mini_batch(const problem<Scalar>& p) {
  km::result<Scalar> one;
  try {
    one = mini_batch_fit(p, 1);
  } catch (const km::invalid_input&) {
    const int expected = expected_rejection(p);
    require(expected >= 0 || p.opts.max_iterations < 1 || p.opts.n_init < 1 ||
                !(p.opts.tolerance >= 0) || !std::isfinite(p.opts.tolerance),
            "mini-batch rejects only what the exact fit would");
    return;
  }
  require(one.labels.size() == p.points.rows(), "mini-batch: one label per point");
  require((one.labels.array() >= 0).all() && (one.labels.array() < p.opts.k).all(),
          "mini-batch: labels in [0, k)");
  require(all_finite(one.centers) && std::isfinite(one.inertia) && one.inertia >= 0,
          "mini-batch: finite centres and inertia");
  const km::result<Scalar> many = mini_batch_fit(p, p.opts.threads);
  require((many.labels.array() == one.labels.array()).all() && many.centers == one.centers &&
              same_bits(many.inertia, one.inertia) && many.iterations == one.iterations,
          "mini-batch: the same bits on every thread count");
}

template <typename Scalar>
void check(std::uint8_t flags, byte_reader& in) {
  const problem<Scalar> p = decode<Scalar>(flags, in);
  const outcome<Scalar> reference = run<km::naive>(p, 1);
  check_promises(p, reference);
  const int threads = p.opts.threads;
  km::for_each_strategy<km::exact_strategies>(
      [&](auto strategy) { require_same(reference, run<decltype(strategy)>(p, threads)); });
  if (p.mini_batch) check_mini_batch(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  byte_reader in(data, size);
  const std::uint8_t flags = in.byte();
  if (flags & 1) {
    check<float>(flags, in);
  } else {
    check<double>(flags, in);
  }
  return 0;
}
