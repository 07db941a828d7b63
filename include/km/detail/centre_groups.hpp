// Yinyang's groups of centres (Ding et al. 2015, "Yinyang K-means", ICML) for km::yinyang: the
// centres fall into groups of nearby centres, fixed at the first pass, and each point keeps one
// lower bound per group on its distance to the group's centres other than its own. A point whose
// single (Hamerly) lower bound fails then compares only the groups whose own bound fails too.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <Eigen/Core>

#include "../result.hpp"
#include "bounds.hpp"
#include "distance.hpp"
#include "screen_lanes.hpp"

namespace km::detail {

template <typename Scalar>
class centre_groups {
 public:
  static constexpr int block = distance_lanes;
  /// The most bytes of per-point group bounds: past it, groups grow beyond one block.
  static constexpr std::uint64_t max_bound_bytes = std::uint64_t(1) << 30;

  /// Splits the centres into groups of nearby ones, and makes room for n points' bounds (each
  /// point's are set as the first pass assigns it), at most `max_bytes` of them if one group
  /// of all the centres fits.
  void form(const row_matrix<Scalar>& centres, Eigen::Index n,
            std::uint64_t max_bytes = max_bound_bytes) {
    const Eigen::Index k = centres.rows();
    blocks_per_group_ = 1;
    while (bound_bytes(n, k, blocks_per_group_) > max_bytes &&
           Eigen::Index{blocks_per_group_} * block < k)
      blocks_per_group_ *= 2;
    const int size = blocks_per_group_ * block;
    members_.resize(static_cast<std::size_t>(k));
    std::iota(members_.begin(), members_.end(), 0);
    starts_.assign(1, 0);
    split(centres, 0, static_cast<int>(k), size);
    count_ = static_cast<int>(starts_.size()) - 1;
    group_of_.resize(static_cast<std::size_t>(k));
    for (int g = 0; g < count_; ++g) {
      for (int m = start(g); m < start(g + 1); ++m)
        group_of_[static_cast<std::size_t>(members_[static_cast<std::size_t>(m)])] = g;
    }
    lower_.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(count_), 0.0F);
    stamps_.assign(static_cast<std::size_t>(n), 0);
    drift_.assign(static_cast<std::size_t>(count_), 0.0);  // cumulative, as of pass 0
    pass_ = 0;
  }

  int count() const noexcept { return count_; }
  int group_of(int centre) const { return group_of_[static_cast<std::size_t>(centre)]; }
  int size(int g) const { return start(g + 1) - start(g); }
  int member(int g, int m) const {
    return members_[static_cast<std::size_t>(start(g)) + static_cast<std::size_t>(m)];
  }

  /// A new pass's centres: how far each group's members moved at most since the last, added to
  /// the drift since pass 0 (rounded up), and their coordinates in blocks for the searches.
  void moved(const std::vector<double>& moves, const row_matrix<Scalar>& centres) {
    ++pass_;
    const std::size_t t = static_cast<std::size_t>(count_);
    drift_.resize(drift_.size() + t);
    double* now = drift_.data() + drift_.size() - t;
    const double* before = now - t;
    for (int g = 0; g < count_; ++g) {
      double largest = 0;
      for (int m = 0; m < size(g); ++m)
        largest = std::max(largest, moves[static_cast<std::size_t>(member(g, m))]);
      now[g] = distance_bounds<Scalar>::grown(before[g], largest);
    }
    copy_coordinates(centres);
  }

