// km::mini_batch_kmeans: approximate, so these tests check what it does promise: reproducible
// bits, labels that are an exact assignment to its centres, sensible centres, clear errors.
#include "data.hpp"

using namespace km_tests;

namespace {

template <typename Scalar>
void require_identical(const km::result<Scalar>& a, const km::result<Scalar>& b) {
  REQUIRE(a.iterations == b.iterations);
  REQUIRE(a.converged == b.converged);
  REQUIRE((a.labels.array() == b.labels.array()).all());
  REQUIRE(a.centers == b.centers);
  REQUIRE(same_bits(a.inertia, b.inertia));
}

}  // namespace

TEMPLATE_TEST_CASE("mini-batch: same seed, same bits, on every thread count", "[mini_batch]", float,
                   double) {
  using Scalar = TestType;
  const matrix<Scalar> points = blobs<Scalar>(30000, 6, 12, 2.0, 51);
  km::mini_batch_options opts;
  opts.k = 12;
  opts.batch_size = 500;
  opts.seed = 9;
  const auto one = km::mini_batch_kmeans(opts).fit(points);
  for (const int threads : {1, 2, 3, 8}) {
    km::mini_batch_options threaded = opts;
    threaded.threads = threads;
    require_identical(km::mini_batch_kmeans(threaded).fit(points), one);
  }
  opts.seed = 10;
  REQUIRE(km::mini_batch_kmeans(opts).fit(points).centers != one.centers);
}

TEMPLATE_TEST_CASE("mini-batch labels are the exact assignment to its centres", "[mini_batch]",
                   float, double) {
  using Scalar = TestType;
  const matrix<Scalar> points = blobs<Scalar>(8000, 3, 7, 3.0, 52);
  km::mini_batch_options opts;
  opts.k = 9;
  opts.batch_size = 256;
  const auto fit = km::mini_batch_kmeans(opts).fit(points);
  km::options exact;
  exact.k = 9;
  REQUIRE((km::kmeans<km::naive>(exact).predict(points, fit.centers).array() == fit.labels.array())
              .all());
  // And the inertia is that assignment's.
  double inertia = 0;
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    inertia += static_cast<double>((points.row(i) - fit.centers.row(fit.labels[i])).squaredNorm());
  REQUIRE(static_cast<double>(fit.inertia) == Approx(inertia).epsilon(1e-4));
}

TEST_CASE("mini-batch finds well separated blobs as Lloyd does", "[mini_batch]") {
  const auto data = km::make_blobs<double>(50000, 5, 8, 0.5, 53);
  km::options exact_opts;
  exact_opts.k = 8;
  const auto exact = km::kmeans<>(exact_opts).fit(data.points, data.centres);
  km::mini_batch_options opts;
  opts.k = 8;
  opts.batch_size = 1024;
  const auto approximate = km::mini_batch_kmeans(opts).fit(data.points, data.centres);
  REQUIRE((approximate.labels.array() == exact.labels.array()).all());
  REQUIRE(approximate.inertia <= 1.01 * exact.inertia);
  REQUIRE(((approximate.centers - exact.centers).rowwise().norm().array() < 0.05).all());
  // From its own k-means++ start too: every blob ends in one cluster of its own.
  const auto seeded = km::mini_batch_kmeans(opts).fit(data.points);
  REQUIRE(seeded.inertia <= 1.01 * exact.inertia);
}

TEST_CASE("mini-batch stops early, or runs max_steps without a stopping rule", "[mini_batch]") {
  const matrix<double> points = blobs<double>(20000, 2, 4, 0.5, 54);
  km::mini_batch_options opts;
  opts.k = 4;
  opts.batch_size = 200;
  opts.max_steps = 5000;
  const auto early = km::mini_batch_kmeans(opts).fit(points);
  REQUIRE(early.converged);
  REQUIRE(early.iterations < opts.max_steps);

  opts.max_no_improvement = 0;
  opts.max_steps = 300;
  const auto capped = km::mini_batch_kmeans(opts).fit(points);
  REQUIRE(!capped.converged);
  REQUIRE(capped.iterations == 300);

  opts.tolerance = 1e-3;
  const auto settled = km::mini_batch_kmeans(opts).fit(points);
  REQUIRE(settled.converged);
  REQUIRE(settled.iterations < 300);
}

