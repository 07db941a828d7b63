// km::kd_tree: the filtering algorithm of Kanungo et al. (2002), "An efficient k-means clustering
// algorithm: analysis and implementation", IEEE TPAMI 24(7). A kd-tree over the points is built
// once per fit; each pass walks it with a shrinking set of candidate centres, and a node whose
// candidates shrink to one is labelled whole without computing a single distance.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "detail/distance.hpp"
#include "detail/kd_partition.hpp"
#include "detail/moves.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"
#include "detail/short_rows.hpp"

namespace km {

/// Wins in low dimension (d up to about 10), where boxes separate centres well. Memory: a copy of
/// the points in tree order (n x d) plus about 2n / 16 nodes with their bounding boxes.
///
/// A candidate z is dropped at a node only when z* (the candidate nearest the box centre) is
/// canonically closer than z to every point of the box, proven with a rounding-error margin, so
/// the labels equal km::naive's; ties and near-ties keep both candidates down to the leaves.
struct kd_tree {
  static constexpr std::string_view name = "kd_tree";
  static constexpr std::string_view summary =
      "kd-tree filtering: few columns (up to about 10), many points";

  template <typename Scalar>
  class assigner {
   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : team_(team), d_(points.cols()) {
      // The rows move with the build, so that every node's points end up contiguous and each
      // split reads and swaps its rows in sequence. Copied in chunks on the team: the first
      // touch of each page of a new buffer costs more than the copy.
      const Eigen::Index n = points.rows();
      rows_.values.resize(n, d_);
      rows_.source.resize(n);
      tree_labels_.resize(n);
      const detail::chunks work{n, 16384};
      team.run(work.count(), [&](Eigen::Index t, int) {
        const Eigen::Index begin = work.begin(t), rows = work.end(t) - begin;
        rows_.values.middleRows(begin, rows) = points.middleRows(begin, rows);
        rows_.source.segment(begin, rows).setLinSpaced(begin, work.end(t) - 1);
        tree_labels_.segment(begin, rows).setConstant(-1);  // as the driver's labels start
      });
      const std::vector<int> continued = build_tree();
      // With threads, the subtrees at task_depth_ are the passes' tasks: 16 per thread balance
      // well. It is 3 levels below build_tree()'s split depth, so each task lies in one part.
      while (team.size() > 1 && (1 << task_depth_) < 16 * team.size() && task_depth_ < 20)
        ++task_depth_;
      find_task_roots(0, 0, 0, continued);
      task_costs_.assign(task_roots_.size(), 0);
    }

    /// Each label a pass changes is also reported to `moves`, when given (lloyd.hpp): the point's
    /// row is at hand then, in tree order, where the update would have to look for it.
    static constexpr bool reports_moves() noexcept { return true; }

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                            detail::point_moves<Scalar>* moves = nullptr) {
      const int k = static_cast<int>(centres.rows());
      relative_ = detail::error_bound<Scalar>::relative(d_);
      absolute_ = detail::error_bound<Scalar>::absolute(d_);
      centres_ = &centres;
      ++pass_;
      labels_ = &labels;
      const Eigen::Index tasks = static_cast<Eigen::Index>(task_roots_.size());
      if (walks_.size() < static_cast<std::size_t>(team_.slots(tasks)))
        walks_.resize(static_cast<std::size_t>(team_.slots(tasks)));
      for (std::size_t slot = 0; slot < walks_.size(); ++slot) {
        walks_[slot].changed = 0;
        walks_[slot].slot = static_cast<int>(slot);
        walks_[slot].moves = moves;
      }
      // Changes are written through to the caller's labels as they are found, unless reported
      // to `moves` (write_labels() then writes them when they are read), and unless it is the
      // first pass on threads: every label changes then, and two threads writing them at the
      // points' scattered indices contended for every cache line; they follow the walk.
      write_through_ = moves == nullptr && (pass_ > 1 || team_.slots(tasks) == 1);
      // Each task filters its subtree from all k candidates: the levels above it prune nothing
      // for it, which costs a few k-long tests per task and keeps the tasks independent.
      plan_shares(tasks);
      team_.run_shares(tasks, share_starts_, [&](Eigen::Index position, int slot) {
        const std::size_t t = run_order_[static_cast<std::size_t>(position)];
        walk& w = walks_[static_cast<std::size_t>(slot)];
        w.candidates.resize(static_cast<std::size_t>(k) * static_cast<std::size_t>(depth_ + 2));
        for (int c = 0; c < k; ++c)
          w.candidates[static_cast<std::size_t>(c)] = c;
        w.midpoint.resize(d_);
        const std::uint64_t before = w.distances;
        const task& root = task_roots_[t];
        w.part = &parts_[static_cast<std::size_t>(root.part)];
        filter(root.id, w, 0, k, 0);
        task_costs_[t] = w.distances - before;
      });
      if (moves == nullptr && !write_through_) write_labels(labels);
      Eigen::Index changed = 0;
      for (const walk& w : walks_)
        changed += w.changed;
      return changed;
    }