  /// Moves point i's group bounds to this pass by the drift since they were last set (unless
  /// done already), and writes to `reach` the groups whose bound is not above `threshold`;
  /// returns how many, and the smallest bound in `smallest`. Its bounds are then bounds_of(i).
  int in_reach(Eigen::Index i, double threshold, int* reach, double& smallest) {
    float* lower = bounds_of(i);
    int& stamp = stamps_[static_cast<std::size_t>(i)];
    const std::size_t t = static_cast<std::size_t>(count_);
    if (stamp != pass_) {
      const double* now = drift_.data() + static_cast<std::size_t>(pass_) * t;
      const double* then = drift_.data() + static_cast<std::size_t>(stamp) * t;
      for (std::size_t g = 0; g < t; ++g) {
        // Both are sums rounded up, the later one over more terms: their difference, rounded
        // up, is at least the exact drift in between.
        const double drift = (now[g] - then[g]) * (1 + 4 * eps);
        lower[g] = rounded_down((static_cast<double>(lower[g]) - drift) * (1 - 4 * eps));
      }
      stamp = pass_;
    }
    int count = 0;
    float least = std::numeric_limits<float>::infinity();
    for (std::size_t g = 0; g < t; ++g) {
      reach[count] = static_cast<int>(g);
      count += static_cast<double>(lower[g]) > threshold ? 0 : 1;
      least = std::min(least, lower[g]);
    }
    smallest = static_cast<double>(least);
    return count;
  }

  /// Point i's group bounds, to be overwritten all for this pass.
  float* reset(Eigen::Index i) {
    stamps_[static_cast<std::size_t>(i)] = pass_;
    return bounds_of(i);
  }

  float* bounds_of(Eigen::Index i) {
    return lower_.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(count_);
  }

  /// Whether the expanded form takes a point of squared norm `norm` and this pass's centres.
  bool scorable(Scalar norm) const { return scorable_ && fits_expanded<Scalar>(norm); }

  /// How far |x|^2 + score(c) may be from the exact |x - c|^2, and the canonical distance too,
  /// for a point x of squared norm `norm` and any centre c (expanded_margin).
  Scalar margin(Scalar norm) const {
    return centre_margin_ + (margin_.point_relative * norm + margin_.absolute);
  }

  /// The expanded form's scores |c|^2 - 2 x.c of group g's members, in member order, into `out`
  /// (room for widest()): the members in lanes, four chains of multiply-adds over the columns.
  void scores(int g, const Scalar* point, Scalar* out) const {
    using lanes = Eigen::Array<Scalar, block, 1>;
    const Eigen::Index d = d_;
    for (int m = 0; m < size(g); m += block) {
      const std::size_t first = static_cast<std::size_t>(start(g)) + static_cast<std::size_t>(m);
      const Scalar* coordinates = coordinates_.data() + first * static_cast<std::size_t>(d);
      lanes partial[chains];
      partial[0] = Eigen::Map<const lanes>(norms_.data() + first);
      for (int h = 1; h < chains; ++h)
        partial[h].setZero();
      Eigen::Index j = 0;
      for (; j + chains <= d; j += chains) {
        for (int h = 0; h < chains; ++h) {
          partial[h] += lanes::Constant(-2 * point[j + h]) *
                        Eigen::Map<const lanes>(coordinates + (j + h) * block);
        }
      }
      for (; j < d; ++j) {
        partial[0] +=
            lanes::Constant(-2 * point[j]) * Eigen::Map<const lanes>(coordinates + j * block);
      }
      Eigen::Map<lanes>(out + m) = (partial[0] + partial[1]) + (partial[2] + partial[3]);
    }
  }

  /// The largest group, in whole blocks: the scratch a point's search needs for distances().
  int widest() const { return blocks_per_group_ * block; }

  /// A float at most `value`, and not negative: nearest rounding of a value pulled down by more
  /// than float's half ulp, with float's subnormal range, where that fails, taken as 0, and
  /// values past float's range as its largest.
  static float rounded_down(double value) {
    constexpr double largest = std::numeric_limits<float>::max();
    const float rounded = static_cast<float>(std::min(value * (1 - 0x1p-23), largest));
    return rounded >= std::numeric_limits<float>::min() ? rounded : 0.0F;
  }

 private:
  int start(int g) const { return starts_[static_cast<std::size_t>(g)]; }

  static constexpr double eps = std::numeric_limits<double>::epsilon();
  static constexpr int chains = 4;