TEST_CASE("mini-batch on_step: one report per step, and false ends the fit there", "[mini_batch]") {
  const matrix<double> points = blobs<double>(20000, 3, 6, 1.0, 57);
  km::mini_batch_options opts;
  opts.k = 6;
  opts.batch_size = 200;
  opts.max_steps = 2000;
  opts.max_no_improvement = 0;  // only the tolerance stops it
  opts.tolerance = 1e-6;
  const auto plain = km::mini_batch_kmeans(opts).fit(points);
  REQUIRE(plain.converged);
  REQUIRE(plain.iterations > 20);

  SECTION("a callback that goes on changes nothing and sees every step") {
    std::vector<km::mini_batch_report> reports;
    opts.on_step = [&reports](const km::mini_batch_report& report) {
      reports.push_back(report);
      return true;
    };
    require_identical(km::mini_batch_kmeans(opts).fit(points), plain);
    REQUIRE(reports.size() == static_cast<std::size_t>(plain.iterations));
    for (std::size_t i = 0; i < reports.size(); ++i) {
      REQUIRE(reports[i].step == static_cast<int>(i) + 1);
      REQUIRE(reports[i].batch_inertia > 0);
      REQUIRE(reports[i].smoothed_inertia > 0);
    }
    CHECK(reports.front().smoothed_inertia == reports.front().batch_inertia);
    // The tolerance rule ended the fit: the last shift is within it, the one before is not.
    CHECK(reports.back().centre_shift <= opts.tolerance);
    CHECK(reports[reports.size() - 2].centre_shift > opts.tolerance);
  }
  SECTION("false after step 7: the fit of max_steps = 7, labels of its centres") {
    opts.on_step = [](const km::mini_batch_report& report) { return report.step < 7; };
    const auto stopped = km::mini_batch_kmeans(opts).fit(points);
    REQUIRE(stopped.iterations == 7);
    REQUIRE_FALSE(stopped.converged);
    km::mini_batch_options capped = opts;
    capped.on_step = {};
    capped.max_steps = 7;
    require_identical(stopped, km::mini_batch_kmeans(capped).fit(points));
    km::options exact;
    exact.k = 6;
    REQUIRE((km::kmeans<km::naive>(exact).predict(points, stopped.centers).array() ==
             stopped.labels.array())
                .all());
  }
  SECTION("false on the step a stopping rule ends: still converged") {
    const int last = plain.iterations;
    opts.on_step = [last](const km::mini_batch_report& report) { return report.step < last; };
    require_identical(km::mini_batch_kmeans(opts).fit(points), plain);
  }
}

TEMPLATE_TEST_CASE("mini-batch weights: scaling by 2 changes nothing; weight 0 pulls nothing",
                   "[mini_batch][weights]", float, double) {
  using Scalar = TestType;
  const matrix<Scalar> base = blobs<Scalar>(6000, 3, 5, 1.0, 55);
  matrix<Scalar> points(base.rows() + 60, 3);
  points << base, matrix<Scalar>::Constant(60, 3, Scalar(5000));
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> w(points.rows());
  for (Eigen::Index i = 0; i < w.size(); ++i)
    w[i] = i < base.rows() ? static_cast<Scalar>(1 + i % 3) : Scalar(0);
  km::mini_batch_options opts;
  opts.k = 5;
  opts.batch_size = 300;
  const auto fit = km::mini_batch_kmeans(opts).fit(points, km::weights(w));
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> doubled = w * Scalar(2);
  const auto scaled = km::mini_batch_kmeans(opts).fit(points, km::weights(doubled));
  REQUIRE(scaled.iterations == fit.iterations);
  REQUIRE(scaled.centers == fit.centers);
  REQUIRE(same_bits(scaled.inertia, static_cast<Scalar>(fit.inertia * 2)));
  // The outliers weigh nothing: no centre goes anywhere near them.
  REQUIRE((fit.centers.array() < Scalar(100)).all());
}

