// km::kd_tree: the filtering algorithm of Kanungo et al. (2002), "An efficient k-means clustering
// algorithm: analysis and implementation", IEEE TPAMI 24(7). A kd-tree over the points is built
// once per fit; each pass walks it with a shrinking set of candidate centres, and a node whose
// candidates shrink to one is labelled whole without computing a single distance.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "detail/distance.hpp"
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
  template <typename Scalar>
  class assigner {
   public:
    assigner(const detail::points_view<Scalar>& points, detail::thread_team& team)
        : team_(team), d_(points.cols()), order_(static_cast<std::size_t>(points.rows())) {
      // With threads, the subtrees at task_depth_ are the tasks: 16 per thread balance well.
      while (team.size() > 1 && (1 << task_depth_) < 16 * team.size() && task_depth_ < 20)
        ++task_depth_;
      for (std::size_t i = 0; i < order_.size(); ++i)
        order_[i] = static_cast<Eigen::Index>(i);
      // The rows move with the build, so that every node's points end up contiguous and each
      // split reads and swaps its rows in sequence.
      points_ = points;
      const std::size_t nodes_expected = 4 * order_.size() / leaf_size + 1;
      nodes_.reserve(nodes_expected);
      boxes_.reserve(2 * static_cast<std::size_t>(d_) * nodes_expected);
      build(0, points.rows(), 0);
      tree_labels_.assign(order_.size(), -1);  // as the driver's labels start
    }

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      const int k = static_cast<int>(centres.rows());
      relative_ = detail::error_bound<Scalar>::relative(d_);
      absolute_ = detail::error_bound<Scalar>::absolute(d_);
      centres_ = &centres;
      labels_ = &labels;
      const Eigen::Index tasks = static_cast<Eigen::Index>(task_roots_.size());
      if (walks_.size() < static_cast<std::size_t>(team_.slots(tasks)))
        walks_.resize(static_cast<std::size_t>(team_.slots(tasks)));
      for (walk& w : walks_)
        w.changed = 0;
      // Each task filters its subtree from all k candidates: the levels above it prune nothing
      // for it, which costs a few k-long tests per task and keeps the tasks independent.
      team_.run(tasks, [&](Eigen::Index t, int slot) {
        walk& w = walks_[static_cast<std::size_t>(slot)];
        w.candidates.resize(static_cast<std::size_t>(k) * static_cast<std::size_t>(depth_ + 2));
        for (int c = 0; c < k; ++c)
          w.candidates[static_cast<std::size_t>(c)] = c;
        w.midpoint.resize(d_);
        filter(task_roots_[static_cast<std::size_t>(t)], w, 0, k);
      });
      Eigen::Index changed = 0;
      for (const walk& w : walks_)
        changed += w.changed;
      return changed;
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
      Eigen::Index begin, end;    // rows [begin, end) of points_ (tree order)
      int left = -1, right = -1;  // children, -1 for a leaf
    };
    static constexpr Eigen::Index leaf_size = 16;

    /// One thread's state while it walks a subtree: a candidate list per level, reused. A cache
    /// line of its own, so that the threads' counters do not contend.
    struct alignas(64) walk {
      std::vector<int> candidates;
      Eigen::Matrix<Scalar, Eigen::Dynamic, 1> midpoint;
      Eigen::Index changed = 0;
      std::uint64_t distances = 0;
    };

    /// Splits a node at the midpoint of the widest side of its points' bounding box (Kanungo et
    /// al. split the cell their ancestors leave; the tight box adapts better to clustered data);
    /// at the median instead when the midpoint would leave under an eighth of the points on one
    /// side, which keeps the depth O(log n) on any data. Rows move with the split, so each node's
    /// rows are contiguous and every level reads them in sequence.
    int build(Eigen::Index begin, Eigen::Index end, int depth) {
      const int id = static_cast<int>(nodes_.size());
      nodes_.push_back({begin, end});
      depth_ = std::max(depth_, depth);
      fit_box(id, begin, end);
      const Eigen::Index count = end - begin;
      const bool leaf = count <= leaf_size;
      if (depth == task_depth_ || (leaf && depth < task_depth_)) task_roots_.push_back(id);
      if (leaf) return id;

      Eigen::Index widest = 0;
      for (Eigen::Index j = 1; j < d_; ++j) {
        if (upper(id)[j] - lower(id)[j] > upper(id)[widest] - lower(id)[widest]) widest = j;
      }
      const Scalar low = lower(id)[widest];
      const Scalar side = upper(id)[widest] - low;
      if (side == 0) {  // every point identical: a leaf after all
        if (depth < task_depth_) task_roots_.push_back(id);
        return id;
      }
      Eigen::Index middle = split_at(begin, end, widest, low + side / 2);
      if (middle - begin < count / 8 || end - middle < count / 8) {
        middle = split_at_median(begin, end, widest);
      }
      const int left = build(begin, middle, depth + 1);
      const int right = build(middle, end, depth + 1);
      nodes_[static_cast<std::size_t>(id)].left = left;
      nodes_[static_cast<std::size_t>(id)].right = right;
      return id;
    }

    /// The bounding box of rows [begin, end) as node id's box, in one pass over the rows in
    /// memory order (a column at a time would read every row d times). Low dimensions work in
    /// local arrays, which the compiler knows alias nothing.
    void fit_box(int id, Eigen::Index begin, Eigen::Index end) {
      boxes_.resize(2 * static_cast<std::size_t>(d_) * (static_cast<std::size_t>(id) + 1));
      const auto fit = [&](Scalar* lo, Scalar* hi) {
        std::copy_n(points_.row(begin).data(), d_, lo);
        std::copy_n(points_.row(begin).data(), d_, hi);
        for (Eigen::Index row = begin + 1; row < end; ++row) {
          const Scalar* point = points_.row(row).data();
          for (Eigen::Index j = 0; j < d_; ++j) {
            lo[j] = std::min(lo[j], point[j]);
            hi[j] = std::max(hi[j], point[j]);
          }
        }
      };
      constexpr Eigen::Index local = 16;
      if (d_ > local) return fit(lower(id), upper(id));
      Scalar lo[local], hi[local];
      fit(lo, hi);
      std::copy_n(lo, d_, lower(id));
      std::copy_n(hi, d_, upper(id));
    }

    /// Puts the rows whose coordinate `dim` is under the threshold first; returns where the rest
    /// start. In place and branch-free (Lomuto's scheme with an unconditional swap): a branch on
    /// the comparison would be mispredicted for half the rows near the cut.
    Eigen::Index split_at(Eigen::Index begin, Eigen::Index end, Eigen::Index dim,
                          Scalar threshold) {
      Eigen::Index front = begin;  // rows [begin, front) are below, [front, i) are not
      for (Eigen::Index i = begin; i < end; ++i) {
        const bool below = points_(i, dim) < threshold;
        swap_rows(front, i);
        front += below;
      }
      return front;
    }

    void swap_rows(Eigen::Index a, Eigen::Index b) {
      std::swap_ranges(points_.row(a).data(), points_.row(a).data() + d_, points_.row(b).data());
      std::swap(order_[static_cast<std::size_t>(a)], order_[static_cast<std::size_t>(b)]);
    }

    /// Puts the lower half of the rows by coordinate `dim` first; returns where the upper half
    /// starts. Quickselect on the rows themselves (Hoare partitions, median-of-three pivots).
    Eigen::Index split_at_median(Eigen::Index begin, Eigen::Index end, Eigen::Index dim) {
      const Eigen::Index middle = begin + (end - begin) / 2;
      Eigen::Index low = begin, high = end - 1;  // the rows still to order, inclusive
      while (low < high) {
        const Scalar a = points_(low, dim), b = points_(low + (high - low) / 2, dim),
                     c = points_(high, dim);
        const Scalar pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));
        Eigen::Index i = low, j = high;
        while (i <= j) {
          while (points_(i, dim) < pivot)
            ++i;
          while (pivot < points_(j, dim))
            --j;
          if (i <= j) swap_rows(i++, j--);
        }
        // Now rows [low, j] are <= pivot, rows [i, high] >= pivot, rows between equal it.
        if (middle <= j) {
          high = j;
        } else if (middle >= i) {
          low = i;
        } else {
          break;
        }
      }
      return middle;
    }

    Scalar* lower(int id) { return boxes_.data() + 2 * static_cast<std::size_t>(id * d_); }
    Scalar* upper(int id) { return lower(id) + d_; }

    const Scalar* centre(int c) const { return centres_->row(c).data(); }

    /// Candidates of this node are w.candidates[offset, offset + count), ascending.
    void filter(int id, walk& w, std::size_t offset, int count) {
      const node& here = nodes_[static_cast<std::size_t>(id)];
      const int* candidates = w.candidates.data() + offset;
      if (count == 1) return label_all(here, candidates[0], w);

      const Scalar* lo = lower(id);
      const Scalar* hi = upper(id);
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
      if (kept_count == 1) return label_all(here, kept[0], w);
      if (here.left < 0) {
        w.distances += static_cast<std::uint64_t>(here.end - here.begin) *
                       static_cast<std::uint64_t>(kept_count);
        for (Eigen::Index row = here.begin; row < here.end; ++row) {
          Scalar distance;
          const int label = detail::nearest_of(points_.row(row).data(), kept, kept_count,
                                               centre_row, d_, distance);
          set_label(row, label, w);
        }
        return;
      }
      filter(here.left, w, next_offset, kept_count);
      filter(here.right, w, next_offset, kept_count);
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

    void label_all(const node& here, int label, walk& w) {
      for (Eigen::Index row = here.begin; row < here.end; ++row)
        set_label(row, label, w);
    }

    /// The labels are mirrored in tree order, so that checking them reads memory in sequence;
    /// only a change is written through to the caller's labels, at the point's own index.
    void set_label(Eigen::Index row, int label, walk& w) {
      int& current = tree_labels_[static_cast<std::size_t>(row)];
      if (current != label) {
        current = label;
        (*labels_)[order_[static_cast<std::size_t>(row)]] = label;
        ++w.changed;
      }
    }

    detail::thread_team& team_;
    int task_depth_ = 0;
    std::vector<int> task_roots_;  // the subtrees the threads share out, together all points
    Eigen::Index d_;
    std::vector<Eigen::Index> order_;  // original index of each row of points_
    std::vector<int> tree_labels_;     // the label of each row of points_; -1 before pass 1
    row_matrix<Scalar> points_;        // the points in tree order
    std::vector<node> nodes_;          // nodes_[0] is the root; children follow their parent
    std::vector<Scalar> boxes_;        // per node: its min corner, then its max corner
    int depth_ = 0;

    // Per-pass state.
    std::vector<walk> walks_;  // one per thread
    Scalar relative_ = 0, absolute_ = 0;
    const row_matrix<Scalar>* centres_ = nullptr;
    Eigen::VectorXi* labels_ = nullptr;
  };
};

}  // namespace km
