// km::yinyang: Ding et al. (2015), "Yinyang K-means: a drop-in replacement of the classic k-means
// with consistent speedup", ICML. Hamerly's two bounds per point, and besides them one lower
// bound per group of nearby centres: a point whose bounds fail compares only the groups whose
// own bound fails too, instead of all k centres.
#pragma once

#include <string_view>

#include "detail/one_bound.hpp"

namespace km {

/// Meant for many centres (k from about 32) in low to moderate d, over many passes. Memory
/// beside the data: two doubles and an int per point, a float per point and group of 8 centres
/// (groups double in size as needed to keep those under 1 GiB), the previous k x d centres.
///
/// Exactness as for km::hamerly: bounds on exact distances are rounded outwards, a group is left
/// out only when its bound proves every centre in it canonically *strictly* farther than the
/// point's current best, and the centres compared are compared canonically with ties to the
/// lower index, so the labels equal km::naive's.
struct yinyang {
  static constexpr std::string_view name = "yinyang";
  static constexpr std::string_view summary =
      "hamerly's bounds and a bound per group of centres: many centres, low to moderate columns";

  template <typename Scalar>
  using assigner = detail::one_bound_assigner<Scalar, detail::bound_search::groups>;
};

}  // namespace km
