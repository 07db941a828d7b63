// detail::kd_index: the tree does not depend on its split depth, the depth above which the team
// shares out each node's rows and below which tasks build whole subtrees. Built on 1, 2, 3 and 8
// threads (split depths 0, 2, 3 and 4), it has the same nodes, each holding the same rows in the
// same box, on data that splits at the midpoints and on data that falls back to the median.
#include <algorithm>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <km/detail/kd_index.hpp>

namespace {

using km::detail::kd_index;
using km::detail::kd_node;
using km::detail::kd_place;

template <typename Scalar>
using matrix = km::row_matrix<Scalar>;

/// One node as the tree's users see it, in a walk from the root.
template <typename Scalar>
struct seen_node {
  int depth;
  Eigen::Index begin, end;  // its rows in tree order
  bool leaf;
  std::vector<Scalar> box;              // min corner, then max corner
  std::vector<Eigen::Index> leaf_rows;  // a leaf's points, by input index, ascending

  bool operator==(const seen_node& other) const {
    return depth == other.depth && begin == other.begin && end == other.end && leaf == other.leaf &&
           box == other.box && leaf_rows == other.leaf_rows;
  }
};

/// The nodes from `at` down, in preorder, across the parts the tree was built in. Checks on the
/// way that each box is the exact box of its node's rows and that leaves are small (unless all
/// their points are one).
template <typename Scalar>
void walk(const kd_index<Scalar>& tree, kd_place at, int depth,
          std::vector<seen_node<Scalar>>& seen) {
  at = tree.resolved(at);
  const kd_node& node = tree.part(at.part).nodes[static_cast<std::size_t>(at.id)];
  const auto& values = tree.rows().values;
  const Eigen::Index d = values.cols();
  const Scalar* lo = tree.part(at.part).lower(at.id, d);
  seen_node<Scalar> here{
      depth, node.begin, node.end, node.left < 0, std::vector<Scalar>(lo, lo + 2 * d), {}};
  const auto rows = values.middleRows(node.begin, node.end - node.begin);
  REQUIRE(node.begin < node.end);
  for (Eigen::Index j = 0; j < d; ++j) {
    REQUIRE(here.box[static_cast<std::size_t>(j)] == rows.col(j).minCoeff());
    REQUIRE(here.box[static_cast<std::size_t>(d + j)] == rows.col(j).maxCoeff());
  }
  if (here.leaf) {
    const bool one_point = std::equal(lo, lo + d, lo + d);
    REQUIRE((node.end - node.begin <= kd_index<Scalar>::leaf_size || one_point));
    const auto sources = tree.rows().source.segment(node.begin, node.end - node.begin);
    here.leaf_rows.assign(sources.begin(), sources.end());
    std::sort(here.leaf_rows.begin(), here.leaf_rows.end());
  }
  seen.push_back(here);
  if (here.leaf) return;
  walk(tree, {at.part, node.left}, depth + 1, seen);
  walk(tree, {at.part, node.right}, depth + 1, seen);
}

/// n distinct values from 0 to n - 1, each column its own order of them.
Eigen::Index shuffled(Eigen::Index i, Eigen::Index n, Eigen::Index column) {
  const Eigen::Index steps[] = {7919, 48271, 16807};  // prime to n = 100000
  return (i * steps[column % 3] + 11 * column) % n;
}

/// Three clumps along each of 3 axes: 27 clusters of distinct coordinates, which the tree splits
/// at its boxes' midpoints. Integers under 2^24, exact in float.
template <typename Scalar>
matrix<Scalar> clumps(Eigen::Index n) {
  matrix<Scalar> points(n, 3);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < 3; ++j) {
      const Eigen::Index m = shuffled(i, n, j);
      points(i, j) = static_cast<Scalar>(m + 1000000 * (3 * m / n));
    }
  }
  return points;
}

/// Column 0 crowded towards its low end (m^6): the midpoint leaves under an eighth of the rows
/// above it, so those nodes split at the median. Column 1 is even, and wins once column 0 has
/// narrowed. Every coordinate distinct, in float too, so that the median halves are unique.
template <typename Scalar>
matrix<Scalar> skewed(Eigen::Index n) {
  matrix<Scalar> points(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double x = static_cast<double>(shuffled(i, n, 0) + 1) / static_cast<double>(n);
    points(i, 0) = static_cast<Scalar>(x * x * x * x * x * x * 1e6);
    points(i, 1) = static_cast<Scalar>(shuffled(i, n, 1));
  }
  return points;
}

}  // namespace

TEMPLATE_TEST_CASE("the kd-tree is the same for every split depth and thread count", "[kd_tree]",
                   float, double) {
  const Eigen::Index n = 100000;  // its top two levels share their rows out to the team
  for (const bool skew : {false, true}) {
    const matrix<TestType> points = skew ? skewed<TestType>(n) : clumps<TestType>(n);
    const auto view = km::detail::view_of_rows(points);
    std::vector<seen_node<TestType>> first;
    std::set<int> split_depths;
    for (const int threads : {1, 2, 3, 8}) {
      INFO((skew ? "skewed" : "clumps") << ", threads " << threads);
      km::detail::thread_team team(threads);
      const kd_index<TestType> tree(view, team);
      split_depths.insert(tree.split_depth());
      bool rows_whole = true;  // each row of the tree order is its source's
      for (Eigen::Index r = 0; r < n; ++r)
        rows_whole = rows_whole && tree.rows().values.row(r) == points.row(tree.rows().source[r]);
      REQUIRE(rows_whole);
      std::vector<seen_node<TestType>> seen;
      walk(tree, {0, 0}, 0, seen);
      REQUIRE(seen.size() > 1000);
      if (skew) {  // the root split at the median: the test reaches that fallback
        REQUIRE(seen[1].end - seen[1].begin == n / 2);
      }
      if (threads == 1) {
        first = seen;
      } else {
        REQUIRE(seen.size() == first.size());
        for (std::size_t i = 0; i < seen.size(); ++i) {
          INFO("node " << i << " in preorder, rows [" << seen[i].begin << ", " << seen[i].end
                       << ")");
          REQUIRE(seen[i] == first[i]);
        }
      }
    }
    REQUIRE(split_depths.size() == 4);
  }
}
