// The pass of the strategies that keep two bounds per point (km::hamerly, km::exponion): an upper
// bound on the distance to the point's centre and one lower bound on the distance to every other
// centre. As long as the bounds, moved by how far the centres moved, keep the two apart, the
// point's label cannot have changed and no distance is computed. They differ in where a point
// whose bounds fail looks for its nearest centre: among all k (hamerly), among the centres in a
// ball around its own (exponion), or in the groups of centres its group bounds leave (yinyang).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "bounds.hpp"
#include "centre_groups.hpp"
#include "distance.hpp"
#include "parallel.hpp"
#include "points.hpp"
#include "screen_ladder.hpp"
#include "tile_screen.hpp"

namespace km::detail {

/// Where a point whose bounds fail searches.
enum class bound_search {
  all_centres,  ///< every centre, through a screen a tile of points at a time
  ball,         ///< the centres near its own, in rings of nearness (centre_rings)
  groups,       ///< the groups of centres its group bounds do not rule out (centre_groups)
};

/// Each centre's other centres in rings of growing distance from it: ring 0 holds the nearest,
/// ring r >= 1 the next 2^(r - 1), unordered within, and each ring's first entry is its nearest.
/// Recomputed every pass in O(k^2): a full sort would cost a log k factor more for an order the
/// search barely uses. The distances are lower bounds, rounded down to float to halve the memory.
/// The coordinates of each centre's `stored()` nearest others are copied in that order, in
/// blocks for squared_distances_across, so that a search reads them contiguously.
template <typename Scalar>
class centre_rings {
 public:
  struct entry {
    float gap;   ///< <= the exact distance between the two centres
    int centre;  ///< the other centre
  };
  static constexpr int block = distance_lanes;

  /// From every centre-to-centre lower bound (k x k, as distance_bounds::gaps computes them),
  /// keeping the coordinates of at least `stored` nearest others per centre (all, if fewer).
  void build(const Eigen::MatrixXd& gaps, const row_matrix<Scalar>& centres, int stored,
             thread_team& team) {
    const Eigen::Index k = gaps.rows();
    width_ = static_cast<int>(std::max<Eigen::Index>(k - 1, 0));
    stored_ = std::min(width_, stored);
    blocks_ = (stored_ + block - 1) / block;
    d_ = centres.cols();
    entries_.resize(static_cast<std::size_t>(k) * static_cast<std::size_t>(width_));
    coordinates_.resize(static_cast<std::size_t>(k * blocks_ * block * d_));
    // Tasks of at least 2^14 entries: waking a thread costs microseconds.
    const chunks work{k, std::max<Eigen::Index>(1, (Eigen::Index{1} << 14) / (k * (d_ + 1)))};
    team.run(work.count(), [&](Eigen::Index t, int) {
      for (Eigen::Index a = work.begin(t); a < work.end(t); ++a) {
        build_rings(gaps, a);
        copy_coordinates(centres, a);
      }
    });
  }

  /// Centre a's entries, ring by ring; an entry at index 0 or at a power of two starts a ring.
  const entry* of(int a) const {
    return entries_.data() + static_cast<std::size_t>(a) * static_cast<std::size_t>(width_);
  }
  int size() const { return width_; }
  int stored() const { return stored_; }

  /// The coordinates of centre a's entries [b * block, (b + 1) * block), b * block < stored().
  const Scalar* coordinates(int a, int b) const {
    return coordinates_.data() + ((static_cast<Eigen::Index>(a) * blocks_ + b) * block) * d_;
  }

  /// Where the ball of `radius` around centre a ends: the first ring starting beyond it.
  int ball_end(int a, double radius, int within) const {
    const entry* ring = of(a);
    for (int j = 0; j < within; j = j == 0 ? 1 : 2 * j) {
      if (static_cast<double>(ring[j].gap) > radius) return j;
    }
    return within;
  }

