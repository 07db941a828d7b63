// km::mini_batch_kmeans: Sculley's mini-batch k-means (2010), for data too large to sweep on every
// iteration. APPROXIMATE: it is outside the exactness contract of km::kmeans (its centres are not
// Lloyd's, and no exact strategy reproduces them). It is still seeded and reproducible: the same
// data, options and seed give the same bits on every thread count.
//
//   km::mini_batch_options opts;
//   opts.k = 100;
//   opts.batch_size = 4096;
//   km::result<float> r = km::mini_batch_kmeans(opts).fit(points);
//
// Each step draws batch_size points uniformly (with replacement), assigns them exactly to the
// current centres, and moves each centre c to the running mean of every point it was ever given:
// c + (sum of its batch points - m c) / (v + m), where v is the weight it had before and m the
// weight its batch points add (Sculley's per-centre learning rate 1 / v, applied per batch). The
// returned labels and inertia come from one exact assignment pass over all points, so
// km::kmeans<>::predict(points, r.centers) equals r.labels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "automatic.hpp"
#include "detail/collective.hpp"
#include "detail/fit_context.hpp"
#include "detail/inertia.hpp"
#include "detail/init.hpp"
#include "detail/parallel.hpp"
#include "detail/point_weights.hpp"
#include "detail/points.hpp"
#include "detail/rng.hpp"
#include "detail/validate.hpp"
#include "invalid_input.hpp"
#include "options.hpp"
#include "result.hpp"
#include "vectorised.hpp"
#include "weights.hpp"

namespace km {

/// What a mini-batch fit reports after every step (see mini_batch_options::on_step).
struct mini_batch_report {
  int step = 0;                 ///< 1 for the first batch
  double batch_inertia = 0;     ///< the batch's mean squared distance to the centres it was
                                ///< assigned to, before they moved (weighted); 0 when the
                                ///< batch weighs nothing
  double smoothed_inertia = 0;  ///< the average of those that max_no_improvement watches
  double centre_shift = 0;      ///< summed squared move of the centres in this step
};

/// Options of a mini-batch fit; an aggregate with defaults, like km::options.
struct mini_batch_options {
  int k = 8;                                         ///< clusters, 1 <= k <= number of points
  init_method init = init_method::kmeans_plus_plus;  ///< run on a sample of init_size points
  std::uint64_t seed = 0;                            ///< every random choice flows from this
  Eigen::Index batch_size = 1024;                    ///< points per step, >= 1
  int max_steps = 1000;                              ///< cap on steps (batches), >= 1
  /// Stop when the smoothed batch inertia (an exponential average over about n / batch_size
  /// steps) has not improved for this many steps; 0: never stop on this.
  int max_no_improvement = 10;
  /// Stop once a step moves the centres by a summed squared shift <= tolerance; 0: never.
  double tolerance = 0.0;
  /// Points sampled (without replacement) to choose the initial centres; 0: 3 x batch_size, at
  /// least 3 k, at most n.
  Eigen::Index init_size = 0;
  int threads = 1;  ///< 0 = all hardware threads; results never depend on it
  /// Called after every step; return false to end the fit there (converged then says whether a
  /// stopping rule would have ended it anyway). The labels and inertia still come from the
  /// final pass over all points.
  std::function<bool(const mini_batch_report&)> on_step = {};
};

class mini_batch_kmeans {
 public:
  explicit mini_batch_kmeans(mini_batch_options opts = {}) : options_(std::move(opts)) {}

  const mini_batch_options& settings() const noexcept { return options_; }

  /// Clusters the rows of `points`; result.iterations counts steps, result.converged says an
  /// early-stopping rule ended the fit before max_steps.
  template <typename Derived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points) const {
    return fit_points(points, nullptr, no_centres<typename Derived::Scalar>());
  }

  /// As fit(points), each point counting as much as its weight: it is drawn as often as any
  /// other, and its weight scales what it adds to its centre.
  template <typename Derived>
  result<typename Derived::Scalar> fit(
      const Eigen::MatrixBase<Derived>& points,
      const sample_weights<typename Derived::Scalar>& weights) const {
    return fit_points(points, &weights, no_centres<typename Derived::Scalar>());
  }

