// km::hamerly: Hamerly (2010), "Making k-means even faster", SIAM SDM. Each point keeps an upper
// bound on the distance to its centre and one lower bound on the distance to every other centre;
// as long as the bounds (moved by how far the centres moved) keep the two apart, the point's
// label cannot have changed and no distance is computed at all.
#pragma once

#include <string_view>

#include "detail/one_bound.hpp"

namespace km {

/// Wins for low to moderate d when the centres settle over many passes: most points then cost
/// O(1) per pass. Memory beside the data: two doubles per point and the previous k x d centres.
///
/// The bounds are kept on exact Euclidean distances and are rounded outwards whenever they are
/// computed or moved. A point keeps its label only when the bounds prove that its canonical
/// distance to its centre is *strictly* below its canonical distance to every other centre, with
/// the canonical form's rounding error on both sides; any doubt, including every tie, sends it
/// through the same full canonical comparison as km::naive. So the labels equal naive's.
struct hamerly {
  static constexpr std::string_view name = "hamerly";
  static constexpr std::string_view summary =
      "a distance bound per point: low to moderate columns, many iterations";

  template <typename Scalar>
  using assigner = detail::one_bound_assigner<Scalar, detail::bound_search::all_centres>;
};

}  // namespace km
