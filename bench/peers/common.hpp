// Helpers shared by the peer runners: one BLAS thread, and nearest-centre labels in double.
#pragma once

#include <limits>

#include <Eigen/Core>

#include "../problem_io.hpp"

// Declared weak: non-null only when an OpenBLAS is loaded (Debian's libblas.so.3 alternative may
// be OpenBLAS, which starts one thread per core unless told otherwise; the reference BLAS and
// BLIS builds lack the symbol).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace bench {

/// Limits an OpenBLAS, if one is loaded, to one thread. (OPENBLAS_NUM_THREADS would have to be
/// set before the program starts; this works from inside it.)
inline void one_blas_thread() {
  if (openblas_set_num_threads != nullptr) openblas_set_num_threads(1);
}

/// The nearest centre of every point, squared Euclidean distance in double, ties to the lowest
/// index. Used outside the timed fit: for the labels a library does not return, or as OpenCV's
/// starting labels.
template <typename Centres>
Eigen::VectorXi nearest_labels(const matrix& points, const Eigen::MatrixBase<Centres>& centres) {
  const matrix c = centres.template cast<double>();
  Eigen::VectorXi labels(points.rows());
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    double best = std::numeric_limits<double>::infinity();
    int best_j = 0;
    for (Eigen::Index j = 0; j < c.rows(); ++j) {
      double sum = 0;
      for (Eigen::Index t = 0; t < c.cols(); ++t) {
        const double diff = points(i, t) - c(j, t);
        sum += diff * diff;
      }
      if (sum < best) {
        best = sum;
        best_j = static_cast<int>(j);
      }
    }
    labels[i] = best_j;
  }
  return labels;
}

}  // namespace bench
