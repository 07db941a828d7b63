// The reproducible sums under the update step: grid parts add to the same bits in any order and
// grouping, stay accurate, and the exact helpers are exact.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include <catch2/catch.hpp>
#include <km/detail/exact_sum.hpp>

namespace {

using km::detail::exact_grid;

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Sum of the values' parts, one level at a time, in the given order.
std::array<double, exact_grid::levels> grid_sums(const exact_grid& grid,
                                                 const std::vector<double>& values) {
  std::array<double, exact_grid::levels> sums{};
  for (double value : values) {
    const auto parts = grid.split(value);
    for (std::size_t l = 0; l < sums.size(); ++l)
      sums[l] += parts[l];
  }
  return sums;
}

/// Values spanning many magnitudes and both signs, the hard case for a floating-point sum.
std::vector<double> wide_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<double> values(n);
  for (double& value : values) {
    const double mantissa = static_cast<double>(engine() >> 11) * 0x1p-53;
    const int exponent = static_cast<int>(engine() % 60) - 40;
    value = std::ldexp(engine() % 2 ? mantissa : -mantissa, exponent);
  }
  return values;
}

}  // namespace

TEST_CASE("grid sums do not depend on the order or grouping of the terms", "[exact_sum]") {
  std::vector<double> values = wide_values(20000, 3);
  const exact_grid grid(std::ldexp(1.0, 20), 4.0 * static_cast<double>(values.size()));
  const auto reference = grid_sums(grid, values);

  std::mt19937_64 engine(5);
  for (int trial = 0; trial < 5; ++trial) {
    std::shuffle(values.begin(), values.end(), engine);
    // Split into uneven groups, sum each, then add the group sums in reverse.
    std::vector<std::array<double, exact_grid::levels>> groups;
    std::size_t begin = 0;
    while (begin < values.size()) {
      const std::size_t end = std::min(values.size(), begin + 1 + engine() % 3000);
      groups.push_back(grid_sums(grid, {values.begin() + static_cast<std::ptrdiff_t>(begin),
                                        values.begin() + static_cast<std::ptrdiff_t>(end)}));
      begin = end;
    }
    std::array<double, exact_grid::levels> total{};
    for (auto group = groups.rbegin(); group != groups.rend(); ++group) {
      for (std::size_t l = 0; l < total.size(); ++l)
        total[l] += (*group)[l];
    }
    for (std::size_t l = 0; l < total.size(); ++l)
      REQUIRE(same_bits(total[l], reference[l]));
  }
}

TEST_CASE("taking terms out again gives the sums of the rest", "[exact_sum]") {
  const std::vector<double> values = wide_values(5000, 11);
  const exact_grid grid(std::ldexp(1.0, 20), 4.0 * static_cast<double>(values.size()));
  auto sums = grid_sums(grid, values);
  const std::vector<double> kept(values.begin() + 1000, values.end());
  for (std::size_t i = 0; i < 1000; ++i) {
    const auto parts = grid.split(values[i]);
    for (std::size_t l = 0; l < sums.size(); ++l)
      sums[l] -= parts[l];
  }
  const auto expected = grid_sums(grid, kept);
  for (std::size_t l = 0; l < sums.size(); ++l)
    REQUIRE(same_bits(sums[l], expected[l]));
}

TEST_CASE("grid sums are accurate far below the bound", "[exact_sum]") {
  const std::vector<double> values = wide_values(100000, 7);
  const double bound = std::ldexp(1.0, 20);
  const exact_grid grid(bound, 4.0 * static_cast<double>(values.size()));
  long double exact = 0;  // 64-bit mantissa; the values span 60 binary orders, so accumulate
  for (double value : values)
    exact += value;  // in long double only as a check of ~1e-19 * sum
  const double total = km::detail::rounded_sum(grid_sums(grid, values));
  // Parts drop below bound * 2^(3 * 19 - 156); n of them: far below the long double check's slack.
  const long double slack =
      std::abs(exact) * 1e-15L + static_cast<long double>(values.size()) * 0x1p-78L;
  CHECK(std::abs(static_cast<long double>(total) - exact) <= slack);

  SECTION("values close to the bound split without loss") {
    const exact_grid coarse(1.0, 4.0 * 1000);
    for (double value : {0.75, -0.1, 1.0 / 3.0, 0x1p-40, -0x1.fffffffffffffp-1}) {
      const auto parts = coarse.split(value);
      CHECK(same_bits(km::detail::rounded_sum(parts), value));
    }
  }
}

TEST_CASE("two_product and rounded_sum are exact where it matters", "[exact_sum]") {
  std::mt19937_64 engine(13);
  for (int trial = 0; trial < 1000; ++trial) {
    // An integer count below 2^11 times a double: the exact product fits long double's 64 bits.
    const double count = static_cast<double>(1 + engine() % 2047);
    const double value =
        std::ldexp(static_cast<double>(engine() >> 11), -static_cast<int>(engine() % 80));
    double product, error;
    km::detail::two_product(count, value, product, error);
    REQUIRE(static_cast<long double>(product) + static_cast<long double>(error) ==
            static_cast<long double>(count) * static_cast<long double>(value));
    // An exact zero comes out as zero, whatever the order of the terms.
    const std::array<double, 4> cancelling{product, 0x1p-30, -product, -0x1p-30};
    REQUIRE(km::detail::rounded_sum(cancelling) == 0);
    REQUIRE(km::detail::rounded_sum(std::array<double, 3>{product, -product, error}) == error);
  }
}

TEST_CASE("two_product stays exact for factors near the overflow limit", "[exact_sum]") {
  // Dekker's splitting multiplies a factor by 2^27 + 1: unscaled, anything beyond ~2^997 gave NaN.
  std::mt19937_64 engine(17);
  for (int trial = 0; trial < 1000; ++trial) {
    const double count = static_cast<double>(1 + engine() % 2047);
    const double value = std::ldexp(static_cast<double>(engine() >> 11) * 0x1p-53,
                                    1012 - static_cast<int>(engine() % 40));
    for (const bool swapped : {false, true}) {
      double product, error;
      km::detail::two_product(swapped ? value : count, swapped ? count : value, product, error);
      REQUIRE(std::isfinite(product));
      REQUIRE(static_cast<long double>(product) + static_cast<long double>(error) ==
              static_cast<long double>(count) * static_cast<long double>(value));
    }
  }
  double product, error;
  km::detail::two_product(1.0, std::numeric_limits<double>::max(), product, error);
  CHECK(product == std::numeric_limits<double>::max());
  CHECK(error == 0);
}
