// Sample weights: the properties that make a weight mean "this many copies of the point", on data
// whose sums are exact (coordinates on a grid of quarters), so that the properties hold bit for
// bit.
#include <cstring>
#include <vector>

#include "data.hpp"

using namespace km_tests;

namespace {

/// Blobs rounded to multiples of 1/4: distances and sums of such points are exact, so two fits
/// that should agree mathematically must agree to the bit.
template <typename Scalar>
matrix<Scalar> quarter_blobs(Eigen::Index n, Eigen::Index d, int count, std::uint64_t seed) {
  matrix<Scalar> points = blobs<Scalar>(n, d, count, 1.5, seed);
  return (points.array() * Scalar(4)).round() / Scalar(4);
}

/// Weights 1..5, a fixed pattern.
template <typename Scalar>
Eigen::Matrix<Scalar, Eigen::Dynamic, 1> small_integer_weights(Eigen::Index n) {
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> w(n);
  for (Eigen::Index i = 0; i < n; ++i)
    w[i] = static_cast<Scalar>(1 + (i * 7) % 5);
  return w;
}

template <typename Strategy = km::automatic, typename Scalar>
km::result<Scalar> weighted_fit(const matrix<Scalar>& points,
                                const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& w, km::options opts,
                                std::vector<trace_entry>& trace) {
  opts.on_iteration = [&trace](const km::iteration_report& report) {
    trace.push_back({report.iteration, report.inertia, report.labels_changed, report.centre_shift,
                     report.last});
    return true;
  };
  return km::kmeans<Strategy>(opts).fit(points, km::weights(w));
}

template <typename Scalar>
void require_same_centres(const km::result<Scalar>& a, const km::result<Scalar>& b) {
  REQUIRE(a.centers.rows() == b.centers.rows());
  REQUIRE(std::memcmp(a.centers.data(), b.centers.data(),
                      sizeof(Scalar) * static_cast<std::size_t>(a.centers.size())) == 0);
}

template <typename Scalar>
const matrix<Scalar>* const no_centres = nullptr;

const km::init_method every_init[] = {km::init_method::first_k, km::init_method::random,
                                      km::init_method::kmeans_plus_plus};

}  // namespace

TEMPLATE_TEST_CASE("weights of 1 give the unweighted fit (first_k, k-means++)", "[weights]", float,
                   double) {
  using Scalar = TestType;
  const matrix<Scalar> points = blobs<Scalar>(1500, 3, 6, 1.0, 31);
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> ones =
      Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Ones(points.rows());
  for (const auto init : {km::init_method::first_k, km::init_method::kmeans_plus_plus}) {
    km::options opts;
    opts.k = 7;
    opts.init = init;
    opts.seed = 5;
    std::vector<trace_entry> plain_trace, weighted_trace;
    const auto plain = traced_fit<km::automatic>(points, opts, no_centres<Scalar>, plain_trace);
    const auto weighted = weighted_fit(points, ones, opts, weighted_trace);
    require_same_fit(plain, plain_trace, weighted, weighted_trace);
  }
}

TEMPLATE_TEST_CASE("scaling every weight by a power of two changes nothing", "[weights]", float,
                   double) {
  using Scalar = TestType;
  const matrix<Scalar> points = quarter_blobs<Scalar>(800, 3, 5, 32);
  const auto w = small_integer_weights<Scalar>(points.rows());
  for (const auto init : every_init) {
    km::options opts;
    opts.k = 6;
    opts.init = init;
    opts.seed = 3;
    std::vector<trace_entry> trace, scaled_trace;
    const auto fit = weighted_fit(points, w, opts, trace);
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scaled = w * Scalar(8);
    const auto scaled_fit = weighted_fit(points, scaled, opts, scaled_trace);
    REQUIRE(scaled_fit.iterations == fit.iterations);
    REQUIRE((scaled_fit.labels.array() == fit.labels.array()).all());
    require_same_centres(fit, scaled_fit);
    REQUIRE(same_bits(scaled_fit.inertia, static_cast<Scalar>(fit.inertia * 8)));
  }
}

