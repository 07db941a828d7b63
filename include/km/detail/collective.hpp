// How the processes of one fit combine what each computed on its own rows. A fit on one process
// uses `solo`, whose every operation is the identity and costs nothing; km/mpi.hpp supplies the
// same operations over an MPI communicator. The fit's code is written once against them, so a
// distributed fit takes the same steps as one process, in the same order, with the same bits.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "points.hpp"

namespace km::detail {

/// A row of the global point set handed to the process that needs it: `slot` in the output,
/// `row` the local index on the process that holds the point.
struct row_pick {
  int slot;
  Eigen::Index row;
};

/// The collective operations a fit needs. Every process calls each of them, in the same order.
/// Global row indices count the rows of all processes, process 0's first.
///
/// Sums take only values that add exactly in any order (integers, grid parts of exact_sum.hpp), so
/// no reduction order can leak into the bits.
class solo {
 public:
  static constexpr bool distributed = false;

  explicit solo(Eigen::Index rows) : rows_(rows) {}

  // Members, not static: the drivers call solo and mpi_processes (mpi.hpp) alike, through an
  // object, and the latter's members need its communicator.
  // NOLINTBEGIN(readability-convert-member-functions-to-static)
  Eigen::Index offset() const noexcept { return 0; }     ///< global index of local row 0
  Eigen::Index total() const noexcept { return rows_; }  ///< rows of all processes

  /// In place: the element-wise sum over the processes.
  void sum(double*, int) const noexcept {}
  void sum(std::int64_t*, int) const noexcept {}
  /// In place: the element-wise sum over the processes before this one (0 on the first).
  void exclusive_sum(double* values, int count) const noexcept {
    for (int i = 0; i < count; ++i)
      values[i] = 0;
  }
  /// The least (greatest) of the processes' values.
  std::int64_t min(std::int64_t value) const noexcept { return value; }
  std::int64_t max(std::int64_t value) const noexcept { return value; }
  /// Whether any process passes true.
  bool any(bool value) const noexcept { return value; }
  // NOLINTEND(readability-convert-member-functions-to-static)

  /// Every process's entries, concatenated in process order.
  template <typename T>
  std::vector<T> gather(std::vector<T> mine) const {
    return mine;
  }

  /// A `slots` x d matrix whose rows come from the processes holding them: each slot is picked by
  /// exactly one process, as rows of its own `points`.
  template <typename Scalar>
  row_matrix<Scalar> assemble(const points_view<Scalar>& points, const std::vector<row_pick>& mine,
                              int slots) const {
    row_matrix<Scalar> rows(slots, points.cols());
    for (const row_pick& pick : mine)
      rows.row(pick.slot) = points.row(pick.row);
    return rows;
  }

 private:
  Eigen::Index rows_;
};

/// The local picks, for assemble(), of rows given by global index (slot s: global index
/// indices[s]); rows held elsewhere are left to their processes.
template <typename Collective>
std::vector<row_pick> local_picks(const Collective& processes, Eigen::Index local_rows,
                                  const std::vector<Eigen::Index>& indices) {
  std::vector<row_pick> mine;
  for (std::size_t s = 0; s < indices.size(); ++s) {
    const Eigen::Index local = indices[s] - processes.offset();
    if (local >= 0 && local < local_rows) mine.push_back({static_cast<int>(s), local});
  }
  return mine;
}

/// The rows of the global point set at `indices`, on every process.
template <typename Scalar, typename Collective>
row_matrix<Scalar> rows_at(const Collective& processes, const points_view<Scalar>& points,
                           const std::vector<Eigen::Index>& indices) {
  return processes.assemble(points, local_picks(processes, points.rows(), indices),
                            static_cast<int>(indices.size()));
}

}  // namespace km::detail
