// Sums whose bits do not depend on the order or grouping of their terms. Each value is cut into
// three parts on fixed binary grids (pre-rounding, as in Demmel and Nguyen's reproducible
// summation); parts on one grid add exactly in double, so a sum of parts is a function of the
// multiset of values alone. That is what lets threads, MPI ranks and incremental updates (take a
// point out of one cluster, put it into another) reproduce the bits of one sequential pass.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "parallel.hpp"

namespace km::detail {

/// Three grids for values of magnitude <= bound, of which at most `terms` are ever summed (counting
/// removals). Level l has spacing u_l; level 1 is coarse enough that `terms` parts add without
/// rounding, each next level takes the remainder of the one above. A value's parts are exact; what
/// the third level leaves is below bound * 2^(3 log2(terms) - 155), about 1e-27 * bound for four
/// million terms, and nothing at all for values whose last bit lies above that.
class exact_grid {
 public:
  static constexpr int levels = 3;

  exact_grid() = default;

  exact_grid(double bound, double terms) {
    int magnitude = 0;  // bound < 2^magnitude
    std::frexp(bound, &magnitude);
    int headroom = 0;  // terms < 2^headroom, headroom >= 1
    std::frexp(terms, &headroom);
    // Adding sigma = 1.5 * 2^e to |r| <= 2^(e-1) lands in [2^e, 2^(e+1)), spacing 2^(e-52): the
    // rounded sum minus sigma is r on that grid (Sterbenz), and 2^headroom such parts stay below
    // 2^53 grid steps, so every partial sum is exact. The remainder is at most half a step.
    int exponent = magnitude + headroom;
    for (double& sigma : sigma_) {
      sigma = std::ldexp(1.5, exponent);  // 0 or subnormal far down: then parts are exact anyway
      exponent = exponent - 53 + headroom;
    }
  }

  /// The parts of `value` on the three grids; their exact sum is `value` up to the last remainder.
  std::array<double, levels> split(double value) const {
    std::array<double, levels> parts{};
    for (int l = 0; l < levels; ++l) {
      const double sigma = sigma_[static_cast<std::size_t>(l)];
      parts[static_cast<std::size_t>(l)] = (sigma + value) - sigma;
      value -= parts[static_cast<std::size_t>(l)];
    }
    return parts;
  }

  double sigma(int level) const { return sigma_[static_cast<std::size_t>(level)]; }

 private:
  std::array<double, levels> sigma_{};
};

/// a + b = sum + error exactly (Knuth's two-sum).
inline void two_sum(double a, double b, double& sum, double& error) {
  sum = a + b;
  const double b_virtual = sum - a;
  error = (a - (sum - b_virtual)) + (b - b_virtual);
}

/// a * b = product + error exactly, without FMA (Dekker's splitting; km builds with
/// -ffp-contract=off, so nothing fuses it), whenever the product neither overflows nor comes within
/// 2^53 of the subnormal range.
inline void two_product(double a, double b, double& product, double& error) {
  // The splitting multiplies by 2^27 + 1, which overflows for a factor beyond about 2^997 (the
  // parts then come out NaN). Such a factor is split scaled down by 2^-28 and the results are
  // scaled back: powers of two scale without rounding, and a product this large is far from the
  // subnormal range, so both stay exact.
  constexpr double large = 0x1p996;
  if (std::abs(a) > large || std::abs(b) > large) {
    const bool scale_a = std::abs(a) > std::abs(b);
    two_product(scale_a ? a * 0x1p-28 : a, scale_a ? b : b * 0x1p-28, product, error);
    product *= 0x1p28;
    error *= 0x1p28;
    return;
  }
  constexpr double splitter = 134217729.0;  // 2^27 + 1
  const auto split = [](double x, double& high, double& low) {
    const double scaled = splitter * x;
    high = scaled - (scaled - x);
    low = x - high;
  };
  product = a * b;
  double a_high, a_low, b_high, b_low;
  split(a, a_high, a_low);
  split(b, b_high, b_low);
  error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low;
}

/// The sum of a few doubles from their exact sum (Shewchuk's growing expansion: the components
/// stay non-overlapping, so an exact zero comes out as 0 and the total is within an ulp of exact).
template <std::size_t N>
double rounded_sum(const std::array<double, N>& terms) {
  std::array<double, N> expansion{};
  std::size_t size = 0;
  for (double term : terms) {
    double carry = term;
    for (std::size_t i = 0; i < size; ++i)
      two_sum(carry, expansion[i], carry, expansion[i]);
    expansion[size++] = carry;
  }
  // Components rise in magnitude; adding them smallest first loses least.
  double total = 0;
  for (std::size_t i = 0; i < size; ++i)
    total += expansion[i];
  return total;
}

/// The sum of value(i) over i in [0, n), exact on `grid`, as the sums of its
/// levels (round with rounded_sum): computed in chunks on the team, with the same bits for every
/// thread count. value(i) is called once per i, from any thread. `beside`, when given, is work
/// of another kind that the team does in the same run: one task, first.
template <typename Value>
std::array<double, exact_grid::levels> grid_level_sums(const exact_grid& grid, Eigen::Index n,
                                                       thread_team& team, Value&& value,
                                                       const std::function<void()>& beside = {}) {
  using level_sums = std::array<double, exact_grid::levels>;
  const chunks work{n, 8192};
  const Eigen::Index first = beside ? 1 : 0;  // the chunks' first task
  std::vector<level_sums> partials(static_cast<std::size_t>(team.slots(first + work.count())));
  team.run(first + work.count(), [&](Eigen::Index task, int slot) {
    if (task < first) return beside();
    const Eigen::Index t = task - first;
    // Summed locally: the slots' partials share cache lines, and a store to them per point made
    // two threads slower than one.
    level_sums sums{};
    for (Eigen::Index i = work.begin(t); i < work.end(t); ++i) {
      const level_sums parts = grid.split(value(i));
      for (std::size_t l = 0; l < sums.size(); ++l)
        sums[l] += parts[l];
    }
    level_sums& into = partials[static_cast<std::size_t>(slot)];
    for (std::size_t l = 0; l < sums.size(); ++l)
      into[l] += sums[l];
  });
  level_sums total{};
  for (const level_sums& sums : partials) {
    for (std::size_t l = 0; l < total.size(); ++l)
      total[l] += sums[l];
  }
  return total;
}

}  // namespace km::detail