TEST_CASE("scaling every weight by 3 keeps the labels; centres move by rounding only",
          "[weights]") {
  const matrix<double> points = blobs<double>(2000, 4, 6, 1.0, 33);
  const auto w = small_integer_weights<double>(points.rows());
  km::options opts;
  opts.k = 6;
  const auto fit = km::kmeans<>(opts).fit(points, km::weights(w));
  const auto scaled = km::kmeans<>(opts).fit(points, km::weights(w * 3.0));
  REQUIRE(scaled.iterations == fit.iterations);
  REQUIRE((scaled.labels.array() == fit.labels.array()).all());
  REQUIRE(
      ((scaled.centers - fit.centers).array().abs() <= 4e-16 * fit.centers.array().abs().max(1.0))
          .all());
  REQUIRE(scaled.inertia == Approx(3 * fit.inertia).epsilon(1e-14));
}

TEMPLATE_TEST_CASE("a point of weight 2 equals the point duplicated", "[weights]", float, double) {
  using Scalar = TestType;
  const matrix<Scalar> points = quarter_blobs<Scalar>(600, 3, 5, 34);
  const int k = 6;
  // Every 9th point beyond the first k weighs 2, or appears twice (right after itself).
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> w =
      Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Ones(points.rows());
  std::vector<Eigen::Index> original_row;  // of each row of the duplicated data
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    original_row.push_back(i);
    if (i >= k && i % 9 == 0) {
      w[i] = 2;
      original_row.push_back(i);
    }
  }
  matrix<Scalar> duplicated(static_cast<Eigen::Index>(original_row.size()), points.cols());
  for (std::size_t r = 0; r < original_row.size(); ++r)
    duplicated.row(static_cast<Eigen::Index>(r)) = points.row(original_row[r]);

  for (const auto init : {km::init_method::first_k, km::init_method::kmeans_plus_plus}) {
    km::options opts;
    opts.k = k;
    opts.init = init;
    opts.seed = 11;
    std::vector<trace_entry> trace, duplicated_trace;
    const auto weighted = weighted_fit(points, w, opts, trace);
    const auto copies =
        traced_fit<km::automatic>(duplicated, opts, no_centres<Scalar>, duplicated_trace);
    REQUIRE(weighted.iterations == copies.iterations);
    for (std::size_t r = 0; r < original_row.size(); ++r)
      REQUIRE(copies.labels[static_cast<Eigen::Index>(r)] == weighted.labels[original_row[r]]);
    require_same_centres(weighted, copies);
    REQUIRE(same_bits(weighted.inertia, copies.inertia));
  }
}

TEMPLATE_TEST_CASE("a point of weight 0 equals the point removed", "[weights]", float, double) {
  using Scalar = TestType;
  const matrix<Scalar> kept = quarter_blobs<Scalar>(500, 3, 4, 35);
  // Every 5th row of the full data weighs 0: far outliers and ordinary points, from the first
  // row on (so first_k must skip them too).
  std::vector<Eigen::Index> kept_row;  // the full data's row of each kept point
  matrix<Scalar> full(kept.rows() + kept.rows() / 4 + 1, kept.cols());
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> w(full.rows());
  Eigen::Index next_kept = 0;
  for (Eigen::Index i = 0; i < full.rows(); ++i) {
    if (i % 5 == 0 || next_kept == kept.rows()) {
      full.row(i).setConstant(i % 10 == 0 ? Scalar(1000) : static_cast<Scalar>(i % 7));
      w[i] = 0;
    } else {
      full.row(i) = kept.row(next_kept++);
      kept_row.push_back(i);
      w[i] = 1;
    }
  }
  REQUIRE(next_kept == kept.rows());
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> kept_ones =
      Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Ones(kept.rows());

  for (const auto init : every_init) {
    km::options opts;
    opts.k = 5;
    opts.init = init;
    opts.seed = 13;
    std::vector<trace_entry> trace, removed_trace;
    const auto weighted = weighted_fit(full, w, opts, trace);
    const auto removed = weighted_fit(kept, kept_ones, opts, removed_trace);
    REQUIRE(weighted.iterations == removed.iterations);
    REQUIRE(weighted.converged == removed.converged);
    for (std::size_t r = 0; r < kept_row.size(); ++r)
      REQUIRE(weighted.labels[kept_row[r]] == removed.labels[static_cast<Eigen::Index>(r)]);
    require_same_centres(weighted, removed);
    REQUIRE(same_bits(weighted.inertia, removed.inertia));
    REQUIRE(trace.size() == removed_trace.size());
    for (std::size_t p = 0; p < trace.size(); ++p)
      REQUIRE(trace[p].labels_changed == removed_trace[p].labels_changed);
  }
}

