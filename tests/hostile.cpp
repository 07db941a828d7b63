// Hostile and extreme input: every exact strategy returns km::naive's bits on it, and every fit
// is sane (finite centres and inertia, labels in range), or is refused with a km::invalid_input
// that names the problem. Never a NaN, an infinity or a crash.
#include <cfloat>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "data.hpp"

using namespace km_tests;
using Catch::Matchers::Contains;

namespace {

/// What every fit owes its caller, whatever the data.
template <typename Scalar>
void require_sane(const km::result<Scalar>& r, Eigen::Index n, Eigen::Index d, int k) {
  REQUIRE(r.labels.size() == n);
  REQUIRE(r.labels.minCoeff() >= 0);
  REQUIRE(r.labels.maxCoeff() < k);
  REQUIRE(r.centers.rows() == k);
  REQUIRE(r.centers.cols() == d);
  REQUIRE(r.centers.allFinite());
  REQUIRE(std::isfinite(r.inertia));
  REQUIRE(r.inertia >= 0);
}

/// The centre of every non-empty cluster lies within the range of its members, coordinate by
/// coordinate (as their mean does), so it equals them exactly when they are all identical.
template <typename Scalar>
void require_centres_within_members(const matrix<Scalar>& points, const km::result<Scalar>& r) {
  const Eigen::Index d = points.cols();
  matrix<Scalar> low = matrix<Scalar>::Constant(r.centers.rows(), d, Scalar(0));
  matrix<Scalar> high = low;
  std::vector<bool> seen(static_cast<std::size_t>(r.centers.rows()));
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    const int c = r.labels[i];
    if (!seen[static_cast<std::size_t>(c)]) {
      low.row(c) = high.row(c) = points.row(i);
      seen[static_cast<std::size_t>(c)] = true;
    }
    low.row(c) = low.row(c).cwiseMin(points.row(i));
    high.row(c) = high.row(c).cwiseMax(points.row(i));
  }
  for (Eigen::Index c = 0; c < r.centers.rows(); ++c) {
    if (!seen[static_cast<std::size_t>(c)]) continue;
    INFO("centre " << c);
    REQUIRE((r.centers.row(c).array() >= low.row(c).array()).all());
    REQUIRE((r.centers.row(c).array() <= high.row(c).array()).all());
  }
}

