// The kd-tree that km::kd_tree walks (kd_tree.hpp): a copy of the points in tree order, so that
// every node's rows are contiguous, and the nodes with their bounding boxes, built once per fit
// on the thread team. The filter that walks it each pass is kd_tree.hpp's; the partitions that
// order the rows are kd_partition.hpp's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

#include <Eigen/Core>

#include "kd_partition.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "short_rows.hpp"

namespace km::detail {

struct kd_node {
  Eigen::Index begin, end;    // rows [begin, end) of the tree order
  int left = -1, right = -1;  // children, -1 for a leaf
  // The filter's (kd_tree.hpp), so that a node whose rows carry their label already is not
  // relabelled: what the pass that last labelled the node whole gave all its rows (-1 once a
  // later pass split it), and that pass.
  int whole_label = -1;
  int labelled_in = 0;
};

/// Nodes with their boxes: a part of the tree (see kd_index), its root first.
template <typename Scalar>
struct kd_part {
  std::vector<kd_node> nodes;  // children follow their parent
  std::vector<Scalar> boxes;   // per node: its min corner, then its max corner
  int depth = 0;               // of the deepest node

  Scalar* lower(int id, Eigen::Index d) {
    return boxes.data() + 2 * static_cast<std::size_t>(id) * static_cast<std::size_t>(d);
  }
  const Scalar* lower(int id, Eigen::Index d) const {
    return boxes.data() + 2 * static_cast<std::size_t>(id) * static_cast<std::size_t>(d);
  }
};

/// Where a node is: its part, and its index there.
struct kd_place {
  int part;
  int id;
};

/// A kd-tree over n points with leaves of up to leaf_size rows. It stays in the parts it was
/// built in: the levels above the split depth in part(0), and each subtree below it, built by a
/// task of the team, in a part of its own, where the passes' tasks walk it. The tree is the same
/// for any split depth, and so for any thread count, but for which of the rows tied at a median
/// go to which side. Built by the constructor alone; after that, threads may read it at once,
/// and each may write the nodes of the parts it alone walks.
template <typename Scalar>
class kd_index {
 public:
  static constexpr Eigen::Index leaf_size = 16;

  /// Copies the points (the rows move with the build) and builds the tree on `team`.
  kd_index(const points_view<Scalar>& points, thread_team& team) : team_(team), d_(points.cols()) {
    // Copied in chunks on the team: the first touch of each page of a new buffer costs more
    // than the copy.
    const Eigen::Index n = points.rows();
    rows_.values.resize(n, d_);
    rows_.source.resize(n);
    const chunks work{n, 16384};
    team.run(work.count(), [&](Eigen::Index t, int) {
      const Eigen::Index begin = work.begin(t), count = work.end(t) - begin;
      rows_.values.middleRows(begin, count) = points.middleRows(begin, count);
      rows_.source.segment(begin, count).setLinSpaced(begin, work.end(t) - 1);
    });
    build_tree();
  }

  /// The points in tree order, each with its index in the input.
  const indexed_rows<Scalar>& rows() const noexcept { return rows_; }

  kd_part<Scalar>& part(int p) { return parts_[static_cast<std::size_t>(p)]; }
  const kd_part<Scalar>& part(int p) const { return parts_[static_cast<std::size_t>(p)]; }

  /// The depth of the deepest node.
  int depth() const noexcept { return depth_; }

  /// The nodes of part(0) at this depth are stand-ins for the subtrees the team built (none
  /// without threads).
  int split_depth() const noexcept { return split_depth_; }

  /// Where the node at `at` really is: for a stand-in, the root of its subtree's part.
  kd_place resolved(kd_place at) const {
    if (at.part == 0 && split_depth_ > 0 && continued_[static_cast<std::size_t>(at.id)] >= 0)
      return {continued_[static_cast<std::size_t>(at.id)], 0};
    return at;
  }

  /// The nodes at `depth`, and the leaves above it, in tree order: subtrees that together hold
  /// every row once. From split_depth() on, each lies in one part.
  std::vector<kd_place> subtrees_at(int depth) const {
    std::vector<kd_place> found;
    collect_subtrees({0, 0}, 0, depth, found);
    return found;
  }

 private:
  /// A node whose subtree is left to a task.
  struct deferred {
    int id;
    Eigen::Index begin, end;
    int depth;
  };

