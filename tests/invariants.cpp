// Properties every fit must have, whatever the strategy.
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include "data.hpp"

using namespace km_tests;

namespace {

template <typename Strategy, typename Scalar>
km::result<Scalar> fit_traced(const matrix<Scalar>& points, const km::options& opts,
                              std::vector<trace_entry>& trace) {
  return traced_fit<Strategy, Scalar>(points, opts, nullptr, trace);
}

/// Checks the invariants of a converged fit: labels in range and nearest, centres the means of
/// their points (computed here independently in long double), inertia their summed distance.
template <typename Scalar>
void check_converged_fit(const matrix<Scalar>& points, const km::result<Scalar>& r, int k) {
  const Eigen::Index n = points.rows();
  const Eigen::Index d = points.cols();
  REQUIRE(r.labels.size() == n);
  REQUIRE(r.centers.rows() == k);
  REQUIRE(r.centers.cols() == d);
  REQUIRE(r.labels.minCoeff() >= 0);
  REQUIRE(r.labels.maxCoeff() < k);

  const long double eps = std::numeric_limits<Scalar>::epsilon();
  // Squared distances below the smallest normal Scalar lose their relative precision.
  const long double floor =
      4.0L * static_cast<long double>(d + 2) * std::numeric_limits<Scalar>::min();
  Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic> sums =
      Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>::Zero(k, d);
  std::vector<long> counts(static_cast<std::size_t>(k));
  long double inertia = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int label = r.labels[i];
    ++counts[static_cast<std::size_t>(label)];
    sums.row(label) += points.row(i).template cast<long double>();
    const auto own = (points.row(i) - r.centers.row(label)).template cast<long double>();
    inertia += own.squaredNorm();
    for (int c = 0; c < k; ++c) {
      const auto other = (points.row(i) - r.centers.row(c)).template cast<long double>();
      // Nearest up to the rounding of the canonical distance.
      REQUIRE(own.squaredNorm() <= other.squaredNorm() * (1 + 4 * (d + 2) * eps) + floor);
    }
  }
  for (int c = 0; c < k; ++c) {
    if (counts[static_cast<std::size_t>(c)] == 0) continue;
    for (Eigen::Index j = 0; j < d; ++j) {
      const long double mean = sums(c, j) / counts[static_cast<std::size_t>(c)];
      const long double scale = std::abs(mean) + 1;
      REQUIRE(std::abs(static_cast<long double>(r.centers(c, j)) - mean) <= 2 * eps * scale);
    }
  }
  REQUIRE(std::abs(static_cast<long double>(r.inertia) - inertia) <=
          4 * (d + 2) * eps * inertia + static_cast<long double>(n) * floor);
}

}  // namespace

TEMPLATE_TEST_CASE("the seed text's example runs and converges with every strategy", "[invariants]",
                   float, double) {
  const matrix<TestType> points = blobs<TestType>(1000, 2, 3, 0.6, 1);
  km::options opts;
  opts.k = 10;
  opts.seed = 1;
  std::vector<trace_entry> trace;
  const auto naive = fit_traced<km::naive>(points, opts, trace);
  CHECK(naive.converged);
  check_converged_fit(points, naive, 10);
  CHECK(km::kmeans<km::vectorised>(opts).fit(points).converged);
  CHECK(km::kmeans<km::kd_tree>(opts).fit(points).converged);
}

TEMPLATE_TEST_CASE("inertia never rises and the reports add up", "[invariants]", float, double) {
  const TestType slack = std::is_same_v<TestType, float> ? TestType(1e-5) : TestType(1e-12);
  for (const auto& data : adversarial_cases<TestType>()) {
    INFO(data.name);
    km::options opts;
    opts.k = data.k;
    opts.seed = 3;
    std::vector<trace_entry> trace;
    const auto r = fit_traced<km::kd_tree>(data.points, opts, trace);
    REQUIRE(static_cast<int>(trace.size()) == r.iterations);
    CHECK(trace.front().labels_changed == data.points.rows());
    for (std::size_t i = 0; i < trace.size(); ++i) {
      CHECK(trace[i].iteration == static_cast<int>(i) + 1);
      CHECK(trace[i].last == (i + 1 == trace.size()));
      if (i > 0) CHECK(trace[i].inertia <= trace[i - 1].inertia * (1 + slack));
    }
    CHECK(trace.back().centre_shift == 0);
    CHECK(static_cast<double>(r.inertia) == Approx(trace.back().inertia));
    if (r.converged) {
      CHECK(trace.back().labels_changed == 0);
      check_converged_fit(data.points, r, data.k);
    }
  }
}

TEMPLATE_TEST_CASE("empty clusters are refilled from the farthest points", "[invariants]", float,
                   double) {
  const emptying_case<TestType> data;
  const matrix<TestType>& points = data.points;
  km::options opts;
  opts.k = 5;
  const auto r = km::kmeans<km::vectorised>(opts).fit(points, data.initial);
  REQUIRE(r.converged);
  for (int c = 0; c < 5; ++c)
    CHECK((r.labels.array() == c).count() > 0);
  CHECK(r.centers.allFinite());
  check_converged_fit(points, r, 5);
}

