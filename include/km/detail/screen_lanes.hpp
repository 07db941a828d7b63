// What the expanded-form screens (tile_screen, product_screen) share: the lane types they score
// Scalar points in (Scalar itself, and float for double points: twice the points per register),
// which norms the expanded form takes in a lane type, and its rigorous error margin there.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include <Eigen/Core>

#include "distance.hpp"

namespace km::detail {

/// Whether points (or centres) of squared norm up to `norm` fit the expanded form in Lane.
template <typename Lane, typename Scalar>
inline bool fits_expanded(Scalar norm) {
  return norm <= static_cast<Scalar>(std::numeric_limits<Lane>::max() / 16);
}

/// The margin of the expanded form for points of Scalar scored in Lane: for centre c and point x,
/// centre_relative |c|^2 + point_relative |x|^2 + absolute bounds how far |x|^2 + score(c) (the
/// score |c|^2 - 2 x.c, any summation order, with or without FMA) may be from the exact
/// |x - c|^2, and the canonical distance too. In Scalar, with relative = error_bound::relative(d):
/// the score errs by at most gamma_d (3 |c|^2 + |x|^2) (|c|^2 itself computed), the computed
/// |x|^2 by gamma_d |x|^2, the canonical distance, at most 2 (|x|^2 + |c|^2), by gamma_d times
/// that: 6 relative |c|^2 + 4 relative |x|^2, relative exceeding gamma_d by 16 roundings for
/// the few operations around it. In a narrower Lane the score also moves by rounding x and c to
/// Lane (at most 2.01 u (|c|^2 + 2 |x| |c|)), rounding |c|^2 (u |c|^2) and the Lane arithmetic
/// (gamma_d (|c|^2 + 2 |x| |c|)); with 2 |x| |c| <= |x|^2 + |c|^2 all of it is within
/// R (3 |c|^2 + |x|^2) for R = 2 relative_Lane(d), which exceeds (d + 16) u twice over; Lane's
/// underflow slack counts twice (arithmetic, and subnormal coordinates rounded).
template <typename Scalar, typename Lane = Scalar>
struct expanded_margin {
  explicit expanded_margin(Eigen::Index d)
      : centre_relative(6 * error_bound<Scalar>::relative(d)),
        point_relative(4 * error_bound<Scalar>::relative(d)),
        absolute(error_bound<Scalar>::absolute(d)) {
    if constexpr (!std::is_same_v<Lane, Scalar>) {
      const Scalar lane_relative = 2 * static_cast<Scalar>(error_bound<Lane>::relative(d));
      centre_relative += 3 * lane_relative;
      point_relative += lane_relative;
      absolute += 2 * static_cast<Scalar>(error_bound<Lane>::absolute(d));
    }
  }

  /// False when d is too large for any bound (the caller then compares canonically).
  bool finite() const { return std::isfinite(centre_relative) && std::isfinite(point_relative); }

  Scalar centre_relative, point_relative, absolute;
};

/// One Holder<Lane> for each lane type that may screen Scalar points: Scalar, and float.
template <typename Scalar, template <typename> class Holder>
class per_lane {
 public:
  template <typename Lane>
  Holder<Lane>& of() {
    if constexpr (std::is_same_v<Lane, Scalar>) {
      return same_;
    } else {
      return float_;
    }
  }

 private:
  Holder<Scalar> same_;
  Holder<float> float_;
};

}  // namespace km::detail
