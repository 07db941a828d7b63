// Input checks, run before anything is computed or written.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "../invalid_input.hpp"
#include "../options.hpp"
#include "bounding_box.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "short_rows.hpp"

namespace km::detail {

template <typename T>
std::string to_text(const T& value) {
  std::ostringstream text;
  text.precision(17);
  text << value;
  return text.str();
}

inline void check_threads(int threads) {
  if (threads < 0) {
    throw invalid_input("threads = " + to_text(threads) +
                        " must be >= 0 (0 = all hardware threads)");
  }
}

inline void check_options(const options& opts, Eigen::Index n) {
  if (opts.k < 1 || opts.k > n) {
    throw invalid_input("k = " + to_text(opts.k) +
                        " is out of range: it must be between 1 and the number of points (" +
                        to_text(n) + ")");
  }
  if (opts.n_init < 1) {
    throw invalid_input("n_init = " + to_text(opts.n_init) + " must be >= 1");
  }
  if (opts.max_iterations < 1) {
    throw invalid_input("max_iterations = " + to_text(opts.max_iterations) + " must be >= 1");
  }
  if (!(opts.tolerance >= 0) || !std::isfinite(opts.tolerance)) {
    throw invalid_input("tolerance = " + to_text(opts.tolerance) + " must be finite and >= 0");
  }
  check_threads(opts.threads);
}

/// The bounding box of the rows, from the same pass that rejects a NaN or infinity, naming the
/// first one in row order (whatever the thread count). Messages number the rows from `first_row`
/// (a process's offset in the global rows). One pass, not two: on long rows both are bound by
/// memory.
template <typename Scalar>
bounding_box finite_box(const points_view<Scalar>& rows, const char* what, thread_team& team,
                        Eigen::Index first_row = 0) {
  using column = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  const Eigen::Index d = rows.cols();
  const chunks work{rows.rows(), 8192};
  std::vector<Eigen::Index> first_bad(static_cast<std::size_t>(work.count()), -1);  // flat index
  // Per task its box: min and max are exact in any order, and in Scalar, which widens to double
  // exactly.
  std::vector<column> lows(static_cast<std::size_t>(work.count())), highs(lows.size());
  team.run(work.count(), [&](Eigen::Index t, int) {
    column lo = column::Constant(d, std::numeric_limits<Scalar>::infinity());
    column hi = -lo;
    // x - x is 0 for a finite x, NaN for an infinity or NaN: one sum per column tells whether
    // the task's rows are all finite, without a branch per value.
    column probe = column::Zero(d);
    // Eigen's array operations vectorise long rows; on short ones their set-up per row costs
    // more than a loop over the values, 8 rows a step.
    const Eigen::Index first = work.begin(t), count = work.end(t) - first;
    const bool short_rows = with_short_rows(d, [&](auto columns) {
      grow_short_box<columns, 8, true>(rows.row(first).data(), count, rows.outerStride(), lo.data(),
                                       hi.data(), probe.data());
    });
    if (!short_rows) {
      for (Eigen::Index i = first; i < first + count; ++i) {
        const auto row = rows.row(i).transpose().array();
        lo = lo.min(row);
        hi = hi.max(row);
        probe += row - row;
      }
    }
    if ((probe == 0).all()) {
      lows[static_cast<std::size_t>(t)] = std::move(lo);
      highs[static_cast<std::size_t>(t)] = std::move(hi);
      return;
    }
    for (Eigen::Index i = work.begin(t);; ++i) {
      for (Eigen::Index j = 0; j < d; ++j) {
        if (!std::isfinite(rows(i, j))) {
          first_bad[static_cast<std::size_t>(t)] = i * d + j;
          return;
        }
      }
    }
  });
  for (const Eigen::Index bad : first_bad) {
    if (bad < 0) continue;
    const Eigen::Index i = bad / d, j = bad % d;
    throw invalid_input(std::string(what) + ": row " + to_text(first_row + i) + ", column " +
                        to_text(j) + " is " + to_text(rows(i, j)) + ": every value must be finite");
  }
  bounding_box box(d);
  for (std::size_t t = 0; t < lows.size(); ++t) {
    box.lo = box.lo.cwiseMin(lows[t].template cast<double>().matrix());
    box.hi = box.hi.cwiseMax(highs[t].template cast<double>().matrix());
  }
  return box;
}

/// Rejects a NaN or infinity, as finite_box does.
template <typename Scalar>
void check_finite(const points_view<Scalar>& rows, const char* what, thread_team& team) {
  finite_box(rows, what, team);
}

/// Rejects data so spread out that a squared distance, or a sum of n of them (inertia, k-means++
/// potential), could overflow, and values so large that a sum of n of them could. Centres always
/// lie in the bounding box of the points and of the given initial centres, so the box diagonal
/// bounds every distance a fit computes and its largest coordinate every value.
template <typename Scalar>
void check_box(const bounding_box& box, Eigen::Index n) {
  const Eigen::Index d = box.lo.size();
  const Eigen::VectorXd& lo = box.lo;
  const Eigen::VectorXd& hi = box.hi;
  const double diagonal = box.squared_diagonal();
  const Eigen::Index widest = box.widest();
  // Headroom of 16: the canonical form's partial sums and rounding may exceed the exact value.
  const double scalar_limit = static_cast<double>(std::numeric_limits<Scalar>::max()) / 16;
  const double sum_limit = std::numeric_limits<double>::max() / 16;
  if (!(diagonal <= scalar_limit) || !(diagonal * static_cast<double>(n) <= sum_limit)) {
    throw invalid_input("values are too spread out: column " + to_text(widest) + " spans " +
                        to_text(hi[widest] - lo[widest]) +
                        ", so squared distances would overflow; rescale the data");
  }
  // The update sums each coordinate of a cluster's points on exact grids sized for 4n terms
  // (centre_update in update.hpp). Grids and sums stay finite while |value| * 4n <= sum_limit:
  // exact_grid's largest sigma is then at most 1.5 * 2^1021. Float data never come close.
  const auto extreme = [&](Eigen::Index j) { return -lo[j] > hi[j] ? lo[j] : hi[j]; };
  Eigen::Index largest = 0;
  for (Eigen::Index j = 1; j < d; ++j) {
    if (std::abs(extreme(j)) > std::abs(extreme(largest))) largest = j;
  }
  if (!(std::abs(extreme(largest)) * 4 * static_cast<double>(n) <= sum_limit)) {
    throw invalid_input("values are too large: column " + to_text(largest) + " holds " +
                        to_text(extreme(largest)) + ": sums of up to n = " + to_text(n) +
                        " such values would overflow; rescale the data");
  }
}

/// Rejects a NaN or infinity in the points, then check_box over the box of the points and of any
/// given initial centres; returns that box.
template <typename Scalar>
bounding_box check_range(const points_view<Scalar>& points,
                         const points_view<Scalar>* initial_centres, thread_team& team) {
  bounding_box box = finite_box(points, "points", team);
  if (initial_centres != nullptr) box.extend(*initial_centres);
  check_box<Scalar>(box, points.rows());
  return box;
}

/// Initial centres given to a fit of d columns: k x d and finite, or km::invalid_input. Returns
/// their row-major copy.
template <typename Scalar, typename CentresDerived>
row_matrix<Scalar> checked_centres(const Eigen::MatrixBase<CentresDerived>& initial, int k,
                                   Eigen::Index d, thread_team& team) {
  if (initial.rows() != k || initial.cols() != d) {
    throw invalid_input("initial centres must be k x d = " + to_text(k) + " x " + to_text(d) +
                        ", got " + to_text(initial.rows()) + " x " + to_text(initial.cols()));
  }
  row_matrix<Scalar> centres = initial;
  check_finite(view_of_rows(centres), "initial centres", team);
  return centres;
}

/// As checked_centres, and widens `box` to cover the centres (with check_range's overflow check).
template <typename Scalar, typename CentresDerived>
row_matrix<Scalar> check_initial_centres(const points_view<Scalar>& points,
                                         const Eigen::MatrixBase<CentresDerived>& initial, int k,
                                         bounding_box& box, thread_team& team) {
  row_matrix<Scalar> centres = checked_centres<Scalar>(initial, k, points.cols(), team);
  box.extend(centres);
  check_box<Scalar>(box, points.rows());
  return centres;
}

}  // namespace km::detail
