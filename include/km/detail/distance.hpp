// The canonical squared distance and the rounding-error bounds that let faster forms defer to it.
//
// Every exact strategy labels a point with the centre of smallest *canonical* distance, ties to
// the lowest index. The summation order below is part of the exactness contract (DESIGN.md, rule
// 1): eight interleaved partial sums (dimension j feeds partial j % 8), combined by a fixed tree.
// It maps onto one AVX register of floats or two of doubles without reassociation, so the compiler
// may vectorise it and still produce these exact bits.
#pragma once

// -ffast-math lets the compiler reassociate the sum below, and every exact strategy with it.
#ifdef __FAST_MATH__
#error "km: -ffast-math breaks km's exactness contract; build code that includes km without it"
#endif

#include <algorithm>
#include <limits>
#include <type_traits>

#include <Eigen/Core>

#include "../result.hpp"

namespace km::detail {

inline constexpr int distance_lanes = 8;

/// Squared distance over d <= 8 dimensions: the same tree with the missing partials left out.
/// Leaving them out changes no bit: every partial is a sum of squares, hence >= +0, and x + 0 == x
/// exactly for such x. This spares low-dimensional data (the kd-tree's domain) the full tree.
template <typename Scalar>
inline Scalar short_squared_distance(const Scalar* a, const Scalar* b, Eigen::Index d) noexcept {
  const auto square = [a, b](int j) {
    const Scalar diff = a[j] - b[j];
    return diff * diff;
  };
  switch (d) {
    case 1:
      return square(0);
    case 2:
      return square(0) + square(1);
    case 3:
      return (square(0) + square(1)) + square(2);
    case 4:
      return (square(0) + square(1)) + (square(2) + square(3));
    case 5:
      return ((square(0) + square(1)) + (square(2) + square(3))) + square(4);
    case 6:
      return ((square(0) + square(1)) + (square(2) + square(3))) + (square(4) + square(5));
    case 7:
      return ((square(0) + square(1)) + (square(2) + square(3))) +
             ((square(4) + square(5)) + square(6));
    default:
      return ((square(0) + square(1)) + (square(2) + square(3))) +
             ((square(4) + square(5)) + (square(6) + square(7)));
  }
}

/// The same order as squared_distance() with the eight partials held in one fixed-size Eigen array.
/// GCC 12 turns the plain loop for float into far slower code from d = 128 on, while this form
/// keeps one 8-float register; below 128 the plain loop is faster. Same operations in the same
/// order, so the same bits.
template <typename Scalar>
inline Scalar long_squared_distance(const Scalar* a, const Scalar* b, Eigen::Index d) noexcept {
  using lanes = Eigen::Array<Scalar, distance_lanes, 1>;
  lanes partial = lanes::Zero();
  Eigen::Index j = 0;
  for (; j + distance_lanes <= d; j += distance_lanes) {
    const lanes diff = Eigen::Map<const lanes>(a + j) - Eigen::Map<const lanes>(b + j);
    partial += diff * diff;
  }
  for (int lane = 0; j + lane < d; ++lane) {
    const Scalar diff = a[j + lane] - b[j + lane];
    partial[lane] += diff * diff;
  }
  return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
         ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

/// The canonical squared distance between two d-dimensional points.
template <typename Scalar>
inline Scalar squared_distance(const Scalar* a, const Scalar* b, Eigen::Index d) noexcept {
  if (d <= distance_lanes) return short_squared_distance(a, b, d);
  if (std::is_same_v<Scalar, float> && d >= 128) return long_squared_distance(a, b, d);
  Scalar partial[distance_lanes] = {};
  Eigen::Index j = 0;
  for (; j + distance_lanes <= d; j += distance_lanes) {
    for (int lane = 0; lane < distance_lanes; ++lane) {
      const Scalar diff = a[j + lane] - b[j + lane];
      partial[lane] += diff * diff;
    }
  }
  for (int lane = 0; j + lane < d; ++lane) {
    const Scalar diff = a[j + lane] - b[j + lane];
    partial[lane] += diff * diff;
  }
  return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
         ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

/// The canonical squared distances from `point` to the distance_lanes centres of `block`, held
/// coordinate by coordinate (block[j * distance_lanes + l] is coordinate j of centre l). Lanes
/// across centres: each lane makes exactly the operations of squared_distance() in its order, so
/// the same bits (for d <= 8 the partials left out are +0, and x + 0 == x for a sum of squares).
template <typename Scalar>
inline void squared_distances_across(const Scalar* point, const Scalar* block, Eigen::Index d,
                                     Scalar* out) noexcept {
  using lanes = Eigen::Array<Scalar, distance_lanes, 1>;
  lanes partial[distance_lanes];
  for (lanes& p : partial)
    p.setZero();
  const auto add = [&](Eigen::Index j, int lane) {
    const lanes diff =
        lanes::Constant(point[j]) - Eigen::Map<const lanes>(block + j * distance_lanes);
    partial[lane] += diff * diff;
  };
  Eigen::Index j = 0;
  for (; j + distance_lanes <= d; j += distance_lanes) {
    for (int lane = 0; lane < distance_lanes; ++lane)
      add(j + lane, lane);
  }
  for (int lane = 0; j + lane < d; ++lane)
    add(j + lane, lane);
  Eigen::Map<lanes> result(out);
  result = ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
           ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

/// Index of the canonically nearest of `count` centres listed in `candidates` (ascending indices),
/// ties to the lowest index; `distance` receives its canonical squared distance.
template <typename Scalar, typename CentreRow>
inline int nearest_of(const Scalar* point, const int* candidates, int count, CentreRow centre_row,
                      Eigen::Index d, Scalar& distance) noexcept {
  int best = candidates[0];
  Scalar best_distance = squared_distance(point, centre_row(best), d);
  for (int i = 1; i < count; ++i) {
    const Scalar dist = squared_distance(point, centre_row(candidates[i]), d);
    if (dist < best_distance) {  // strict: an equal distance keeps the lower index
      best_distance = dist;
      best = candidates[i];
    }
  }
  distance = best_distance;
  return best;
}

/// A point's canonically nearest centre, and what bounds on its distances need.
template <typename Scalar>
struct nearest_centre {
  int index;         ///< ties to the lowest
  Scalar distance;   ///< its canonical squared distance
  Scalar runner_up;  ///< the smallest canonical squared distance to another centre (inf if none)
};

/// The canonically nearest of every centre (k >= 1) to `point`, ties to the lowest index: the
/// comparison km::naive makes. seen(c, distance) sees each centre's canonical squared distance.
template <typename Scalar, typename Seen>
inline nearest_centre<Scalar> nearest_of_all(const Scalar* point, const row_matrix<Scalar>& centres,
                                             Seen&& seen) noexcept {
  const Eigen::Index d = centres.cols();
  const int k = static_cast<int>(centres.rows());
  nearest_centre<Scalar> nearest{0, squared_distance(point, centres.row(0).data(), d),
                                 std::numeric_limits<Scalar>::infinity()};
  seen(0, nearest.distance);
  for (int c = 1; c < k; ++c) {
    const Scalar distance = squared_distance(point, centres.row(c).data(), d);
    seen(c, distance);
    if (distance < nearest.distance) {  // strict: ties keep the lower index
      nearest.runner_up = nearest.distance;
      nearest.distance = distance;
      nearest.index = c;
    } else {
      nearest.runner_up = std::min(nearest.runner_up, distance);
    }
  }
  return nearest;
}

template <typename Scalar>
inline nearest_centre<Scalar> nearest_of_all(const Scalar* point,
                                             const row_matrix<Scalar>& centres) noexcept {
  return nearest_of_all(point, centres, [](int, Scalar) {});
}

/// Rounding-error bounds in precision Scalar for sums of d terms (Higham, "Accuracy and Stability
/// of Numerical Algorithms", ch. 3). A length-d sum of non-negative terms, or a dot product,
/// computed in any order (with or without FMA) is off by at most gamma_d = d*u/(1 - d*u) times
/// the sum of the magnitudes involved. We round every count up by a fixed slack (16 operations)
/// so that the few extra roundings of the expressions that *use* a bound are covered too.
template <typename Scalar>
struct error_bound {
  /// Relative bound for a sum over d dimensions plus a handful of further operations.
  static Scalar relative(Eigen::Index d) noexcept {
    const Scalar u = std::numeric_limits<Scalar>::epsilon() / 2;
    const Scalar m = static_cast<Scalar>(d + 16) * u;
    return m < Scalar(0.5) ? m / (1 - m) * Scalar(1.01) : std::numeric_limits<Scalar>::infinity();
  }
  /// Absolute slack for underflow: each product that lands in the subnormal range may lose up to
  /// half the smallest subnormal, and eight per dimension cover every form we compare. Rounded up
  /// to the smallest normal number: arithmetic on a subnormal slack would cost a microcode assist
  /// (about a hundred cycles) in every bound test, and the larger slack is just as rigorous.
  static Scalar absolute(Eigen::Index d) noexcept {
    const Scalar needed =
        static_cast<Scalar>(8 * d + 64) * std::numeric_limits<Scalar>::denorm_min();
    return std::max(needed, std::numeric_limits<Scalar>::min());
  }
};

}  // namespace km::detail
