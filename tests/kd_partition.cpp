// The partitions that build the kd-tree (detail/kd_partition.hpp), on their own: every row ends
// on its side of the cut, rows move whole and none is lost or doubled, rows outside the range
// stay put, on every arrangement of the keys that a quicksort-style partition finds hard (all
// equal, sorted, reversed, tiny), and on the team the cut is the serial one for any thread count.
#include <algorithm>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <km/detail/kd_partition.hpp>

namespace {

using km::detail::indexed_rows;

constexpr Eigen::Index d = 3;
constexpr Eigen::Index dim = 1;  // the key; the other columns tell the rows apart

/// n rows whose keys (column dim) are arranged by `order`: "random" (with repeats), "equal",
/// "sorted", "reversed", or "two" (two values, alternating). Column 0 holds the row's number.
template <typename Scalar>
indexed_rows<Scalar> arranged(Eigen::Index n, const std::string& order) {
  indexed_rows<Scalar> rows;
  rows.values.resize(n, d);
  rows.source.setLinSpaced(n, 0, n - 1);
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::Index key = (i * 7919 + 13) % 101;
    if (order == "equal") key = 5;
    if (order == "sorted") key = i;
    if (order == "reversed") key = n - i;
    if (order == "two") key = i % 2;
    rows.values(i, 0) = static_cast<Scalar>(i);
    rows.values(i, dim) = static_cast<Scalar>(key);
    rows.values(i, 2) = static_cast<Scalar>(-i);
  }
  return rows;
}

const char* const orders[] = {"random", "equal", "sorted", "reversed", "two"};

/// The first row that is not a whole row of `before` (its source's), repeats a row seen before
/// it, or lies outside [begin, end) and has moved; -1 when the rows are those of `before`.
template <typename Scalar>
Eigen::Index first_wrong_row(const indexed_rows<Scalar>& rows, const indexed_rows<Scalar>& before,
                             Eigen::Index begin, Eigen::Index end) {
  const Eigen::Index n = before.values.rows();
  std::vector<bool> seen(static_cast<std::size_t>(n), false);
  for (Eigen::Index r = 0; r < n; ++r) {
    const Eigen::Index source = rows.source[r];
    if (source < 0 || source >= n || seen[static_cast<std::size_t>(source)]) return r;
    if (rows.values.row(r) != before.values.row(source)) return r;
    if ((r < begin || r >= end) && source != before.source[r]) return r;
    seen[static_cast<std::size_t>(source)] = true;
  }
  return -1;
}

/// The first row of [begin, end) on the wrong side of `cut`: rows [begin, cut) must have keys
/// under the threshold, rows [cut, end) not; -1 when none is.
template <typename Scalar>
Eigen::Index first_misplaced(const indexed_rows<Scalar>& rows, Eigen::Index begin, Eigen::Index cut,
                             Eigen::Index end, Scalar threshold) {
  for (Eigen::Index r = begin; r < end; ++r) {
    if ((rows.values(r, dim) < threshold) != (r < cut)) return r;
  }
  return -1;
}

/// Thresholds under every key, at the key of row `begin`, between keys, and over every key.
template <typename Scalar>
std::vector<Scalar> thresholds(const indexed_rows<Scalar>& rows, Eigen::Index begin,
                               Eigen::Index end) {
  std::vector<Scalar> found{Scalar(-1), Scalar(0.5), Scalar(50.5), Scalar(1e6)};
  if (begin < end) found.push_back(rows.values(begin, dim));
  return found;
}

}  // namespace

TEMPLATE_TEST_CASE("partition_below puts every row on its side and keeps the rows", "[kd_tree]",
                   float, double) {
  // Below one block, one and two blocks from each end (64 rows), the rest after them, and many.
  for (const Eigen::Index n : {0, 1, 2, 3, 17, 127, 128, 129, 255, 256, 300, 5000}) {
    for (const char* order : orders) {
      const indexed_rows<TestType> before = arranged<TestType>(n, order);
      // The whole range, and one that leaves rows untouched at both ends.
      for (const Eigen::Index margin : {Eigen::Index{0}, std::min<Eigen::Index>(3, n / 2)}) {
        const Eigen::Index begin = margin, end = n - margin;
        for (const TestType threshold : thresholds(before, begin, end)) {
          INFO("n = " << n << ", " << order << ", rows [" << begin << ", " << end << "), threshold "
                      << threshold);
          indexed_rows<TestType> rows = before;
          const Eigen::Index cut = km::detail::partition_below(rows, begin, end, dim, threshold);
          REQUIRE(begin <= cut);
          REQUIRE(cut <= end);
          REQUIRE(first_misplaced(rows, begin, cut, end, threshold) == -1);
          REQUIRE(first_wrong_row(rows, before, begin, end) == -1);
        }
      }
    }
  }
}

TEMPLATE_TEST_CASE("partition_below_on_team cuts where the serial partition does", "[kd_tree]",
                   float, double) {
  const Eigen::Index piece = km::detail::on_team_rows;
  for (const int threads : {1, 2, 3}) {
    km::detail::thread_team team(threads);
    // One piece, a piece and one row, and several pieces, the last one short.
    for (const Eigen::Index n : {Eigen::Index{5}, piece, piece + 1, 3 * piece + 100}) {
      for (const char* order : orders) {
        const indexed_rows<TestType> before = arranged<TestType>(n, order);
        for (const Eigen::Index margin : {Eigen::Index{0}, Eigen::Index{2}}) {
          const Eigen::Index begin = margin, end = n - margin;
          for (const TestType threshold : thresholds(before, begin, end)) {
            INFO("threads " << threads << ", n = " << n << ", " << order << ", rows [" << begin
                            << ", " << end << "), threshold " << threshold);
            indexed_rows<TestType> serial = before;
            const Eigen::Index serial_cut =
                km::detail::partition_below(serial, begin, end, dim, threshold);
            indexed_rows<TestType> rows = before;
            const Eigen::Index cut =
                km::detail::partition_below_on_team(rows, begin, end, dim, threshold, team);
            REQUIRE(cut == serial_cut);
            REQUIRE(first_misplaced(rows, begin, cut, end, threshold) == -1);
            REQUIRE(first_wrong_row(rows, before, begin, end) == -1);
          }
        }
      }
    }
  }
}

TEMPLATE_TEST_CASE("partition_at_median puts the lower half first and keeps the rows", "[kd_tree]",
                   float, double) {
  for (const Eigen::Index n : {0, 1, 2, 3, 4, 17, 128, 129, 1000, 5001}) {
    for (const char* order : orders) {
      const indexed_rows<TestType> before = arranged<TestType>(n, order);
      for (const Eigen::Index margin : {Eigen::Index{0}, std::min<Eigen::Index>(3, n / 2)}) {
        const Eigen::Index begin = margin, end = n - margin;
        INFO("n = " << n << ", " << order << ", rows [" << begin << ", " << end << ")");
        indexed_rows<TestType> rows = before;
        const Eigen::Index middle = km::detail::partition_at_median(rows, begin, end, dim);
        REQUIRE(middle == begin + (end - begin) / 2);
        if (begin < middle && middle < end) {
          const auto keys = rows.values.col(dim);
          REQUIRE(keys.segment(begin, middle - begin).maxCoeff() <=
                  keys.segment(middle, end - middle).minCoeff());
        }
        REQUIRE(first_wrong_row(rows, before, begin, end) == -1);
      }
    }
  }
}
