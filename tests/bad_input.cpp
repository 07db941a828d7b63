// Bad input is rejected with km::invalid_input naming the problem, before anything is written.
#include <limits>

#include <catch2/catch.hpp>

#include "data.hpp"

using namespace km_tests;
using Catch::Matchers::Contains;

namespace {

template <typename Scalar>
km::options with_k(int k) {
  km::options opts;
  opts.k = k;
  return opts;
}

}  // namespace

TEMPLATE_TEST_CASE("invalid options are rejected", "[bad_input]", float, double) {
  const matrix<TestType> points = blobs<TestType>(10, 2, 2, 1.0, 1);
  km::kmeans<km::kd_tree> zero(with_k<TestType>(0));
  CHECK_THROWS_WITH(zero.fit(points), Contains("k = 0") && Contains("number of points (10)"));
  km::kmeans<km::kd_tree> too_many(with_k<TestType>(11));
  CHECK_THROWS_WITH(too_many.fit(points), Contains("k = 11"));
  CHECK_THROWS_AS(km::kmeans<km::naive>(with_k<TestType>(-3)).fit(points), km::invalid_input);

  km::options opts = with_k<TestType>(2);
  opts.max_iterations = -1;
  CHECK_THROWS_WITH(km::kmeans<km::naive>(opts).fit(points), Contains("max_iterations = -1"));
  opts.max_iterations = 0;
  CHECK_THROWS_WITH(km::kmeans<km::naive>(opts).fit(points), Contains("max_iterations = 0"));
  opts.max_iterations = 10;
  opts.tolerance = -1e-3;
  CHECK_THROWS_WITH(km::kmeans<km::naive>(opts).fit(points), Contains("tolerance = -0.001"));
  opts.tolerance = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(km::kmeans<km::naive>(opts).fit(points), Contains("tolerance = nan"));
  opts.tolerance = 0;
  opts.threads = -2;
  CHECK_THROWS_WITH(km::kmeans<km::naive>(opts).fit(points), Contains("threads = -2"));
}

TEMPLATE_TEST_CASE("empty shapes are rejected", "[bad_input]", float, double) {
  const matrix<TestType> no_rows(0, 3);
  CHECK_THROWS_WITH(km::kmeans<km::vectorised>(with_k<TestType>(1)).fit(no_rows),
                    Contains("no points"));
  const matrix<TestType> no_columns(5, 0);
  CHECK_THROWS_WITH(km::kmeans<km::vectorised>(with_k<TestType>(1)).fit(no_columns),
                    Contains("zero columns"));
}

TEMPLATE_TEST_CASE("non-finite values are rejected with their row and column", "[bad_input]", float,
                   double) {
  for (const TestType bad :
       {std::numeric_limits<TestType>::quiet_NaN(), std::numeric_limits<TestType>::infinity(),
        -std::numeric_limits<TestType>::infinity()}) {
    matrix<TestType> points = blobs<TestType>(20, 3, 2, 1.0, 2);
    points(13, 2) = bad;
    CHECK_THROWS_WITH(km::kmeans<km::kd_tree>(with_k<TestType>(2)).fit(points),
                      Contains("points: row 13, column 2"));
  }
}

TEMPLATE_TEST_CASE("bad initial centres are rejected", "[bad_input]", float, double) {
  const matrix<TestType> points = blobs<TestType>(20, 3, 2, 1.0, 3);
  const km::kmeans<km::naive> model(with_k<TestType>(2));
  const matrix<TestType> wrong_rows = points.topRows(3);
  CHECK_THROWS_WITH(model.fit(points, wrong_rows), Contains("k x d = 2 x 3, got 3 x 3"));
  const matrix<TestType> wrong_columns = points.topLeftCorner(2, 2);
  CHECK_THROWS_WITH(model.fit(points, wrong_columns), Contains("got 2 x 2"));
  matrix<TestType> not_finite = points.topRows(2);
  not_finite(1, 0) = std::numeric_limits<TestType>::infinity();
  CHECK_THROWS_WITH(model.fit(points, not_finite), Contains("initial centres: row 1, column 0"));
}

TEMPLATE_TEST_CASE("values whose squared distances would overflow are rejected", "[bad_input]",
                   float, double) {
  const TestType huge = std::sqrt(std::numeric_limits<TestType>::max());
  matrix<TestType> points = blobs<TestType>(20, 2, 2, 1.0, 4);
  points(4, 1) = huge;
  points(5, 1) = -huge;
  CHECK_THROWS_WITH(km::kmeans<km::vectorised>(with_k<TestType>(2)).fit(points),
                    Contains("too spread out") && Contains("column 1"));
  // Initial centres far outside the data count too.
  const matrix<TestType> fine = blobs<TestType>(20, 2, 2, 1.0, 4);
  matrix<TestType> far = fine.topRows(2);
  far(0, 0) = huge;
  CHECK_THROWS_WITH(km::kmeans<km::vectorised>(with_k<TestType>(2)).fit(fine, far),
                    Contains("too spread out") && Contains("column 0"));
}

TEST_CASE("a rejected fit leaves the caller's objects untouched", "[bad_input]") {
  matrix<double> points = blobs<double>(20, 2, 2, 1.0, 5);
  points(3, 1) = std::numeric_limits<double>::quiet_NaN();
  const matrix<double> before = points;
  km::result<double> r;
  r.inertia = 42;
  CHECK_THROWS_AS(r = km::kmeans<km::kd_tree>(with_k<double>(2)).fit(points), km::invalid_input);
  CHECK(r.inertia == 42);
  CHECK(r.labels.size() == 0);
  CHECK(points.topRows(3) == before.topRows(3));
  // invalid_input is a std::invalid_argument, for callers that catch the standard type.
  CHECK_THROWS_AS(km::kmeans<km::kd_tree>(with_k<double>(2)).fit(points), std::invalid_argument);
}

TEST_CASE("elkan refuses bounds beyond its memory cap", "[bad_input]") {
  // 600,000 x 1,000 lower bounds would take 4.8 GB, over elkan's 4 GiB cap.
  const matrix<double> points = blobs<double>(600000, 1, 4, 1.0, 6);
  const matrix<double> initial = points.topRows(1000);
  CHECK_THROWS_WITH(km::kmeans<km::elkan>(with_k<double>(1000)).fit(points, initial),
                    Contains("elkan needs n x k = 600000 x 1000") && Contains("km::hamerly"));
}
