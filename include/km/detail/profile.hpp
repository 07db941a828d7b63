// Where a fit's time goes, for bench/km_profile. The driver (kmeans.hpp, lloyd.hpp) marks its
// phases and the thread team (parallel.hpp) its runs with the hooks below. By default every hook
// is an empty object that compiles to nothing.
//
// Configuration macro:
//   KM_PROFILE  when defined, the hooks time their phases and the team's runs into
//               profile::totals(), one process-wide record. Define it for the whole program
//               (every translation unit, e.g. as a compile definition) and run one fit at a time:
//               it is a benchmarking switch, not an option of the library.
#pragma once

#include <cstddef>

#if defined(KM_PROFILE)
#include <chrono>
#include <vector>
#endif

namespace km::detail::profile {

/// The phases of a fit, in the order they first run.
enum class phase : int {
  checks,      ///< input checks: points, options, range, initial centres, weights
  init,        ///< the initial centres (a copy of given ones)
  setup,       ///< the assigner's construction (a kd-tree, norms) and the update's grids
  assignment,  ///< assignment passes (with the sums, for an assigner that reports its moves)
  sums,        ///< the update's sums following the labels a pass changed
  centres,     ///< the new centres from the sums, empty clusters, the centres' shift
  inertia,     ///< the inertia, and the labels written out at the end
  stop,        ///< the team's threads stopped and joined at the end of the fit
};
inline constexpr int phases = 8;

#if defined(KM_PROFILE)

using clock = std::chrono::steady_clock;

inline double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

/// What one phase took, summed over every time it ran.
struct phase_totals {
  long calls = 0;
  double seconds = 0;         ///< on the fit's own thread, from the phase's start to its end
  long team_runs = 0;         ///< thread_team runs started within it
  double team_seconds = 0;    ///< their wall time, on the fit's own thread
  double thread_seconds = 0;  ///< their wall time x the team's threads
  double busy_seconds = 0;    ///< the time the team's threads spent running tasks in them
};

/// The totals since the last reset(): phases[phases] holds the team runs outside every phase.
struct record {
  phase_totals phases[profile::phases + 1];
  int threads = 1;  ///< the team's size in its last run
  int current = profile::phases;
  std::vector<double> slot_busy;  ///< per slot, in the run under way
};

inline record& totals() {
  static record r;
  return r;
}

inline void reset() {
  totals() = record{};
}

/// Times `which` from construction to close() or destruction; team runs in between count for it.
class scope {
 public:
  explicit scope(phase which) : previous_(totals().current), start_(clock::now()) {
    totals().current = static_cast<int>(which);
  }
  scope(const scope&) = delete;
  scope& operator=(const scope&) = delete;
  ~scope() { close(); }

  void close() {
    if (closed_) return;
    closed_ = true;
    record& r = totals();
    phase_totals& mine = r.phases[r.current];
    ++mine.calls;
    mine.seconds += seconds_since(start_);
    r.current = previous_;
  }

 private:
  int previous_;
  clock::time_point start_;
  bool closed_ = false;
};

/// One run of the team (its caller's side): `threads` the team's size, `slots` those taking part.
class team_run {
 public:
  team_run(int threads, int slots) : start_(clock::now()) {
    record& r = totals();
    r.threads = threads;
    r.slot_busy.assign(static_cast<std::size_t>(slots), 0.0);
  }
  team_run(const team_run&) = delete;
  team_run& operator=(const team_run&) = delete;
  /// After every slot is done: the helpers' slot_busy were written before they reported done.
  ~team_run() {
    record& r = totals();
    const double wall = seconds_since(start_);
    phase_totals& in = r.phases[r.current];
    ++in.team_runs;
    in.team_seconds += wall;
    in.thread_seconds += wall * r.threads;
    for (const double busy : r.slot_busy)
      in.busy_seconds += busy;
  }

 private:
  clock::time_point start_;
};

/// A slot's time running tasks within one team run.
class slot_busy {
 public:
  explicit slot_busy(int slot) : slot_(slot), start_(clock::now()) {}
  slot_busy(const slot_busy&) = delete;
  slot_busy& operator=(const slot_busy&) = delete;
  ~slot_busy() { totals().slot_busy[static_cast<std::size_t>(slot_)] += seconds_since(start_); }

 private:
  int slot_;
  clock::time_point start_;
};

#else

// [[maybe_unused]]: a hook's variable is used for its constructor alone, which does nothing here.
class [[maybe_unused]] scope {
 public:
  constexpr explicit scope(phase) noexcept {}
  constexpr void close() noexcept {}
};

class [[maybe_unused]] team_run {
 public:
  constexpr team_run(int, int) noexcept {}
};

class [[maybe_unused]] slot_busy {
 public:
  constexpr explicit slot_busy(int) noexcept {}
};

#endif

}  // namespace km::detail::profile