    /// Shares out the tasks for a pass: to each thread a run of them in tree order whose cost in
    /// the last pass (distances; they change little from pass to pass) is its share of the
    /// total, the same run as last pass but where the costs moved, so that its points are still
    /// in its core's cache; each share's costliest first, so that what one thread takes over
    /// from another at the end is cheap. Shares of equal counts of tasks left one thread idle
    /// for 7 us of each 90 us pass (1e5 x 2, k = 16), waiting for the other's last task.
    void plan_shares(Eigen::Index tasks) {
      const int slots = team_.slots(tasks);
      share_starts_.assign(static_cast<std::size_t>(slots) + 1, tasks);
      share_starts_[0] = 0;
      const std::uint64_t total =
          std::accumulate(task_costs_.begin(), task_costs_.end(), std::uint64_t{0});
      if (total == 0) {  // the first pass
        for (int s = 1; s < slots; ++s)
          share_starts_[static_cast<std::size_t>(s)] =
              detail::thread_team::share_start(tasks, s, slots);
      } else {
        // Share s starts after the first tasks that cost at least s / slots of the total.
        std::uint64_t cost = 0;
        int s = 1;
        for (Eigen::Index t = 0; t < tasks && s < slots; ++t) {
          cost += task_costs_[static_cast<std::size_t>(t)];
          for (; s < slots &&
                 cost * static_cast<std::uint64_t>(slots) >= total * static_cast<std::uint64_t>(s);
               ++s)
            share_starts_[static_cast<std::size_t>(s)] = t + 1;
        }
      }
      run_order_.resize(static_cast<std::size_t>(tasks));
      std::iota(run_order_.begin(), run_order_.end(), std::size_t{0});
      // Ties in tree order: a total order, so std::sort needs no buffer (stable_sort allocated
      // one every pass).
      const auto costlier = [&](std::size_t a, std::size_t b) {
        return task_costs_[a] > task_costs_[b] || (task_costs_[a] == task_costs_[b] && a < b);
      };
      for (int s = 0; s < slots; ++s) {
        std::sort(run_order_.begin() + share_starts_[static_cast<std::size_t>(s)],
                  run_order_.begin() + share_starts_[static_cast<std::size_t>(s) + 1], costlier);
      }
    }

    /// The copy of the points in tree order, with the labels of the last pass: hot in cache, and
    /// the labels in sequence, where the caller's are scattered (lloyd.hpp).
    detail::labelled_points<Scalar> own_points() const {
      return {detail::view_of_rows(rows_.values), tree_labels_, rows_.source.data()};
    }

    /// The labels of the last pass, into `labels` (at the points' own indices).
    void write_labels(Eigen::VectorXi& labels) const {
      for (Eigen::Index row = 0; row < rows_.values.rows(); ++row)
        labels[rows_.source[row]] = tree_labels_[row];
    }

    /// Canonical distances at the leaves, plus one per candidate and node for choosing z* and
    /// one per pruning test (each costs about as much as a distance).
    std::uint64_t distance_computations() const noexcept {
      std::uint64_t total = 0;
      for (const walk& w : walks_)
        total += w.distances;
      return total;
    }

   private:
    struct node {
      Eigen::Index begin, end;    // rows [begin, end) of rows_ (tree order)
      int left = -1, right = -1;  // children, -1 for a leaf
      // What the pass that last labelled the node whole gave all its rows (-1 once a later pass
      // split it), and that pass: a node whose rows carry the label already is not relabelled.
      int whole_label = -1;
      int labelled_in = 0;
    };

    /// Nodes with their boxes: a part of the tree (see parts_), its root first.
    struct tree_part {
      std::vector<node> nodes;    // children follow their parent
      std::vector<Scalar> boxes;  // per node: its min corner, then its max corner
      int depth = 0;              // of the deepest node

