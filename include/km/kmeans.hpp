// km: exact, reproducible k-means on Eigen. Include this header for the whole library.
//
//   km::options opts;
//   opts.k = 10;
//   km::kmeans<> model(opts);                   // km::automatic; or km::kmeans<km::kd_tree>, ...
//   km::result<double> r = model.fit(points);   // points: n x d, one point per row
//
// Every exact strategy returns the labels, centres, inertia and iteration count of km::naive, bit
// for bit (see DESIGN.md). A kmeans object is immutable after construction; fit() is const and
// may run concurrently from several threads on the same model and the same read-only data.
#pragma once

#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "automatic.hpp"
#include "detail/init.hpp"
#include "detail/lloyd.hpp"
#include "detail/points.hpp"
#include "detail/validate.hpp"
#include "elkan.hpp"
#include "hamerly.hpp"
#include "invalid_input.hpp"
#include "kd_tree.hpp"
#include "naive.hpp"
#include "options.hpp"
#include "result.hpp"
#include "vectorised.hpp"
#include "version.hpp"

namespace km {

/// Strategy: km::automatic (the default) or one of km::naive, km::vectorised, km::kd_tree,
/// km::hamerly, km::elkan. The choice changes the speed, never the result.
template <typename Strategy = automatic>
class kmeans {
 public:
  explicit kmeans(options opts = {}) : options_(std::move(opts)) {}

  const options& settings() const noexcept { return options_; }

  /// Clusters the rows of `points` (n x d, float or double, any Eigen dense expression), starting
  /// from the centres that settings().init chooses. A row-major input with contiguous rows is read
  /// in place; anything else is first copied into row-major form.
  template <typename Derived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points) const {
    using Scalar = typename Derived::Scalar;
    static_assert_scalar<Scalar>();
    const detail::points_ref<Scalar> data(points.derived());
    const auto view = detail::view_of(data);
    detail::thread_team team(options_.threads);  // threads start only when work needs them
    check_points(view, team);
    const detail::bounding_box box = detail::check_range<Scalar>(view, nullptr, team);
    return detail::lloyd<Strategy>(view, detail::initial_centres(view, options_, box, team), box,
                                   options_, team);
  }

  /// As fit(points), from the given k x d initial centres (settings().init and seed go unused).
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points,
                                       const Eigen::MatrixBase<CentresDerived>& initial) const {
    using Scalar = typename Derived::Scalar;
    static_assert_scalar<Scalar>();
    static_assert(std::is_same_v<Scalar, typename CentresDerived::Scalar>,
                  "km: initial centres must have the same scalar type as the points");
    const detail::points_ref<Scalar> data(points.derived());
    const auto view = detail::view_of(data);
    detail::thread_team team(options_.threads);
    check_points(view, team);
    if (initial.rows() != options_.k || initial.cols() != view.cols()) {
      throw invalid_input("initial centres must be k x d = " + detail::to_text(options_.k) + " x " +
                          detail::to_text(view.cols()) + ", got " +
                          detail::to_text(initial.rows()) + " x " +
                          detail::to_text(initial.cols()));
    }
    row_matrix<Scalar> centres = initial;
    const detail::points_view<Scalar> centres_view(centres.data(), centres.rows(), centres.cols(),
                                                   Eigen::OuterStride<>(centres.cols()));
    detail::check_finite(centres_view, "initial centres", team);
    const detail::bounding_box box = detail::check_range(view, &centres_view, team);
    return detail::lloyd<Strategy>(view, std::move(centres), box, options_, team);
  }

 private:
  template <typename Scalar>
  static constexpr void static_assert_scalar() {
    static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                  "km: points must be float or double");
  }

  template <typename Scalar>
  void check_points(const detail::points_view<Scalar>& points, detail::thread_team& team) const {
    if (points.rows() == 0) throw invalid_input("no points: the input has 0 rows");
    if (points.cols() == 0) throw invalid_input("the points have zero columns");
    detail::check_options(options_, points.rows());
    detail::check_finite(points, "points", team);
  }

  options options_;
};

}  // namespace km
