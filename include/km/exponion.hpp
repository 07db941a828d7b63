// km::exponion: Newling & Fleuret (2016), "Fast k-means with accurate bounds", ICML. Hamerly's two
// bounds per point, and a point whose bounds fail compares only the centres in a ball around its
// own: the nearest centre is within twice the point's distance to its own, and the centres are
// kept in rings of nearness around each centre, so the search reads only the inner rings.
#pragma once

#include <string_view>

#include "detail/one_bound.hpp"

namespace km {

/// Meant for many centres in low to moderate d: a point whose bounds fail costs the centres near
/// its own instead of all k. Not yet faster than km::hamerly on any data set measured
/// (bench/README.md), and km::automatic does not choose it. Memory beside the data: two doubles
/// per point, the previous k x d centres, k x k centre distances and the rings (at most 64 MiB;
/// beyond k = 2,048 it searches as km::hamerly does).
///
/// Exactness as for km::hamerly: bounds on exact distances are rounded outwards, the ball leaves
/// out only centres the bounds prove canonically *strictly* farther than the point's current
/// centre, and the centres in it are compared canonically with ties to the lower index, so the
/// labels equal km::naive's.
struct exponion {
  static constexpr std::string_view name = "exponion";
  static constexpr std::string_view summary =
      "hamerly's bounds, and a search near the own centre: many centres, low to moderate columns";

  template <typename Scalar>
  using assigner = detail::one_bound_assigner<Scalar, detail::bound_search::ball>;
};

}  // namespace km