      Scalar* lower(int id, Eigen::Index d) {
        return boxes.data() + 2 * static_cast<std::size_t>(id) * static_cast<std::size_t>(d);
      }
    };

    /// A node whose subtree is left to a task.
    struct deferred {
      int id;
      Eigen::Index begin, end;
      int depth;
    };
    static constexpr Eigen::Index leaf_size = 16;

    /// One thread's state while it walks a subtree: a candidate list per level, reused. A cache
    /// line of its own, so that the threads' counters do not contend.
    struct alignas(64) walk {
      std::vector<int> candidates;
      Eigen::Matrix<Scalar, Eigen::Dynamic, 1> midpoint;
      Eigen::Index changed = 0;
      std::uint64_t distances = 0;
      int slot = 0;
      detail::point_moves<Scalar>* moves = nullptr;
      tree_part* part = nullptr;  // of the task's subtree
    };

    /// Builds the tree into parts_: the levels above the split depth into parts_[0], each
    /// subtree below it by a task of the team into a part of its own (they own disjoint rows),
    /// where the passes' tasks walk it. Returns, for each node of parts_[0], the part its subtree
    /// continues in (-1 for none). The levels above share their large nodes' rows out to the
    /// team, and the split depth gives only 2 subtrees per thread, each taken by whichever thread
    /// is free (1e5 x 2 points, 2 threads: fitting with 1 serial level was 5% faster than with
    /// 3). The tree is the same for any split depth.
    std::vector<int> build_tree() {
      int split_depth = 0;
      while ((1 << split_depth) < 2 * team_.size() && team_.size() > 1)
        ++split_depth;
      parts_.resize(1);
      if (split_depth == 0) {
        reserve(parts_[0], rows_.values.rows());
        build(parts_[0], 0, rows_.values.rows(), 0, -1, nullptr);
        depth_ = parts_[0].depth;
        return std::vector<int>(parts_[0].nodes.size(), -1);
      }
      std::vector<deferred> subtrees;
      build(parts_[0], 0, rows_.values.rows(), 0, split_depth, &subtrees);
      parts_.resize(1 + subtrees.size());
      // The subtrees differ in size (the midpoint splits are uneven): largest first, each to
      // the first thread free, balances them best.
      std::vector<std::size_t> largest_first(subtrees.size());
      std::iota(largest_first.begin(), largest_first.end(), std::size_t{0});
      std::stable_sort(
          largest_first.begin(), largest_first.end(), [&](std::size_t a, std::size_t b) {
            return subtrees[a].end - subtrees[a].begin > subtrees[b].end - subtrees[b].begin;
          });
      team_.run(
          static_cast<Eigen::Index>(subtrees.size()),
          [&](Eigen::Index t, int) {
            const std::size_t which = largest_first[static_cast<std::size_t>(t)];
            const deferred& root = subtrees[which];
            tree_part& part = parts_[1 + which];
            reserve(part, root.end - root.begin);
            build(part, root.begin, root.end, root.depth, -1, nullptr);
          },
          detail::thread_team::handout::first_free);
      std::vector<int> continued(parts_[0].nodes.size(), -1);
      for (std::size_t which = 0; which < subtrees.size(); ++which)
        continued[static_cast<std::size_t>(subtrees[which].id)] = static_cast<int>(1 + which);
      for (const tree_part& part : parts_)
        depth_ = std::max(depth_, part.depth);
      return continued;
    }

    /// Room for the nodes of a subtree of `rows` rows, made before its build: grown as it
    /// goes, the nodes and boxes were copied several times.
    void reserve(tree_part& part, Eigen::Index rows) const {
      const std::size_t nodes = 4 * static_cast<std::size_t>(rows) / leaf_size + 1;
      part.nodes.reserve(nodes);
      part.boxes.reserve(2 * static_cast<std::size_t>(d_) * nodes);
    }

