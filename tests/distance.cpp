// The canonical distance follows its documented summation order exactly, for every dimension.
#include <cstring>
#include <limits>
#include <vector>

#include <catch2/catch.hpp>

#include <km/detail/distance.hpp>
#include <km/detail/rng.hpp>

namespace {

/// The order of DESIGN.md rule 1, written as plainly as possible: dimension j feeds partial
/// j mod 8, and the partials meet in the tree ((0+1)+(2+3))+((4+5)+(6+7)).
template <typename Scalar>
Scalar documented_order(const std::vector<Scalar>& a, const std::vector<Scalar>& b) {
  Scalar partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (std::size_t j = 0; j < a.size(); ++j) {
    const Scalar diff = a[j] - b[j];
    partial[j % 8] = partial[j % 8] + diff * diff;
  }
  return ((partial[0] + partial[1]) + (partial[2] + partial[3])) +
         ((partial[4] + partial[5]) + (partial[6] + partial[7]));
}

}  // namespace

TEMPLATE_TEST_CASE("the canonical distance sums in its documented order", "[distance]", float,
                   double) {
  km::detail::rng random(5);
  for (int trial = 0; trial < 2000; ++trial) {
    // Short and long points: float takes another code path from d = 128 on.
    const auto d = static_cast<std::size_t>(trial % 4 == 3 ? 100 + trial % 200 : 1 + trial % 41);
    // Mixed magnitudes make the summation order visible in the last bits.
    std::vector<TestType> a(d), b(d);
    for (std::size_t j = 0; j < d; ++j) {
      const double scale = std::ldexp(1.0, static_cast<int>(random.index(40)) - 20);
      a[j] = static_cast<TestType>(scale * (random.unit() - 0.5));
      b[j] = static_cast<TestType>(scale * (random.unit() - 0.5));
    }
    const TestType expected = documented_order(a, b);
    const TestType actual =
        km::detail::squared_distance(a.data(), b.data(), static_cast<Eigen::Index>(d));
    INFO("d = " << d);
    REQUIRE(std::memcmp(&expected, &actual, sizeof(TestType)) == 0);
  }
}

TEMPLATE_TEST_CASE("the canonical distance of a point to itself is +0", "[distance]", float,
                   double) {
  for (Eigen::Index d = 1; d <= 20; ++d) {
    std::vector<TestType> a(static_cast<std::size_t>(d), TestType(-3.5));
    const TestType zero = km::detail::squared_distance(a.data(), a.data(), d);
    CHECK(zero == 0);
    CHECK_FALSE(std::signbit(zero));
  }
}

TEMPLATE_TEST_CASE("distances across a block of centres equal the canonical ones bit for bit",
                   "[distance]", float, double) {
  constexpr int lanes = km::detail::distance_lanes;
  km::detail::rng random(9);
  for (int trial = 0; trial < 500; ++trial) {
    const auto d = static_cast<Eigen::Index>(trial % 4 == 3 ? 100 + trial % 200 : 1 + trial % 41);
    std::vector<TestType> point(static_cast<std::size_t>(d));
    std::vector<TestType> centres(static_cast<std::size_t>(d * lanes));  // centre l, row-wise
    const auto mixed = [&] {
      const double scale = std::ldexp(1.0, static_cast<int>(random.index(40)) - 20);
      return static_cast<TestType>(scale * (random.unit() - 0.5));
    };
    for (TestType& x : point)
      x = mixed();
    for (TestType& x : centres)
      x = mixed();
    std::vector<TestType> block(centres.size());  // coordinate by coordinate
    for (int l = 0; l < lanes; ++l) {
      for (Eigen::Index j = 0; j < d; ++j)
        block[static_cast<std::size_t>(j * lanes + l)] =
            centres[static_cast<std::size_t>(l * d + j)];
    }
    TestType across[lanes];
    km::detail::squared_distances_across(point.data(), block.data(), d, across);
    for (int l = 0; l < lanes; ++l) {
      const TestType expected = km::detail::squared_distance(
          point.data(), centres.data() + static_cast<std::ptrdiff_t>(l * d), d);
      INFO("d = " << d << ", lane " << l);
      REQUIRE(std::memcmp(&expected, &across[l], sizeof(TestType)) == 0);
    }
  }
}
