// Bounding boxes of rows with few coordinates (the kd-tree's home ground), the inner loop of the
// input checks and of the kd-tree's build. Rows side by side are one run of values, and R rows
// of D values one vector of R x D lanes in which lane v always holds coordinate v % D: the
// running minima and maxima stay in registers, and no row waits on the previous row's result.
#pragma once

#include <algorithm>
#include <type_traits>

#include <Eigen/Core>

namespace km::detail {

/// Grows the box [lo, hi] (D values each) to cover `rows` rows of D coordinates, row r starting
/// at values + r * stride, R rows a step when they are contiguous. With Probe, also adds x - x
/// for every value x into probe[j] of its coordinate: 0 while all are finite, NaN from the first
/// infinity or NaN on. More rows a step run more chains side by side; fewer cost less to set up
/// and fold at the end.
template <int D, int R, bool Probe, typename Scalar>
void grow_short_box(const Scalar* values, Eigen::Index rows, Eigen::Index stride, Scalar* lo,
                    Scalar* hi, Scalar* probe = nullptr) {
  constexpr int block = R;
  constexpr int lanes = block * D;
  Scalar low[lanes], high[lanes], sum[lanes];
  for (int v = 0; v < lanes; ++v) {
    low[v] = lo[v % D];
    high[v] = hi[v % D];
    sum[v] = 0;
  }
  const auto take = [&](int lane, Scalar x) {
    low[lane] = std::min(low[lane], x);
    high[lane] = std::max(high[lane], x);
    if constexpr (Probe) sum[lane] += x - x;
  };
  Eigen::Index row = 0;
  if (stride == D) {
    for (; row + block <= rows; row += block) {
      const Scalar* run = values + row * D;
      for (int v = 0; v < lanes; ++v)
        take(v, run[v]);
    }
  }
  for (; row < rows; ++row) {
    const Scalar* point = values + row * stride;
    for (int j = 0; j < D; ++j)
      take(j, point[j]);
  }
  for (int v = 0; v < lanes; ++v) {
    lo[v % D] = std::min(lo[v % D], low[v]);
    hi[v % D] = std::max(hi[v % D], high[v]);
    if constexpr (Probe) probe[v % D] += sum[v];
  }
}

/// The widest rows grow_short_box is used for: from 8 coordinates on, Eigen's arrays over one row
/// at a time keep up with memory.
constexpr int widest_short_row = 7;

/// Calls body(std::integral_constant<int, D>{}) for d = D in [First, widest_short_row];
/// returns false, calling nothing, for any other d.
template <int First = 1, typename Body>
bool with_short_rows(Eigen::Index d, Body&& body) {
  if constexpr (First > widest_short_row) {
    return false;
  } else {
    if (d != First) return with_short_rows<First + 1>(d, body);
    body(std::integral_constant<int, First>{});
    return true;
  }
}

}  // namespace km::detail