    /// Adds node [begin, end) at `depth` and its subtree to `part`; returns its index there. A
    /// node at `defer_depth` with rows to split goes to `later` instead, its box and subtree
    /// left to a task.
    ///
    /// Splits a node at the midpoint of the widest side of its points' bounding box (Kanungo et
    /// al. split the cell their ancestors leave; the tight box adapts better to clustered data);
    /// at the median instead when the midpoint would leave under an eighth of the points on one
    /// side, which keeps the depth O(log n) on any data. Rows move with the split, so each node's
    /// rows are contiguous and every level reads them in sequence.
    int build(tree_part& part, Eigen::Index begin, Eigen::Index end, int depth, int defer_depth,
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
      if (depth == defer_depth) {
        later->push_back({id, begin, end, depth});
        return id;
      }
      Scalar* lo = part.lower(id, d_);
      Scalar* hi = lo + d_;
      // The levels above the split depth come before there are subtrees for the team to build:
      // their large nodes share their rows out to it instead.
      const bool on_team = later != nullptr && count >= 4 * detail::on_team_rows;
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
      Eigen::Index middle =
          on_team ? detail::partition_below_on_team(rows_, begin, end, widest, threshold, team_)
                  : detail::partition_below(rows_, begin, end, widest, threshold);
      if (middle - begin < count / 8 || end - middle < count / 8) {
        middle = detail::partition_at_median(rows_, begin, end, widest);
      }
      const int left = build(part, begin, middle, depth + 1, defer_depth, later);
      const int right = build(part, middle, end, depth + 1, defer_depth, later);
      part.nodes[static_cast<std::size_t>(id)].left = left;
      part.nodes[static_cast<std::size_t>(id)].right = right;
      return id;
    }

