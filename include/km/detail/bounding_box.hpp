// The bounding box of a fit's points (and of any given initial centres), found by the input
// checks (validate.hpp). Centres always lie in it, so it bounds every distance and every value a
// fit computes: the exact sums size their grids from it, and the overflow checks test it.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>

namespace km::detail {

/// Per coordinate, the least and greatest value (kept in double).
struct bounding_box {
  Eigen::VectorXd lo;
  Eigen::VectorXd hi;

  explicit bounding_box(Eigen::Index d)
      : lo(Eigen::VectorXd::Constant(d, std::numeric_limits<double>::infinity())), hi(-lo) {}

  /// Grows the box to cover the rows.
  template <typename Rows>
  void extend(const Rows& rows) {
    for (Eigen::Index i = 0; i < rows.rows(); ++i) {
      for (Eigen::Index j = 0; j < rows.cols(); ++j) {
        const double value = static_cast<double>(rows(i, j));
        lo[j] = std::min(lo[j], value);
        hi[j] = std::max(hi[j], value);
      }
    }
  }

  /// The squared length of the diagonal: no two points of the box are farther apart.
  double squared_diagonal() const {
    double diagonal = 0;
    for (Eigen::Index j = 0; j < lo.size(); ++j)
      diagonal += (hi[j] - lo[j]) * (hi[j] - lo[j]);
    return diagonal;
  }

  /// The squared distance from `z` (d coordinates) to the corner of the box farthest from it: no
  /// point of the box is farther from z.
  template <typename Point>
  double squared_to_farthest_corner(const Point& z) const {
    double farthest = 0;
    for (Eigen::Index j = 0; j < lo.size(); ++j) {
      const double x = static_cast<double>(z[j]);
      const double reach = std::max(std::abs(hi[j] - x), std::abs(x - lo[j]));
      farthest += reach * reach;
    }
    return farthest;
  }

  /// The first of the coordinates along which the box is widest.
  Eigen::Index widest() const {
    Eigen::Index widest = 0;
    for (Eigen::Index j = 1; j < lo.size(); ++j) {
      if (hi[j] - lo[j] > hi[widest] - lo[widest]) widest = j;
    }
    return widest;
  }

  /// The largest magnitude of coordinate j in the box.
  double largest_magnitude(Eigen::Index j) const {
    return std::max(std::abs(lo[j]), std::abs(hi[j]));
  }

  /// The largest magnitude of any coordinate in the box.
  double largest_magnitude() const {
    double largest = 0;
    for (Eigen::Index j = 0; j < lo.size(); ++j)
      largest = std::max(largest, largest_magnitude(j));
    return largest;
  }
};

}  // namespace km::detail
