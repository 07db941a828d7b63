// The inertia of a fit: the sum of the canonical squared distances of the points to their
// centres, exact whatever the order of its terms, so that threads and processes cannot change it.
#pragma once

#include <algorithm>
#include <functional>

#include "../result.hpp"
#include "distance.hpp"
#include "exact_sum.hpp"
#include "fit_context.hpp"
#include "points.hpp"

namespace km::detail {

/// Sum over the points of every process of the canonical squared distance to their centre (each
/// times its weight), exact on the grids of exact_grid, rounded once. `points` are fit.points or
/// a copy of them in an order of their own (labelled_points). `beside`, when given, runs on the
/// team in the same run (grid_level_sums).
template <typename Scalar, typename Collective>
double inertia(const fit_context<Scalar, Collective>& fit, const labelled_points<Scalar>& points,
               const row_matrix<Scalar>& centres, const std::function<void()>& beside = {}) {
  // No point of the box is farther from a centre than its farthest corner; 1% covers the
  // rounding of that bound and of the canonical distances.
  double bound = 0;
  for (Eigen::Index c = 0; c < centres.rows(); ++c)
    bound = std::max(bound, fit.box.squared_to_farthest_corner(centres.row(c)) * 1.01);
  // A weighted term is rounded once more, by at most half an ulp: within the 1%.
  const point_weights<Scalar>& weights = fit.weights;
  const exact_grid grid(bound * weights.largest, static_cast<double>(fit.processes.total()));
  const points_view<Scalar>& rows = points.rows;
  auto sums = grid_level_sums(
      grid, rows.rows(), fit.team,
      [&](Eigen::Index r) {
        const double distance = static_cast<double>(squared_distance(
            rows.row(r).data(), centres.row(points.labels[r]).data(), rows.cols()));
        return weights.given() ? weights[points.index(r)] * distance : distance;
      },
      beside);
  fit.processes.sum(sums.data(), static_cast<int>(sums.size()));
  return rounded_sum(sums);
}

}  // namespace km::detail
