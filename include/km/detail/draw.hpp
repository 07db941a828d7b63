// Random draws in proportion to non-negative terms (k-means++'s D^2 draws, draws by weight) whose
// outcome depends on the terms alone, not on how threads, or later MPI ranks, split the work.
#pragma once

#include <array>
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
/// the terms and the random number alone: chunks summed on any threads (or ranks) give the same
/// draw as one sequential pass. A zero term is never drawn (its prefix equals the one before),
/// so removing points of zero term changes no draw.
class proportional_draw {
  using level_sums = std::array<double, exact_grid::levels>;

 public:
  /// `grid` bounds every term; there are `n` terms.
  proportional_draw(const exact_grid& grid, Eigen::Index n) : grid_(grid), work_{n, 4096} {}

  /// Sums term(i) for every i, in chunks on the team's threads (term is called once per i, from
  /// any thread), and returns the rounded total. Draws then use these sums: `term` must give
  /// them the same values.
  template <typename Term>
  double measure(Term&& term, thread_team& team) {
    chunk_sums_.assign(static_cast<std::size_t>(work_.count()), level_sums{});
    team.run(work_.count(), [&](Eigen::Index t, int) {
      level_sums& sums = chunk_sums_[static_cast<std::size_t>(t)];
      for (Eigen::Index i = work_.begin(t); i < work_.end(t); ++i)
        add(sums, grid_.split(term(i)));
    });
    total_ = level_sums{};
    for (const level_sums& sums : chunk_sums_)
      add(total_, sums);
    return total();
  }

  /// The rounded total of the terms last measured.
  double total() const { return rounded_sum(total_); }

  /// One draw (the total must be positive): the chunk where the rounded prefix passes the
  /// target, then the point within it.
  template <typename Term>
  Eigen::Index operator()(Term&& term, rng& random) const {
    const double target = random.unit() * total();
    level_sums prefix{};
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
    // The target reached the exact total (unit() x total rounded up): the last positive term.
    for (Eigen::Index i = work_.n; i-- > 0;) {
      if (term(i) > 0) return i;
    }
    return 0;
  }

 private:
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
  std::vector<level_sums> chunk_sums_;  // exact, per chunk of work_
  level_sums total_{};
};

}  // namespace km::detail
