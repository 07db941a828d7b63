// The update step shared by every strategy: centres become the means of their points, and empty
// clusters follow one deterministic rule. Its result depends only on the points, the labels and
// the previous centres, never on the strategy that produced the labels (DESIGN.md, rules 4 and 5).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "bounding_box.hpp"
#include "collective.hpp"
#include "distance.hpp"
#include "exact_sum.hpp"
#include "fit_context.hpp"
#include "moves.hpp"
#include "parallel.hpp"
#include "point_weights.hpp"
#include "points.hpp"

namespace km::detail {

/// Each centre moves to c + sum(x - c) / count, c its previous centre: mathematically the mean,
/// numerically within about an ulp of c + (exact sum) / count, and exact for identical points (a
/// cluster of copies of x at centre x stays at x, so degenerate data settles instead of churning
/// on last-bit differences). The sums of the points are kept on the fixed grids of exact_grid, per
/// cluster and coordinate, so they are exact sums of the members' grid parts whatever the order:
/// follow() moves only the points whose label changed, and threads or MPI ranks may add their
/// shares in any grouping; the bits are those of one sequential pass.
///
/// With sample weights, sum(w x) and sum(w) take the place of sum(x) and count: each product w x
/// enters exactly, as its rounded value plus its rounding error (two_product; a product of two
/// floats is exact in double already), and the weights are summed on a grid of their own, in one
/// more column of the sums. A cluster whose members all weigh 0 is empty.
///
/// Across processes (collective.hpp), each keeps the sums of its own points; the update adds
/// them up, exactly, so the centres are those of one process holding every point.
template <typename Scalar, typename Collective>
class centre_update final : public point_moves<Scalar> {
  static constexpr int levels = exact_grid::levels;
  using sum_matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // Products of two floats are exact in double; double products need their error terms.
  static constexpr bool exact_products = sizeof(Scalar) * 2 <= sizeof(double);

 public:
  /// The sums of `fit`'s points in k clusters; its box sizes their grids.
  centre_update(const fit_context<Scalar, Collective>& fit, int k)
      : processes_(fit.processes),
        points_(fit.points),
        weights_(fit.weights),
        width_(fit.points.cols() + (fit.weights.given() ? 1 : 0)),
        sigmas_(levels, width_),
        sums_(Eigen::Index{k} * levels, width_),
        counts_(k) {
    // Sums hold at most n members, but a point taken out and put back passes through the
    // intermediate totals too; 4n terms is a safe bound for the grids' headroom. A weighted
    // product of doubles enters as two terms, and 1% covers its rounding above the bound.
    const point_weights<Scalar>& weights = fit.weights;
    const double n = static_cast<double>(fit.processes.total());
    const double terms = (weights.given() && !exact_products ? 8.0 : 4.0) * n;
    const double scale = weights.given() ? weights.largest * 1.01 : 1.0;
    const auto set_grid = [&](Eigen::Index column, const exact_grid& grid) {
      for (int l = 0; l < levels; ++l)
        sigmas_(l, column) = grid.sigma(l);
    };
    const Eigen::Index d = fit.points.cols();
    for (Eigen::Index j = 0; j < d; ++j)
      set_grid(j, exact_grid(scale * fit.box.largest_magnitude(j), terms));
    if (weights.given()) set_grid(d, exact_grid(weights.largest, 4.0 * n));
    sums_.setZero();
    counts_.setZero();
  }

  /// Brings the sums up to date with `labels` (this process's): each point whose label differs
  /// from the last call leaves its old cluster's sums (if any) and joins its new one's. Returns
  /// how many of those points weigh something, on every process: a point of weight 0 moving
  /// changes no centre, so it must not keep a fit going (weight 0 is the point left out).
  Eigen::Index follow(const Eigen::VectorXi& labels, thread_team& team) {
    if (summed_labels_.size() != labels.size()) summed_labels_.setConstant(labels.size(), -1);
    // Small tasks, so that a first pass over a few thousand points still spreads over threads.
    const chunks work{labels.size(), 2048};
    start_moves(team.slots(work.count()));
    team.run(work.count(),
             [&](Eigen::Index t, int slot) { follow(labels, work.begin(t), work.end(t), slot); });
    return finish_moves();
  }