  /// Builds the tree into parts_. The levels above the split depth share their large nodes'
  /// rows out to the team, which is slower than a task per subtree, so the split depth gives
  /// only 2 subtrees per thread, each taken by whichever thread is free.
  void build_tree() {
    while ((1 << split_depth_) < 2 * team_.size() && team_.size() > 1)
      ++split_depth_;
    parts_.resize(1);
    if (split_depth_ == 0) {
      reserve(parts_[0], rows_.values.rows());
      build(parts_[0], 0, rows_.values.rows(), 0, nullptr);
      depth_ = parts_[0].depth;
      return;
    }
    std::vector<deferred> subtrees;
    build(parts_[0], 0, rows_.values.rows(), 0, &subtrees);
    parts_.resize(1 + subtrees.size());
    // The subtrees differ in size (the midpoint splits are uneven): largest first, each to
    // the first thread free, balances them best.
    std::vector<std::size_t> largest_first(subtrees.size());
    std::iota(largest_first.begin(), largest_first.end(), std::size_t{0});
    std::stable_sort(largest_first.begin(), largest_first.end(), [&](std::size_t a, std::size_t b) {
      return subtrees[a].end - subtrees[a].begin > subtrees[b].end - subtrees[b].begin;
    });
    team_.run(
        static_cast<Eigen::Index>(subtrees.size()),
        [&](Eigen::Index t, int) {
          const std::size_t which = largest_first[static_cast<std::size_t>(t)];
          const deferred& root = subtrees[which];
          kd_part<Scalar>& part = parts_[1 + which];
          reserve(part, root.end - root.begin);
          build(part, root.begin, root.end, root.depth, nullptr);
        },
        thread_team::handout::first_free);
    continued_.assign(parts_[0].nodes.size(), -1);
    for (std::size_t which = 0; which < subtrees.size(); ++which)
      continued_[static_cast<std::size_t>(subtrees[which].id)] = static_cast<int>(1 + which);
    for (const kd_part<Scalar>& part : parts_)
      depth_ = std::max(depth_, part.depth);
  }

  /// Room for the nodes of a subtree of `rows` rows, made before its build: growing as it goes
  /// would copy the nodes and boxes several times.
  void reserve(kd_part<Scalar>& part, Eigen::Index rows) const {
    const std::size_t nodes = 4 * static_cast<std::size_t>(rows) / leaf_size + 1;
    part.nodes.reserve(nodes);
    part.boxes.reserve(2 * static_cast<std::size_t>(d_) * nodes);
  }

  /// Adds node [begin, end) at `depth` and its subtree to `part`; returns its index there. A
  /// node at the split depth with rows to split goes to `later` instead, when given, its box and
  /// subtree left to a task.
  ///
  /// Splits a node at the midpoint of the widest side of its points' bounding box (Kanungo et
  /// al. split the cell their ancestors leave; the tight box adapts better to clustered data);
  /// at the median instead when the midpoint would leave under an eighth of the points on one
  /// side, which keeps the depth O(log n) on any data. Rows move with the split, so each node's
  /// rows are contiguous and every level reads them in sequence.
  int build(kd_part<Scalar>& part, Eigen::Index begin, Eigen::Index end, int depth,
            std::vector<deferred>* later) {
    const int id = static_cast<int>(part.nodes.size());
    part.nodes.push_back({begin, end});
    part.depth = std::max(part.depth, depth);
    part.boxes.resize(2 * static_cast<std::size_t>(d_) * (static_cast<std::size_t>(id) + 1));
    const Eigen::Index count = end - begin;
    if (count <= leaf_size) {
      fit_box(part.lower(id, d_), begin, end);
      return id;
    }
    if (later != nullptr && depth == split_depth_) {
      later->push_back({id, begin, end, depth});
      return id;
    }
    Scalar* lo = part.lower(id, d_);
    Scalar* hi = lo + d_;
    // The levels above the split depth come before there are subtrees for the team to build:
    // their large nodes share their rows out to it instead.
    const bool on_team = later != nullptr && count >= 4 * on_team_rows;
    if (on_team) {
      fit_box_on_team(lo, begin, end);
    } else {
      fit_box(lo, begin, end);
    }
    Eigen::Index widest = 0;
    for (Eigen::Index j = 1; j < d_; ++j) {
      if (hi[j] - lo[j] > hi[widest] - lo[widest]) widest = j;
    }
    const Scalar low = lo[widest];
    const Scalar side = hi[widest] - low;
    if (side == 0) return id;  // every point identical: a leaf after all
    const Scalar threshold = low + side / 2;
    Eigen::Index middle = on_team
                              ? partition_below_on_team(rows_, begin, end, widest, threshold, team_)
                              : partition_below(rows_, begin, end, widest, threshold);
    if (middle - begin < count / 8 || end - middle < count / 8) {
      middle = partition_at_median(rows_, begin, end, widest);
    }
    const int left = build(part, begin, middle, depth + 1, later);
    const int right = build(part, middle, end, depth + 1, later);
    part.nodes[static_cast<std::size_t>(id)].left = left;
    part.nodes[static_cast<std::size_t>(id)].right = right;
    return id;
  }

