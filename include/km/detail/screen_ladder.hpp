// Which screen an exact strategy's pass goes through. Double points are scored in float lanes
// first (twice the points per register) for as long as that leaves few of them to the canonical
// comparison, then in Scalar lanes; when the norms are too large for the expanded form in either,
// every point is compared canonically.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "../result.hpp"
#include "parallel.hpp"
#include "screen_lanes.hpp"

namespace km::detail {

template <typename Scalar>
class screen_ladder {
 public:
  /// Float lanes are a rung of their own for double points only.
  static constexpr bool has_float = !std::is_same_v<Scalar, float>;

  /// For `points` points whose squared norms are at most `largest_norm`; an infinite bound
  /// leaves the canonical comparison alone.
  screen_ladder(Eigen::Index points, Scalar largest_norm)
      : points_(static_cast<std::uint64_t>(points)) {
    reopen(largest_norm);
  }

  /// Every rung the norms allow open again, as for a new ladder (the points changed).
  void reopen(Scalar largest_norm) {
    scalar_open_ = fits_expanded<Scalar>(largest_norm);
    float_open_ = has_float && fits_expanded<float>(largest_norm);
    left_float_ = false;
  }

  /// One pass: body(&in_float), else body(&in_scalar), whichever rung is open first and its
  /// screen takes `centres` (set_centres); else body with a null in_scalar pointer, for the
  /// canonical comparison. Returns what body returns.
  template <typename FloatScreen, typename ScalarScreen, typename Body>
  Eigen::Index pass(FloatScreen& in_float, ScalarScreen& in_scalar,
                    const row_matrix<Scalar>& centres, Body&& body) {
    left_float_ = false;
    if constexpr (has_float) {
      if (float_open_ && in_float.set_centres(centres)) {
        const std::uint64_t before = canonical_.total();
        const Eigen::Index changed = body(&std::as_const(in_float));
        // Over n/8 near-ties (data far from the origin next to its spread, say) cost more than
        // float lanes save: Scalar lanes for the rest of the fit.
        if (8 * (canonical_.total() - before) > points_) {
          float_open_ = false;
          left_float_ = true;
        }
        return changed;
      }
    }
    if (scalar_open_ && in_scalar.set_centres(centres)) return body(&std::as_const(in_scalar));
    return body(static_cast<const ScalarScreen*>(nullptr));
  }

  /// Whether the last pass gave float lanes up: what a caller kept for them is of no more use.
  bool left_float() const noexcept { return left_float_; }

  /// Per thread slot, the canonical comparisons of screened points (near-ties), which decide
  /// how long float lanes last. Resized by the caller for each run on the team.
  slot_counters& canonical() noexcept { return canonical_; }

 private:
  std::uint64_t points_;
  bool scalar_open_ = false, float_open_ = false;
  bool left_float_ = false;
  slot_counters canonical_;
};

}  // namespace km::detail