  /// Instead of follow(), around an assignment pass that reports its moves (lloyd.hpp):
  /// start_moves() before it, whose threads call move() once per label they change (as slots
  /// under `slots`), and finish_moves() after it, which returns what follow() returns.
  void start_moves(int slots) {
    moving_.resize(static_cast<std::size_t>(slots));
    for (slot_state& state : moving_) {
      state.moved = 0;
      state.touched = false;
    }
  }
  Eigen::Index finish_moves() {
    // Slot 0 adds into the sums themselves, the others into partials added here: every addition
    // is exact, so the grouping leaves no trace in the bits.
    std::int64_t moved = 0;
    for (std::size_t s = 0; s < moving_.size(); ++s) {
      if (s > 0 && moving_[s].touched) {
        sums_ += moving_[s].sums;
        counts_ += moving_[s].counts;
      }
      moved += moving_[s].moved;
    }
    processes_.sum(&moved, 1);
    return static_cast<Eigen::Index>(moved);
  }

  /// Point i (this process's), at `point`, leaves cluster `from`'s sums (none when -1) and joins
  /// cluster `to`'s, in thread slot `slot`'s share of them.
  void move(int slot, Eigen::Index i, const Scalar* point, int from, int to) override {
    slot_state& state = moving_[static_cast<std::size_t>(slot)];
    if (slot != 0 && !state.touched) {  // its partials, zeroed on its first move of the pass
      state.sums.setZero(sums_.rows(), sums_.cols());
      state.counts.setZero(counts_.size());
      state.touched = true;
    }
    sum_matrix& sums = slot == 0 ? sums_ : state.sums;
    count_vector& counts = slot == 0 ? counts_ : state.counts;
    const Eigen::Index block = levels * width_;  // a cluster's sums: levels x width in a row
    const double* parts = split(i, point, state.scratch);
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
    state.moved += !weights_.given() || weights_[i] > 0;
  }

  /// Writes the centres of the labels last followed into `next`; `centres` are the ones they were
  /// assigned to, and labels() returns those labels (called only when a cluster is empty).
  ///
  /// Empty-cluster rule: each empty cluster, in increasing index, takes as its centre the point
  /// that adds most to the inertia (weight x canonical squared distance to its own centre), the
  /// next empty cluster the next such point, ties to the lower point index. Only points at a
  /// positive distance and of positive weight qualify; when none is left (every point sits on its
  /// centre, as with fewer distinct points than k) an empty cluster keeps its centre. Labels are
  /// not changed here; the next assignment pass moves the points.
  template <typename Labels>
  void operator()(const row_matrix<Scalar>& centres, row_matrix<Scalar>& next, const Labels& labels,
                  thread_team& team) {
    const Eigen::Index d = points_.cols();
    const sum_matrix& sums = combined_sums();
    const count_vector& counts = combined_counts();
    const auto total_of = [&](int c) {
      const Eigen::Index top = Eigen::Index{c} * levels;
      return weights_.given()
                 ? rounded_sum<levels>({sums(top, d), sums(top + 1, d), sums(top + 2, d)})
                 : static_cast<double>(counts[c]);
    };
    const auto move_centre = [&](int c) {
      const double total = total_of(c);
      if (total == 0) {  // empty: relocated below, if a point qualifies
        next.row(c) = centres.row(c);
        return;
      }
      const Eigen::Index top = Eigen::Index{c} * levels;
      for (Eigen::Index j = 0; j < d; ++j) {
        const double centre = static_cast<double>(centres(c, j));
        double product, product_error;
        two_product(total, centre, product, product_error);
        const double deviation = rounded_sum<levels + 2>(
            {sums(top, j), sums(top + 1, j), sums(top + 2, j), -product, -product_error});
        next(c, j) = static_cast<Scalar>(centre + deviation / total);
      }
    };
    // An exact rounding per coordinate, some 12 ns each: on the team once there are thousands.
    const int k = static_cast<int>(counts.size());
    const chunks work{k, std::max<Eigen::Index>(1, 2048 / d)};
    team.run(work.count(), [&](Eigen::Index t, int) {
      for (Eigen::Index c = work.begin(t); c < work.end(t); ++c)
        move_centre(static_cast<int>(c));
    });
    std::vector<int> empty;
    for (int c = 0; c < k; ++c) {
      if (total_of(c) == 0) empty.push_back(c);
    }
    if (!empty.empty()) relocate(centres, empty, next, labels(), team);
  }

