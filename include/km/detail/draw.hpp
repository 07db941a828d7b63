// Random draws in proportion to non-negative terms (k-means++'s D^2 draws, draws by weight) whose
// outcome depends on the terms alone, not on how threads or MPI processes split the work.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "exact_sum.hpp"
#include "parallel.hpp"
#include "rng.hpp"

namespace km::detail {

/// Draws index i of [0, n) with probability term(i) / total. The rule: i is the first index whose
/// exact prefix sum term(0) + ... + term(i) exceeds unit() x the rounded total. The prefix sums
/// are exact on the grids of exact_grid and compared exactly, so the drawn index is a function of
/// the terms and the random number alone: chunks summed on any threads, and rows split among any
/// processes (collective.hpp), give the same draw as one sequential pass. A zero term is never
/// drawn (its prefix equals the one before), so removing points of zero term changes no draw.
///
/// Terms are indexed by local row; the n terms of all processes form the global sequence, and a
/// draw returns a global index (the same on every process).
class proportional_draw {
  using level_sums = std::array<double, exact_grid::levels>;

 public:
  /// `grid` bounds every term (of any process); this process holds `n` terms.
  proportional_draw(const exact_grid& grid, Eigen::Index n) : grid_(grid), work_{n, 4096} {}

  /// Sums term(i) for every local i, in chunks on the team's threads (term is called once per i,
  /// from any thread), combines the processes' sums, and returns the rounded total. Draws then use
  /// these sums: `term` must give them the same values.
  template <typename Term, typename Collective>
  double measure(Term&& term, thread_team& team, const Collective& processes) {
    chunk_sums_.assign(static_cast<std::size_t>(work_.count()), level_sums{});
    team.run(work_.count(), [&](Eigen::Index t, int) {
      level_sums& sums = chunk_sums_[static_cast<std::size_t>(t)];
      for (Eigen::Index i = work_.begin(t); i < work_.end(t); ++i)
        add(sums, grid_.split(term(i)));
    });
    level_sums local{};
    for (const level_sums& sums : chunk_sums_)
      add(local, sums);
    before_ = local;
    processes.exclusive_sum(before_.data(), exact_grid::levels);
    total_ = local;
    processes.sum(total_.data(), exact_grid::levels);
    return total();
  }

  /// The rounded total of the terms last measured.
  double total() const { return rounded_sum(total_); }

  /// One draw (the total must be positive): the process and chunk where the exact prefix passes
  /// the target, then the point within it. Returns a global index.
  template <typename Term, typename Collective>
  Eigen::Index operator()(Term&& term, rng& random, const Collective& processes) const {
    const double target = random.unit() * total();
    const Eigen::Index found = local_draw(term, target);
    constexpr std::int64_t none = std::numeric_limits<std::int64_t>::max();
    const std::int64_t drawn = processes.min(found < 0 ? none : processes.offset() + found);
    if (drawn != none) return static_cast<Eigen::Index>(drawn);
    // The target reached the exact total (unit() x total rounded up): the last positive term.
    const Eigen::Index last = last_positive(term);
    return static_cast<Eigen::Index>(
        std::max<std::int64_t>(processes.max(last < 0 ? -1 : processes.offset() + last), 0));
  }

 private:
  /// The local index where the prefix (from the processes before this one on) first exceeds
  /// `target`, if that happens on this process; -1 otherwise.
  template <typename Term>
  Eigen::Index local_draw(Term& term, double target) const {
    level_sums prefix = before_;
    if (exceeds(prefix, target)) return -1;  // drawn on an earlier process
    for (Eigen::Index t = 0; t < work_.count(); ++t) {
      level_sums through = prefix;
      add(through, chunk_sums_[static_cast<std::size_t>(t)]);
      if (exceeds(through, target)) {
        // Reached by the chunk's last term at the latest: the prefix then equals `through`.
        for (Eigen::Index i = work_.begin(t); i < work_.end(t); ++i) {
          add(prefix, grid_.split(term(i)));
          if (exceeds(prefix, target)) return i;
        }
      }
      prefix = through;
    }
    return -1;
  }

  /// The last local index of positive term, -1 if none.
  template <typename Term>
  Eigen::Index last_positive(Term& term) const {
    for (Eigen::Index i = work_.n; i-- > 0;) {
      if (term(i) > 0) return i;
    }
    return -1;
  }

  /// Whether the exact value of `sums` is above `target`: the sign of an exact difference (a
  /// non-overlapping expansion, whose faithful rounding keeps the sign). Exact, hence monotone
  /// in the prefix, which the chunk skipping relies on.
  static bool exceeds(const level_sums& sums, double target) {
    return rounded_sum<exact_grid::levels + 1>({sums[0], sums[1], sums[2], -target}) > 0;
  }

  static void add(level_sums& into, const level_sums& parts) {
    for (std::size_t l = 0; l < into.size(); ++l)
      into[l] += parts[l];
  }

  exact_grid grid_;
  chunks work_;
  std::vector<level_sums> chunk_sums_;  // exact, per local chunk of work_
  level_sums before_{};                 // exact, of the processes before this one
  level_sums total_{};                  // exact, of all processes
};

}  // namespace km::detail
