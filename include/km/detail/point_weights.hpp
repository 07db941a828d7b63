// Sample weights inside a fit: a pointer that is null when every point weighs 1, so the
// unweighted fit pays nothing for the feature, and the checks that run before anything else.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
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

/// What the checks need to know of a set of weights beyond each weight itself.
struct weight_summary {
  double largest = 0;
  double total = 0;  // rounded in some order: it only decides whether sums could overflow
  std::int64_t positive = 0;
};

/// Rejects weights of the wrong size (n points), and a negative, NaN or infinite weight (the
/// first, by index; messages number entries from `first_entry`). Returns their summary.
template <typename Scalar>
weight_summary summarise_weights(const sample_weights<Scalar>& weights, Eigen::Index n,
                                 Eigen::Index first_entry = 0) {
  if (weights.size() != n) {
    throw invalid_input("weights: " + to_text(weights.size()) + " entries for " + to_text(n) +
                        " points; give one weight per point");
  }
  weight_summary summary;
  for (Eigen::Index i = 0; i < n; ++i) {
    const Scalar w = weights.data()[i];
    if (!(w >= 0) || !std::isfinite(w)) {
      throw invalid_input("weights: entry " + to_text(first_entry + i) + " is " + to_text(w) +
                          ": every weight must be finite and >= 0");
    }
    summary.largest = std::max(summary.largest, static_cast<double>(w));
    summary.total += static_cast<double>(w);
    summary.positive += w > 0;
  }
  return summary;
}

/// Rejects weights (of all n points) that are all 0, fewer points of positive weight than k
/// (k-means++ and random draw only those), and weights so large that a weighted sum could
/// overflow; `box` bounds the points and any initial centres.
inline void check_weight_summary(const weight_summary& summary, Eigen::Index n, int k,
                                 const bounding_box& box) {
  if (summary.positive == 0) throw invalid_input("weights: every weight is 0");
  if (summary.positive < k) {
    throw invalid_input("k = " + to_text(k) + " is more than the " + to_text(summary.positive) +
                        " points of positive weight");
  }
  // Weighted sums of coordinates and of squared distances grow with the total weight, and their
  // exact grids are sized from the largest weight times n terms (8n for the update's products
  // and their errors, 1.01 for rounding): all must stay below check_range's limit.
  const double farthest = box.largest_magnitude(), diagonal = box.squared_diagonal();
  const double total = summary.total;
  const double sum_limit = std::numeric_limits<double>::max() / 16;
  const double grid_reach = 1.01 * summary.largest * 8 * static_cast<double>(n);
  if (!(total <= sum_limit) || !(total * farthest <= sum_limit) ||
      !(total * diagonal <= sum_limit) || !(grid_reach <= sum_limit) ||
      !(grid_reach * farthest <= sum_limit) || !(grid_reach * diagonal * 1.01 <= sum_limit)) {
    throw invalid_input("weights: they sum to " + to_text(total) + " (the largest is " +
                        to_text(summary.largest) +
                        "), so weighted sums of the points would overflow; rescale the weights");
  }
}

/// The weights of a fit on one process, checked (summarise_weights, check_weight_summary).
template <typename Scalar>
point_weights<Scalar> check_weights(const sample_weights<Scalar>& weights, Eigen::Index n, int k,
                                    const bounding_box& box) {
  const weight_summary summary = summarise_weights(weights, n);
  check_weight_summary(summary, n, k, box);
  return {weights.data(), summary.largest};
}

}  // namespace km::detail
