// detail::bounding_box: the bounds the exact sums and the overflow checks take from it (diagonal,
// farthest corner, widest side, largest magnitude) on a box worked out by hand, and as bounds on
// the distances between the points it covers.
#include <algorithm>

#include <catch2/catch.hpp>

#include <km/detail/bounding_box.hpp>

#include "data.hpp"

using km::detail::bounding_box;

TEST_CASE("bounding_box's measures, worked out by hand", "[validate]") {
  Eigen::MatrixXd rows(2, 3);
  rows << 1, -2, 0,  //
      4, 3, -5;
  bounding_box box(3);
  box.extend(rows);
  CHECK(box.lo == Eigen::Vector3d(1, -2, -5));
  CHECK(box.hi == Eigen::Vector3d(4, 3, 0));
  CHECK(box.squared_diagonal() == 9 + 25 + 25);
  CHECK(box.widest() == 1);  // columns 1 and 2 tie at 5: the first
  CHECK(box.squared_to_farthest_corner(Eigen::Vector3d(0, 0, 0)) == 16 + 9 + 25);
  CHECK(box.squared_to_farthest_corner(Eigen::Vector3d(2.5, 0.5, -2.5)) == 2.25 + 6.25 + 6.25);
  CHECK(box.squared_to_farthest_corner(Eigen::Vector3d(10, -10, 1)) == 81 + 169 + 36);
  CHECK(box.largest_magnitude(0) == 4);
  CHECK(box.largest_magnitude(1) == 3);
  CHECK(box.largest_magnitude(2) == 5);
  CHECK(box.largest_magnitude() == 5);
}

TEST_CASE("bounding_box bounds the distances between the points it covers", "[validate]") {
  const Eigen::Index d = 3;
  const km_tests::matrix<double> points = km_tests::blobs<double>(60, d, 3, 2.0, 17);
  const km_tests::matrix<double> others = km_tests::blobs<double>(20, d, 2, 8.0, 18);
  bounding_box box(d);
  box.extend(points);
  const auto squared = [d](const auto& a, const auto& b) {
    double sum = 0;
    for (Eigen::Index j = 0; j < d; ++j)
      sum += (a[j] - b[j]) * (a[j] - b[j]);
    return sum;
  };
  double farthest_pair = 0;
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    for (Eigen::Index j = 0; j < points.rows(); ++j)
      farthest_pair = std::max(farthest_pair, squared(points.row(i), points.row(j)));
  }
  CHECK(farthest_pair <= box.squared_diagonal());
  // From points inside the box and outside it: no point is farther than the farthest corner,
  // and that corner is one of the box's.
  for (const km_tests::matrix<double>* from : {&points, &others}) {
    for (Eigen::Index z = 0; z < from->rows(); ++z) {
      const Eigen::RowVectorXd centre = from->row(z);
      const double bound = box.squared_to_farthest_corner(centre);
      double farthest_point = 0, farthest_corner = 0;
      for (Eigen::Index i = 0; i < points.rows(); ++i)
        farthest_point = std::max(farthest_point, squared(points.row(i), centre));
      for (int corner = 0; corner < (1 << d); ++corner) {
        Eigen::RowVectorXd v(d);
        for (Eigen::Index j = 0; j < d; ++j)
          v[j] = (corner >> j) & 1 ? box.hi[j] : box.lo[j];
        farthest_corner = std::max(farthest_corner, squared(v, centre));
      }
      CHECK(farthest_point <= bound);
      CHECK(farthest_corner == Approx(bound).epsilon(1e-12));
    }
  }
  CHECK(box.largest_magnitude() == points.cwiseAbs().maxCoeff());
}
