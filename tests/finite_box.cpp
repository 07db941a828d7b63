// detail::finite_box, the input checks' one pass: the bounding box it returns is the plain min and
// max of every column, and the first NaN or infinity in row order is the one named, for every
// width (the short rows' lanes and the long rows' arrays), every place a value can fall in a
// step of rows, rows in place or a block of a wider matrix, and any thread count.
#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include <km/detail/validate.hpp>

#include "data.hpp"

using namespace km_tests;
using Catch::Matchers::Contains;

namespace {

/// The rows `wide` holds in its first d columns, as the fit would view them (rows further apart
/// than d when d < wide.cols()).
template <typename Scalar>
km::detail::points_view<Scalar> first_columns(const matrix<Scalar>& wide, Eigen::Index d) {
  return km::detail::points_view<Scalar>(wide.data(), wide.rows(), d,
                                         Eigen::OuterStride<>(wide.cols()));
}

}  // namespace

TEMPLATE_TEST_CASE("finite_box is the box of the rows, for every width and layout", "[validate]",
                   float, double) {
  for (const int threads : {1, 2, 3}) {
    km::detail::thread_team team(threads);
    // 8200 rows: two chunks of the team's work, the second not a whole step of rows.
    for (const Eigen::Index n : {1, 7, 8, 9, 23, 8200}) {
      for (Eigen::Index d = 1; d <= 9; ++d) {
        for (const Eigen::Index extra : {0, 3}) {
          const matrix<TestType> wide = blobs<TestType>(n, d + extra, 3, 2.0, 40 + d);
          const auto rows = first_columns(wide, d);
          const km::detail::bounding_box box = km::detail::finite_box(rows, "points", team);
          INFO("n = " << n << ", d = " << d << ", row stride " << d + extra << ", threads "
                      << threads);
          for (Eigen::Index j = 0; j < d; ++j) {
            REQUIRE(box.lo[j] == static_cast<double>(rows.col(j).minCoeff()));
            REQUIRE(box.hi[j] == static_cast<double>(rows.col(j).maxCoeff()));
          }
        }
      }
    }
  }
}

TEMPLATE_TEST_CASE("finite_box names the first non-finite value in row order", "[validate]", float,
                   double) {
  const TestType infinity = std::numeric_limits<TestType>::infinity();
  for (const int threads : {1, 2}) {
    km::detail::thread_team team(threads);
    for (Eigen::Index d = 1; d <= 9; ++d) {
      for (const Eigen::Index extra : {0, 2}) {
        // Rows 13 (in a step of 8 rows) and 8195 (left over after the last step of its chunk),
        // each in its last column; a later one in row 8197 must not be the one named.
        for (const Eigen::Index bad_row : {13, 8195}) {
          matrix<TestType> wide = blobs<TestType>(8200, d + extra, 2, 1.0, 7);
          wide(bad_row, d - 1) = std::numeric_limits<TestType>::quiet_NaN();
          wide(8197, 0) = -infinity;
          if (extra > 0) wide(bad_row - 1, d) = infinity;  // outside the view: not seen
          const std::string named =
              "points: row " + std::to_string(bad_row) + ", column " + std::to_string(d - 1);
          INFO("d = " << d << ", row stride " << d + extra << ", threads " << threads);
          CHECK_THROWS_WITH(km::detail::finite_box(first_columns(wide, d), "points", team),
                            Contains(named));
        }
      }
    }
  }
}
