// The update step shared by every strategy: centres become the means of their points, and empty
// clusters follow one deterministic rule. Its result depends only on the points, the labels and
// the previous centres, never on the strategy that produced the labels (DESIGN.md, rules 4 and 5).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "distance.hpp"
#include "exact_sum.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "validate.hpp"

namespace km::detail {

/// Each centre moves to c + sum(x - c) / count, c its previous centre: mathematically the mean,
/// numerically within about an ulp of c + (exact sum) / count, and exact for identical points (a
/// cluster of copies of x at centre x stays at x, so degenerate data settles instead of churning
/// on last-bit differences). The sums of the points are kept on the fixed grids of exact_grid, per
/// cluster and coordinate, so they are exact sums of the members' grid parts whatever the order:
/// follow() moves only the points whose label changed, and threads or MPI ranks may add their
/// shares in any grouping; the bits are those of one sequential pass.
template <typename Scalar>
class centre_update {
  static constexpr int levels = exact_grid::levels;
  using sum_matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

 public:
  /// `box` bounds every coordinate of the points (validate.hpp computes it).
  centre_update(const points_view<Scalar>& points, int k, const bounding_box& box)
      : points_(points),
        sigmas_(levels, points.cols()),
        sums_(Eigen::Index{k} * levels, points.cols()),
        counts_(k),
        summed_labels_(Eigen::VectorXi::Constant(points.rows(), -1)) {
    // Sums hold at most n members, but a point taken out and put back passes through the
    // intermediate totals too; 4n terms is a safe bound for the grids' headroom.
    const double terms = 4.0 * static_cast<double>(points.rows());
    for (Eigen::Index j = 0; j < points.cols(); ++j) {
      const exact_grid grid(std::max(std::abs(box.lo[j]), std::abs(box.hi[j])), terms);
      for (int l = 0; l < levels; ++l)
        sigmas_(l, j) = grid.sigma(l);
    }
    sums_.setZero();
    counts_.setZero();
  }

  /// Brings the sums up to date with `labels`: each point whose label differs from the last call
  /// leaves its old cluster's sums (if any) and joins its new one's.
  void follow(const Eigen::VectorXi& labels, thread_team& team) {
    const chunks work{labels.size(), 16384};
    const int slots = team.slots(work.count());
    if (slots == 1) {
      follow(labels, 0, labels.size(), sums_, counts_, scratch_[0]);
      return;
    }
    // Slot 0 adds into the sums themselves, the others into partials added afterwards: every
    // addition is exact, so the grouping leaves no trace in the bits.
    partials_.resize(static_cast<std::size_t>(slots - 1));
    scratch_.resize(static_cast<std::size_t>(slots));
    for (partial& p : partials_) {
      p.sums.setZero(sums_.rows(), sums_.cols());
      p.counts.setZero(counts_.size());
    }
    team.run(work.count(), [&](Eigen::Index t, int slot) {
      if (slot == 0) {
        follow(labels, work.begin(t), work.end(t), sums_, counts_, scratch_[0]);
      } else {
        partial& p = partials_[static_cast<std::size_t>(slot - 1)];
        follow(labels, work.begin(t), work.end(t), p.sums, p.counts,
               scratch_[static_cast<std::size_t>(slot)]);
      }
    });
    for (const partial& p : partials_) {
      sums_ += p.sums;
      counts_ += p.counts;
    }
  }

  /// Writes the centres of the labels last followed into `next`; `centres` are the ones they were
  /// assigned to.
  ///
  /// Empty-cluster rule: each empty cluster, in increasing index, takes as its centre the point
  /// farthest (canonically) from its own centre, the next empty cluster the next farthest, ties to
  /// the lower point index. Only points at a positive distance qualify; when none is left (every
  /// point sits on its centre, as with fewer distinct points than k) an empty cluster keeps its
  /// centre. Labels are not changed here; the next assignment pass moves the points.
  void operator()(const row_matrix<Scalar>& centres, row_matrix<Scalar>& next) const {
    std::vector<int> empty;
    for (int c = 0; c < static_cast<int>(counts_.size()); ++c) {
      if (counts_[c] == 0) {
        empty.push_back(c);
        next.row(c) = centres.row(c);
        continue;
      }
      const double count = static_cast<double>(counts_[c]);
      for (Eigen::Index j = 0; j < points_.cols(); ++j) {
        const double centre = static_cast<double>(centres(c, j));
        double product, product_error;
        two_product(count, centre, product, product_error);
        const double deviation = rounded_sum<levels + 2>(
            {sums_(Eigen::Index{c} * levels, j), sums_(Eigen::Index{c} * levels + 1, j),
             sums_(Eigen::Index{c} * levels + 2, j), -product, -product_error});
        next(c, j) = static_cast<Scalar>(centre + deviation / count);
      }
    }
    if (!empty.empty()) relocate(points_, summed_labels_, centres, empty, next);
  }

 private:
  using count_vector = Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1>;

  struct partial {
    sum_matrix sums;
    count_vector counts;
  };

  struct split_scratch {
    Eigen::VectorXd remainder;
    sum_matrix parts;  // levels x d
  };

