// The update step shared by every strategy: centres become the means of their points, and empty
// clusters follow one deterministic rule. Its result depends only on the points, the labels and
// the previous centres, never on the strategy that produced the labels (DESIGN.md, rules 4 and 5).
#pragma once

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include "distance.hpp"
#include "points.hpp"

namespace km::detail {

/// Each centre moves to c + sum(x - c) / count, c its previous centre: mathematically the mean,
/// numerically accurate to the spread of the cluster rather than to its offset from the origin, and
/// exact for identical points (a cluster of copies of x gets exactly x, so degenerate data settles
/// instead of churning on last-bit differences). The deviations are summed in double; for double
/// data each sum also carries a Neumaier compensation term. Each cluster's sum runs over its points
/// in increasing index order, and depends on nothing but the points, the labels and the previous
/// centres: that is what lets threads (and MPI ranks) split the work and still produce these bits.
template <typename Scalar>
class centre_update {
  static constexpr bool compensated = std::is_same_v<Scalar, double>;

 public:
  centre_update(int k, Eigen::Index d)
      : sums_(k, d), compensation_(compensated ? k : 0, compensated ? d : 0), counts_(k) {}

  /// Writes the new centres into `next` and returns the inertia of `labels` against `centres`.
  ///
  /// Empty-cluster rule: each empty cluster, in increasing index, takes as its centre the point
  /// farthest (canonically) from its own centre, the next empty cluster the next farthest, ties to
  /// the lower point index. Only points at a positive distance qualify; when none is left (every
  /// point sits on its centre, as with fewer distinct points than k) an empty cluster keeps its
  /// centre. Labels are not changed here; the next assignment pass moves the points.
  double operator()(const points_view<Scalar>& points, const Eigen::VectorXi& labels,
                    const row_matrix<Scalar>& centres, row_matrix<Scalar>& next) {
    const Eigen::Index n = points.rows();
    const Eigen::Index d = points.cols();
    sums_.setZero();
    compensation_.setZero();
    counts_.setZero();
    double inertia = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const int label = labels[i];
      const Scalar* point = points.row(i).data();
      inertia += static_cast<double>(squared_distance(point, centres.row(label).data(), d));
      add(sums_.row(label).data(), compensation_.data() + (compensated ? label * d : 0), point,
          centres.row(label).data(), d);
      ++counts_[label];
    }
    std::vector<int> empty;
    for (int c = 0; c < static_cast<int>(counts_.size()); ++c) {
      if (counts_[c] == 0) {
        empty.push_back(c);
        next.row(c) = centres.row(c);
      } else {
        const double count = static_cast<double>(counts_[c]);
        for (Eigen::Index j = 0; j < d; ++j) {
          const double sum = compensated ? sums_(c, j) + compensation_(c, j) : sums_(c, j);
          next(c, j) = static_cast<Scalar>(static_cast<double>(centres(c, j)) + sum / count);
        }
      }
    }
    if (!empty.empty()) relocate(points, labels, centres, empty, next);
    return inertia;
  }

 private:
  static void add(double* sum, double* compensation, const Scalar* point, const Scalar* centre,
                  Eigen::Index d) {
    for (Eigen::Index j = 0; j < d; ++j) {
      // Exact for float data; for double data one rounding, relative to the deviation only.
      const double value = static_cast<double>(point[j]) - static_cast<double>(centre[j]);
      if constexpr (compensated) {
        // Neumaier: the rounding error of each addition, recovered exactly, goes to the side.
        const double total = sum[j] + value;
        compensation[j] += std::abs(sum[j]) >= std::abs(value) ? (sum[j] - total) + value
                                                               : (value - total) + sum[j];
        sum[j] = total;
      } else {
        sum[j] += value;
      }
    }
  }

  /// The rare path (some cluster is empty): distances are recomputed here rather than stored
  /// for every point on every pass.
  static void relocate(const points_view<Scalar>& points, const Eigen::VectorXi& labels,
                       const row_matrix<Scalar>& centres, const std::vector<int>& empty,
                       row_matrix<Scalar>& next) {
    std::vector<std::pair<Scalar, Eigen::Index>> farthest;  // (distance, point), distance > 0
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
      const Scalar distance =
          squared_distance(points.row(i).data(), centres.row(labels[i]).data(), points.cols());
      if (distance > 0) farthest.emplace_back(distance, i);
    }
    const std::size_t movable = std::min(farthest.size(), empty.size());
    std::partial_sort(farthest.begin(), farthest.begin() + static_cast<std::ptrdiff_t>(movable),
                      farthest.end(), [](const auto& a, const auto& b) {
                        return a.first > b.first || (a.first == b.first && a.second < b.second);
                      });
    for (std::size_t e = 0; e < movable; ++e)
      next.row(empty[e]) = points.row(farthest[e].second);
  }

  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> sums_;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>
      compensation_;  // double only
  Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1> counts_;
};

/// Sum of canonical squared distances of the points to their centres, in point order.
template <typename Scalar>
double inertia(const points_view<Scalar>& points, const Eigen::VectorXi& labels,
               const row_matrix<Scalar>& centres) {
  double total = 0;
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    total += static_cast<double>(
        squared_distance(points.row(i).data(), centres.row(labels[i]).data(), points.cols()));
  }
  return total;
}

/// Summed squared move of the centres, in centre order.
template <typename Scalar>
double centre_shift(const row_matrix<Scalar>& before, const row_matrix<Scalar>& after) {
  double total = 0;
  for (Eigen::Index c = 0; c < before.rows(); ++c) {
    total += static_cast<double>(
        squared_distance(before.row(c).data(), after.row(c).data(), before.cols()));
  }
  return total;
}

}  // namespace km::detail