 private:
  using count_vector = Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1>;

  struct split_scratch {
    Eigen::VectorXd values;  // width: what one point adds (its coordinates, or w x and w)
    Eigen::VectorXd errors;  // width: the rounding errors of w x, when not exact
    sum_matrix parts;        // levels x width
  };

  /// One thread's moves: its scratch, and its partial sums and counts (slot 0 adds into the
  /// sums themselves). A cache line of its own, so that the threads' counters do not contend.
  struct alignas(64) slot_state {
    sum_matrix sums;
    count_vector counts;
    split_scratch scratch;
    std::int64_t moved = 0;  // points of positive weight
    // Whether sums and counts hold this pass's moves: zeroed only then, for once the labels
    // settle most passes move few points, and few slots get any (k x d = 64 x 256: 400 KB of
    // partials a slot to zero and add up).
    bool touched = false;
  };

  /// follow() over points [begin, end), as thread slot `slot`.
  void follow(const Eigen::VectorXi& labels, Eigen::Index begin, Eigen::Index end, int slot) {
    const auto move_point = [&](Eigen::Index i) {
      move(slot, i, points_.row(i).data(), summed_labels_[i], labels[i]);
      summed_labels_[i] = labels[i];
    };
    // Once the labels settle, the points that move are scattered: each row read is a cache miss.
    // Their indices are gathered a window at a time, and each row is fetched a few moves ahead
    // of its own, so that the misses overlap instead of following one another.
    constexpr int window = 64, ahead = 8;
    Eigen::Index waiting[window];
    int count = 0;
    const auto move_waiting = [&] {
      for (int m = 0; m < count; ++m) {
        if (m + ahead < count) prefetch_row(waiting[m + ahead]);
        move_point(waiting[m]);
      }
      count = 0;
    };
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
      if (summed_labels_[i] == labels[i]) continue;
      waiting[count++] = i;
      if (count == window) move_waiting();
    }
    move_waiting();
  }

  /// Asks the cache for point i's row ahead of its use (a hint: no effect on any result).
  void prefetch_row(Eigen::Index i) const {
#if defined(__GNUC__) || defined(__clang__)
    const char* row = reinterpret_cast<const char*>(points_.row(i).data());
    const std::size_t bytes = static_cast<std::size_t>(points_.cols()) * sizeof(Scalar);
    for (std::size_t offset = 0; offset < bytes; offset += 64)
      __builtin_prefetch(row + offset);
    __builtin_prefetch(row + bytes - 1);
#else
    static_cast<void>(i);
#endif
  }

  /// The grid parts of what point i, at `point`, adds to its cluster's sums: levels x width, in
  /// scratch.
  const double* split(Eigen::Index i, const Scalar* point, split_scratch& scratch) const {
    const Eigen::Index d = points_.cols();
    scratch.values.resize(width_);
    scratch.errors.resize(width_);
    scratch.parts.resize(levels, width_);
    double* values = scratch.values.data();
    if (!weights_.given()) {
      for (Eigen::Index j = 0; j < d; ++j)
        values[j] = static_cast<double>(point[j]);
      split_into<false>(values, scratch.parts.data());
      return scratch.parts.data();
    }
    const double weight = weights_[i];
    double* errors = scratch.errors.data();
    for (Eigen::Index j = 0; j < d; ++j) {
      if constexpr (exact_products) {
        values[j] = weight * static_cast<double>(point[j]);
      } else {
        two_product(weight, static_cast<double>(point[j]), values[j], errors[j]);
      }
    }
    values[d] = weight;
    split_into<false>(values, scratch.parts.data());
    if constexpr (!exact_products) {
      errors[d] = 0;
      split_into<true>(errors, scratch.parts.data());
    }
    return scratch.parts.data();
  }

