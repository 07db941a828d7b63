// The interface between an assignment pass that reports the points it moves and the centre
// update that keeps the clusters' sums (update.hpp, lloyd.hpp).
#pragma once

#include <Eigen/Core>

namespace km::detail {

/// Takes each move as the pass makes it: thread slot `slot` (its team's, thread_team::run) moved
/// point i of this process, whose coordinates are at `point`, from cluster `from` (-1 on the
/// first pass) to cluster `to`. Calls from different slots may come at once.
template <typename Scalar>
class point_moves {
 public:
  virtual void move(int slot, Eigen::Index i, const Scalar* point, int from, int to) = 0;

 protected:
  ~point_moves() = default;
};

}  // namespace km::detail
