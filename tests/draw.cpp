// proportional_draw: the index drawn depends on the terms and the random number alone.
#include <array>
#include <vector>

#include <catch2/catch.hpp>

#include <km/detail/collective.hpp>
#include <km/detail/draw.hpp>

namespace {

/// The rule written out plainly: the first index whose exact prefix sum exceeds the target.
Eigen::Index reference_draw(const std::vector<double>& terms, const km::detail::exact_grid& grid,
                            double target) {
  std::array<double, 3> prefix{};
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const auto parts = grid.split(terms[i]);
    for (std::size_t l = 0; l < 3; ++l)
      prefix[l] += parts[l];
    if (km::detail::rounded_sum<4>({prefix[0], prefix[1], prefix[2], -target}) > 0)
      return static_cast<Eigen::Index>(i);
  }
  for (std::size_t i = terms.size(); i-- > 0;) {
    if (terms[i] > 0) return static_cast<Eigen::Index>(i);
  }
  return 0;
}

}  // namespace

TEST_CASE("proportional draws follow the exact prefix rule, across chunks", "[draw]") {
  // 20,000 terms (several chunks): zeros, tiny, ordinary and huge values.
  km::detail::rng make(5);
  std::vector<double> terms(20000);
  for (std::size_t i = 0; i < terms.size(); ++i) {
    const double u = make.unit();
    terms[i] = i % 7 == 0 ? 0.0 : u < 0.01 ? 1e10 * u : u < 0.1 ? 1e-300 : u;
  }
  const km::detail::exact_grid grid(1e10, static_cast<double>(terms.size()));
  const auto term = [&](Eigen::Index i) { return terms[static_cast<std::size_t>(i)]; };
  for (const int threads : {1, 3}) {
    km::detail::thread_team team(threads);
    km::detail::proportional_draw draw(grid, static_cast<Eigen::Index>(terms.size()));
    const km::detail::solo one(static_cast<Eigen::Index>(terms.size()));
    const double total = draw.measure(term, team, one);
    km::detail::rng random(11), replay(11);
    for (int t = 0; t < 400; ++t) {
      const Eigen::Index drawn = draw(term, random, one);
      REQUIRE(drawn == reference_draw(terms, grid, replay.unit() * total));
      REQUIRE(terms[static_cast<std::size_t>(drawn)] > 0);
    }
  }
}

TEST_CASE("proportional draws come out in proportion to the terms", "[draw]") {
  std::vector<double> terms(10000);
  for (std::size_t i = 0; i < terms.size(); ++i)
    terms[i] = static_cast<double>(i % 4);  // 0, 1, 2, 3
  const km::detail::exact_grid grid(3, static_cast<double>(terms.size()));
  km::detail::thread_team team(1);
  km::detail::proportional_draw draw(grid, static_cast<Eigen::Index>(terms.size()));
  const km::detail::solo one(static_cast<Eigen::Index>(terms.size()));
  REQUIRE(draw.measure([&](Eigen::Index i) { return terms[static_cast<std::size_t>(i)]; }, team,
                       one) == 15000.0);
  std::array<int, 4> counts{};
  km::detail::rng random(3);
  const int draws = 60000;
  for (int t = 0; t < draws; ++t) {
    ++counts[static_cast<std::size_t>(
        draw([&](Eigen::Index i) { return terms[static_cast<std::size_t>(i)]; }, random, one) % 4)];
  }
  REQUIRE(counts[0] == 0);
  for (int value = 1; value < 4; ++value) {
    // Expected value / 6 of the draws; 4 standard deviations is under 2% of it here.
    REQUIRE(counts[static_cast<std::size_t>(value)] == Approx(draws * value / 6.0).epsilon(0.03));
  }
}