  /// Cuts `values` (width of them; overwritten) into parts on the grids, written into `parts`
  /// (levels x width) or, with `add`, added to them: parts on one grid add exactly.
  template <bool add>
  void split_into(double* values, double* parts) const {
    const double* sigmas = sigmas_.data();
    for (Eigen::Index l = 0; l < levels; ++l) {
      for (Eigen::Index j = 0; j < width_; ++j) {
        const double sigma = sigmas[l * width_ + j];
        const double part = (sigma + values[j]) - sigma;
        if constexpr (add) {
          parts[l * width_ + j] += part;
        } else {
          parts[l * width_ + j] = part;
        }
        values[j] -= part;
      }
    }
  }

  /// The sums and counts of every process: this process's own when it is the only one.
  const sum_matrix& combined_sums() {
    if constexpr (!Collective::distributed) return sums_;
    combined_sums_ = sums_;
    processes_.sum(combined_sums_.data(), static_cast<int>(combined_sums_.size()));
    return combined_sums_;
  }
  const count_vector& combined_counts() {
    if constexpr (!Collective::distributed) return counts_;
    combined_counts_ = counts_;
    processes_.sum(combined_counts_.data(), static_cast<int>(combined_counts_.size()));
    return combined_counts_;
  }

  /// The rare path (some cluster is empty): distances are recomputed here rather than stored
  /// for every point on every pass. Each process offers its own farthest points; the farthest of
  /// all of them win.
  void relocate(const row_matrix<Scalar>& centres, const std::vector<int>& empty,
                row_matrix<Scalar>& next, const Eigen::VectorXi& labels, thread_team& team) const {
    struct candidate {
      double cost;         // weight x squared distance, > 0
      Eigen::Index index;  // global
    };
    const auto farthest = [&empty](std::vector<candidate> candidates) {
      const std::size_t movable = std::min(candidates.size(), empty.size());
      std::partial_sort(candidates.begin(),
                        candidates.begin() + static_cast<std::ptrdiff_t>(movable), candidates.end(),
                        [](const candidate& a, const candidate& b) {
                          return a.cost > b.cost || (a.cost == b.cost && a.index < b.index);
                        });
      candidates.resize(movable);
      return candidates;
    };
    // Each chunk of the points keeps its own farthest, on the team; the farthest of those are
    // the farthest of all, whatever the chunks, because the order is total.
    const chunks work{points_.rows(), 8192};
    std::vector<std::vector<candidate>> kept(static_cast<std::size_t>(work.count()));
    team.run(work.count(), [&](Eigen::Index t, int) {
      std::vector<candidate> chunk;
      for (Eigen::Index i = work.begin(t); i < work.end(t); ++i) {
        const double cost = weights_[i] * static_cast<double>(squared_distance(
                                              points_.row(i).data(), centres.row(labels[i]).data(),
                                              points_.cols()));
        if (cost > 0) chunk.push_back({cost, processes_.offset() + i});
      }
      kept[static_cast<std::size_t>(t)] = farthest(std::move(chunk));
    });
    std::vector<candidate> mine;
    for (const std::vector<candidate>& chunk : kept)
      mine.insert(mine.end(), chunk.begin(), chunk.end());
    const std::vector<candidate> chosen = farthest(processes_.gather(farthest(std::move(mine))));
    std::vector<Eigen::Index> indices;
    indices.reserve(chosen.size());
    for (const candidate& c : chosen)
      indices.push_back(c.index);
    const row_matrix<Scalar> rows = rows_at(processes_, points_, indices);
    for (std::size_t e = 0; e < chosen.size(); ++e)
      next.row(empty[e]) = rows.row(static_cast<Eigen::Index>(e));
  }

  const Collective& processes_;
  points_view<Scalar> points_;
  point_weights<Scalar> weights_;
  Eigen::Index width_;  // columns of the sums: d, and the weights' column when weighted
  sum_matrix sigmas_;   // levels x width: the grid of each level and column
  sum_matrix sums_;     // (k * levels) x width: row c * levels + l holds cluster c's level-l sums
  count_vector counts_;
  Eigen::VectorXi summed_labels_;   // follow(): the labels the sums hold; -1: in no cluster yet
  std::vector<slot_state> moving_;  // one per thread slot
  sum_matrix combined_sums_;        // of every process, when there are several
  count_vector combined_counts_;
};

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