template <typename Scalar>
std::string text(Scalar value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

/// Fits with km::naive and with every fast strategy, which must return naive's bits (labels,
/// centres, inertia, iterations and every per-pass report); returns naive's fit, checked sane.
template <typename Scalar>
km::result<Scalar> fit_every_strategy(const matrix<Scalar>& points, const km::options& opts,
                                      const matrix<Scalar>* initial = nullptr) {
  std::vector<trace_entry> expected_trace;
  const auto expected = traced_fit<km::naive>(points, opts, initial, expected_trace);
  require_sane(expected, points.rows(), points.cols(), opts.k);
  for_each_fast_strategy([&](std::string_view name, auto strategy) {
    INFO("strategy " << name);
    std::vector<trace_entry> trace;
    const auto actual = traced_fit<decltype(strategy)>(points, opts, initial, trace);
    require_same_fit(expected, expected_trace, actual, trace);
  });
  return expected;
}

/// Every strategy refuses the fit with a km::invalid_input whose message contains `message`.
template <typename Scalar>
void require_every_strategy_refuses(const matrix<Scalar>& points, const km::options& opts,
                                    const std::string& message) {
  const auto check = [&](std::string_view name, auto strategy) {
    INFO("strategy " << name);
    const km::kmeans<decltype(strategy)> model(opts);
    REQUIRE_THROWS_AS(model.fit(points), km::invalid_input);
    REQUIRE_THROWS_WITH(model.fit(points), Contains(message));
  };
  check("naive", km::naive{});
  for_each_fast_strategy(check);
}

const km::init_method every_init[] = {km::init_method::first_k, km::init_method::random,
                                      km::init_method::kmeans_plus_plus};

km::options settings(int k, km::init_method init) {
  km::options opts;
  opts.k = k;
  opts.init = init;
  opts.seed = 11;
  return opts;
}

/// n points, all equal to `value` in every column, the sign alternating from column to column.
template <typename Scalar>
matrix<Scalar> identical(Eigen::Index n, Eigen::Index d, Scalar value) {
  matrix<Scalar> points(n, d);
  for (Eigen::Index j = 0; j < d; ++j)
    points.col(j).setConstant(j % 2 == 0 ? value : -value);
  return points;
}

/// Half the points at +value in every column, half at -value, interleaved.
template <typename Scalar>
matrix<Scalar> plus_minus(Eigen::Index n, Eigen::Index d, Scalar value) {
  matrix<Scalar> points(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    points.row(i).setConstant(i % 2 == 0 ? value : -value);
  return points;
}

/// A case near the overflow limit and what km must do with it: fit (every strategy alike) when
/// `refusal` is empty, else refuse with a message containing it.
template <typename Scalar>
struct extreme_case {
  std::string name;
  matrix<Scalar> points;
  std::string refusal;
};

template <typename Scalar>
std::vector<extreme_case<Scalar>> extreme_cases() {
  const std::string too_large = "values are too large: column 0 holds";
  const std::string too_spread = "values are too spread out: column 0 spans";
  std::vector<extreme_case<Scalar>> cases;
  if constexpr (std::is_same_v<Scalar, double>) {
    // Identical points have no spread at all; what limits them is the update's sums of n values
    // (|value| * 4n <= DBL_MAX / 16: about 1.4e305 for these 20 points).
    for (const double value : {1e154, 1e200, 1e300, 2e300, 1e305}) {
      cases.push_back({"20 identical points at " + text(value), identical(20, 3, value), ""});
    }
    for (const double value : {1e307, DBL_MAX / 2, DBL_MAX}) {
      cases.push_back(
          {"20 identical points at " + text(value), identical(20, 3, value), too_large});
    }
    matrix<double> one_column = blobs<double>(20, 3, 2, 1.0, 32);
    one_column.col(2).setConstant(-1e307);
    cases.push_back({"column 2 constant at -1e307", one_column,
                     "values are too large: column 2 holds -9.9999999999999999e+306: sums of up to "
                     "n = 20 such values would overflow"});
    cases.push_back({"one point at DBL_MAX / 64", identical(1, 3, DBL_MAX / 64), ""});
    cases.push_back({"one point at DBL_MAX / 32", identical(1, 3, DBL_MAX / 32), too_large});
    // Spread: squared distances (and n of them summed) must stay below DBL_MAX / 16.
    cases.push_back({"two groups at +-1e152", plus_minus(20, 3, 1e152), ""});
    cases.push_back({"two groups at +-1e154", plus_minus(20, 3, 1e154), too_spread});
    cases.push_back({"two groups at +-DBL_MAX / 2", plus_minus(20, 3, DBL_MAX / 2), too_spread});
    matrix<double> neighbours = identical(20, 3, 1e300);
    neighbours(7, 0) = std::nextafter(1e300, 0.0);  // one ulp (1.5e284) is already too far
    cases.push_back({"1e300 and its neighbour double", neighbours, too_spread});
    matrix<double> offset = blobs<double>(60, 3, 3, 1e148, 31);
    offset.array() += 1e154;
    cases.push_back({"blobs of spread 1e148 at offset 1e154", offset, ""});
  } else {
    // In float, the sums are kept in double: any float magnitude fits.
    for (const float value : {1e19f, 1e30f, FLT_MAX / 2, FLT_MAX}) {
      cases.push_back({"20 identical points at " + text(value), identical(20, 3, value), ""});
    }
    // Squared distances must stay below FLT_MAX / 16 (2.1e37).
    cases.push_back({"two groups at +-1e18", plus_minus(20, 3, 1e18f), ""});
    cases.push_back({"two groups at +-1e19", plus_minus(20, 3, 1e19f), too_spread});
    cases.push_back({"two groups at +-FLT_MAX / 2", plus_minus(20, 3, FLT_MAX / 2), too_spread});
    matrix<float> offset = blobs<float>(60, 3, 3, 1e15, 31);
    offset.array() += 1e19f;
    cases.push_back({"blobs of spread 1e15 at offset 1e19", offset, ""});
  }
  return cases;
}

}  // namespace

TEMPLATE_TEST_CASE("coordinates near the overflow limit fit exactly or are refused", "[hostile]",
                   float, double) {
  for (const auto& data : extreme_cases<TestType>()) {
    for (const int k : {1, 2}) {
      for (const auto init : {km::init_method::first_k, km::init_method::kmeans_plus_plus}) {
        if (k > data.points.rows()) continue;
        INFO(data.name << ", k = " << k << ", init " << static_cast<int>(init));
        const km::options opts = settings(k, init);
        if (!data.refusal.empty()) {
          require_every_strategy_refuses(data.points, opts, data.refusal);
          continue;
        }
        require_centres_within_members(data.points, fit_every_strategy(data.points, opts));
      }
    }
  }
}

TEMPLATE_TEST_CASE("a single point is its own centre", "[hostile]", float, double) {
  const matrix<TestType> point = blobs<TestType>(1, 3, 1, 1.0, 1);
  for (const auto init : every_init) {
    INFO("init " << static_cast<int>(init));
    const auto r = fit_every_strategy(point, settings(1, init));
    REQUIRE(r.labels[0] == 0);
    REQUIRE(r.centers == point);
    REQUIRE(r.inertia == 0);
    REQUIRE(r.converged);
    REQUIRE(r.iterations == 2);  // the first pass sets the label, the second changes nothing
  }
}

TEMPLATE_TEST_CASE("k = n puts a centre on every point, duplicates to the lowest index",
                   "[hostile]", float, double) {
  const std::vector<case_data<TestType>> cases = {
      {"60 distinct points", blobs<TestType>(60, 2, 3, 1.0, 2), 60},
      {"10 points 6 times each", duplicates<TestType>(10, 6, 2, 3), 60},
      {"60 identical points", identical<TestType>(60, 2, TestType(2.5)), 60}};
  for (const auto& data : cases) {
    for (const auto init : every_init) {
      INFO(data.name << ", init " << static_cast<int>(init));
      const auto r = fit_every_strategy(data.points, settings(data.k, init));
      REQUIRE(r.converged);
      REQUIRE(r.inertia == 0);
      for (Eigen::Index i = 0; i < data.points.rows(); ++i) {
        // Every centre that equals the point is at distance 0; ties go to the lowest index.
        int lowest = 0;
        while (lowest < data.k && r.centers.row(lowest) != data.points.row(i))
          ++lowest;
        REQUIRE(r.labels[i] == lowest);
      }
    }
  }
}

TEMPLATE_TEST_CASE("d = 10,000 with a few dozen points", "[hostile]", float, double) {
  const matrix<TestType> points = blobs<TestType>(36, 10000, 3, 1.0, 4);
  for (const int k : {3, 8}) {  // automatic runs naive for k = 3, hamerly for k = 8
    for (const auto init : {km::init_method::first_k, km::init_method::kmeans_plus_plus}) {
      INFO("k = " << k << ", init " << static_cast<int>(init));
      const auto r = fit_every_strategy(points, settings(k, init));
      REQUIRE(r.converged);
      require_centres_within_members(points, r);
    }
  }
}

TEMPLATE_TEST_CASE("all points identical: empty clusters keep their centres", "[hostile]", float,
                   double) {
  const matrix<TestType> points = identical<TestType>(40, 3, TestType(-7.25));
  for (const int k : {1, 2, 5, 40}) {
    for (const auto init : every_init) {
      INFO("k = " << k << ", init " << static_cast<int>(init));
      const auto r = fit_every_strategy(points, settings(k, init));
      REQUIRE(r.converged);
      REQUIRE(r.iterations == 2);
      REQUIRE(r.inertia == 0);
      REQUIRE((r.labels.array() == 0).all());
      for (int c = 0; c < k; ++c)
        REQUIRE(r.centers.row(c) == points.row(0));
    }
  }
}

TEMPLATE_TEST_CASE("two points far apart and the rest identical", "[hostile]", float, double) {
  matrix<TestType> points = identical<TestType>(100, 2, TestType(3));
  points.row(40) << TestType(1e6), TestType(3);
  points.row(70) << TestType(-1e6), TestType(-3);
  for (const int k : {1, 2, 3, 5}) {
    for (const auto init : every_init) {
      INFO("k = " << k << ", init " << static_cast<int>(init));
      const auto r = fit_every_strategy(points, settings(k, init));
      REQUIRE(r.converged);
      require_centres_within_members(points, r);
      if (k == 1) {
        // The means (98 * 3 + 1e6 - 1e6) / 100 and (98 * -3 + 3 - 3) / 100, correctly rounded.
        REQUIRE(r.centers(0, 0) == TestType(2.94));
        REQUIRE(r.centers(0, 1) == TestType(-2.94));
      }
      if (k >= 3) {
        // Wherever they start, the empty-cluster rule moves centres onto the far points.
        REQUIRE(r.inertia == 0);
        REQUIRE(r.labels[40] != r.labels[0]);
        REQUIRE(r.labels[70] != r.labels[0]);
        REQUIRE(r.labels[40] != r.labels[70]);
      }
    }
  }
}

TEMPLATE_TEST_CASE("subnormal values and signed zeros", "[hostile]", float, double) {
  using limits = std::numeric_limits<TestType>;
  const TestType tiny = limits::denorm_min();
  SECTION("a mix of subnormals, -0.0 and +0.0") {
    const TestType values[] = {TestType(-0.0),    TestType(0.0), tiny,
                               3 * tiny,          -tiny,         -5 * tiny,
                               limits::min() / 2, limits::min(), -limits::min() / 4};
    const Eigen::Index count = static_cast<Eigen::Index>(std::size(values));
    matrix<TestType> points(count * count, 2);
    for (Eigen::Index i = 0; i < points.rows(); ++i)
      points.row(i) << values[i / count], values[i % count];
    for (const int k : {1, 2, 4, 9}) {
      for (const auto init : every_init) {
        INFO("k = " << k << ", init " << static_cast<int>(init));
        require_centres_within_members(points, fit_every_strategy(points, settings(k, init)));
      }
    }
  }
  SECTION("zeros of both signs are one point") {
    matrix<TestType> zeros(30, 3);
    for (Eigen::Index i = 0; i < zeros.size(); ++i)
      zeros.data()[i] = i % 3 == 0 ? TestType(-0.0) : TestType(0.0);
    const auto r = fit_every_strategy(zeros, settings(3, km::init_method::first_k));
    REQUIRE(r.inertia == 0);
    REQUIRE((r.labels.array() == 0).all());
    REQUIRE((r.centers.array() == 0).all());
  }
  SECTION("the mean of subnormals is exact") {
    matrix<TestType> points(3, 1);
    points << tiny, 2 * tiny, 6 * tiny;
    const auto r = fit_every_strategy(points, settings(1, km::init_method::first_k));
    REQUIRE(r.centers(0, 0) == 3 * tiny);
  }
}

TEMPLATE_TEST_CASE("huge k relative to n", "[hostile]", float, double) {
  const matrix<TestType> points = blobs<TestType>(200, 3, 4, 1.0, 5);
  for (const int k : {100, 199, 200}) {
    for (const auto init : every_init) {
      INFO("k = " << k << ", init " << static_cast<int>(init));
      const auto r = fit_every_strategy(points, settings(k, init));
      require_centres_within_members(points, r);
      if (k == 200) REQUIRE(r.inertia == 0);
    }
  }
  // More clusters than distinct points: every distinct point ends up under a centre.
  const matrix<TestType> repeated = duplicates<TestType>(20, 15, 3, 6);
  for (const auto init : every_init) {
    INFO("300 points, 20 distinct, k = 100, init " << static_cast<int>(init));
    const auto r = fit_every_strategy(repeated, settings(100, init));
    REQUIRE(r.converged);
    REQUIRE(r.inertia == 0);
  }
}

TEMPLATE_TEST_CASE("strided views fit like a plain copy of their points", "[hostile]", float,
                   double) {
  using column_major = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic>;
  using strides = Eigen::Stride<Eigen::Dynamic, Eigen::Dynamic>;
  const matrix<TestType> points = blobs<TestType>(500, 5, 6, 1.5, 7);
  const Eigen::Index n = points.rows(), d = points.cols();

  column_major wide_columns = column_major::Zero(n + 20, d + 4);
  wide_columns.block(11, 3, n, d) = points;
  matrix<TestType> wide_rows = matrix<TestType>::Zero(n + 20, d + 4);
  wide_rows.block(11, 3, n, d) = points;
  // Every other row and every other column of a buffer: an inner and an outer stride.
  std::vector<TestType> sparse(static_cast<std::size_t>(4 * n * d), TestType(-1));
  const Eigen::Map<const matrix<TestType>, Eigen::Unaligned, strides> every_other(
      sparse.data(), n, d, strides(4 * d, 2));
  Eigen::Map<matrix<TestType>, Eigen::Unaligned, strides>(sparse.data(), n, d, strides(4 * d, 2)) =
      points;
  // Column-major with padding between the columns.
  std::vector<TestType> padded(static_cast<std::size_t>((n + 7) * d), TestType(9));
  Eigen::Map<column_major, Eigen::Unaligned, Eigen::OuterStride<>> padded_columns(
      padded.data(), n, d, Eigen::OuterStride<>(n + 7));
  padded_columns = points;
  // The transpose of d x n column-major storage: row-major rows, read in place.
  const column_major stored_transposed = points.transpose();

  for (const auto init : {km::init_method::first_k, km::init_method::kmeans_plus_plus}) {
    const km::options opts = settings(6, init);
    const auto check = [&](std::string_view name, auto strategy) {
      INFO("init " << static_cast<int>(init) << ", strategy " << name);
      const km::kmeans<decltype(strategy)> model(opts);
      const auto expected = model.fit(points);
      const auto require_same = [&](const char* form, const km::result<TestType>& actual) {
        INFO(form);
        REQUIRE((actual.labels.array() == expected.labels.array()).all());
        REQUIRE(std::memcmp(actual.centers.data(), expected.centers.data(),
                            sizeof(TestType) * static_cast<std::size_t>(expected.centers.size())) ==
                0);
        REQUIRE(same_bits(actual.inertia, expected.inertia));
        REQUIRE(actual.iterations == expected.iterations);
      };
      require_same("column-major block", model.fit(wide_columns.block(11, 3, n, d)));
      require_same("row-major block", model.fit(wide_rows.block(11, 3, n, d)));
      require_same("map with inner and outer strides", model.fit(every_other));
      require_same("column-major map with outer stride", model.fit(padded_columns));
      require_same("transposed column-major", model.fit(stored_transposed.transpose()));
    };
    check("naive", km::naive{});
    for_each_fast_strategy(check);
    // And the plain copy itself agrees across strategies.
    fit_every_strategy(points, opts);
  }
}

TEST_CASE("float centres are the mean of ten million points to half an ulp", "[hostile]") {
  // One cluster of n = 1e7 float points around (1000.5, -778): a float running sum drifts by
  // hundreds of ulps here. The update (update.hpp) sums the points exactly (exact_sum.hpp: these
  // values are multiples of 2^-14, which the first grid level holds without remainder), forms
  // c + (S - n c) / n in double from the previous centre c (two_product and rounded_sum give
  // S - n c within an ulp of double; the division and the addition round once each) and rounds to
  // float once. So the double before that last rounding is within 2^-53 (|mean| + 3 |c - mean|)
  // of the mean, and
  //   |centre - mean| <= ulp / 2 + 2^-50 |mean|,
  // ulp the float spacing at the mean, c being a member of the cluster (|c - mean| <= 2 here):
  // the correctly rounded mean, unless the mean lies within about 1e-13 (relative) of a midpoint
  // between two floats.
  constexpr Eigen::Index n = 10000000;
  matrix<float> points(n, 2);
  std::mt19937_64 engine(8);
  for (Eigen::Index i = 0; i < n; ++i) {
    const float u = static_cast<float>(engine() >> 40) * 0x1p-24f;  // uniform in [0, 1)
    const float v = static_cast<float>(engine() >> 40) * 0x1p-24f;
    points(i, 0) = 1000 + u;
    points(i, 1) = -777 - 2 * v;
  }

  km::options opts;
  opts.k = 1;
  opts.init = km::init_method::first_k;
  const auto r = km::kmeans<km::naive>(opts).fit(points);
  REQUIRE(r.converged);
  for (Eigen::Index j = 0; j < 2; ++j) {
    INFO("column " << j);
    // Multiples of 2^-14 below 2^34 in magnitude: long double's 64 bits add them exactly.
    long double sum = 0;
    float running = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      sum += points(i, j);
      running += points(i, j);
    }
    const long double mean = sum / n;
    const long double ulp = std::ldexp(1.0L, std::ilogb(mean) - 23);
    const long double error = std::abs(static_cast<long double>(r.centers(0, j)) - mean);
    INFO("mean " << static_cast<double>(mean) << ", centre " << r.centers(0, j) << ", error "
                 << static_cast<double>(error / ulp) << " ulp");
    REQUIRE(error <= ulp / 2 + 0x1p-50L * std::abs(mean));
    // The data are hostile: a float running sum is far off.
    CHECK(std::abs(running / n - mean) > 100 * ulp);
  }
}

TEMPLATE_TEST_CASE("columns of wildly different scales", "[hostile]", float, double) {
  // One column near the spread limit, one in the subnormal range, one ordinary.
  const bool is_float = std::is_same_v<TestType, float>;
  matrix<TestType> points = blobs<TestType>(400, 3, 5, 1.0, 9);
  points.col(0) *= is_float ? TestType(1e17) : TestType(1e150);
  points.col(1) *= is_float ? TestType(1e-40) : TestType(1e-310);
  for (const int k : {2, 5, 12}) {
    for (const auto init : every_init) {
      INFO("k = " << k << ", init " << static_cast<int>(init));
      require_centres_within_members(points, fit_every_strategy(points, settings(k, init)));
    }
  }
}
