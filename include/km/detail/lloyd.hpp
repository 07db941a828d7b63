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
#include "../strategy.hpp"
#include "collective.hpp"
#include "fit_context.hpp"
#include "inertia.hpp"
#include "init.hpp"
#include "moves.hpp"
#include "parallel.hpp"
#include "point_weights.hpp"
#include "points.hpp"
#include "profile.hpp"
#include "update.hpp"
#include "validate.hpp"

namespace km::detail {

/// One fit from the given centres. Strategy is the policy of km::kmeans (strategy.hpp says what
/// it must provide): it assigns, and this loop does everything else.
///
/// `run` numbers the fit's runs (options::n_init) for the reports. Across processes
/// (collective.hpp) each assigns its own points; the labels returned are those of this process's
/// points, everything else is the same on every process.
template <typename Strategy, typename Scalar, typename Collective>
result<Scalar> lloyd(const fit_context<Scalar, Collective>& fit, row_matrix<Scalar> centres,
                     const options& opts, int run) {
  const points_view<Scalar>& points = fit.points;
  thread_team& team = fit.team;
  const Eigen::Index n = points.rows();
  using assigner = typename Strategy::template assigner<Scalar>;
  // profile:: times the phases for bench/km_profile; by default it compiles to nothing.
  profile::scope setup_timing(profile::phase::setup);
  // A process may hold no points; it then takes part in the sums only.
  std::optional<assigner> assign;
  if (n > 0) assign.emplace(points, team);
  centre_update<Scalar, Collective> update(fit, static_cast<int>(centres.rows()));
  row_matrix<Scalar> next(centres.rows(), centres.cols());

  result<Scalar> out;
  out.labels = Eigen::VectorXi::Constant(n, -1);
  setup_timing.close();
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
  // At the end the labels are written out beside the sum (`write_out`): an assigner's own copy
  // of the points is hot in cache, and the caller's scattered labels are left to one task.
  const auto current_inertia = [&](bool write_out) {
    if constexpr (may_report_moves<assigner>::value) {
      if (reported) {
        std::function<void()> write;
        if (write_out) write = [&] { assign->write_labels(out.labels); };
        return inertia(fit, assign->own_points(), centres, write);
      }
    }
    return inertia(fit, labelled_points<Scalar>{points, out.labels}, centres);
  };
  bool within_tolerance = false;
  bool stop_requested = false;
  for (;;) {
    // The sums follow the labels at once: how many points of positive weight moved decides
    // whether the fit goes on (all the points that moved, when unweighted).
    const Eigen::Index changed = [&] {
      profile::scope assignment_timing(profile::phase::assignment);
      if constexpr (may_report_moves<assigner>::value) {
        if (reported) {
          update.start_moves(team.size());
          (*assign)(centres, out.labels, &update);
          return update.finish_moves();
        }
      }
      if (assign) (*assign)(centres, out.labels);
      assignment_timing.close();
      const profile::scope sums_timing(profile::phase::sums);
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
      profile::scope inertia_timing(profile::phase::inertia);
      report.inertia = current_inertia(true);
      inertia_timing.close();
      out.inertia = static_cast<Scalar>(report.inertia);
      out.converged = changed == 0 || within_tolerance;
      if (opts.on_iteration) opts.on_iteration(report);
      break;
    }
    // Inertia costs a pass over the points; only a callback needs it before the end.
    if (opts.on_iteration && opts.report_inertia) {
      const profile::scope inertia_timing(profile::phase::inertia);
      report.inertia = current_inertia(false);
    }
    {
      const profile::scope centres_timing(profile::phase::centres);
      update(centres, next, current_labels, team);
      report.centre_shift = centre_shift(centres, next);
    }
    std::swap(centres, next);
    within_tolerance = opts.tolerance > 0 && report.centre_shift <= opts.tolerance;
    // Processes stop together: when any one's callback asks to.
    if (opts.on_iteration) stop_requested = fit.processes.any(!opts.on_iteration(report));
  }
  out.centers = std::move(centres);
  out.distance_computations = assign ? assign->distance_computations() : 0;
  return out;
}

/// The fit: options::n_init runs from the initial centres that opts.init picks (one run from
/// `given` centres, when not null), the lowest inertia kept, the earliest run on a tie. Inputs
/// are checked already.
template <typename Strategy, typename Scalar, typename Collective>
result<Scalar> best_of_runs(const fit_context<Scalar, Collective>& fit,
                            const row_matrix<Scalar>* given, const options& opts) {
  const int runs = given != nullptr ? 1 : opts.n_init;
  result<Scalar> best;
  for (int run = 0; run < runs; ++run) {
    profile::scope init_timing(profile::phase::init);
    row_matrix<Scalar> centres =
        given != nullptr ? *given : initial_centres(fit, opts, run_seed(opts.seed, run));
    init_timing.close();
    result<Scalar> fitted = lloyd<Strategy>(fit, std::move(centres), opts, run);
    if (run == 0 || fitted.inertia < best.inertia) best = std::move(fitted);
  }
  return best;
}

}  // namespace km::detail