  void follow(const Eigen::VectorXi& labels, Eigen::Index begin, Eigen::Index end, sum_matrix& sums,
              count_vector& counts, split_scratch& scratch) {
    const Eigen::Index block = levels * points_.cols();  // a cluster's sums: levels x d in a row
    scratch.remainder.resize(points_.cols());
    scratch.parts.resize(levels, points_.cols());
    const double* parts = scratch.parts.data();
    constexpr Eigen::Index run = 64;  // labels compared as a block first: most blocks are equal
    for (Eigen::Index i = begin; i < end; ++i) {
      if ((i - begin) % run == 0) {
        const Eigen::Index length = std::min(run, end - i);
        if (std::memcmp(labels.data() + i, summed_labels_.data() + i,
                        static_cast<std::size_t>(length) * sizeof(int)) == 0) {
          i += length - 1;
          continue;
        }
      }
      const int from = summed_labels_[i];
      const int to = labels[i];
      if (from == to) continue;
      split(points_.row(i).data(), scratch);
      double* into = sums.data() + to * block;
      for (Eigen::Index t = 0; t < block; ++t)
        into[t] += parts[t];
      ++counts[to];
      if (from >= 0) {
        double* out_of = sums.data() + from * block;
        for (Eigen::Index t = 0; t < block; ++t)
          out_of[t] -= parts[t];
        --counts[from];
      }
      summed_labels_[i] = to;
    }
  }

  /// The grid parts of one point into scratch.parts (sized by the caller).
  void split(const Scalar* point, split_scratch& scratch) const {
    const Eigen::Index d = points_.cols();
    double* remainder = scratch.remainder.data();
    double* parts = scratch.parts.data();
    const double* sigmas = sigmas_.data();
    for (Eigen::Index j = 0; j < d; ++j)
      remainder[j] = static_cast<double>(point[j]);
    for (Eigen::Index l = 0; l < levels; ++l) {
      for (Eigen::Index j = 0; j < d; ++j) {
        const double sigma = sigmas[l * d + j];
        const double part = (sigma + remainder[j]) - sigma;
        parts[l * d + j] = part;
        remainder[j] -= part;
      }
    }
  }

  /// The rare path (some cluster is empty): distances are recomputed here rather than stored
  /// for every point on every pass.
  static void relocate(const points_view<Scalar>& points, const Eigen::VectorXi& labels,
                       const row_matrix<Scalar>& centres, const std::vector<int>& empty,
                       row_matrix<Scalar>& next) {
    std::vector<std::pair<Scalar, Eigen::Index>> farthest;  // (distance, point), distance > 0
    for (Eigen::Index i = 0; i < points.rows(); ++i) {
      const Scalar distance =
          squared_distance(points.row(i).data(), centres.row(labels[i]).data(), points.cols());
      if (distance > 0) farthest.emplace_back(distance, i);
    }
    const std::size_t movable = std::min(farthest.size(), empty.size());
    std::partial_sort(farthest.begin(), farthest.begin() + static_cast<std::ptrdiff_t>(movable),
                      farthest.end(), [](const auto& a, const auto& b) {
                        return a.first > b.first || (a.first == b.first && a.second < b.second);
                      });
    for (std::size_t e = 0; e < movable; ++e)
      next.row(empty[e]) = points.row(farthest[e].second);
  }

  points_view<Scalar> points_;
  sum_matrix sigmas_;  // levels x d: the grid of each level and coordinate
  sum_matrix sums_;    // (k * levels) x d: row c * levels + l holds cluster c's level-l sums
  count_vector counts_;
  Eigen::VectorXi summed_labels_;  // the labels the sums hold; -1: not yet in any cluster
  std::vector<partial> partials_;  // of threads 1, 2, ...
  std::vector<split_scratch> scratch_ = std::vector<split_scratch>(1);  // one per thread
};

/// Sum of the canonical squared distances of the points to their centres, exact on the grids of
/// exact_grid (so independent of order), rounded once.
template <typename Scalar>
double inertia(const points_view<Scalar>& points, const Eigen::VectorXi& labels,
               const row_matrix<Scalar>& centres, const bounding_box& box, thread_team& team) {
  // No point of the box is farther from a centre than its farthest corner; 1% covers the
  // rounding of that bound and of the canonical distances.
  double bound = 0;
  for (Eigen::Index c = 0; c < centres.rows(); ++c) {
    double farthest = 0;
    for (Eigen::Index j = 0; j < centres.cols(); ++j) {
      const double centre = static_cast<double>(centres(c, j));
      const double reach = std::max(std::abs(box.hi[j] - centre), std::abs(centre - box.lo[j]));
      farthest += reach * reach;
    }
    bound = std::max(bound, farthest * 1.01);
  }
  const exact_grid grid(bound, static_cast<double>(points.rows()));
  return grid_sum(grid, points.rows(), team, [&](Eigen::Index i) {
    return static_cast<double>(
        squared_distance(points.row(i).data(), centres.row(labels[i]).data(), points.cols()));
  });
}

/// Summed squared move of the centres, in centre order.
template <typename Scalar>
double centre_shift(const row_matrix<Scalar>& before, const row_matrix<Scalar>& after) {
  double total = 0;
  for (Eigen::Index c = 0; c < before.rows(); ++c) {
    total += static_cast<double>(
        squared_distance(before.row(c).data(), after.row(c).data(), before.cols()));
  }
  return total;
}

}  // namespace km::detail
