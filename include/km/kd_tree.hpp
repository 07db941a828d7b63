// km::kd_tree: the filtering algorithm of Kanungo et al. (2002), "An efficient k-means clustering
// algorithm: analysis and implementation", IEEE TPAMI 24(7). A kd-tree over the points is built
// once per fit; each pass walks it with a shrinking set of candidate centres, and a node whose
// candidates shrink to one is labelled whole without computing a single distance. This header
// holds the filter and the passes' shares of the walk; the tree is detail/kd_index.hpp's.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "detail/distance.hpp"
#include "detail/kd_index.hpp"
#include "detail/moves.hpp"
#include "detail/parallel.hpp"
#include "detail/points.hpp"

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
        : team_(team), d_(points.cols()), tree_(points, team) {
      // The labels in tree order start at -1, as the driver's do. Set on the team, as the tree
      // copies the points: the first touch of each page of a new buffer costs more than the write.
      const Eigen::Index n = points.rows();
      tree_labels_.resize(n);
      const detail::chunks work{n, 16384};
      team.run(work.count(), [&](Eigen::Index t, int) {
        tree_labels_.segment(work.begin(t), work.end(t) - work.begin(t)).setConstant(-1);
      });
      // With threads, the subtrees at task_depth are the passes' tasks: 16 per thread balance
      // well. It is 3 levels below the tree's split depth, so each task lies in one part.
      int task_depth = 0;
      while (team.size() > 1 && (1 << task_depth) < 16 * team.size() && task_depth < 20)
        ++task_depth;
      tasks_ = tree_.subtrees_at(task_depth);
      task_costs_.assign(tasks_.size(), 0);
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
      const Eigen::Index tasks = static_cast<Eigen::Index>(tasks_.size());
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
      // points' scattered indices would contend for every cache line; they follow the walk.
      write_through_ = moves == nullptr && (pass_ > 1 || team_.slots(tasks) == 1);
      // Each task filters its subtree from all k candidates: the levels above it prune nothing
      // for it, which costs a few k-long tests per task and keeps the tasks independent.
      plan_shares(tasks);
      team_.run_shares(tasks, share_starts_, [&](Eigen::Index position, int slot) {
        const std::size_t t = run_order_[static_cast<std::size_t>(position)];
        walk& w = walks_[static_cast<std::size_t>(slot)];
        w.candidates.resize(static_cast<std::size_t>(k) *
                            static_cast<std::size_t>(tree_.depth() + 2));
        for (int c = 0; c < k; ++c)
          w.candidates[static_cast<std::size_t>(c)] = c;
        w.midpoint.resize(d_);
        const std::uint64_t before = w.distances;
        const detail::kd_place root = tasks_[t];
        w.part = &tree_.part(root.part);
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
    /// from another at the end is cheap. Shares of equal counts of tasks leave one thread
    /// waiting for the other's last task.
    void plan_shares(Eigen::Index tasks) {
      const int slots = team_.slots(tasks);
      share_starts_.assign(static_cast<std::size_t>(slots) + 1, tasks);
      share_starts_[0] = 0;
      const std::uint64_t total =
          std::accumulate(task_costs_.begin(), task_costs_.end(), std::uint64_t{0});
      if (total == 0) {  // the first pass
        for (int s = 1; s < slots; ++s) {
          share_starts_[static_cast<std::size_t>(s)] =
              detail::thread_team::share_start(tasks, s, slots);
        }
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
      // Ties in tree order: a total order, so std::sort gives the stable order without the
      // buffer a stable sort allocates.
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
      return {detail::view_of_rows(tree_.rows().values), tree_labels_, tree_.rows().source.data()};
    }

    /// The labels of the last pass, into `labels` (at the points' own indices).
    void write_labels(Eigen::VectorXi& labels) const {
      const detail::indexed_rows<Scalar>& rows = tree_.rows();
      for (Eigen::Index row = 0; row < rows.values.rows(); ++row)
        labels[rows.source[row]] = tree_labels_[row];
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
    /// One thread's state while it walks a subtree: a candidate list per level, reused. A cache
    /// line of its own, so that the threads' counters do not contend.
    struct alignas(64) walk {
      std::vector<int> candidates;
      Eigen::Matrix<Scalar, Eigen::Dynamic, 1> midpoint;
      Eigen::Index changed = 0;
      std::uint64_t distances = 0;
      int slot = 0;
      detail::point_moves<Scalar>* moves = nullptr;
      detail::kd_part<Scalar>* part = nullptr;  // of the task's subtree
    };

    const Scalar* centre(int c) const { return centres_->row(c).data(); }

    /// Candidates of this node are w.candidates[offset, offset + count), ascending. `relabelled`
    /// is the last pass in which an ancestor labelled all its rows (0 if none).
    void filter(int id, walk& w, std::size_t offset, int count, int relabelled) {
      detail::kd_node& here = w.part->nodes[static_cast<std::size_t>(id)];
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
          const int label = detail::nearest_of(tree_.rows().values.row(row).data(), kept,
                                               kept_count, centre_row, d_, distance);
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
    void label_all(detail::kd_node& here, int label, int relabelled, walk& w) {
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
        const detail::indexed_rows<Scalar>& rows = tree_.rows();
        if (w.moves)
          w.moves->move(w.slot, rows.source[row], rows.values.row(row).data(), current, label);
        current = label;
        if (write_through_) (*labels_)[rows.source[row]] = label;
        ++w.changed;
      }
    }

    detail::thread_team& team_;
    Eigen::Index d_;
    detail::kd_index<Scalar> tree_;  // with the points in tree order
    Eigen::VectorXi tree_labels_;    // the label of each row of the tree order; -1 before pass 1
    // The passes' tasks: subtrees that the threads share out, each in one part of the tree.
    std::vector<detail::kd_place> tasks_;
    std::vector<std::uint64_t> task_costs_;   // of each in the last pass (distances)
    std::vector<Eigen::Index> share_starts_;  // plan_shares(): each thread's first task
    std::vector<std::size_t> run_order_;      // and the order they run in

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
