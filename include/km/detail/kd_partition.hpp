// The partitions that build the kd-tree (kd_index.hpp): rows reordered in place, each carrying
// the index it had in the input, so that every node's rows end up contiguous. Apart from the tree
// because which rows land on which side must not depend on how the work was shared out, and
// that is tested here on its own.
#pragma once

#include <algorithm>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "../result.hpp"
#include "parallel.hpp"

namespace km::detail {

/// Rows that a partition moves, each with the index of the point it came from.
template <typename Scalar>
struct indexed_rows {
  row_matrix<Scalar> values;
  Eigen::Matrix<Eigen::Index, Eigen::Dynamic, 1> source;  // input index of each row of values

  void swap(Eigen::Index a, Eigen::Index b) {
    std::swap_ranges(values.row(a).data(), values.row(a).data() + values.cols(),
                     values.row(b).data());
    std::swap(source[a], source[b]);
  }
};

/// Puts the rows in [begin, end) whose coordinate `dim` is under the threshold first; returns
/// where the rest start. In place, in blocks (the partition of Edelkamp and Weiss's
/// BlockQuicksort, 2016): a block of rows from each end is scanned without branches, noting the
/// rows on the wrong side, and only those are swapped, in pairs. A branch per row would be
/// mispredicted for half the rows near the cut; a swap per row (Lomuto without branches) makes
/// every row's address wait on the previous row's comparison.
template <typename Scalar>
Eigen::Index partition_below(indexed_rows<Scalar>& rows, Eigen::Index begin, Eigen::Index end,
                             Eigen::Index dim, Scalar threshold) {
  constexpr int block = 64;
  int wrong_left[block], wrong_right[block];  // offsets into the current end blocks
  int left_count = 0, left_start = 0, right_count = 0, right_start = 0;
  // Rows [begin, left) are below the threshold, rows [right, end) are not.
  Eigen::Index left = begin, right = end;
  while (right - left >= 2 * Eigen::Index{block}) {
    if (left_count == 0) {
      left_start = 0;
      for (int i = 0; i < block; ++i) {
        wrong_left[left_count] = i;
        left_count += !(rows.values(left + i, dim) < threshold);
      }
    }
    if (right_count == 0) {
      right_start = 0;
      for (int i = 0; i < block; ++i) {
        wrong_right[right_count] = i;
        right_count += rows.values(right - 1 - i, dim) < threshold;
      }
    }
    const int pairs = std::min(left_count, right_count);
    for (int p = 0; p < pairs; ++p) {
      rows.swap(left + wrong_left[left_start + p], right - 1 - wrong_right[right_start + p]);
    }
    left_count -= pairs;
    right_count -= pairs;
    left_start += pairs;
    right_start += pairs;
    if (left_count == 0) left += block;
    if (right_count == 0) right -= block;
  }
  // The rest, at most three blocks: one row at a time (Lomuto, swapping unconditionally).
  Eigen::Index front = left;  // rows [left, front) are below, [front, i) are not
  for (Eigen::Index i = left; i < right; ++i) {
    const bool below = rows.values(i, dim) < threshold;
    rows.swap(front, i);
    front += below;
  }
  return front;
}

/// The rows of a node at the top of the tree are shared out to the team in pieces of at least
/// this many.
inline constexpr Eigen::Index on_team_rows = 8192;

/// partition_below on the team: each piece of the rows is partitioned on its own, then the rows
/// on the wrong side of the cut they give together (those not below it before it, those below
/// it after it: as many of each) are swapped in pairs, in order.
template <typename Scalar>
Eigen::Index partition_below_on_team(indexed_rows<Scalar>& rows, Eigen::Index begin,
                                     Eigen::Index end, Eigen::Index dim, Scalar threshold,
                                     thread_team& team) {
  const chunks pieces{end - begin, on_team_rows};
  std::vector<Eigen::Index> cuts(static_cast<std::size_t>(pieces.count()));
  team.run(pieces.count(), [&](Eigen::Index p, int) {
    cuts[static_cast<std::size_t>(p)] =
        partition_below(rows, begin + pieces.begin(p), begin + pieces.end(p), dim, threshold);
  });
  Eigen::Index middle = begin;
  for (Eigen::Index p = 0; p < pieces.count(); ++p)
    middle += cuts[static_cast<std::size_t>(p)] - (begin + pieces.begin(p));
  struct span {
    Eigen::Index begin, end;
  };
  std::vector<span> high, low;  // misplaced, in order: not below before middle, below after
  Eigen::Index misplaced = 0;
  for (Eigen::Index p = 0; p < pieces.count(); ++p) {
    const Eigen::Index first = begin + pieces.begin(p), cut = cuts[static_cast<std::size_t>(p)],
                       last = begin + pieces.end(p);
    if (cut < middle) {
      high.push_back({cut, std::min(last, middle)});
      misplaced += high.back().end - high.back().begin;
    }
    if (cut > middle) low.push_back({std::max(first, middle), cut});
  }
  const auto row_at = [](const std::vector<span>& spans, Eigen::Index m) {
    for (const span& s : spans) {
      if (m < s.end - s.begin) return s.begin + m;
      m -= s.end - s.begin;
    }
    return Eigen::Index{-1};  // unreachable: m < misplaced
  };
  const chunks swaps{misplaced, on_team_rows};
  team.run(swaps.count(), [&](Eigen::Index t, int) {
    for (Eigen::Index m = swaps.begin(t); m < swaps.end(t); ++m)
      rows.swap(row_at(high, m), row_at(low, m));
  });
  return middle;
}

/// Puts the lower half of the rows in [begin, end) by coordinate `dim` first; returns where the
/// upper half starts. Quickselect on the rows themselves (Hoare partitions, median-of-three
/// pivots).
template <typename Scalar>
Eigen::Index partition_at_median(indexed_rows<Scalar>& rows, Eigen::Index begin, Eigen::Index end,
                                 Eigen::Index dim) {
  const Eigen::Index middle = begin + (end - begin) / 2;
  Eigen::Index low = begin, high = end - 1;  // the rows still to order, inclusive
  while (low < high) {
    const Scalar a = rows.values(low, dim), b = rows.values(low + (high - low) / 2, dim),
                 c = rows.values(high, dim);
    const Scalar pivot = std::max(std::min(a, b), std::min(std::max(a, b), c));
    Eigen::Index i = low, j = high;
    while (i <= j) {
      while (rows.values(i, dim) < pivot)
        ++i;
      while (pivot < rows.values(j, dim))
        --j;
      if (i <= j) rows.swap(i++, j--);
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

}  // namespace km::detail