  /// As fit(points), from the given k x d initial centres.
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points,
                                       const Eigen::MatrixBase<CentresDerived>& initial) const {
    return fit_points(points, nullptr, &initial);
  }

  /// As fit(points, weights), from the given k x d initial centres.
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points,
                                       const sample_weights<typename Derived::Scalar>& weights,
                                       const Eigen::MatrixBase<CentresDerived>& initial) const {
    return fit_points(points, &weights, &initial);
  }

 private:
  template <typename Scalar>
  static constexpr const Eigen::MatrixBase<row_matrix<Scalar>>* no_centres() {
    return nullptr;
  }

  void check_options(Eigen::Index n) const {
    options plain;
    plain.k = options_.k;
    plain.threads = options_.threads;
    plain.tolerance = options_.tolerance;
    detail::check_options(plain, n);
    const auto positive = [](auto value, const char* name) {
      if (value < 1) {
        throw invalid_input(std::string(name) + " = " + detail::to_text(value) + " must be >= 1");
      }
    };
    positive(options_.batch_size, "batch_size");
    positive(options_.max_steps, "max_steps");
    if (options_.max_no_improvement < 0) {
      throw invalid_input("max_no_improvement = " + detail::to_text(options_.max_no_improvement) +
                          " must be >= 0 (0: never stop on it)");
    }
    if (options_.init_size < 0) {
      throw invalid_input("init_size = " + detail::to_text(options_.init_size) +
                          " must be >= 0 (0: chosen from batch_size and k)");
    }
  }

  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit_points(
      const Eigen::MatrixBase<Derived>& points,
      const sample_weights<typename Derived::Scalar>* weights,
      const Eigen::MatrixBase<CentresDerived>* initial) const {
    using Scalar = typename Derived::Scalar;
    static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                  "km: points must be float or double");
    static_assert(std::is_same_v<Scalar, typename CentresDerived::Scalar>,
                  "km: initial centres must have the same scalar type as the points");
    const detail::points_ref<Scalar> data(points.derived());
    const auto view = detail::view_of(data);
    detail::thread_team team(options_.threads);
    if (view.rows() == 0) throw invalid_input("no points: the input has 0 rows");
    if (view.cols() == 0) throw invalid_input("the points have zero columns");
    check_options(view.rows());
    detail::bounding_box box = detail::check_range<Scalar>(view, nullptr, team);
    row_matrix<Scalar> centres;
    if (initial != nullptr) {
      centres = detail::check_initial_centres(view, *initial, options_.k, box, team);
    }
    const detail::point_weights<Scalar> point_weights =
        weights == nullptr ? detail::point_weights<Scalar>{}
                           : detail::check_weights(*weights, view.rows(), options_.k, box);

    // Independent streams from the one seed: the initial sample, the seeding, the batches.
    const detail::solo one_process(view.rows());
    const detail::fit_context<Scalar, detail::solo> fit{view, point_weights, box, team,
                                                        one_process};
    if (initial == nullptr) centres = initial_centres(fit);
    detail::rng batches(detail::run_seed(options_.seed, 2));
    return steps(fit, std::move(centres), batches);
  }

  /// k-means++ (or options.init) on init_size points drawn without replacement, in draw order.
  template <typename Scalar>
  row_matrix<Scalar> initial_centres(const detail::fit_context<Scalar, detail::solo>& fit) const {
    const detail::points_view<Scalar>& points = fit.points;
    const detail::point_weights<Scalar>& weights = fit.weights;
    detail::rng random(options_.seed);
    const Eigen::Index n = points.rows();
    Eigen::Index size = options_.init_size;
    if (size == 0)
      size = std::max<Eigen::Index>(3 * options_.batch_size, 3 * Eigen::Index{options_.k});
    size = std::min(size, n);
    std::vector<Eigen::Index> rows = detail::distinct_indices(n, static_cast<int>(size), random);
    // The sample must hold k points of positive weight; add the first others that weigh.
    if (weights.given()) {
      std::vector<bool> taken(static_cast<std::size_t>(n), false);
      Eigen::Index positive = 0;
      for (const Eigen::Index row : rows) {
        taken[static_cast<std::size_t>(row)] = true;
        positive += weights[row] > 0;
      }
      for (Eigen::Index i = 0; i < n && positive < options_.k; ++i) {
        if (!taken[static_cast<std::size_t>(i)] && weights[i] > 0) {
          rows.push_back(i);
          ++positive;
        }
      }
    }
    const Eigen::Index m = static_cast<Eigen::Index>(rows.size());
    row_matrix<Scalar> sample(m, points.cols());
    std::vector<Scalar> sample_weights(static_cast<std::size_t>(m));
    for (Eigen::Index r = 0; r < m; ++r) {
      sample.row(r) = points.row(rows[static_cast<std::size_t>(r)]);
      sample_weights[static_cast<std::size_t>(r)] =
          static_cast<Scalar>(weights[rows[static_cast<std::size_t>(r)]]);
    }
    const detail::points_view<Scalar> sample_view(sample.data(), m, sample.cols(),
                                                  Eigen::OuterStride<>(sample.cols()));
    detail::point_weights<Scalar> sampled = weights;
    if (weights.given()) sampled.values = sample_weights.data();
    options opts;
    opts.k = options_.k;
    opts.init = options_.init;
    const detail::bounding_box box = detail::check_range<Scalar>(sample_view, nullptr, fit.team);
    const detail::solo one_process(m);
    return detail::initial_centres(
        detail::fit_context<Scalar, detail::solo>{sample_view, sampled, box, fit.team, one_process},
        opts, detail::run_seed(options_.seed, 1));
  }

  template <typename Scalar>
  result<Scalar> steps(const detail::fit_context<Scalar, detail::solo>& fit,
                       row_matrix<Scalar> centres, detail::rng& random) const {
    const detail::points_view<Scalar>& points = fit.points;
    const detail::point_weights<Scalar>& weights = fit.weights;
    const detail::bounding_box& box = fit.box;
    detail::thread_team& team = fit.team;
    const Eigen::Index n = points.rows(), d = points.cols();
    const Eigen::Index b = options_.batch_size;
    const int k = options_.k;
    row_matrix<Scalar> batch(b, d);
    std::vector<Eigen::Index> drawn(static_cast<std::size_t>(b));
    Eigen::VectorXi labels(b);
    Eigen::VectorXd seen = Eigen::VectorXd::Zero(k);  // weight each centre has been given
    Eigen::MatrixXd sums(k, d);
    Eigen::VectorXd added(k);
    // The smoothed batch inertia averages over about n / b steps, as one pass over the data.
    const double smoothing = std::min(1.0, static_cast<double>(b) / static_cast<double>(n));
    double smoothed = 0, best = std::numeric_limits<double>::infinity();
    int without_improvement = 0;

    // One assigner over the batch buffer for the whole fit: its scratch outlives the steps.
    const detail::points_view<Scalar> batch_view(batch.data(), b, d, Eigen::OuterStride<>(d));
    std::optional<vectorised::assigner<Scalar>> assign;

    result<Scalar> out;
    for (int step = 1; step <= options_.max_steps; ++step) {
      for (Eigen::Index r = 0; r < b; ++r) {
        drawn[static_cast<std::size_t>(r)] =
            static_cast<Eigen::Index>(random.index(static_cast<std::uint64_t>(n)));
        batch.row(r) = points.row(drawn[static_cast<std::size_t>(r)]);
      }
      if (assign) {
        assign->points_changed();
      } else {
        assign.emplace(batch_view, team);
      }
      labels.setConstant(-1);
      (*assign)(centres, labels);
      out.distance_computations += static_cast<std::uint64_t>(b) * static_cast<std::uint64_t>(k);

      // In batch order on one thread: the same bits for every thread count.
      sums.setZero();
      added.setZero();
      double batch_inertia = 0, batch_weight = 0;
      for (Eigen::Index r = 0; r < b; ++r) {
        const double w = weights[drawn[static_cast<std::size_t>(r)]];
        const int c = labels[r];
        batch_inertia += w * static_cast<double>(detail::squared_distance(
                                 batch.row(r).data(), centres.row(c).data(), d));
        batch_weight += w;
        added[c] += w;
        for (Eigen::Index j = 0; j < d; ++j)
          sums(c, j) += w * static_cast<double>(batch(r, j));
      }
      double shift = 0;
      for (int c = 0; c < k; ++c) {
        if (added[c] == 0) continue;
        const double total = seen[c] + added[c];
        for (Eigen::Index j = 0; j < d; ++j) {
          const double centre = static_cast<double>(centres(c, j));
          // A mean stays within the points' range; rounding must not push it out, where a
          // squared distance to data near the overflow limit could become infinite (identical
          // points then keep their centre exactly).
          const Scalar moved = static_cast<Scalar>(
              std::clamp(centre + (sums(c, j) - added[c] * centre) / total, box.lo[j], box.hi[j]));
          const double gap = static_cast<double>(moved) - centre;
          shift += gap * gap;
          centres(c, j) = moved;
        }
        seen[c] = total;
      }
      out.iterations = step;

      const double mean = batch_weight > 0 ? batch_inertia / batch_weight : 0;
      if (batch_weight > 0) {
        smoothed = step == 1 ? mean : smoothed * (1 - smoothing) + mean * smoothing;
        if (smoothed < best) {
          best = smoothed;
          without_improvement = 0;
        } else {
          ++without_improvement;
        }
      }
      out.converged =
          (options_.tolerance > 0 && shift <= options_.tolerance) ||
          (options_.max_no_improvement > 0 && without_improvement >= options_.max_no_improvement);
      if (options_.on_step) {
        mini_batch_report report;
        report.step = step;
        report.batch_inertia = mean;
        report.smoothed_inertia = smoothed;
        report.centre_shift = shift;
        if (!options_.on_step(report)) break;
      }
      if (out.converged) break;
    }

    // Labels and inertia from one exact pass over all points.
    out.labels = Eigen::VectorXi::Constant(n, -1);
    automatic::assigner<Scalar> assign_all(points, team);
    assign_all(centres, out.labels);
    out.distance_computations += assign_all.distance_computations();
    out.inertia = static_cast<Scalar>(
        detail::inertia(fit, detail::labelled_points<Scalar>{points, out.labels}, centres));
    out.centers = std::move(centres);
    return out;
  }

  mini_batch_options options_;
};

}  // namespace km