 private:
  void build_rings(const Eigen::MatrixXd& gaps, Eigen::Index a) {
    entry* first = entries_.data() + static_cast<std::size_t>(a) * static_cast<std::size_t>(width_);
    entry* out = first;
    for (Eigen::Index c = 0; c < gaps.rows(); ++c) {
      if (c != a) *out++ = {rounded_down(gaps(c, a)), static_cast<int>(c)};  // column a
    }
    const auto nearer = [](const entry& x, const entry& y) { return x.gap < y.gap; };
    // From the outermost ring in: each nth_element puts a ring's nearest first and only the
    // rings inside it before, over a range half the size of the last.
    int ring_start = 1;
    while (2 * ring_start < width_)
      ring_start *= 2;
    entry* last = first + width_;
    for (; ring_start >= 1 && ring_start < width_; ring_start /= 2) {
      std::nth_element(first, first + ring_start, last, nearer);
      last = first + ring_start;
    }
  }

  /// Block b holds coordinate j of entry b * block + l at j * block + l; lanes past the
  /// stored entries are zero and never read as results.
  void copy_coordinates(const row_matrix<Scalar>& centres, Eigen::Index a) {
    const entry* ring = of(static_cast<int>(a));
    Scalar* out = coordinates_.data() + (a * blocks_ * block) * d_;
    for (int b = 0; b < blocks_; ++b, out += block * d_) {
      for (int l = 0; l < block; ++l) {
        const int e = b * block + l;
        for (Eigen::Index j = 0; j < d_; ++j)
          out[j * block + l] = e < stored_ ? centres(ring[e].centre, j) : Scalar{0};
      }
    }
  }

  static float rounded_down(double gap) {
    float g = static_cast<float>(gap);
    if (static_cast<double>(g) > gap) g = std::nextafter(g, 0.0F);
    return g;
  }

  int width_ = 0, stored_ = 0, blocks_ = 0;
  Eigen::Index d_ = 0;
  std::vector<entry> entries_;
  std::vector<Scalar> coordinates_;
};

template <typename Scalar, bound_search Search>
class one_bound_assigner {
  using screen_type = tile_screen<Scalar>;
  using coarse_type = tile_screen<Scalar, float>;

  /// Points waiting to be scored together, with the scratch to score them.
  struct queue {
    Eigen::Index points[coarse_type::lanes];  // the most lanes of either screen
    int size = 0;
    tile_scores<Scalar> scores;
    std::vector<int> candidates;
    // bound_search::groups: the scores of the groups in reach (or all k canonical distances),
    // and which groups those are.
    std::vector<Scalar> distances;
    std::vector<int> reach;
  };

 public:
  one_bound_assigner(const points_view<Scalar>& points, thread_team& team)
      : one_bound_assigner(points, team,
                           points.cols() <= screen_type::max_dimensions
                               ? screen_type::largest_norm(points, team)
                               : Scalar{0}) {}

  /// As above, from the points' largest squared norm (screen_type::largest_norm), which only
  /// rows short enough for the screen need: for a caller that has measured it already.
  one_bound_assigner(const points_view<Scalar>& points, thread_team& team, Scalar largest_norm)
      : points_(points),
        team_(team),
        bounds_(points.cols()),
        // Longer rows than the screen takes: the canonical comparison alone.
        ladder_(points.rows(), points.cols() <= screen_type::max_dimensions
                                   ? largest_norm
                                   : std::numeric_limits<Scalar>::infinity()),
        upper_(static_cast<std::size_t>(points.rows())),
        lower_(static_cast<std::size_t>(points.rows())) {}

  Eigen::Index operator()(const row_matrix<Scalar>& centres, Eigen::VectorXi& labels) {
    const bool first = previous_.rows() == 0;
    if constexpr (Search == bound_search::groups) {
      if (first) groups_.form(centres, points_.rows());
    }
    if (!first) measure_centres(centres);
    const Eigen::Index changed = ladder_.pass(coarse_, screen_, centres, [&](const auto* screen) {
      return pass(screen, centres, labels, first);
    });
    previous_ = centres;
    return changed;
  }

