// Sample weights inside a fit: a pointer that is null when every point weighs 1, so the
// unweighted fit pays nothing for the feature, and the checks that run before anything else.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "../invalid_input.hpp"
#include "../weights.hpp"
#include "validate.hpp"

namespace km::detail {

template <typename Scalar>
struct point_weights {
  const Scalar* values = nullptr;  ///< n weights, or null: every point weighs 1
  double largest = 1;              ///< the greatest weight

  bool given() const noexcept { return values != nullptr; }
  double operator[](Eigen::Index i) const {
    return values == nullptr ? 1.0 : static_cast<double>(values[i]);
  }
};

/// Rejects weights of the wrong size, a negative, NaN or infinite weight (the first, by index),
/// fewer points of positive weight than k (k-means++ and random draw only those), and weights so
/// large that a weighted sum could overflow; `box` bounds the points and any initial centres.
template <typename Scalar>
point_weights<Scalar> check_weights(const sample_weights<Scalar>& weights, Eigen::Index n, int k,
                                    const bounding_box& box) {
  if (weights.size() != n) {
    throw invalid_input("weights: " + to_text(weights.size()) + " entries for " + to_text(n) +
                        " points; give one weight per point");
  }
  point_weights<Scalar> out{weights.data(), 0};
  double total = 0;
  Eigen::Index positive = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Scalar w = weights.data()[i];
    if (!(w >= 0) || !std::isfinite(w)) {
      throw invalid_input("weights: entry " + to_text(i) + " is " + to_text(w) +
                          ": every weight must be finite and >= 0");
    }
    out.largest = std::max(out.largest, static_cast<double>(w));
    total += static_cast<double>(w);
    positive += w > 0;
  }
  if (positive == 0) throw invalid_input("weights: every weight is 0");
  if (positive < k) {
    throw invalid_input("k = " + to_text(k) + " is more than the " + to_text(positive) +
                        " points of positive weight");
  }
  // Weighted sums of coordinates and of squared distances grow with the total weight, and their
  // exact grids are sized from the largest weight times n terms (8n for the update's products
  // and their errors, 1.01 for rounding): all must stay below check_range's limit.
  double farthest = 0, diagonal = 0;
  for (Eigen::Index j = 0; j < box.lo.size(); ++j) {
    farthest = std::max({farthest, std::abs(box.lo[j]), std::abs(box.hi[j])});
    diagonal += (box.hi[j] - box.lo[j]) * (box.hi[j] - box.lo[j]);
  }
  const double sum_limit = std::numeric_limits<double>::max() / 16;
  const double grid_reach = 1.01 * out.largest * 8 * static_cast<double>(n);
  if (!(total <= sum_limit) || !(total * farthest <= sum_limit) ||
      !(total * diagonal <= sum_limit) || !(grid_reach <= sum_limit) ||
      !(grid_reach * farthest <= sum_limit) || !(grid_reach * diagonal * 1.01 <= sum_limit)) {
    throw invalid_input("weights: they sum to " + to_text(total) + " (the largest is " +
                        to_text(out.largest) +
                        "), so weighted sums of the points would overflow; rescale the weights");
  }
  return out;
}

}  // namespace km::detail
