// km::automatic: the default strategy, and the rule it follows (its results are tied to naive's
// by the exactness and thread tests).
#include <type_traits>
#include <vector>

#include <catch2/catch.hpp>

#include "data.hpp"

namespace {

using km::strategy_choice;

}  // namespace

TEST_CASE("km::kmeans<> is km::kmeans<km::automatic>", "[automatic]") {
  STATIC_REQUIRE(std::is_same_v<km::kmeans<>, km::kmeans<km::automatic>>);
  km::options opts;
  opts.k = 3;
  const km::kmeans model(opts);  // class template argument deduction picks the default too
  STATIC_REQUIRE(std::is_same_v<std::decay_t<decltype(model)>, km::kmeans<km::automatic>>);
  const auto points = km_tests::blobs<double>(300, 2, 3, 0.5, 1);
  const auto r = model.fit(points);
  const auto expected = km::kmeans<km::naive>(opts).fit(points);
  REQUIRE((r.labels.array() == expected.labels.array()).all());
  REQUIRE(r.centers == expected.centers);
}

TEST_CASE("automatic follows its documented rule", "[automatic]") {
  // Up to 3 columns and from 20000 points: the kd-tree, whatever k.
  CHECK(km::automatic::choose(20000, 2, 32) == strategy_choice::kd_tree);
  CHECK(km::automatic::choose(100000, 3, 256) == strategy_choice::kd_tree);
  CHECK(km::automatic::choose(100000, 1, 2) == strategy_choice::kd_tree);
  CHECK(km::automatic::choose(19999, 2, 16) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(1000, 2, 10) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(1000000, 4, 32) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(1000000, 8, 32) == strategy_choice::hamerly);
  // Above that, up to 4 centres: naive, whatever n.
  CHECK(km::automatic::choose(100000, 16, 3) == strategy_choice::naive);
  CHECK(km::automatic::choose(1000, 8, 4) == strategy_choice::naive);
  // Mid dimension, moderate k, small or large n: hamerly.
  CHECK(km::automatic::choose(1000, 8, 5) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(100000, 16, 64) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(10992, 16, 10) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(1797, 64, 10) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(100000, 64, 8) == strategy_choice::hamerly);
  // High dimension and many centres: elkan, unless its n x k bounds would pass 1 GiB.
  CHECK(km::automatic::choose(50000, 256, 256) == strategy_choice::elkan);
  CHECK(km::automatic::choose(10000, 256, 64) == strategy_choice::elkan);
  CHECK(km::automatic::choose(20000, 128, 32) == strategy_choice::elkan);
  CHECK(km::automatic::choose(1000000, 256, 256) == strategy_choice::vectorised);
  CHECK(km::automatic::choose(5000000, 256, 64) == strategy_choice::hamerly);
  // Many centres on rows too long for the tile screen: the matrix product; on shorter ones,
  // hamerly from the first pass.
  CHECK(km::automatic::choose(10000, 100, 256) == strategy_choice::vectorised);
  CHECK(km::automatic::choose(10000, 65, 128) == strategy_choice::vectorised);
  CHECK(km::automatic::choose(10000, 64, 256) == strategy_choice::hamerly);
  CHECK(km::automatic::choose(100000, 16, 128) == strategy_choice::hamerly);
  CHECK(km::automatic::opens_vectorised(strategy_choice::hamerly, 127));
  CHECK_FALSE(km::automatic::opens_vectorised(strategy_choice::hamerly, 128));
  CHECK(km::automatic::opens_vectorised(strategy_choice::elkan, 256));
  CHECK_FALSE(km::automatic::opens_vectorised(strategy_choice::vectorised, 16));
}

TEST_CASE("automatic equals naive when it changes strategy during a fit", "[automatic]") {
  // Shapes where automatic opens with vectorised passes and then hands over to hamerly or elkan:
  // every pass of the fit, before and after the switch, must carry naive's bits.
  km::options opts;
  opts.seed = 4;
  // The hand-over follows the first pass that changes at most n / opening_share labels: such a
  // pass must come before the last, or the switch was never tested.
  const auto hands_over = [](const auto& points, km::options traced, strategy_choice settled) {
    std::vector<Eigen::Index> changed;
    traced.on_iteration = [&changed](const km::iteration_report& report) {
      changed.push_back(report.labels_changed);
      return true;
    };
    km::kmeans<km::automatic>(traced).fit(points);
    const Eigen::Index share = km::automatic::opening_share(settled);
    for (std::size_t pass = 0; pass + 1 < changed.size(); ++pass) {
      if (changed[pass] * share <= points.rows()) return true;
    }
    return false;
  };
  SECTION("vectorised, then hamerly") {
    opts.k = 24;
    const auto points = km_tests::blobs<double>(20000, 9, 20, 1.5, 5);
    REQUIRE(km::automatic::choose(points.rows(), points.cols(), opts.k) ==
            strategy_choice::hamerly);
    REQUIRE(hands_over(points, opts, strategy_choice::hamerly));
    km_tests::require_same_as_naive<km::automatic>(points, opts);
  }
  SECTION("vectorised, then elkan") {
    opts.k = 40;
    const auto points = km_tests::blobs<float>(3000, 130, 30, 3.0, 6);
    REQUIRE(km::automatic::choose(points.rows(), points.cols(), opts.k) == strategy_choice::elkan);
    REQUIRE(hands_over(points, opts, strategy_choice::elkan));
    km_tests::require_same_as_naive<km::automatic>(points, opts);
  }
}