  /// Full comparisons (k each), the distances of ball searches, and the single distances that
  /// tightened an upper bound.
  std::uint64_t distance_computations() const noexcept { return distances_.total(); }

 private:
  /// One pass: bounds first, then the points they fail, by a ball search or through `screen`,
  /// a tile at a time, or (screen null) one by one canonically.
  template <typename Screen>
  Eigen::Index pass(const Screen* screen, const row_matrix<Scalar>& centres,
                    Eigen::VectorXi& labels, bool first) {
    // Small tasks, so that small data still shares out evenly over the threads.
    const chunks work{points_.rows(), 1024};
    const int slots = team_.slots(work.count());
    distances_.resize(slots);
    ladder_.canonical().resize(slots);
    if (queues_.size() < static_cast<std::size_t>(slots))
      queues_.resize(static_cast<std::size_t>(slots));
    if constexpr (Search == bound_search::groups) {
      for (queue& scratch : queues_) {
        const Eigen::Index every_group = Eigen::Index{groups_.count()} * groups_.widest();
        scratch.distances.resize(
            static_cast<std::size_t>(std::max<Eigen::Index>(every_group, centres.rows())));
      }
    }
    return sum_over_chunks(team_, work, [&](Eigen::Index begin, Eigen::Index end, int slot) {
      Eigen::Index count = 0;
      queue& waiting = queues_[static_cast<std::size_t>(slot)];
      const auto assign = [&](Eigen::Index i) {
        if (screen == nullptr) {
          count += assign_fully(i, centres, labels, slot);
          return;
        }
        waiting.points[waiting.size++] = i;
        if (waiting.size == Screen::lanes)
          count += assign_screened(*screen, waiting, centres, labels, slot);
      };
      // The bounds of a block of points first, without a branch per point (which the points
      // that fail, often a fifth to a half of them, would mispredict), noting the failures;
      // then those alone.
      constexpr Eigen::Index block = 256;
      Eigen::Index failed[block];
      for (Eigen::Index start = begin; start < end; start += block) {
        const Eigen::Index stop = std::min(end, start + block);
        if (first) {
          for (Eigen::Index i = start; i < stop; ++i)
            assign(i);
          continue;
        }
        int failures = moved_bounds_fail(start, stop, labels, failed);
        if constexpr (Search == bound_search::groups)
          failures = unproven_by_groups(failed, failures, waiting);
        for (int f = 0; f < failures; ++f) {
          const Eigen::Index i = failed[f];
          const Scalar own_distance = tightened(i, centres, labels, slot);
          if (proven(bounds_, lower_[static_cast<std::size_t>(i)],
                     nearest_gap_[static_cast<std::size_t>(labels[i])],
                     upper_[static_cast<std::size_t>(i)]))
            continue;
          if constexpr (Search != bound_search::all_centres) {
            const int changed =
                Search == bound_search::ball
                    ? search_ball(i, own_distance, labels, slot)
                    : search_groups(i, own_distance, centres, labels, waiting, slot);
            if (changed >= 0) {
              count += changed;
              continue;
            }
          }
          assign(i);
        }
      }
      if (waiting.size > 0) count += assign_screened(*screen, waiting, centres, labels, slot);
      return count;
    });
  }

  /// How far each centre moved, the two largest moves, each centre's nearest neighbour and, for
  /// the ball search, the rings of the others around it.
  void measure_centres(const row_matrix<Scalar>& centres) {
    bounds_.moves(previous_, centres, moved_);
    largest_move_ = second_move_ = 0;
    largest_mover_ = -1;
    for (std::size_t c = 0; c < moved_.size(); ++c) {
      if (moved_[c] > largest_move_) {
        second_move_ = largest_move_;
        largest_move_ = moved_[c];
        largest_mover_ = static_cast<int>(c);
      } else {
        second_move_ = std::max(second_move_, moved_[c]);
      }
    }
    if constexpr (Search == bound_search::ball) {
      ringed_ = rings_fit(centres.rows());
      if (ringed_) {
        bounds_.gaps(centres, nearest_gap_, &gaps_, team_, gap_scratch_);
        rings_.build(gaps_, centres, stored_rings(centres), team_);
        return;
      }
      bounds_.gaps(centres, nearest_gap_, nullptr, team_, gap_scratch_);
    } else {
      bounds_.gaps(centres, nearest_gap_, nullptr, team_, gap_scratch_);
      if constexpr (Search == bound_search::groups) groups_.moved(moved_, centres);
    }
  }