  static std::uint64_t bound_bytes(Eigen::Index n, Eigen::Index k, int blocks_per_group) {
    const Eigen::Index size = Eigen::Index{blocks_per_group} * block;
    return static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>((k + size - 1) / size) *
           sizeof(float);
  }

  /// Members [first, last) into groups of `size`: split along the coordinate of widest spread,
  /// at a multiple of `size` near the middle, until a part fits one group. Only the last group
  /// of a split may be short, so that few lanes of the blocks go unused.
  void split(const row_matrix<Scalar>& centres, int first, int last, int size) {
    const int count = last - first;
    if (count <= size) {
      starts_.push_back(last);
      return;
    }
    Eigen::Index widest = 0;
    Scalar widest_spread = -1;
    for (Eigen::Index j = 0; j < centres.cols(); ++j) {
      Scalar low = std::numeric_limits<Scalar>::infinity(), high = -low;
      for (int m = first; m < last; ++m) {
        const Scalar value = centres(members_[static_cast<std::size_t>(m)], j);
        low = std::min(low, value);
        high = std::max(high, value);
      }
      if (high - low > widest_spread) {
        widest_spread = high - low;
        widest = j;
      }
    }
    const int middle = first + std::max(1, (count / 2 + size / 2) / size) * size;
    const auto along = [&](int a, int b) {
      const Scalar x = centres(a, widest), y = centres(b, widest);
      return x < y || (x == y && a < b);
    };
    std::nth_element(members_.begin() + first, members_.begin() + middle, members_.begin() + last,
                     along);
    split(centres, first, middle, size);
    split(centres, middle, last, size);
  }

  /// Group g's members, block by block: coordinate j of member m at (m / block) * block * d +
  /// j * block + m % block; lanes past a group's last member are zero.
  void copy_coordinates(const row_matrix<Scalar>& centres) {
    d_ = centres.cols();
    // Every group starts at a multiple of widest(): only the last may be short.
    coordinates_.assign(static_cast<std::size_t>(Eigen::Index{count_} * widest() * d_), Scalar{0});
    // Lanes past a group's last member score +inf: never the best, never near it.
    norms_.assign(static_cast<std::size_t>(count_) * static_cast<std::size_t>(widest()),
                  std::numeric_limits<Scalar>::infinity());
    Scalar largest_norm = 0;
    for (int g = 0; g < count_; ++g) {
      for (int m = 0; m < size(g); ++m) {
        const Scalar norm = centres.row(member(g, m)).squaredNorm();
        norms_[static_cast<std::size_t>(start(g)) + static_cast<std::size_t>(m)] = norm;
        largest_norm = std::max(largest_norm, norm);
      }
    }
    margin_ = expanded_margin<Scalar>(d_);
    centre_margin_ = margin_.centre_relative * largest_norm;
    scorable_ = fits_expanded<Scalar>(largest_norm) && margin_.finite();
    for (int g = 0; g < count_; ++g) {
      for (int m = 0; m < size(g); ++m) {
        Scalar* out = coordinates_.data() + static_cast<std::size_t>(start(g) * d_) +
                      static_cast<std::size_t>(Eigen::Index{m / block} * block * d_ + m % block);
        for (Eigen::Index j = 0; j < d_; ++j)
          out[j * block] = centres(member(g, m), j);
      }
    }
  }

  std::vector<int> members_;   // the centres, group by group
  std::vector<int> starts_;    // group g's members are [start(g), start(g + 1))
  std::vector<int> group_of_;  // per centre
  int count_ = 0, blocks_per_group_ = 1, pass_ = 0;
  Eigen::Index d_ = 0;
  std::vector<Scalar> coordinates_;
  std::vector<Scalar> norms_;  // of the members, group by group, in the same lanes
  expanded_margin<Scalar> margin_{0};
  Scalar centre_margin_ = 0;
  bool scorable_ = false;
  std::vector<double> drift_;  // per pass and group: >= the drift since pass 0
  std::vector<float> lower_;   // n x count_: <= the distance to the group's centres but the own
  std::vector<int> stamps_;    // per point: the pass its bounds hold for
};

}  // namespace km::detail
