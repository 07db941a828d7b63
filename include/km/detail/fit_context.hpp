// What every step of a fit reads besides the centres and the options: the points, their weights,
// the box that bounds them, the thread team and the processes the points are spread over.
#pragma once

#include "bounding_box.hpp"
#include "parallel.hpp"
#include "point_weights.hpp"
#include "points.hpp"

namespace km::detail {

/// Collective is detail::solo (one process) or mpi_processes (km/mpi.hpp): each process holds
/// its own points and weights; `box` bounds every process's points and any given centres. The
/// members refer to objects that outlive the fit.
template <typename Scalar, typename Collective>
struct fit_context {
  points_view<Scalar> points;
  const point_weights<Scalar>& weights;
  const bounding_box& box;
  thread_team& team;
  const Collective& processes;
};

}  // namespace km::detail