  /// Moves the bounds of points [start, stop) by the centres' moves; writes to `failed` the
  /// points whose bounds no longer prove their label, and returns how many. On local copies of
  /// the members: the stores to the bounds might alias them, and every point would reload them.
  int moved_bounds_fail(Eigen::Index start, Eigen::Index stop, const Eigen::VectorXi& labels,
                        Eigen::Index* failed) {
    const distance_bounds<Scalar> bounds = bounds_;
    double* const upper = upper_.data();
    double* const lower = lower_.data();
    const double* const moved = moved_.data();
    const double* const gaps = nearest_gap_.data();
    const int* const label = labels.data();
    const int largest_mover = largest_mover_;
    const double largest_move = largest_move_, second_move = second_move_;
    int failures = 0;
    for (Eigen::Index i = start; i < stop; ++i) {
      const int own = label[i];
      const double others_moved = own == largest_mover ? second_move : largest_move;
      const double own_upper = bounds.grown(upper[i], moved[own]);
      upper[i] = own_upper;
      lower[i] = bounds.shrunk(lower[i], others_moved);
      failed[failures] = i;
      failures += !proven(bounds, lower[i], gaps[own], own_upper);
    }
    return failures;
  }

  /// For a point whose moved bounds failed: its upper bound from its distance to its own
  /// centre, which it returns (canonical, squared).
  Scalar tightened(Eigen::Index i, const row_matrix<Scalar>& centres, const Eigen::VectorXi& labels,
                   int slot) {
    ++distances_[slot];
    const Scalar distance =
        squared_distance(points_.row(i).data(), centres.row(labels[i]).data(), points_.cols());
    upper_[static_cast<std::size_t>(i)] = bounds_.upper(distance);
    return distance;
  }

  /// Whether every other centre is beyond the lower bound, or at least the own centre's
  /// nearest gap minus own_upper away.
  static bool proven(const distance_bounds<Scalar>& bounds, double lower, double gap,
                     double own_upper) {
    const double threshold = bounds.nearer_threshold(own_upper);
    return (lower > threshold) | (gap > bounds.reach(threshold, own_upper));
  }

