// km: exact, reproducible k-means on Eigen. Include this header for the whole library.
//
//   km::options opts;
//   opts.k = 10;
//   km::kmeans<> model(opts);                   // km::automatic; or km::kmeans<km::kd_tree>, ...
//   km::result<double> r = model.fit(points);   // points: n x d, one point per row
//   Eigen::VectorXi labels = model.predict(new_points, r.centers);
//
// Every exact strategy returns the labels, centres, inertia and iteration count of km::naive, bit
// for bit (see DESIGN.md). A kmeans object is immutable after construction; fit() is const and
// may run concurrently from several threads on the same model and the same read-only data.
#pragma once

#include <type_traits>
#include <utility>

#include <Eigen/Core>

#include "detail/fit_context.hpp"
#include "detail/lloyd.hpp"
#include "detail/point_weights.hpp"
#include "detail/points.hpp"
#include "detail/profile.hpp"
#include "detail/validate.hpp"
#include "invalid_input.hpp"
#include "mini_batch.hpp"
#include "options.hpp"
#include "result.hpp"
#include "strategies.hpp"
#include "strategy.hpp"
#include "version.hpp"
#include "weights.hpp"

namespace km {

/// k-means clustering, exact: Lloyd's iteration, each assignment pass that of Strategy.
///
/// @tparam Strategy  km::automatic (the default) or any of km::exact_strategies (strategies.hpp):
///   km::naive, km::vectorised, km::kd_tree, km::hamerly, km::exponion, km::yinyang, km::elkan.
///   The choice changes the speed, never the result. A strategy of your own must provide a
///   `name`, a `summary` and a member template `assigner<Scalar>` with a constructor from the
///   points and the thread team, `operator()(centres, labels)` (one assignment pass, exact) and
///   `distance_computations()`; strategy.hpp gives the contract in full, and naive.hpp is the
///   smallest complete example.
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
    return fit_points(points, nullptr, no_centres<typename Derived::Scalar>());
  }

  /// As fit(points), from the given k x d initial centres (settings().init, seed and n_init go
  /// unused).
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points,
                                       const Eigen::MatrixBase<CentresDerived>& initial) const {
    return fit_points(points, nullptr, &initial);
  }

  /// As fit(points), each point counting as much as its weight (see km::weights).
  template <typename Derived>
  result<typename Derived::Scalar> fit(
      const Eigen::MatrixBase<Derived>& points,
      const sample_weights<typename Derived::Scalar>& weights) const {
    return fit_points(points, &weights, no_centres<typename Derived::Scalar>());
  }

  /// As fit(points, weights), from the given k x d initial centres.
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points,
                                       const sample_weights<typename Derived::Scalar>& weights,
                                       const Eigen::MatrixBase<CentresDerived>& initial) const {
    return fit_points(points, &weights, &initial);
  }

  /// The nearest of `centres` (k x d, e.g. a fit's result.centers) for each row of `points`,
  /// exactly as a fit's assignment pass decides it (ties to the lowest index): so
  /// predict(training points, fit.centers) equals fit.labels. Empty `points` give no labels.
  template <typename Derived, typename CentresDerived>
  Eigen::VectorXi predict(const Eigen::MatrixBase<Derived>& points,
                          const Eigen::MatrixBase<CentresDerived>& centres) const {
    using Scalar = typename Derived::Scalar;
    const query<Scalar> q(points.derived(), centres, options_.threads);
    Eigen::VectorXi labels = Eigen::VectorXi::Constant(q.points.rows(), -1);
    if (q.points.rows() == 0) return labels;
    typename Strategy::template assigner<Scalar> assign(q.points, q.team);
    assign(q.centres, labels);
    return labels;
  }

  /// The Euclidean distance of each row of `points` to each of `centres` (k x d): n x k, the
  /// square roots of the canonical squared distances that the assignment compares.
  template <typename Derived, typename CentresDerived>
  row_matrix<typename Derived::Scalar> transform(
      const Eigen::MatrixBase<Derived>& points,
      const Eigen::MatrixBase<CentresDerived>& centres) const {
    using Scalar = typename Derived::Scalar;
    const query<Scalar> q(points.derived(), centres, options_.threads);
    const Eigen::Index n = q.points.rows(), k = q.centres.rows(), d = q.points.cols();
    row_matrix<Scalar> distances(n, k);
    const detail::chunks work{n, 1024};
    q.team.run(work.count(), [&](Eigen::Index t, int) {
      for (Eigen::Index i = work.begin(t); i < work.end(t); ++i) {
        for (Eigen::Index c = 0; c < k; ++c) {
          distances(i, c) = std::sqrt(
              detail::squared_distance(q.points.row(i).data(), q.centres.row(c).data(), d));
        }
      }
    });
    return distances;
  }

 private:
  template <typename Scalar>
  static constexpr void static_assert_scalar() {
    static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                  "km: points must be float or double");
  }

  // The type of "no initial centres" for fit_points.
  template <typename Scalar>
  static constexpr const Eigen::MatrixBase<row_matrix<Scalar>>* no_centres() {
    return nullptr;
  }

  /// Every fit: checks everything first (points, options, initial centres, range, weights), then
  /// runs options.n_init times (once from given centres) and keeps the lowest inertia.
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit_points(
      const Eigen::MatrixBase<Derived>& points,
      const sample_weights<typename Derived::Scalar>* weights,
      const Eigen::MatrixBase<CentresDerived>* initial) const {
    using Scalar = typename Derived::Scalar;
    static_assert_scalar<Scalar>();
    static_assert(std::is_same_v<Scalar, typename CentresDerived::Scalar>,
                  "km: initial centres must have the same scalar type as the points");
    detail::profile::scope checks_timing(detail::profile::phase::checks);
    const detail::points_ref<Scalar> data(points.derived());
    const auto view = detail::view_of(data);
    detail::thread_team team(options_.threads);  // threads start only when work needs them
    check_points(view);
    detail::bounding_box box = detail::check_range<Scalar>(view, nullptr, team);
    row_matrix<Scalar> given;
    if (initial != nullptr) {
      given = detail::check_initial_centres(view, *initial, options_.k, box, team);
    }
    const detail::point_weights<Scalar> point_weights =
        weights == nullptr ? detail::point_weights<Scalar>{}
                           : detail::check_weights(*weights, view.rows(), options_.k, box);
    checks_timing.close();

    const detail::solo one_process(view.rows());
    const detail::fit_context<Scalar, detail::solo> fit{view, point_weights, box, team,
                                                        one_process};
    return detail::best_of_runs<Strategy>(fit, initial != nullptr ? &given : nullptr, options_);
  }

  template <typename Scalar>
  void check_points(const detail::points_view<Scalar>& points) const {
    if (points.rows() == 0) throw invalid_input("no points: the input has 0 rows");
    if (points.cols() == 0) throw invalid_input("the points have zero columns");
    detail::check_options(options_, points.rows());
  }

  /// Points and centres of a predict() or transform(), checked: the same scalar type and number
  /// of columns, at least one centre, every value finite, distances that cannot overflow.
  template <typename Scalar>
  struct query {
    template <typename Derived, typename CentresDerived>
    query(const Derived& points_in, const Eigen::MatrixBase<CentresDerived>& centres_in,
          int threads)
        : data(points_in), points(detail::view_of(data)), centres(centres_in), team(threads) {
      static_assert_scalar<Scalar>();
      static_assert(std::is_same_v<Scalar, typename CentresDerived::Scalar>,
                    "km: centres must have the same scalar type as the points");
      detail::check_threads(threads);
      if (centres.rows() == 0) throw invalid_input("no centres: the centres have 0 rows");
      if (centres.cols() != points.cols()) {
        throw invalid_input("the points have " + detail::to_text(points.cols()) +
                            " columns but the centres " + detail::to_text(centres.cols()));
      }
      const detail::points_view<Scalar> centres_view = detail::view_of_rows(centres);
      detail::check_finite(centres_view, "centres", team);
      if (points.rows() == 0) return;
      detail::check_range(points, &centres_view, team);
    }

    detail::points_ref<Scalar> data;
    detail::points_view<Scalar> points;
    row_matrix<Scalar> centres;
    mutable detail::thread_team team;
  };

  options options_;
};

}  // namespace km