    /// The passes' tasks: the nodes at task_depth_, and the leaves above it, from node `id` of
    /// parts_[part] on; `continued` as build_tree() returns it.
    void find_task_roots(int part, int id, int depth, const std::vector<int>& continued) {
      if (part == 0 && continued[static_cast<std::size_t>(id)] >= 0)
        return find_task_roots(continued[static_cast<std::size_t>(id)], 0, depth, continued);
      const node& here = parts_[static_cast<std::size_t>(part)].nodes[static_cast<std::size_t>(id)];
      if (depth == task_depth_ || here.left < 0) {
        task_roots_.push_back({part, id});
        return;
      }
      find_task_roots(part, here.left, depth + 1, continued);
      find_task_roots(part, here.right, depth + 1, continued);
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
      const bool short_rows = detail::with_short_rows(d_, [&](auto columns) {
        // 4 rows a step: most nodes are small, and the tree's 12500 boxes (1e5 x 2) took 0.3 ms
        // longer to fit with 8.
        detail::grow_short_box<columns, 4, false>(first, end - begin, d_, lower, upper);
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
      const detail::chunks pieces{end - begin, detail::on_team_rows};
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

    const Scalar* centre(int c) const { return centres_->row(c).data(); }

    /// Candidates of this node are w.candidates[offset, offset + count), ascending. `relabelled`
    /// is the last pass in which an ancestor labelled all its rows (0 if none).
    void filter(int id, walk& w, std::size_t offset, int count, int relabelled) {
      node& here = w.part->nodes[static_cast<std::size_t>(id)];
      const int* candidates = w.candidates.data() + offset;
      if (count == 1) return label_all(here, candidates[0], relabelled, w);

      const Scalar* lo = w.part->lower(id, d_);
      const Scalar* hi = lo + d_;
      for (Eigen::Index j = 0; j < d_; ++j)
        w.midpoint[j] = lo[j] / 2 + hi[j] / 2;
      const auto centre_row = [this](int c) { return centre(c); };
      Scalar unused;
      const int best =
          detail::nearest_of(w.midpoint.data(), candidates, count, centre_row, d_, unused);
      const Scalar best_reach = farthest_in_box(centre(best), lo, hi);

      w.distances += 2 * static_cast<std::uint64_t>(count);
      const std::size_t next_offset = offset + static_cast<std::size_t>(count);
      int* kept = w.candidates.data() + next_offset;
      int kept_count = 0;
      for (int i = 0; i < count; ++i) {
        const int c = candidates[i];
        if (c == best || !dominated(centre(c), centre(best), best_reach, lo, hi)) {
          kept[kept_count++] = c;
        }
      }
      if (kept_count == 1) return label_all(here, kept[0], relabelled, w);
      here.whole_label = -1;  // its rows are labelled below it, perhaps differently
      if (here.left < 0) {
        w.distances += static_cast<std::uint64_t>(here.end - here.begin) *
                       static_cast<std::uint64_t>(kept_count);
        for (Eigen::Index row = here.begin; row < here.end; ++row) {
          Scalar distance;
          const int label = detail::nearest_of(rows_.values.row(row).data(), kept, kept_count,
                                               centre_row, d_, distance);
          set_label(row, label, w);
        }
        return;
      }
      relabelled = std::max(relabelled, here.labelled_in);
      filter(here.left, w, next_offset, kept_count, relabelled);
      filter(here.right, w, next_offset, kept_count, relabelled);
    }

    /// Largest squared distance from z to a point of the box [lo, hi].
    Scalar farthest_in_box(const Scalar* z, const Scalar* lo, const Scalar* hi) const {
      Scalar reach = 0;
      for (Eigen::Index j = 0; j < d_; ++j) {
        const Scalar far = std::max(std::abs(z[j] - lo[j]), std::abs(z[j] - hi[j]));
        reach += far * far;
      }
      return reach;
    }

    /// True when every point x of the box is canonically farther from z than from best. The exact
    /// |z - x|^2 - |best - x|^2 is linear in x, so its minimum over the box is at the corner v
    /// picked per coordinate. Its computed value errs by at most about (d + 5) u (|z - v|^2 +
    /// |best - v|^2), and the canonical distances of any box point by (d + 2) u times their
    /// size; both are bounded through the reach of z and best, and the margin covers their sum.
    bool dominated(const Scalar* z, const Scalar* best, Scalar best_reach, const Scalar* lo,
                   const Scalar* hi) const {
      Scalar gap = 0;
      Scalar reach = 0;
      for (Eigen::Index j = 0; j < d_; ++j) {
        const Scalar corner = z[j] > best[j] ? hi[j] : lo[j];
        const Scalar to_z = z[j] - corner;
        const Scalar to_best = best[j] - corner;
        gap += (to_z - to_best) * (to_z + to_best);
        const Scalar far = std::max(std::abs(z[j] - lo[j]), std::abs(z[j] - hi[j]));
        reach += far * far;
      }
      return gap > 3 * relative_ * (reach + best_reach) + 2 * absolute_;
    }

    /// Gives every row of the node `label`, unless the node's rows have it already: the node was
    /// labelled whole with it and no ancestor has relabelled its rows since (only this node's
    /// passes, or its ancestors' labelling them whole, change them). Once the fit settles, most
    /// nodes keep their label from pass to pass and are skipped without reading a row.
    void label_all(node& here, int label, int relabelled, walk& w) {
      if (here.whole_label == label && here.labelled_in > relabelled) return;
      for (Eigen::Index row = here.begin; row < here.end; ++row)
        set_label(row, label, w);
      here.whole_label = label;
      here.labelled_in = pass_;
    }

    /// The labels are mirrored in tree order, so that checking them reads memory in sequence;
    /// a change is written through to the caller's labels, at the point's own index, when
    /// write_through_ (see operator()).
    void set_label(Eigen::Index row, int label, walk& w) {
      int& current = tree_labels_[row];
      if (current != label) {
        if (w.moves)
          w.moves->move(w.slot, rows_.source[row], rows_.values.row(row).data(), current, label);
        current = label;
        if (write_through_) (*labels_)[rows_.source[row]] = label;
        ++w.changed;
      }
    }

    detail::thread_team& team_;
    /// A pass's task: a subtree, by its part and its root there.
    struct task {
      int part;
      int id;
    };
    int task_depth_ = 0;
    std::vector<task> task_roots_;  // the subtrees the threads share out, together all points
    std::vector<std::uint64_t> task_costs_;   // of each in the last pass (distances)
    std::vector<Eigen::Index> share_starts_;  // plan_shares(): each thread's first task
    std::vector<std::size_t> run_order_;      // and the order they run in
    Eigen::Index d_;
    detail::indexed_rows<Scalar> rows_;  // the points in tree order, with their indices
    Eigen::VectorXi tree_labels_;        // the label of each row of rows_; -1 before pass 1
    // The tree: parts_[0] holds the root, and each later part a subtree of it (build_tree).
    std::vector<tree_part> parts_;
    int depth_ = 0;  // of the deepest node

    // Per-pass state.
    std::vector<walk> walks_;    // one per thread
    int pass_ = 0;               // passes so far, this one included
    bool write_through_ = true;  // whether set_label writes the caller's labels
    Scalar relative_ = 0, absolute_ = 0;
    const row_matrix<Scalar>* centres_ = nullptr;
    Eigen::VectorXi* labels_ = nullptr;
  };
};

}  // namespace km
