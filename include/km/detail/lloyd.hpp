// The Lloyd iteration shared by every strategy: assign, update, repeat. A strategy only supplies
// the assignment pass; everything that decides the result's bits beyond the labels (update,
// empty clusters, inertia, stopping) lives here once.
#pragma once

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "../options.hpp"
#include "../result.hpp"
#include "collective.hpp"
#include "init.hpp"
#include "moves.hpp"
#include "parallel.hpp"
#include "point_weights.hpp"
#include "points.hpp"
#include "update.hpp"
#include "validate.hpp"

namespace km::detail {

/// Whether Assigner may report its moves (see lloyd).
template <typename Assigner, typename = void>
struct may_report_moves : std::false_type {};
template <typename Assigner>
struct may_report_moves<Assigner,
                        std::void_t<decltype(std::declval<const Assigner&>().reports_moves())>>
    : std::true_type {};

/// Strategy requirements (the policy of km::kmeans<Strategy>): a member template
/// `Strategy::assigner<Scalar>`, constructible from `(const points_view<Scalar>&, thread_team&)`
/// (built once per fit; it may index the points, e.g. into a tree, and keeps both), with
/// `Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels)` that
/// writes into labels[i] the canonically nearest centre of point i (ties to the lowest index) and
/// returns how many labels it changed. Labels start at -1, so the first pass changes all of them.
/// `std::uint64_t distance_computations() const` reports the distances evaluated so far.
/// An assigner may also offer `bool reports_moves() const`, the same for the whole fit: when
/// true, its passes take a third argument, `point_moves<Scalar>*` (moves.hpp), and report there
/// each label they change as they change it, so that the update need not compare every label
/// after the pass (centre_update::start_moves); they need not write `labels` then, which
/// `void write_labels(Eigen::VectorXi& labels) const` does when they are read. Such an assigner
/// keeps its own copy of the points, `labelled_points<Scalar> own_points() const` (points.hpp),
/// with the labels of its last pass: the inertia is summed there.
///
/// `run` numbers the fit's runs (options::n_init) for the reports. Across processes
/// (collective.hpp) each assigns its own points; the labels returned are those of this process's
/// points, everything else is the same on every process.
template <typename Strategy, typename Scalar, typename Collective>
result<Scalar> lloyd(const points_view<Scalar>& points, const point_weights<Scalar>& weights,
                     row_matrix<Scalar> centres, const bounding_box& box, const options& opts,
                     int run, thread_team& team, const Collective& processes) {
  const Eigen::Index n = points.rows();
  using assigner = typename Strategy::template assigner<Scalar>;
  // A process may hold no points; it then takes part in the sums only.
  std::optional<assigner> assign;
  if (n > 0) assign.emplace(points, team);
  centre_update<Scalar, Collective> update(points, static_cast<int>(centres.rows()), box, weights,
                                           processes);
  row_matrix<Scalar> next(centres.rows(), centres.cols());

  result<Scalar> out;
  out.labels = Eigen::VectorXi::Constant(n, -1);
  const bool reported = [&] {
    if constexpr (may_report_moves<assigner>::value) return assign && assign->reports_moves();
    return false;
  }();
  const auto current_labels = [&]() -> const Eigen::VectorXi& {
    if constexpr (may_report_moves<assigner>::value) {
      if (reported) assign->write_labels(out.labels);
    }
    return out.labels;
  };
  // At the end the labels are written out beside the sum (`write_out`). An assigner's own copy
  // of the points is hot in cache, and leaves the caller's scattered labels to one task (1e5 x
  // 2, k = 16, inertia and labels: 0.80 -> 0.72 ms on one thread, 0.51 -> 0.29 ms on two).
  const auto current_inertia = [&](bool write_out) {
    if constexpr (may_report_moves<assigner>::value) {
      if (reported) {
        std::function<void()> write;
        if (write_out) write = [&] { assign->write_labels(out.labels); };
        return inertia(assign->own_points(), centres, box, team, weights, processes, write);
      }
    }
    return inertia(labelled_points<Scalar>{points, out.labels}, centres, box, team, weights,
                   processes);
  };
  bool within_tolerance = false;
  bool stop_requested = false;
  for (;;) {
    // The sums follow the labels at once: how many points of positive weight moved decides
    // whether the fit goes on (all the points that moved, when unweighted).
    const Eigen::Index changed = [&] {
      if constexpr (may_report_moves<assigner>::value) {
        if (reported) {
          update.start_moves(team.size());
          (*assign)(centres, out.labels, &update);
          return update.finish_moves();
        }
      }
      if (assign) (*assign)(centres, out.labels);
      return update.follow(out.labels, team);
    }();
    ++out.iterations;
    const bool last =
        changed == 0 || out.iterations == opts.max_iterations || within_tolerance || stop_requested;
    iteration_report report;
    report.iteration = out.iterations;
    report.labels_changed = changed;
    report.last = last;
    report.run = run;
    if (last) {
      report.inertia = current_inertia(true);
      out.inertia = static_cast<Scalar>(report.inertia);
      out.converged = changed == 0 || within_tolerance;
      if (opts.on_iteration) opts.on_iteration(report);
      break;
    }
    // Inertia costs a pass over the points; only a callback needs it before the end.
    if (opts.on_iteration) report.inertia = current_inertia(false);
    update(centres, next, current_labels, team);
    report.centre_shift = centre_shift(centres, next);
    std::swap(centres, next);
    within_tolerance = opts.tolerance > 0 && report.centre_shift <= opts.tolerance;
    // Processes stop together: when any one's callback asks to.
    if (opts.on_iteration) stop_requested = processes.any(!opts.on_iteration(report));
  }
  out.centers = std::move(centres);
  out.distance_computations = assign ? assign->distance_computations() : 0;
  return out;
}

/// The fit: options::n_init runs from the initial centres that opts.init picks (one run from
/// `given` centres, when not null), the lowest inertia kept, the earliest run on a tie. Inputs
/// are checked already; `box` bounds the points and any given centres.
template <typename Strategy, typename Scalar, typename Collective>
result<Scalar> best_of_runs(const points_view<Scalar>& points, const point_weights<Scalar>& weights,
                            const row_matrix<Scalar>* given, const bounding_box& box,
                            const options& opts, thread_team& team, const Collective& processes) {
  const int runs = given != nullptr ? 1 : opts.n_init;
  result<Scalar> best;
  for (int run = 0; run < runs; ++run) {
    row_matrix<Scalar> centres =
        given != nullptr ? *given
                         : initial_centres(points, weights, opts, run_seed(opts.seed, run), box,
                                           team, processes);
    result<Scalar> fitted =
        lloyd<Strategy>(points, weights, std::move(centres), box, opts, run, team, processes);
    if (run == 0 || fitted.inertia < best.inertia) best = std::move(fitted);
  }
  return best;
}

}  // namespace km::detail