TEST_CASE("mini-batch rejects bad options and input clearly", "[mini_batch][bad_input]") {
  const matrix<double> points = blobs<double>(100, 2, 2, 1.0, 56);
  const auto rejects = [&](km::mini_batch_options opts, const std::string& message) {
    require_invalid_input([&] { return km::mini_batch_kmeans(opts).fit(points); }, message);
  };
  km::mini_batch_options opts;
  opts.k = 3;
  km::mini_batch_options bad = opts;
  bad.batch_size = 0;
  rejects(bad, "batch_size = 0 must be >= 1");
  bad = opts;
  bad.max_steps = 0;
  rejects(bad, "max_steps = 0 must be >= 1");
  bad = opts;
  bad.max_no_improvement = -1;
  rejects(bad, "max_no_improvement = -1");
  bad = opts;
  bad.init_size = -5;
  rejects(bad, "init_size = -5");
  bad = opts;
  bad.k = 101;
  rejects(bad, "k = 101 is out of range");
  bad = opts;
  bad.tolerance = -1;
  rejects(bad, "tolerance = -1");
  matrix<double> nan_points = points;
  nan_points(42, 1) = std::nan("");
  require_invalid_input([&] { return km::mini_batch_kmeans(opts).fit(nan_points); },
                        "points: row 42, column 1 is nan");
  require_invalid_input([&] { return km::mini_batch_kmeans(opts).fit(points, points.topRows(2)); },
                        "initial centres must be k x d = 3 x 2, got 2 x 2");
  // A batch larger than the data, and k = n, still work.
  km::mini_batch_options large = opts;
  large.batch_size = 1000;
  large.k = 100;
  REQUIRE(km::mini_batch_kmeans(large).fit(points).labels.size() == 100);
}

TEMPLATE_TEST_CASE("a vectorised assigner over refilled points labels them as a new one would",
                   "[mini_batch]", float, double) {
  // Mini-batch steps refill one buffer and call points_changed(): kept tiles, norms and the
  // choice of screen must follow the new values. The fills alternate short and long rows' data
  // far from and near the origin, so that each refill changes what the screens may use.
  using Scalar = TestType;
  for (const Eigen::Index d : {6, 80}) {
    INFO("d = " << d);
    const matrix<Scalar> near = blobs<Scalar>(700, d, 5, 1.0, 61);
    const matrix<Scalar> far = (blobs<Scalar>(700, d, 5, 1.0, 62).array() + Scalar(1e4)).matrix();
    matrix<Scalar> buffer = near;
    km::detail::thread_team team(2);
    const km::detail::points_view<Scalar> view = km::detail::view_of_rows(buffer);
    km::vectorised::assigner<Scalar> reused(view, team);
    for (const matrix<Scalar>* fill : {&near, &far, &near, &far}) {
      buffer = *fill;  // same size: the view still sees the buffer
      reused.points_changed();
      const matrix<Scalar> centres = fill->topRows(5);
      Eigen::VectorXi labels = Eigen::VectorXi::Constant(buffer.rows(), -1);
      Eigen::VectorXi expected = labels;
      reused(centres, labels);
      reused(centres, labels);  // a second pass reads what the first kept
      km::vectorised::assigner<Scalar> fresh(view, team);
      fresh(centres, expected);
      REQUIRE((labels.array() == expected.array()).all());
      km::naive::assigner<Scalar> reference(view, team);
      Eigen::VectorXi exact = Eigen::VectorXi::Constant(buffer.rows(), -1);
      reference(centres, exact);
      REQUIRE((labels.array() == exact.array()).all());
    }
  }
}
