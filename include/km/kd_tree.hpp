// km::kd_tree: the filtering algorithm of Kanungo et al. (2002), "An efficient k-means clustering
// algorithm: analysis and implementation", IEEE TPAMI 24(7). A kd-tree over the points is built
// once per fit; each pass walks it with a shrinking set of candidate centres, and a node whose
// candidates shrink to one is labelled whole without computing a single distance.
#pragma once

#include <algorithm>
#include <cmath>
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
      build(points, 0, points.rows(), 0);
      points_.resize(points.rows(), d_);
      for (Eigen::Index i = 0; i < points.rows(); ++i) {
        points_.row(i) = points.row(order_[static_cast<std::size_t>(i)]);
      }
      lo_.resize(static_cast<Eigen::Index>(nodes_.size()), d_);
      hi_.resize(static_cast<Eigen::Index>(nodes_.size()), d_);
      for (std::size_t id = 0; id < nodes_.size(); ++id) {
        const node& each = nodes_[id];
        const auto rows = points_.middleRows(each.begin, each.end - each.begin);
        lo_.row(static_cast<Eigen::Index>(id)) = rows.colwise().minCoeff();
        hi_.row(static_cast<Eigen::Index>(id)) = rows.colwise().maxCoeff();
      }
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

   private:
    struct node {
      Eigen::Index begin, end;    // rows [begin, end) of points_ (tree order)
      int left = -1, right = -1;  // children, -1 for a leaf
    };
    static constexpr Eigen::Index leaf_size = 16;

    /// Median split on the widest coordinate; a node of identical points stays a leaf.
    int build(const detail::points_view<Scalar>& points, Eigen::Index begin, Eigen::Index end,
              int depth) {
      const int id = static_cast<int>(nodes_.size());
      nodes_.push_back({begin, end});
      depth_ = std::max(depth_, depth);
      if (end - begin <= leaf_size) return id;
      Eigen::Index widest = 0;
      Scalar widest_span = 0;
      for (Eigen::Index j = 0; j < d_; ++j) {
        Scalar lo = points(order_[static_cast<std::size_t>(begin)], j), hi = lo;
        for (Eigen::Index i = begin + 1; i < end; ++i) {
          const Scalar value = points(order_[static_cast<std::size_t>(i)], j);
          lo = std::min(lo, value);
          hi = std::max(hi, value);
        }
        if (hi - lo > widest_span) {
          widest_span = hi - lo;
          widest = j;
        }
      }
      if (widest_span == 0) return id;
      const Eigen::Index middle = begin + (end - begin) / 2;
      std::nth_element(
          order_.begin() + begin, order_.begin() + middle, order_.begin() + end,
          [&](Eigen::Index a, Eigen::Index b) { return points(a, widest) < points(b, widest); });
      const int left = build(points, begin, middle, depth + 1);
      const int right = build(points, middle, end, depth + 1);
      nodes_[static_cast<std::size_t>(id)].left = left;
      nodes_[static_cast<std::size_t>(id)].right = right;
      return id;
    }

    const Scalar* centre(int c) const { return centres_->row(c).data(); }

    /// Candidates of this node are candidates_[offset, offset + count), ascending.
    void filter(int id, std::size_t offset, int count) {
      const node& here = nodes_[static_cast<std::size_t>(id)];
      const int* candidates = candidates_.data() + offset;
      if (count == 1) return label_all(here, candidates[0]);

      const Scalar* lo = lo_.row(id).data();
      const Scalar* hi = hi_.row(id).data();
      for (Eigen::Index j = 0; j < d_; ++j)
        midpoint_[j] = lo[j] / 2 + hi[j] / 2;
      const auto centre_row = [this](int c) { return centre(c); };
      Scalar unused;
      const int best =
          detail::nearest_of(midpoint_.data(), candidates, count, centre_row, d_, unused);
      const Scalar best_reach = farthest_in_box(centre(best), lo, hi);

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
    row_matrix<Scalar> lo_, hi_;       // bounding box of each node's points
    int depth_ = 0;

    // Per-pass state: one candidate list per tree level, reused across passes.
    std::vector<int> candidates_;
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> midpoint_;
    Scalar relative_ = 0, absolute_ = 0;
    const row_matrix<Scalar>* centres_ = nullptr;
    Eigen::VectorXi* labels_ = nullptr;
    Eigen::Index changed_ = 0;
  };
};

}  // namespace km