  /// Exponion's search (Newling & Fleuret 2016) for a point whose bounds failed: only a centre
  /// c with |own - c| <= |x - own| + |x - best| can be nearer than the best so far, so the
  /// search goes through own's rings and stops at the first ring starting beyond that. Every
  /// centre left out is provably canonically farther than the best, so the canonical comparison
  /// among the rest (ties to the lower index) gives naive's label. Resets both bounds and
  /// returns whether the label changed; or returns -1, changing nothing, when the ball reaches
  /// past the stored rings, where scoring all k centres costs less.
  int search_ball(Eigen::Index i, Scalar own_distance, Eigen::VectorXi& labels, int slot) {
    const std::size_t s = static_cast<std::size_t>(i);
    const int own = labels[i];
    const double own_upper = upper_[s];
    double radius = bounds_.reach(bounds_.nearer_threshold(own_upper), own_upper);
    if (!ringed_) return -1;
    int end = rings_.ball_end(own, radius, rings_.size());
    if (end > rings_.stored()) return -1;
    const typename centre_rings<Scalar>::entry* ring = rings_.of(own);
    const Scalar* point = points_.row(i).data();
    int best = own;
    Scalar best_distance = own_distance;
    Scalar runner_up = std::numeric_limits<Scalar>::infinity();
    Scalar distances[centre_rings<Scalar>::block];
    int computed = 0;
    for (int b = 0; computed < end; ++b) {
      squared_distances_across(point, rings_.coordinates(own, b), points_.cols(), distances);
      const int lanes = std::min(centre_rings<Scalar>::block, end - computed);
      for (int l = 0; l < lanes; ++l) {
        const int c = ring[computed + l].centre;
        const Scalar distance = distances[l];
        if (distance < best_distance || (distance == best_distance && c < best)) {
          runner_up = best_distance;
          best = c;
          best_distance = distance;
        } else {
          runner_up = std::min(runner_up, distance);
        }
      }
      computed += lanes;
      // A nearer best shrinks the ball: only the rings not yet read can drop out.
      radius = bounds_.reach(bounds_.nearer_threshold(bounds_.upper(best_distance)), own_upper);
      end = rings_.ball_end(own, radius, end);
    }
    distances_[slot] += static_cast<std::uint64_t>(computed);
    // Every centre from `end` on is at least that ring's first gap from own, minus |x - own|,
    // away.
    const double left_out = end < rings_.size() ? static_cast<double>(ring[end].gap)
                                                : std::numeric_limits<double>::infinity();
    upper_[s] = best == own ? own_upper : bounds_.upper(best_distance);
    lower_[s] =
        std::min(bounds_.lower(runner_up), distance_bounds<Scalar>::shrunk(left_out, own_upper));
    if (best == own) return 0;
    labels[i] = best;
    return 1;
  }

  /// Yinyang's group filter before any distance: of the points `failed`, keeps those with a
  /// group in reach of their upper bound as it stands, and returns how many; for the others,
  /// whose label is proven, the smallest group bound becomes their lower bound.
  int unproven_by_groups(Eigen::Index* failed, int failures, queue& scratch) {
    scratch.reach.resize(static_cast<std::size_t>(groups_.count()));
    int kept = 0;
    for (int f = 0; f < failures; ++f) {
      const Eigen::Index i = failed[f];
      const std::size_t s = static_cast<std::size_t>(i);
      double smallest = 0;
      if (groups_.in_reach(i, bounds_.nearer_threshold(upper_[s]), scratch.reach.data(),
                           smallest) == 0) {
        lower_[s] = smallest;
        continue;
      }
      failed[kept++] = i;
    }
    return kept;
  }