  /// The bounding box of rows [begin, end): its min corner into lower[0, d), its max corner
  /// into lower[d, 2d), in one pass over the rows in memory order (a column at a time would
  /// read every row d times). Low dimensions (short_rows.hpp), where it is a third of the
  /// build, work in registers; the others in local arrays, which the compiler knows alias
  /// nothing.
  void fit_box(Scalar* lower, Eigen::Index begin, Eigen::Index end) const {
    Scalar* upper = lower + d_;
    std::fill_n(lower, d_, std::numeric_limits<Scalar>::infinity());
    std::fill_n(upper, d_, -std::numeric_limits<Scalar>::infinity());
    const Scalar* first = rows_.values.row(begin).data();
    const bool short_rows = with_short_rows(d_, [&](auto columns) {
      // 4 rows a step, not 8: most nodes are small, and a longer step costs more to set up and
      // fold than it saves on them.
      grow_short_box<columns, 4, false>(first, end - begin, d_, lower, upper);
    });
    if (short_rows) return;
    const auto fit = [&](Scalar* lo, Scalar* hi) {
      for (Eigen::Index row = begin; row < end; ++row) {
        const Scalar* point = rows_.values.row(row).data();
        for (Eigen::Index j = 0; j < d_; ++j) {
          lo[j] = std::min(lo[j], point[j]);
          hi[j] = std::max(hi[j], point[j]);
        }
      }
    };
    constexpr Eigen::Index local = 16;
    if (d_ > local) return fit(lower, upper);
    Scalar lo[local], hi[local];
    std::copy_n(lower, d_, lo);
    std::copy_n(upper, d_, hi);
    fit(lo, hi);
    std::copy_n(lo, d_, lower);
    std::copy_n(hi, d_, upper);
  }

  /// fit_box on the team: a box per piece of the rows, then their union (min and max are exact
  /// in any order).
  void fit_box_on_team(Scalar* lower, Eigen::Index begin, Eigen::Index end) {
    const chunks pieces{end - begin, on_team_rows};
    const std::size_t box_size = 2 * static_cast<std::size_t>(d_);
    std::vector<Scalar> boxes(box_size * static_cast<std::size_t>(pieces.count()));
    team_.run(pieces.count(), [&](Eigen::Index p, int) {
      fit_box(boxes.data() + box_size * static_cast<std::size_t>(p), begin + pieces.begin(p),
              begin + pieces.end(p));
    });
    std::copy_n(boxes.begin(), box_size, lower);
    for (std::size_t at = box_size; at < boxes.size(); at += box_size) {
      for (Eigen::Index j = 0; j < d_; ++j) {
        lower[j] = std::min(lower[j], boxes[at + static_cast<std::size_t>(j)]);
        lower[d_ + j] = std::max(lower[d_ + j], boxes[at + static_cast<std::size_t>(d_ + j)]);
      }
    }
  }

  /// subtrees_at() from the node at `at`, at `level`.
  void collect_subtrees(kd_place at, int level, int depth, std::vector<kd_place>& found) const {
    at = resolved(at);
    const kd_node& here = part(at.part).nodes[static_cast<std::size_t>(at.id)];
    if (level == depth || here.left < 0) {
      found.push_back(at);
      return;
    }
    collect_subtrees({at.part, here.left}, level + 1, depth, found);
    collect_subtrees({at.part, here.right}, level + 1, depth, found);
  }

  thread_team& team_;  // the build's
  Eigen::Index d_;
  indexed_rows<Scalar> rows_;
  std::vector<kd_part<Scalar>> parts_;  // parts_[0] holds the root
  // With a split depth, per node of parts_[0]: the part its subtree continues in, or -1.
  std::vector<int> continued_;
  int split_depth_ = 0;
  int depth_ = 0;
};

}  // namespace km::detail
