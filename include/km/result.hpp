// What a fit returns.
#pragma once

#include <cstdint>

#include <Eigen/Core>

namespace km {

template <typename Scalar>
using row_matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename Scalar>
struct result {
  Eigen::VectorXi labels;      ///< n entries in [0, k): the nearest centre of each point
  row_matrix<Scalar> centers;  ///< k x d
  Scalar inertia = 0;          ///< sum of squared distances of the points to their centre
  int iterations = 0;          ///< assignment passes run
  bool converged = false;      ///< a pass changed no label, or the shift fell within tolerance
  /// Point-to-centre distances the assignment passes evaluated, in any form (a kd-tree pruning
  /// test counts as one): n k iterations for km::naive, less where a strategy prunes.
  std::uint64_t distance_computations = 0;
};

}  // namespace km
