// Input checks, run before anything is computed or written.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "../invalid_input.hpp"
#include "../options.hpp"
#include "points.hpp"

namespace km::detail {

template <typename T>
std::string to_text(const T& value) {
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}

inline void check_options(const options& opts, Eigen::Index n) {
  if (opts.k < 1 || opts.k > n) {
    throw invalid_input("k = " + to_text(opts.k) +
                        " is out of range: it must be between 1 and the number of points (" +
                        to_text(n) + ")");
  }
  if (opts.max_iterations < 1) {
    throw invalid_input("max_iterations = " + to_text(opts.max_iterations) + " must be >= 1");
  }
  if (!(opts.tolerance >= 0) || !std::isfinite(opts.tolerance)) {
    throw invalid_input("tolerance = " + to_text(opts.tolerance) + " must be finite and >= 0");
  }
  if (opts.threads < 0) {
    throw invalid_input("threads = " + to_text(opts.threads) +
                        " must be >= 0 (0 = all hardware threads)");
  }
}

/// Per coordinate, the least and greatest value (kept in double).
struct bounding_box {
  Eigen::VectorXd lo;
  Eigen::VectorXd hi;

  explicit bounding_box(Eigen::Index d)
      : lo(Eigen::VectorXd::Constant(d, std::numeric_limits<double>::infinity())), hi(-lo) {}

  /// Grows the box to cover the rows.
  template <typename Scalar>
  void extend(const points_view<Scalar>& rows) {
    for (Eigen::Index i = 0; i < rows.rows(); ++i) {
      for (Eigen::Index j = 0; j < rows.cols(); ++j) {
        const double value = static_cast<double>(rows(i, j));
        lo[j] = std::min(lo[j], value);
        hi[j] = std::max(hi[j], value);
      }
    }
  }
};

template <typename Scalar>
void check_finite(const points_view<Scalar>& rows, const char* what) {
  for (Eigen::Index i = 0; i < rows.rows(); ++i) {
    for (Eigen::Index j = 0; j < rows.cols(); ++j) {
      if (!std::isfinite(rows(i, j))) {
        throw invalid_input(std::string(what) + ": row " + to_text(i) + ", column " + to_text(j) +
                            " is " + to_text(rows(i, j)) + ": every value must be finite");
      }
    }
  }
}

/// Rejects data so spread out that a squared distance, or a sum of n of them (inertia, k-means++
/// potential), could overflow. Centres always lie in the bounding box of the points and of the
/// given initial centres, so the box diagonal bounds every distance a fit computes. Returns that
/// box.
template <typename Scalar>
bounding_box check_range(const points_view<Scalar>& points,
                         const points_view<Scalar>* initial_centres) {
  const Eigen::Index d = points.cols();
  bounding_box box(d);
  box.extend(points);
  if (initial_centres != nullptr) box.extend(*initial_centres);
  const Eigen::VectorXd& lo = box.lo;
  const Eigen::VectorXd& hi = box.hi;
  double diagonal = 0;
  Eigen::Index widest = 0;
  for (Eigen::Index j = 0; j < d; ++j) {
    const double span = hi[j] - lo[j];
    diagonal += span * span;
    if (span > hi[widest] - lo[widest]) widest = j;
  }
  // Headroom of 16: the canonical form's partial sums and rounding may exceed the exact value.
  const double scalar_limit = static_cast<double>(std::numeric_limits<Scalar>::max()) / 16;
  const double sum_limit = std::numeric_limits<double>::max() / 16;
  if (!(diagonal <= scalar_limit) ||
      !(diagonal * static_cast<double>(points.rows()) <= sum_limit)) {
    throw invalid_input("values are too spread out: column " + to_text(widest) + " spans " +
                        to_text(hi[widest] - lo[widest]) +
                        ", so squared distances would overflow; rescale the data");
  }
  return box;
}

}  // namespace km::detail