TEMPLATE_TEST_CASE("stopping rules", "[invariants]", float, double) {
  const matrix<TestType> points = blobs<TestType>(4000, 3, 20, 3.0, 23);
  km::options opts;
  opts.k = 20;
  opts.seed = 2;
  const auto full = km::kmeans<km::kd_tree>(opts).fit(points);
  REQUIRE(full.converged);
  REQUIRE(full.iterations > 4);

  SECTION("max_iterations caps the passes") {
    opts.max_iterations = 3;
    const auto capped = km::kmeans<km::kd_tree>(opts).fit(points);
    CHECK(capped.iterations == 3);
    CHECK_FALSE(capped.converged);
    CHECK(capped.inertia >= full.inertia);
  }
  SECTION("a tolerance stops once the centres barely move, after one last pass") {
    opts.tolerance = 1e6;
    const auto loose = km::kmeans<km::kd_tree>(opts).fit(points);
    CHECK(loose.converged);
    CHECK(loose.iterations == 2);
  }
  SECTION("the callback stops the fit, and the labels still match the centres") {
    opts.on_iteration = [](const km::iteration_report& report) { return report.iteration < 2; };
    const auto stopped = km::kmeans<km::kd_tree>(opts).fit(points);
    CHECK(stopped.iterations == 3);
    CHECK_FALSE(stopped.converged);
    km::options again;
    again.k = 20;
    again.max_iterations = 1;
    const auto relabelled = km::kmeans<km::naive>(again).fit(points, stopped.centers);
    CHECK((relabelled.labels.array() == stopped.labels.array()).all());
  }
  SECTION("report_inertia = false leaves the inertia out of the reports but the last") {
    std::vector<double> reported;
    opts.on_iteration = [&reported](const km::iteration_report& report) {
      reported.push_back(report.inertia);
      return true;
    };
    const auto with_inertia = km::kmeans<km::kd_tree>(opts).fit(points);
    const std::vector<double> full_reports = reported;
    reported.clear();
    opts.report_inertia = false;
    const auto without = km::kmeans<km::kd_tree>(opts).fit(points);
    REQUIRE(reported.size() == full_reports.size());
    REQUIRE(reported.size() >= 3);
    CHECK(reported.front() == 0);
    CHECK(full_reports.front() > 0);
    CHECK(reported.back() == full_reports.back());
    CHECK(without.inertia == with_inertia.inertia);
    CHECK((without.centers.array() == with_inertia.centers.array()).all());
  }
}

TEST_CASE("distance counts show what each strategy pruned", "[invariants]") {
  const matrix<double> points = blobs<double>(5000, 2, 16, 0.5, 24);
  km::options opts;
  opts.k = 16;
  const auto naive = km::kmeans<km::naive>(opts).fit(points);
  CHECK(naive.distance_computations == static_cast<std::uint64_t>(points.rows()) * 16 *
                                           static_cast<std::uint64_t>(naive.iterations));
  const auto vectorised = km::kmeans<km::vectorised>(opts).fit(points);
  CHECK(vectorised.distance_computations >= naive.distance_computations);
  const auto tree = km::kmeans<km::kd_tree>(opts).fit(points);
  CHECK(tree.distance_computations < naive.distance_computations / 4);
}

TEMPLATE_TEST_CASE("exponion and yinyang search few centres where hamerly scores all",
                   "[invariants]", km::exponion, km::yinyang) {
  // Many compact clusters: a point whose bounds fail has few centres, and few groups of them,
  // within reach.
  const matrix<double> points = blobs<double>(20000, 4, 64, 0.3, 31);
  km::options opts;
  opts.k = 64;
  opts.init = km::init_method::random;
  const auto hamerly = km::kmeans<km::hamerly>(opts).fit(points);
  const auto searched = km::kmeans<TestType>(opts).fit(points);
  REQUIRE(searched.labels == hamerly.labels);
  REQUIRE(searched.iterations >= 5);
  CHECK(searched.distance_computations < hamerly.distance_computations / 2);
}

TEST_CASE("exponion past its rings' memory cap searches as hamerly does", "[invariants]") {
  const matrix<double> points = blobs<double>(6000, 3, 2100, 0.2, 32);
  km::options opts;
  opts.k = 2100;
  opts.init = km::init_method::first_k;
  opts.max_iterations = 4;
  const auto hamerly = km::kmeans<km::hamerly>(opts).fit(points);
  const auto exponion = km::kmeans<km::exponion>(opts).fit(points);
  REQUIRE(exponion.labels == hamerly.labels);
  CHECK(exponion.distance_computations == hamerly.distance_computations);
}
