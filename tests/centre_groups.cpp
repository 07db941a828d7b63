// km::yinyang's groups of centres (detail/centre_groups.hpp), on their own: the groups partition
// the centres into runs of nearby ones, grow past the bounds' memory cap, score within the
// expanded form's margin of the canonical distance, and move a point's bounds down by at least
// each group's largest move.
#include <algorithm>
#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include <km/detail/centre_groups.hpp>

namespace {

using groups = km::detail::centre_groups<double>;

/// k centres on a line, x = 0, 1, ..., k - 1 in a scrambled order, y = 0.
km::row_matrix<double> on_a_line(int k) {
  km::row_matrix<double> centres = km::row_matrix<double>::Zero(k, 2);
  for (int c = 0; c < k; ++c)
    centres(c, 0) = static_cast<double>((c * 37 + 11) % k);  // 37 is prime to every k below
  return centres;
}

}  // namespace

TEST_CASE("centre groups partition the centres into runs of nearby ones", "[centre_groups]") {
  const int k = GENERATE(1, 8, 9, 50, 64);
  const km::row_matrix<double> centres = on_a_line(k);
  groups formed;
  formed.form(centres, 100);
  REQUIRE(formed.widest() == 8);
  REQUIRE(formed.count() == (k + 7) / 8);
  std::vector<int> seen(static_cast<std::size_t>(k), 0);
  for (int g = 0; g < formed.count(); ++g) {
    CHECK(formed.size(g) == std::min(8, k - 8 * g));
    std::vector<double> positions;
    for (int m = 0; m < formed.size(g); ++m) {
      const int c = formed.member(g, m);
      ++seen[static_cast<std::size_t>(c)];
      CHECK(formed.group_of(c) == g);
      positions.push_back(centres(c, 0));
    }
    // Splits along the line: group g holds positions 8g to 8g + 7.
    std::sort(positions.begin(), positions.end());
    for (std::size_t m = 0; m < positions.size(); ++m)
      CHECK(positions[m] == static_cast<double>(8 * g) + static_cast<double>(m));
  }
  CHECK(std::all_of(seen.begin(), seen.end(), [](int times) { return times == 1; }));
}

TEST_CASE("centre groups grow past the bounds' memory cap", "[centre_groups]") {
  const km::row_matrix<double> centres = on_a_line(50);
  groups formed;
  // At most 4 floats per point: 7 groups of 8 would need 28 bytes, 4 groups of 16 need 16.
  formed.form(centres, 1000, 1000 * 4 * sizeof(float));
  CHECK(formed.widest() == 16);
  CHECK(formed.count() == 4);
  formed.form(centres, 1000, 1000 * 7 * sizeof(float));
  CHECK(formed.widest() == 8);
  CHECK(formed.count() == 7);
}

TEST_CASE("centre groups score within the margin of the canonical distance", "[centre_groups]") {
  const Eigen::Index d = GENERATE(1, 7, 8, 9, 38, 100);
  const int k = 21;
  km::row_matrix<double> centres = km::row_matrix<double>::Random(k, d) * 1e3;
  const km::row_matrix<double> points = km::row_matrix<double>::Random(30, d) * 1e3;
  groups formed;
  formed.form(centres, points.rows());
  formed.moved(std::vector<double>(k, 0.0), centres);
  std::vector<double> scores(static_cast<std::size_t>(formed.widest()));
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    const double norm = points.row(i).squaredNorm();
    REQUIRE(formed.scorable(norm));
    for (int g = 0; g < formed.count(); ++g) {
      formed.scores(g, points.row(i).data(), scores.data());
      for (int m = 0; m < formed.size(g); ++m) {
        const int c = formed.member(g, m);
        const double canonical =
            km::detail::squared_distance(points.row(i).data(), centres.row(c).data(), d);
        CHECK(std::abs(norm + scores[static_cast<std::size_t>(m)] - canonical) <=
              formed.margin(norm));
      }
    }
  }
}

TEST_CASE("centre groups move a point's bounds down by each group's largest move",
          "[centre_groups]") {
  const int k = 20;
  const km::row_matrix<double> centres = on_a_line(k);
  groups formed;
  formed.form(centres, 1);
  std::vector<double> moves(k);
  for (int c = 0; c < k; ++c)
    moves[static_cast<std::size_t>(c)] = 0.25 * static_cast<double>(c % 5);
  std::fill_n(formed.reset(0), formed.count(), 100.0F);
  formed.moved(moves, centres);
  formed.moved(moves, centres);  // two passes: the drift adds up
  std::vector<int> reach(static_cast<std::size_t>(formed.count()));
  double smallest = 0;
  // A threshold of 99: only a group that moved by over 0.5 a pass comes within it.
  const int within = formed.in_reach(0, 99.0, reach.data(), smallest);
  double least = 1e300;
  int expected_within = 0;
  for (int g = 0; g < formed.count(); ++g) {
    double largest = 0;
    for (int m = 0; m < formed.size(g); ++m)
      largest = std::max(largest, moves[static_cast<std::size_t>(formed.member(g, m))]);
    const double bound = static_cast<double>(formed.bounds_of(0)[g]);
    CHECK(bound <= 100.0 - 2 * largest);
    CHECK(bound >= (100.0 - 2 * largest) * (1 - 1e-6));
    least = std::min(least, bound);
    expected_within += bound <= 99.0;
  }
  CHECK(within == expected_within);
  CHECK(within > 0);
  CHECK(smallest == least);
  // In the same pass again: nothing moves twice.
  const float before = formed.bounds_of(0)[0];
  formed.in_reach(0, 99.0, reach.data(), smallest);
  CHECK(formed.bounds_of(0)[0] == before);
}