TEST_CASE("a weighted fit moves centres to weighted means and sums weighted inertia", "[weights]") {
  const matrix<double> points = blobs<double>(3000, 2, 1, 2.0, 36);
  Eigen::VectorXd w(points.rows());
  for (Eigen::Index i = 0; i < w.size(); ++i)
    w[i] = 0.1 + static_cast<double>((i * 13) % 17) * 0.37;
  km::options opts;
  opts.k = 1;
  const auto fit = km::kmeans<>(opts).fit(points, km::weights(w));
  long double total = 0, sum[2] = {0, 0};
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    total += w[i];
    for (int j = 0; j < 2; ++j)
      sum[j] += static_cast<long double>(w[i]) * points(i, j);
  }
  long double inertia = 0;
  for (int j = 0; j < 2; ++j) {
    const double mean = static_cast<double>(sum[j] / total);
    REQUIRE(fit.centers(0, j) == Approx(mean).epsilon(1e-15).margin(1e-15));
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
      const long double gap = points(i, j) - static_cast<long double>(fit.centers(0, j));
      inertia += w[i] * gap * gap;
    }
  }
  REQUIRE(fit.inertia == Approx(static_cast<double>(inertia)).epsilon(1e-12));
}

TEST_CASE("an empty cluster takes the point that adds most to the weighted inertia", "[weights]") {
  // Centres 1 and 3 start far from every point and empty on the first pass. The point farthest
  // from its centre weighs 0 and must not be taken; the heaviest far point must.
  emptying_case<double> data;
  const Eigen::Index n = data.points.rows();
  km::options opts;
  opts.k = 5;
  opts.max_iterations = 2;  // the centres returned are those set after the first pass
  const auto plain = km::kmeans<km::naive>(opts).fit(data.points, data.initial);

  // What the first pass assigns, by brute force, and each point's distance to that centre.
  Eigen::VectorXd distance(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    distance[i] = (data.initial.rowwise() - data.points.row(i)).rowwise().squaredNorm().minCoeff();
  }
  Eigen::Index farthest = 0;
  distance.maxCoeff(&farthest);
  REQUIRE(plain.centers.row(1) == data.points.row(farthest));  // unweighted: plain distance

  Eigen::VectorXd w = Eigen::VectorXd::Ones(n);
  w[farthest] = 0;
  Eigen::Index heavy = (farthest + 1) % n;
  w[heavy] = 1e6;
  Eigen::Index second = 0;
  (distance.array() * w.array()).maxCoeff(&second);
  REQUIRE(second == heavy);
  Eigen::VectorXd rest = distance.array() * w.array();
  rest[heavy] = -1;
  Eigen::Index third = 0;
  rest.maxCoeff(&third);
  const auto weighted = km::kmeans<km::naive>(opts).fit(data.points, km::weights(w), data.initial);
  REQUIRE(weighted.centers.row(1) == data.points.row(heavy));
  REQUIRE(weighted.centers.row(3) == data.points.row(third));
}

TEMPLATE_TEST_CASE("weighted fits: every strategy and thread count equals naive", "[weights]",
                   float, double) {
  using Scalar = TestType;
  const std::vector<case_data<Scalar>> cases = {
      {"blobs", blobs<Scalar>(3000, 5, 6, 1.5, 37), 8},
      {"grid with duplicates", grid<Scalar>(9, 2), 6},
      {"large offset", (blobs<Scalar>(900, 3, 4, 0.5, 38).array() + Scalar(1e8)).matrix(), 4}};
  for (const auto& c : cases) {
    INFO(c.name);
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> w(c.points.rows());
    for (Eigen::Index i = 0; i < w.size(); ++i)
      w[i] = i % 11 == 0 ? Scalar(0) : static_cast<Scalar>(0.25 + static_cast<double>(i % 7));
    km::options opts;
    opts.k = c.k;
    std::vector<trace_entry> expected_trace;
    const auto expected = weighted_fit<km::naive>(c.points, w, opts, expected_trace);
    for_each_fast_strategy([&](std::string_view name, auto strategy) {
      INFO(name);
      for (const int threads : {1, 2, 3}) {
        INFO("threads " << threads);
        km::options threaded = opts;
        threaded.threads = threads;
        std::vector<trace_entry> trace;
        const auto actual = weighted_fit<decltype(strategy)>(c.points, w, threaded, trace);
        require_same_fit(expected, expected_trace, actual, trace);
      }
    });
  }
}

