// predict and transform: new points against fitted centres, by the same exact rule as a fit.
#include <cmath>

#include "data.hpp"

using namespace km_tests;

TEMPLATE_TEST_CASE("predict on the training points returns the fit's labels", "[predict]", float,
                   double) {
  using Scalar = TestType;
  for (const auto& c : adversarial_cases<Scalar>()) {
    INFO(c.name);
    km::options opts;
    opts.k = c.k;
    const auto fit = km::kmeans<km::naive>(opts).fit(c.points);
    REQUIRE(
        (km::kmeans<km::naive>(opts).predict(c.points, fit.centers).array() == fit.labels.array())
            .all());
    for_each_fast_strategy([&](std::string_view name, auto strategy) {
      INFO(name);
      for (const int threads : {1, 3}) {
        km::options threaded = opts;
        threaded.threads = threads;
        const km::kmeans<decltype(strategy)> model(threaded);
        REQUIRE((model.predict(c.points, fit.centers).array() == fit.labels.array()).all());
      }
    });
  }
}

TEMPLATE_TEST_CASE("predict on new points: every strategy equals naive", "[predict]", float,
                   double) {
  using Scalar = TestType;
  const matrix<Scalar> training = blobs<Scalar>(3000, 6, 8, 1.5, 44);
  const matrix<Scalar> fresh = blobs<Scalar>(5000, 6, 8, 2.5, 45);
  km::options opts;
  opts.k = 12;
  const auto fit = km::kmeans<>(opts).fit(training);
  const Eigen::VectorXi expected = km::kmeans<km::naive>(opts).predict(fresh, fit.centers);
  // The canonical rule, written out: nearest by the canonical distance, ties to the lower index.
  for (Eigen::Index i = 0; i < fresh.rows(); ++i) {
    Scalar best = std::numeric_limits<Scalar>::infinity();
    int label = -1;
    for (int c = 0; c < opts.k; ++c) {
      const Scalar distance =
          km::detail::squared_distance(fresh.row(i).data(), fit.centers.row(c).data(), 6);
      if (distance < best) {
        best = distance;
        label = c;
      }
    }
    REQUIRE(expected[i] == label);
  }
  for_each_fast_strategy([&](std::string_view name, auto strategy) {
    INFO(name);
    REQUIRE((km::kmeans<decltype(strategy)>(opts).predict(fresh, fit.centers).array() ==
             expected.array())
                .all());
  });
  // Any Eigen expression for either argument.
  const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic> column_major = fresh;
  REQUIRE((km::kmeans<>(opts).predict(column_major.topRows(100), fit.centers).array() ==
           expected.head(100).array())
              .all());
}

TEMPLATE_TEST_CASE("transform gives the distance to every centre", "[transform]", float, double) {
  using Scalar = TestType;
  const matrix<Scalar> points = blobs<Scalar>(700, 5, 4, 1.0, 46);
  km::options opts;
  opts.k = 4;
  const km::kmeans<> model(opts);
  const auto fit = model.fit(points);
  for (const int threads : {1, 2}) {
    km::options threaded = opts;
    threaded.threads = threads;
    const matrix<Scalar> distances = km::kmeans<>(threaded).transform(points, fit.centers);
    REQUIRE(distances.rows() == points.rows());
    REQUIRE(distances.cols() == 4);
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
      for (Eigen::Index c = 0; c < 4; ++c) {
        const Scalar expected = (points.row(i) - fit.centers.row(c)).norm();
        REQUIRE(distances(i, c) ==
                Approx(expected).epsilon(std::is_same_v<Scalar, float> ? 1e-5 : 1e-13));
      }
      // The nearest by transform is the label, ties to the lower index (minCoeff's first).
      Eigen::Index nearest = 0;
      distances.row(i).minCoeff(&nearest);
      REQUIRE(nearest == fit.labels[i]);
    }
  }
}

TEST_CASE("predict and transform reject bad centres and points", "[predict][bad_input]") {
  const matrix<double> points = blobs<double>(50, 3, 2, 1.0, 47);
  const km::kmeans<> model;
  const matrix<double> centres = points.topRows(2);
  const auto rejects = [](const auto& call, const std::string& message) {
    require_invalid_input(call, message);
  };
  rejects([&] { return model.predict(points, centres.leftCols(2)); },
          "the points have 3 columns but the centres 2");
  rejects([&] { return model.transform(points, centres.topRows(0)); },
          "no centres: the centres have 0 rows");
  matrix<double> bad = centres;
  bad(1, 2) = std::nan("");
  rejects([&] { return model.predict(points, bad); }, "centres: row 1, column 2 is nan");
  matrix<double> bad_points = points;
  bad_points(7, 0) = -std::numeric_limits<double>::infinity();
  rejects([&] { return model.transform(bad_points, centres); }, "points: row 7, column 0 is -inf");
  matrix<double> far = centres;
  far(0, 0) = 1e300;
  rejects([&] { return model.predict(points, far); }, "squared distances would overflow");
  km::options negative;
  negative.threads = -1;
  rejects([&] { return km::kmeans<>(negative).predict(points, centres); }, "threads = -1");

  // No points: nothing to label, nothing to measure.
  REQUIRE(model.predict(points.topRows(0), centres).size() == 0);
  const matrix<double> none = model.transform(points.topRows(0), centres);
  REQUIRE(none.rows() == 0);
  REQUIRE(none.cols() == 2);
}