  /// Yinyang's search (Ding et al. 2015) for a point whose bounds failed: only the groups whose
  /// bound does not prove them farther are scored, in the expanded form, and the canonical
  /// comparison (ties to the lower index) decides among the centres within the form's margin
  /// of the best score and the point's own centre. Every centre left out is provably
  /// canonically farther than the one chosen. Resets the point's bounds and returns whether the
  /// label changed; or returns -1, changing nothing, when most groups are in reach (scoring all
  /// k through the tile screen then costs less) or the norms are out of the form's range.
  int search_groups(Eigen::Index i, Scalar own_distance, const row_matrix<Scalar>& centres,
                    Eigen::VectorXi& labels, queue& scratch, int slot) {
    using groups = centre_groups<Scalar>;
    const std::size_t s = static_cast<std::size_t>(i);
    const int own = labels[i];
    const double own_upper = upper_[s];
    const int count = groups_.count();
    scratch.reach.resize(static_cast<std::size_t>(count));
    double smallest = 0;
    const int within =
        groups_.in_reach(i, bounds_.nearer_threshold(own_upper), scratch.reach.data(), smallest);
    if (2 * within > count) return -1;
    const Scalar* point = points_.row(i).data();
    const Scalar point_norm = points_.row(i).squaredNorm();
    if (!groups_.scorable(point_norm)) return -1;
    const double norm = static_cast<double>(point_norm);
    const double margin = static_cast<double>(groups_.margin(point_norm));
    const int widest = groups_.widest();
    Scalar* scores = scratch.distances.data();
    Scalar best_score = std::numeric_limits<Scalar>::infinity();
    for (int r = 0; r < within; ++r) {
      const int g = scratch.reach[static_cast<std::size_t>(r)];
      Scalar* group_scores = scores + static_cast<std::ptrdiff_t>(r) * widest;
      groups_.scores(g, point, group_scores);
      for (int m = 0; m < groups_.size(g); ++m)
        best_score = std::min(best_score, group_scores[m]);
    }
    // The canonical comparison among the own centre and the centres scored near the best.
    const Scalar near = static_cast<Scalar>(static_cast<double>(best_score) + 2 * margin);
    int best = own;
    Scalar best_distance = own_distance;
    std::uint64_t canonical = 0;
    for (int r = 0; r < within; ++r) {
      const int g = scratch.reach[static_cast<std::size_t>(r)];
      const Scalar* group_scores = scores + static_cast<std::ptrdiff_t>(r) * widest;
      for (int m = 0; m < groups_.size(g); ++m) {
        const int c = groups_.member(g, m);
        if (group_scores[m] > near || c == own) continue;
        ++canonical;
        const Scalar distance = squared_distance(point, centres.row(c).data(), points_.cols());
        if (distance < best_distance || (distance == best_distance && c < best)) {
          best = c;
          best_distance = distance;
        }
      }
    }
    distances_[slot] += static_cast<std::uint64_t>(within * widest) + canonical;
    // A scored group's bound leaves out the new label; a group not scored keeps its bound, and
    // the old label's group, when not scored, now holds the old label as another centre.
    float* lower = groups_.bounds_of(i);
    const int own_group = groups_.group_of(own);
    bool own_group_scored = false;
    for (int r = 0; r < within; ++r) {
      const int g = scratch.reach[static_cast<std::size_t>(r)];
      const Scalar* group_scores = scores + static_cast<std::ptrdiff_t>(r) * widest;
      Scalar nearest = std::numeric_limits<Scalar>::infinity();
      for (int m = 0; m < groups_.size(g); ++m) {
        if (groups_.member(g, m) != best) nearest = std::min(nearest, group_scores[m]);
      }
      lower[g] = groups::rounded_down(
          bounds_.lower_from_score(norm, static_cast<double>(nearest), margin));
      own_group_scored |= g == own_group;
    }
    if (best != own && !own_group_scored) {
      lower[own_group] =
          std::min(lower[own_group], groups::rounded_down(bounds_.lower(own_distance)));
    }
    upper_[s] = best == own ? own_upper : bounds_.upper(best_distance);
    lower_[s] = static_cast<double>(*std::min_element(lower, lower + count));
    if (best == own) return 0;
    labels[i] = best;
    return 1;
  }

  /// bound_search::groups: the group bounds of a screened tile's points from their scores: each
  /// group's smallest score across the tile's lanes at once, and one square root per group for
  /// the whole tile; a point's nearest centre (`nearest`) is left out of its group's bound.
  template <typename Screen>
  void set_group_bounds(const typename Screen::tile& scored, const queue& waiting,
                        const int* nearest, const double* norms, const double* margins) {
    constexpr int lanes = Screen::lanes;
    using lane = typename Screen::lane_type;
    using doubles = Eigen::Array<double, lanes, 1>;
    const doubles point_norms = Eigen::Map<const doubles>(norms);
    const doubles point_margins = Eigen::Map<const doubles>(margins);
    float* lower[lanes];
    int nearest_group[lanes];
    for (int p = 0; p < waiting.size; ++p) {
      lower[p] = groups_.reset(waiting.points[p]);
      nearest_group[p] = groups_.group_of(nearest[p]);
    }
    for (int g = 0; g < groups_.count(); ++g) {
      lane smallest[lanes];
      std::fill_n(smallest, lanes, std::numeric_limits<lane>::infinity());
      for (int m = 0; m < groups_.size(g); ++m) {
        const lane* score = scored.scores + static_cast<std::size_t>(groups_.member(g, m)) * lanes;
        for (int p = 0; p < lanes; ++p)
          smallest[p] = std::min(smallest[p], score[p]);
      }
      doubles score;
      for (int p = 0; p < lanes; ++p)
        score[p] = static_cast<double>(smallest[p]);
      for (int p = 0; p < waiting.size; ++p) {
        if (nearest_group[p] != g) continue;
        score[p] = std::numeric_limits<double>::infinity();
        for (int m = 0; m < groups_.size(g); ++m) {
          const int c = groups_.member(g, m);
          if (c != nearest[p]) score[p] = std::min(score[p], static_cast<double>(scored.at(c, p)));
        }
      }
      const doubles bound =
          distance_bounds<Scalar>::lower_from_score(point_norms, score, point_margins);
      for (int p = 0; p < waiting.size; ++p)
        lower[p][g] = centre_groups<Scalar>::rounded_down(bound[p]);
    }
  }