TEST_CASE("weights take vectors, row vectors, strided views and expressions", "[weights]") {
  const matrix<double> points = quarter_blobs<double>(300, 2, 3, 39);
  const auto w = small_integer_weights<double>(points.rows());
  km::options opts;
  opts.k = 3;
  const km::kmeans<> model(opts);
  const auto expected = model.fit(points, km::weights(w));
  Eigen::MatrixXd table(points.rows(), 3);
  table.col(1) = w;
  const Eigen::RowVectorXd row = w.transpose();
  const Eigen::MatrixXd wide = w.transpose();  // a 1 x n block read with a stride
  for (const auto& fit :
       {model.fit(points, km::weights(table.col(1))), model.fit(points, km::weights(row)),
        model.fit(points, km::weights(wide.row(0))), model.fit(points, km::weights(w * 1.0)),
        model.fit(points, km::weights(Eigen::Map<const Eigen::VectorXd>(w.data(), w.size())))}) {
    REQUIRE((fit.labels.array() == expected.labels.array()).all());
    require_same_centres(fit, expected);
  }
  const Eigen::VectorXf float_weights = w.cast<float>();
  const matrix<float> float_points = points.cast<float>();
  REQUIRE(km::kmeans<>(opts).fit(float_points, km::weights(float_weights)).labels.size() ==
          points.rows());
}

TEST_CASE("bad weights are rejected with a clear message", "[weights][bad_input]") {
  const matrix<double> points = blobs<double>(20, 2, 2, 1.0, 40);
  km::options opts;
  opts.k = 3;
  const km::kmeans<> model(opts);
  Eigen::VectorXd w = Eigen::VectorXd::Ones(20);
  const auto rejects = [&](const Eigen::VectorXd& weights, const std::string& message) {
    require_invalid_input([&] { return model.fit(points, km::weights(weights)); }, message);
  };
  rejects(Eigen::VectorXd::Ones(19), "weights: 19 entries for 20 points");
  w[4] = -1;
  rejects(w, "weights: entry 4 is -1: every weight must be finite and >= 0");
  w[4] = std::nan("");
  rejects(w, "weights: entry 4 is nan");
  w[4] = std::numeric_limits<double>::infinity();
  rejects(w, "weights: entry 4 is inf");
  rejects(Eigen::VectorXd::Zero(20), "weights: every weight is 0");
  w.setZero();
  w[3] = w[9] = 1;
  rejects(w, "k = 3 is more than the 2 points of positive weight");
  rejects(Eigen::VectorXd::Constant(20, 1e306), "so weighted sums of the points would overflow");
  // One huge weight among tiny ones: the total is fine, the grids sized from the largest are not.
  Eigen::VectorXd lopsided = Eigen::VectorXd::Constant(20, 1e-300);
  lopsided[3] = 1e305;
  rejects(lopsided, "(the largest is 9.9999999999999994e+304)");
  lopsided[3] = 1e300;  // well within range: a correct, finite fit
  opts.k = 1;
  const auto fit = km::kmeans<>(opts).fit(points, km::weights(lopsided));
  REQUIRE(fit.centers.allFinite());
  REQUIRE(std::isfinite(fit.inertia));
  REQUIRE(fit.centers.row(0).isApprox(points.row(3), 1e-12));
  // Checked with the given centres too, after them.
  const matrix<double> initial = points.topRows(3);
  require_invalid_input(
      [&] { return model.fit(points, km::weights(Eigen::VectorXd::Zero(20)), initial); },
      "every weight is 0");
}
