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
    explicit assigner(const detail::points_view<Scalar>& points)
        : d_(points.cols()), order_(static_cast<std::size_t>(points.rows())) {
      for (std::size_t i = 0; i < order_.size(); ++i)
        order_[i] = static_cast<Eigen::Index>(i);
      cells_.resize(2 * static_cast<std::size_t>(d_));
      for (Eigen::Index j = 0; j < d_; ++j) {
        cells_[static_cast<std::size_t>(j)] = points.col(j).minCoeff();
        cells_[static_cast<std::size_t>(d_ + j)] = points.col(j).maxCoeff();
      }
      build(points, 0, points.rows(), 0);
      // One gather into tree order, so that every node's points are contiguous rows.
      points_.resize(points.rows(), d_);
      for (Eigen::Index i = 0; i < points.rows(); ++i) {
        points_.row(i) = points.row(order_[static_cast<std::size_t>(i)]);
      }
      fit_boxes();
      cells_ = {};  // build-time scratch
      scratch_ = {};
      split_keys_ = {};
    }

    Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
      const int k = static_cast<int>(centres.rows());
      candidates_.resize(static_cast<std::size_t>(k) * static_cast<std::size_t>(depth_ + 2));
      for (int c = 0; c < k; ++c)
        candidates_[static_cast<std::size_t>(c)] = c;
      midpoint_.resize(d_);
      relative_ = detail::error_bound<Scalar>::relative(d_);
      absolute_ = detail::error_bound<Scalar>::absolute(d_);
      centres_ = &centres;
      labels_ = &labels;
      changed_ = 0;
      filter(0, 0, k);
      return changed_;
    }

    /// Canonical distances at the leaves, plus one per candidate and node for choosing z* and
    /// one per pruning test (each costs about as much as a distance).
    std::uint64_t distance_computations() const noexcept { return distances_; }

   private:
    struct node {
      Eigen::Index begin, end;    // rows [begin, end) of points_ (tree order)
      int left = -1, right = -1;  // children, -1 for a leaf
    };
    static constexpr Eigen::Index leaf_size = 16;

    /// Splits a node's cell (the region its ancestors' splits leave it, at first the bounding
    /// box of all points) at the midpoint of its widest side, Kanungo et al.'s choice; at the
    /// median instead when the midpoint would leave under an eighth of the points on one side,
    /// which keeps the depth O(log n) on any data. Only row indices move while building, and each
    /// level reads one coordinate per point; the tight boxes come afterwards, bottom-up.
    int build(const detail::points_view<Scalar>& points, Eigen::Index begin, Eigen::Index end,
              int depth) {
      const int id = static_cast<int>(nodes_.size());
      nodes_.push_back({begin, end});
      depth_ = std::max(depth_, depth);
      const Eigen::Index count = end - begin;
      if (count <= leaf_size) return id;

      const std::size_t cell = 2 * static_cast<std::size_t>(d_) * static_cast<std::size_t>(depth);
      Eigen::Index widest = 0;
      for (Eigen::Index j = 1; j < d_; ++j) {
        if (cell_side(cell, j) > cell_side(cell, widest)) widest = j;
      }
      if (cell_side(cell, widest) == 0) return id;  // every point identical
      const Scalar low = cells_[cell + static_cast<std::size_t>(widest)];
      Scalar cut = low + cell_side(cell, widest) / 2;
      Eigen::Index middle = split_at(points, begin, end, widest, cut);
      if (middle - begin < count / 8 || end - middle < count / 8) {
        middle = split_at_median(points, begin, end, widest);
        cut = points(order_[static_cast<std::size_t>(middle)], widest);
      }

      // The children's cells: this cell cut in two along `widest`.
      cells_.resize(std::max(cells_.size(), cell + 6 * static_cast<std::size_t>(d_)));
      const std::size_t child = cell + 2 * static_cast<std::size_t>(d_);
      std::copy_n(cells_.begin() + static_cast<std::ptrdiff_t>(cell), 2 * d_,
                  cells_.begin() + static_cast<std::ptrdiff_t>(child));
      cells_[child + static_cast<std::size_t>(d_ + widest)] = cut;
      const int left = build(points, begin, middle, depth + 1);
      std::copy_n(cells_.begin() + static_cast<std::ptrdiff_t>(cell), 2 * d_,
                  cells_.begin() + static_cast<std::ptrdiff_t>(child));
      cells_[child + static_cast<std::size_t>(widest)] = cut;
      const int right = build(points, middle, end, depth + 1);
      nodes_[static_cast<std::size_t>(id)].left = left;
      nodes_[static_cast<std::size_t>(id)].right = right;
      return id;
    }

    Scalar cell_side(std::size_t cell, Eigen::Index j) const {
      return cells_[cell + static_cast<std::size_t>(d_ + j)] -
             cells_[cell + static_cast<std::size_t>(j)];
    }

    /// Tight bounding boxes, children before parents (a child's id exceeds its parent's): a
    /// leaf's from its rows, which are contiguous by now, a parent's as the union of its children.
    void fit_boxes() {
      boxes_.resize(2 * static_cast<std::size_t>(d_) * nodes_.size());
      for (int id = static_cast<int>(nodes_.size()) - 1; id >= 0; --id) {
        const node& here = nodes_[static_cast<std::size_t>(id)];
        Scalar* lo = lower(id);
        Scalar* hi = upper(id);
        if (here.left < 0) {
          std::copy_n(points_.row(here.begin).data(), d_, lo);
          std::copy_n(points_.row(here.begin).data(), d_, hi);
          for (Eigen::Index row = here.begin + 1; row < here.end; ++row) {
            const Scalar* point = points_.row(row).data();
            for (Eigen::Index j = 0; j < d_; ++j) {
              lo[j] = std::min(lo[j], point[j]);
              hi[j] = std::max(hi[j], point[j]);
            }
          }
        } else {
          const Scalar *left_lo = lower(here.left), *right_lo = lower(here.right);
          const Scalar *left_hi = upper(here.left), *right_hi = upper(here.right);
          for (Eigen::Index j = 0; j < d_; ++j) {
            lo[j] = std::min(left_lo[j], right_lo[j]);
            hi[j] = std::max(left_hi[j], right_hi[j]);
          }
        }
      }
    }

    /// Puts the rows whose coordinate `dim` is under the threshold first; returns where the rest
    /// start. Branch-free: each index goes to the next free slot from the front or the back.
    Eigen::Index split_at(const detail::points_view<Scalar>& points, Eigen::Index begin,
                          Eigen::Index end, Eigen::Index dim, Scalar threshold) {
      scratch_.resize(order_.size());
      Eigen::Index front = begin, back = end - 1;
      for (Eigen::Index i = begin; i < end; ++i) {
        const Eigen::Index row = order_[static_cast<std::size_t>(i)];
        const bool below = points(row, dim) < threshold;
        scratch_[static_cast<std::size_t>(below ? front : back)] = row;
        front += below;
        back -= !below;
      }
      std::copy(scratch_.begin() + begin, scratch_.begin() + end, order_.begin() + begin);
      return front;
    }

    Eigen::Index split_at_median(const detail::points_view<Scalar>& points, Eigen::Index begin,
                                 Eigen::Index end, Eigen::Index dim) {
      split_keys_.resize(order_.size());
      for (Eigen::Index i = begin; i < end; ++i) {
        const Eigen::Index row = order_[static_cast<std::size_t>(i)];
        split_keys_[static_cast<std::size_t>(i)] = {points(row, dim), row};
      }
      const auto key = split_keys_.begin();
      const Eigen::Index middle = begin + (end - begin) / 2;
      std::nth_element(key + begin, key + middle, key + end);
      for (Eigen::Index i = begin; i < end; ++i) {
        order_[static_cast<std::size_t>(i)] = split_keys_[static_cast<std::size_t>(i)].second;
      }
      return middle;
    }

    Scalar* lower(int id) { return boxes_.data() + 2 * static_cast<std::size_t>(id * d_); }
    Scalar* upper(int id) { return lower(id) + d_; }

    const Scalar* centre(int c) const { return centres_->row(c).data(); }

    /// Candidates of this node are candidates_[offset, offset + count), ascending.
    void filter(int id, std::size_t offset, int count) {
      const node& here = nodes_[static_cast<std::size_t>(id)];
      const int* candidates = candidates_.data() + offset;
      if (count == 1) return label_all(here, candidates[0]);

      const Scalar* lo = lower(id);
      const Scalar* hi = upper(id);
      for (Eigen::Index j = 0; j < d_; ++j)
        midpoint_[j] = lo[j] / 2 + hi[j] / 2;
      const auto centre_row = [this](int c) { return centre(c); };
      Scalar unused;
      const int best =
          detail::nearest_of(midpoint_.data(), candidates, count, centre_row, d_, unused);
      const Scalar best_reach = farthest_in_box(centre(best), lo, hi);

      distances_ += 2 * static_cast<std::uint64_t>(count);
      const std::size_t next_offset = offset + static_cast<std::size_t>(count);
      int* kept = candidates_.data() + next_offset;
      int kept_count = 0;
      for (int i = 0; i < count; ++i) {
        const int c = candidates[i];
        if (c == best || !dominated(centre(c), centre(best), best_reach, lo, hi)) {
          kept[kept_count++] = c;
        }
      }
      if (kept_count == 1) return label_all(here, kept[0]);
      if (here.left < 0) {
        distances_ += static_cast<std::uint64_t>(here.end - here.begin) *
                      static_cast<std::uint64_t>(kept_count);
        for (Eigen::Index row = here.begin; row < here.end; ++row) {
          Scalar distance;
          const int label = detail::nearest_of(points_.row(row).data(), kept, kept_count,
                                               centre_row, d_, distance);
          set_label(row, label);
        }
        return;
      }
      filter(here.left, next_offset, kept_count);
      filter(here.right, next_offset, kept_count);
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

    void label_all(const node& here, int label) {
      for (Eigen::Index row = here.begin; row < here.end; ++row)
        set_label(row, label);
    }

    void set_label(Eigen::Index row, int label) {
      int& slot = (*labels_)[order_[static_cast<std::size_t>(row)]];
      if (slot != label) {
        slot = label;
        ++changed_;
      }
    }

    Eigen::Index d_;
    std::vector<Eigen::Index> order_;  // original index of each row of points_
    row_matrix<Scalar> points_;        // the points in tree order
    std::vector<node> nodes_;          // nodes_[0] is the root; children follow their parent
    std::vector<Scalar> boxes_;        // per node: its min corner, then its max corner
    int depth_ = 0;

    // Build-time scratch, released once the tree stands.
    std::vector<Scalar> cells_;  // per depth: the cell's min corner, then its max corner
    std::vector<Eigen::Index> scratch_;
    std::vector<std::pair<Scalar, Eigen::Index>> split_keys_;

    // Per-pass state: one candidate list per tree level, reused across passes.
    std::vector<int> candidates_;
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> midpoint_;
    Scalar relative_ = 0, absolute_ = 0;
    const row_matrix<Scalar>* centres_ = nullptr;
    Eigen::VectorXi* labels_ = nullptr;
    Eigen::Index changed_ = 0;
    std::uint64_t distances_ = 0;
  };
};

}  // namespace km