  /// bound_search::groups: point i's group bounds from every centre's score (`score_of`, the
  /// smaller the nearer) through `lower_of`, a lower bound on the distance from a score, leaving
  /// out its nearest centre `best`.
  template <typename ScoreOf, typename LowerOf>
  void set_group_bounds(Eigen::Index i, int best, ScoreOf score_of, LowerOf lower_of) {
    float* lower = groups_.reset(i);
    for (int g = 0; g < groups_.count(); ++g) {
      auto nearest = std::numeric_limits<decltype(score_of(0))>::infinity();
      for (int m = 0; m < groups_.size(g); ++m) {
        const int c = groups_.member(g, m);
        if (c != best) nearest = std::min(nearest, score_of(c));
      }
      lower[g] = centre_groups<Scalar>::rounded_down(lower_of(nearest));
    }
  }

  /// How many of each centre's nearest others the rings keep coordinates of: a ball reaching
  /// past a third of the centres is scored faster against all of them through the screen.
  /// At most max_ring_bytes of coordinates in all.
  static int stored_rings(const row_matrix<Scalar>& centres) {
    const Eigen::Index k = centres.rows();
    const Eigen::Index row_bytes = centres.cols() * Eigen::Index{sizeof(Scalar)};
    const Eigen::Index affordable = max_ring_bytes / std::max<Eigen::Index>(1, k * row_bytes);
    return static_cast<int>(std::min({k - 1, std::max<Eigen::Index>(8, k / 3), affordable}));
  }

  /// Whether the rings and the k x k gaps they come from fit in max_ring_bytes; beyond (k over
  /// 2,048), every point whose bounds fail goes through the screen, as with km::hamerly.
  static bool rings_fit(Eigen::Index k) {
    return k * k * Eigen::Index{sizeof(double) + sizeof(typename centre_rings<Scalar>::entry)} <=
           max_ring_bytes;
  }
  static constexpr Eigen::Index max_ring_bytes = Eigen::Index{1} << 26;

