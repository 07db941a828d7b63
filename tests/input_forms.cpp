// Every form of input gives the same result as a plain row-major matrix.
#include <catch2/catch.hpp>

#include "data.hpp"

using namespace km_tests;

namespace {

template <typename Scalar>
void require_same(const km::result<Scalar>& a, const km::result<Scalar>& b) {
  REQUIRE((a.labels.array() == b.labels.array()).all());
  REQUIRE(a.centers == b.centers);
  REQUIRE(same_bits(a.inertia, b.inertia));
  REQUIRE(a.iterations == b.iterations);
}

}  // namespace

TEMPLATE_TEST_CASE("column-major, blocks, maps and expressions fit like row-major", "[input]",
                   float, double) {
  using column_major = Eigen::Matrix<TestType, Eigen::Dynamic, Eigen::Dynamic>;
  const matrix<TestType> points = blobs<TestType>(400, 5, 4, 1.5, 7);
  km::options opts;
  opts.k = 4;
  opts.seed = 9;
  const km::kmeans<km::kd_tree> model(opts);
  const auto reference = model.fit(points);

  const column_major as_columns = points;
  require_same(model.fit(as_columns), reference);

  // A block of a larger matrix, row- and column-major.
  matrix<TestType> wider = matrix<TestType>::Zero(410, 9);
  wider.block(10, 2, 400, 5) = points;
  require_same(model.fit(wider.block(10, 2, 400, 5)), reference);
  column_major wider_columns = wider;
  require_same(model.fit(wider_columns.block(10, 2, 400, 5)), reference);

  // A map over caller-owned memory, and an expression that must be evaluated.
  const Eigen::Map<const matrix<TestType>> mapped(points.data(), points.rows(), points.cols());
  require_same(model.fit(mapped), reference);
  require_same(model.fit(points * TestType(1)), reference);

  // Given centres in column-major form.
  const column_major initial = reference.centers;
  require_same(model.fit(points, initial), model.fit(points, reference.centers));
}

TEST_CASE("float and double inputs both work and agree on easy data", "[input]") {
  const auto data = km::make_blobs<double>(600, 3, 3, 0.3, 8);
  km::options opts;
  opts.k = 3;
  opts.init = km::init_method::first_k;  // one point of each blob, whatever the precision
  const auto in_double = km::kmeans<km::vectorised>(opts).fit(data.points);
  const km::result<float> in_float =
      km::kmeans<km::vectorised>(opts).fit(data.points.cast<float>());
  CHECK((in_double.labels.array() == in_float.labels.array()).all());
  CHECK(in_float.centers.cast<double>().isApprox(in_double.centers, 1e-5));
}
