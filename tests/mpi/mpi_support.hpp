// What the MPI tests share: the shards of a data set, and agreement across processes. A test must
// not REQUIRE anything that could differ between processes before its last collective step (a
// process that stops early would leave the others waiting), so results are compared locally and
// the verdicts combined: every process then fails, or passes, together.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <mpi.h>

#include <catch2/catch.hpp>

#include <km/mpi.hpp>

#include "data.hpp"

namespace km_mpi_tests {

inline int rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

inline int processes() {
  int p = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &p);
  return p;
}

/// Ways to split n rows among the processes, in order: the rows of process r are
/// [begin(r), begin(r + 1)).
enum class split { even, uneven, first_empty, all_on_last, every_other_empty };

inline const char* name_of(split s) {
  switch (s) {
    case split::even:
      return "even";
    case split::uneven:
      return "uneven";
    case split::first_empty:
      return "first process empty";
    case split::all_on_last:
      return "all rows on the last process";
    case split::every_other_empty:
      return "every other process empty";
  }
  return "?";
}

inline const split all_splits[] = {split::even, split::uneven, split::first_empty,
                                   split::all_on_last, split::every_other_empty};

/// The first row of process r (r = processes(): n).
inline Eigen::Index begin(split s, Eigen::Index n, int r) {
  const Eigen::Index p = processes();
  if (r >= p) return n;
  switch (s) {
    case split::even:
      return n * r / p;
    case split::uneven:
      return n * r * r / (p * p);  // quadratic: the last process holds the most
    case split::first_empty:
      return p == 1 ? 0 : r == 0 ? 0 : n * (r - 1) / (p - 1);
    case split::all_on_last:
      return 0;  // below r = p, every process starts (and all but the last end) at row 0
    case split::every_other_empty: {
      const Eigen::Index holders = (p + 1) / 2;  // processes 0, 2, 4, ...
      return n * ((r + 1) / 2) / holders;
    }
  }
  return 0;
}

/// This process's rows of `all`; an empty shard is 0 x 0 or 0 x d, both allowed.
template <typename Matrix>
Matrix shard_of(const Matrix& all, split s) {
  const Eigen::Index first = begin(s, all.rows(), rank());
  const Eigen::Index last = begin(s, all.rows(), rank() + 1);
  if (last == first && rank() % 2 == 1) return Matrix(0, 0);
  return all.middleRows(first, last - first);
}

template <typename Vector>
Vector segment_of(const Vector& all, split s) {
  const Eigen::Index first = begin(s, all.size(), rank());
  return all.segment(first, begin(s, all.size(), rank() + 1) - first);
}

/// True on every process when `ok` holds on every process.
inline bool everywhere(bool ok) {
  int value = ok ? 1 : 0;
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return value == 1;
}

/// What differs between the distributed fit `actual` (labels: this process's rows, from row
/// `first`) and the one-process fit `expected`, or "" when they agree bit for bit, per-pass
/// reports included.
template <typename Scalar>
std::string difference(const km::result<Scalar>& expected,
                       const std::vector<km_tests::trace_entry>& expected_trace,
                       const km::result<Scalar>& actual,
                       const std::vector<km_tests::trace_entry>& trace, Eigen::Index first) {
  using km_tests::same_bits;
  if (actual.iterations != expected.iterations) return "iterations differ";
  if (actual.converged != expected.converged) return "converged differs";
  if (actual.labels.size() > expected.labels.size() - first ||
      !(actual.labels.array() == expected.labels.segment(first, actual.labels.size()).array())
           .all()) {
    return "labels differ";
  }
  if (actual.centers.rows() != expected.centers.rows() ||
      actual.centers.cols() != expected.centers.cols() ||
      std::memcmp(actual.centers.data(), expected.centers.data(),
                  sizeof(Scalar) * static_cast<std::size_t>(expected.centers.size())) != 0) {
    return "centres differ";
  }
  if (!same_bits(actual.inertia, expected.inertia)) return "inertia differs";
  if (trace.size() != expected_trace.size()) return "number of reports differs";
  for (std::size_t i = 0; i < trace.size(); ++i) {
    if (trace[i].labels_changed != expected_trace[i].labels_changed ||
        !same_bits(trace[i].inertia, expected_trace[i].inertia) ||
        !same_bits(trace[i].centre_shift, expected_trace[i].centre_shift) ||
        trace[i].last != expected_trace[i].last) {
      return "report of pass " + std::to_string(i + 1) + " differs";
    }
  }
  return "";
}

/// Options that record every per-pass report into `trace`.
inline km::options traced(km::options opts, std::vector<km_tests::trace_entry>& trace) {
  opts.on_iteration = [&trace](const km::iteration_report& report) {
    trace.push_back({report.iteration, report.inertia, report.labels_changed, report.centre_shift,
                     report.last});
    return true;
  };
  return opts;
}

/// The message of the km::invalid_input that call() throws, or "" when it throws none.
template <typename Call>
std::string message_of(Call&& call) {
  try {
    call();
  } catch (const km::invalid_input& e) {
    return e.what();
  }
  return "";
}

}  // namespace km_mpi_tests