  /// Assigns the queued points through the expanded screen, scored together, and resets their
  /// bounds from the scores (rigorous: the screen's margin covers the scores' errors).
  template <typename Screen>
  Eigen::Index assign_screened(const Screen& screen, queue& waiting,
                               const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                               int slot) {
    const int k = static_cast<int>(centres.rows());
    waiting.candidates.resize(static_cast<std::size_t>(k));
    const Scalar* rows[Screen::lanes];
    for (int p = 0; p < Screen::lanes; ++p)  // a short tile repeats its last point
      rows[p] = points_.row(waiting.points[std::min(p, waiting.size - 1)]).data();
    const auto scored = screen.score(rows, waiting.scores.sized_for(screen));
    const auto centre_row = [&centres](int c) { return centres.row(c).data(); };
    std::uint64_t canonical = 0;
    Eigen::Index changed = 0;
    int nearest[Screen::lanes];
    double norms[Screen::lanes], margins[Screen::lanes];
    for (int p = 0; p < waiting.size; ++p) {
      const Eigen::Index i = waiting.points[p];
      const Scalar point_norm = points_.row(i).squaredNorm();  // only where bounds failed
      const int best = screen.nearest(scored, p, rows[p], point_norm, labels[i], centre_row,
                                      waiting.candidates.data(), canonical);
      const double norm = static_cast<double>(point_norm);
      const double margin = static_cast<double>(screen.margin(point_norm));
      if constexpr (Search == bound_search::groups) {
        nearest[p] = best;
        norms[p] = norm;
        margins[p] = margin;
      }
      const std::size_t s = static_cast<std::size_t>(i);
      upper_[s] = bounds_.upper_from_score(norm, static_cast<double>(scored.at(best, p)), margin);
      lower_[s] = k > 1 ? bounds_.lower_from_score(
                              norm, static_cast<double>(Screen::runner_up(scored, p, best)), margin)
                        : std::numeric_limits<double>::infinity();
      if (labels[i] != best) {
        labels[i] = best;
        ++changed;
      }
    }
    if constexpr (Search == bound_search::groups) {
      for (int p = waiting.size; p < Screen::lanes; ++p) {  // the repeated point of a short tile
        nearest[p] = nearest[waiting.size - 1];
        norms[p] = norms[waiting.size - 1];
        margins[p] = margins[waiting.size - 1];
      }
      set_group_bounds<Screen>(scored, waiting, nearest, norms, margins);
    }
    distances_[slot] +=
        static_cast<std::uint64_t>(waiting.size) * static_cast<std::uint64_t>(k) + canonical;
    ladder_.canonical()[slot] += canonical;
    waiting.size = 0;
    return changed;
  }

  /// The canonical comparison against every centre, exactly as km::naive; resets the bounds.
  int assign_fully(Eigen::Index i, const row_matrix<Scalar>& centres, Eigen::VectorXi& labels,
                   int slot) {
    const int k = static_cast<int>(centres.rows());
    const Scalar* point = points_.row(i).data();
    const auto nearest = [&] {
      if constexpr (Search == bound_search::groups) {
        Scalar* distances = queues_[static_cast<std::size_t>(slot)].distances.data();
        const auto found = nearest_of_all(
            point, centres, [distances](int c, Scalar distance) { distances[c] = distance; });
        set_group_bounds(
            i, found.index, [distances](int c) { return distances[c]; },
            [this](Scalar distance) { return bounds_.lower(distance); });
        return found;
      } else {
        return nearest_of_all(point, centres);
      }
    }();
    distances_[slot] += static_cast<std::uint64_t>(k);
    const std::size_t s = static_cast<std::size_t>(i);
    upper_[s] = bounds_.upper(nearest.distance);
    lower_[s] = k > 1 ? bounds_.lower(nearest.runner_up) : std::numeric_limits<double>::infinity();
    if (labels[i] == nearest.index) return 0;
    labels[i] = nearest.index;
    return 1;
  }

  points_view<Scalar> points_;
  thread_team& team_;
  distance_bounds<Scalar> bounds_;
  // The first pass's points, and with bound_search::all_centres those that fail their bounds,
  // are assigned through a screen, a tile at a time, or canonically (assign_fully), as the
  // ladder says.
  screen_ladder<Scalar> ladder_;
  screen_type screen_;
  coarse_type coarse_;
  std::vector<queue> queues_;        // per thread
  std::vector<double> upper_;        // >= exact distance of each point to its centre
  std::vector<double> lower_;        // <= exact distance of each point to any other centre
  row_matrix<Scalar> previous_;      // the centres of the previous pass
  std::vector<double> moved_;        // >= how far each centre moved since
  std::vector<double> nearest_gap_;  // <= distance from each centre to its nearest other
  std::vector<double> gap_scratch_;  // gaps() per thread slot
  Eigen::MatrixXd gaps_;             // bound_search::ball: <= every centre-to-centre distance
  centre_rings<Scalar> rings_;       // bound_search::ball, when ringed_
  centre_groups<Scalar> groups_;     // bound_search::groups
  bool ringed_ = false;
  double largest_move_ = 0, second_move_ = 0;
  int largest_mover_ = -1;
  slot_counters distances_;  // per thread
};

}  // namespace km::detail
