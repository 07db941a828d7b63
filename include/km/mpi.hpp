// km across processes with MPI: each process holds a shard of the points, and together they fit
// exactly what one process holding all of them, in process order, would fit.
//
//   #include <km/mpi.hpp>                      // opt-in: the only km header that includes <mpi.h>
//   km::options opts;
//   opts.k = 10;
//   km::mpi::kmeans<> model(opts, MPI_COMM_WORLD);
//   km::result<double> r = model.fit(my_rows);  // this process's rows (any number, even none)
//   // r.centers, r.inertia, r.iterations, r.converged: the same on every process, and bit for bit
//   // those of km::kmeans<>(opts).fit(all rows); r.labels: the labels of my_rows
//
// Every process calls fit() together, with the same options (threads may differ) and the same
// scalar type. Per pass, only the clusters' exact sums (3 x k x d doubles, + k counts) and a few
// scalars cross the network; the assignment runs locally, with the model's strategy and threads.
// Bad input on any process is reported on every process, as the same km::invalid_input. Once the
// checks pass, the processes move in lockstep: options.on_iteration runs on every process with
// the same report (a false from any one of them stops all), and must not throw. For new points,
// km::kmeans<>::predict(points, r.centers) on any process gives what the fit's assignment would.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <mpi.h>

#include "kmeans.hpp"

namespace km {
namespace detail {

/// The collective operations of collective.hpp over an MPI communicator. Global row order: the
/// rows of rank 0, then those of rank 1, ...
class mpi_processes {
 public:
  static constexpr bool distributed = true;

  /// Collective: learns every process's number of rows and columns.
  mpi_processes(MPI_Comm comm, Eigen::Index rows, Eigen::Index cols) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    const std::int64_t mine[2] = {rows, cols};
    shapes_.resize(2 * static_cast<std::size_t>(size_));
    MPI_Allgather(mine, 2, MPI_INT64_T, shapes_.data(), 2, MPI_INT64_T, comm_);
    for (int r = 0; r < size_; ++r) {
      if (r < rank_) offset_ += rows_of(r);
      total_ += rows_of(r);
    }
  }

  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  Eigen::Index rows_of(int rank) const { return shapes_[2 * static_cast<std::size_t>(rank)]; }
  Eigen::Index cols_of(int rank) const { return shapes_[2 * static_cast<std::size_t>(rank) + 1]; }

  Eigen::Index offset() const noexcept { return offset_; }
  Eigen::Index total() const noexcept { return total_; }

  // Grid parts and integers: MPI's summation order, whatever it is, cannot change the bits.
  void sum(double* values, int count) const {
    MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, comm_);
  }
  void sum(std::int64_t* values, int count) const {
    MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_INT64_T, MPI_SUM, comm_);
  }
  void exclusive_sum(double* values, int count) const {
    std::vector<double> mine(values, values + count);
    MPI_Exscan(mine.data(), values, count, MPI_DOUBLE, MPI_SUM, comm_);
    if (rank_ == 0) std::fill(values, values + count, 0.0);  // MPI leaves rank 0's undefined
  }
  std::int64_t min(std::int64_t value) const { return reduce(value, MPI_MIN); }
  std::int64_t max(std::int64_t value) const { return reduce(value, MPI_MAX); }
  bool any(bool value) const { return reduce(value ? 1 : 0, MPI_MAX) != 0; }

  /// Elementwise least and greatest over the processes, in place.
  void min(double* values, int count) const {
    MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_MIN, comm_);
  }
  void max(double* values, int count) const {
    MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_MAX, comm_);
  }

  template <typename T>
  std::vector<T> gather(const std::vector<T>& mine) const {
    static_assert(std::is_trivially_copyable_v<T>, "gathered as bytes");
    const std::vector<char> all = gather_bytes(reinterpret_cast<const char*>(mine.data()),
                                               static_cast<int>(mine.size() * sizeof(T)));
    std::vector<T> out(all.size() / sizeof(T));
    if (!all.empty()) std::memcpy(out.data(), all.data(), all.size());
    return out;
  }

  template <typename Scalar>
  row_matrix<Scalar> assemble(const points_view<Scalar>& points, const std::vector<row_pick>& mine,
                              int slots) const {
    // Each pick travels as its slot followed by its row, as bytes.
    const Eigen::Index d = cols();
    const std::size_t row_bytes = static_cast<std::size_t>(d) * sizeof(Scalar);
    const std::size_t record = sizeof(std::int64_t) + row_bytes;
    std::vector<char> out(mine.size() * record);
    for (std::size_t p = 0; p < mine.size(); ++p) {
      const std::int64_t slot = mine[p].slot;
      std::memcpy(out.data() + p * record, &slot, sizeof slot);
      std::memcpy(out.data() + p * record + sizeof slot, points.row(mine[p].row).data(), row_bytes);
    }
    const std::vector<char> all = gather_bytes(out.data(), static_cast<int>(out.size()));
    row_matrix<Scalar> rows(slots, d);
    for (std::size_t at = 0; at + record <= all.size(); at += record) {
      std::int64_t slot = 0;
      std::memcpy(&slot, all.data() + at, sizeof slot);
      std::memcpy(rows.row(slot).data(), all.data() + at + sizeof slot, row_bytes);
    }
    return rows;
  }

  /// Sends `count` values of rank 0 to every process.
  template <typename T>
  void broadcast(T* values, int count) const {
    MPI_Bcast(values, static_cast<int>(count * sizeof(T)), MPI_BYTE, 0, comm_);
  }

  /// The columns of the points: those of the processes holding rows (check_shapes makes them
  /// agree), or of any process when none does.
  Eigen::Index cols() const {
    Eigen::Index d = 0;
    for (int r = 0; r < size_; ++r) {
      if (rows_of(r) > 0) return cols_of(r);
      d = std::max(d, cols_of(r));
    }
    return d;
  }

  /// Runs `check` (input checks, which throw km::invalid_input) on every process; if any throws,
  /// every process throws the message of the lowest rank that did. With rows in rank order, that
  /// is the message one process holding every row would give. Any other exception is reported
  /// the same way, as std::runtime_error.
  template <typename Check>
  void agree(Check&& check) const {
    std::string message;
    int kind = 0;  // 0: none, 1: invalid_input, 2: anything else
    try {
      check();
    } catch (const invalid_input& e) {
      kind = 1;
      message = e.what();
      message.erase(0, message.rfind("km: ", 0) == 0 ? 4 : 0);  // invalid_input adds it again
    } catch (const std::exception& e) {
      kind = 2;
      message = e.what();
    }
    const int first = static_cast<int>(reduce(kind != 0 ? rank_ : size_, MPI_MIN));
    if (first == size_) return;
    std::int64_t header[2] = {kind, static_cast<std::int64_t>(message.size())};
    MPI_Bcast(header, 2, MPI_INT64_T, first, comm_);
    message.resize(static_cast<std::size_t>(header[1]));
    MPI_Bcast(message.data(), static_cast<int>(header[1]), MPI_CHAR, first, comm_);
    if (header[0] == 1) throw invalid_input(message);
    throw std::runtime_error(message);
  }

 private:
  std::int64_t reduce(std::int64_t value, MPI_Op op) const {
    MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_INT64_T, op, comm_);
    return value;
  }

  std::vector<char> gather_bytes(const char* mine, int bytes) const {
    std::vector<int> counts(static_cast<std::size_t>(size_)), starts(counts.size());
    MPI_Allgather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_);
    int total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      starts[r] = total;
      total += counts[r];
    }
    std::vector<char> all(static_cast<std::size_t>(total));
    MPI_Allgatherv(mine, bytes, MPI_BYTE, all.data(), counts.data(), starts.data(), MPI_BYTE,
                   comm_);
    return all;
  }

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  std::vector<std::int64_t> shapes_;  // rows and columns of each process
  Eigen::Index offset_ = 0;
  Eigen::Index total_ = 0;
};

}  // namespace detail

namespace mpi {

/// k-means over the processes of an MPI communicator; see the top of this header. Strategy, as
/// for km::kmeans: km::automatic or any exact strategy, run on each process's own rows.
template <typename Strategy = automatic>
class kmeans {
 public:
  /// `comm` must outlive the model; the model does not duplicate or free it.
  kmeans(options opts, MPI_Comm comm) : options_(std::move(opts)), comm_(comm) {}

  const options& settings() const noexcept { return options_; }
  MPI_Comm communicator() const noexcept { return comm_; }

  /// Collective: clusters the rows of every process's `points` (this process's shard; rows in
  /// rank order form the data set).
  template <typename Derived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points) const {
    return fit_points(points, nullptr, no_centres<typename Derived::Scalar>());
  }

  /// As fit(points), from the k x d initial centres given on rank 0 (those of the other ranks
  /// are not read).
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points,
                                       const Eigen::MatrixBase<CentresDerived>& initial) const {
    return fit_points(points, nullptr, &initial);
  }

  /// As fit(points), each point weighted (one weight per row of this process's points).
  template <typename Derived>
  result<typename Derived::Scalar> fit(
      const Eigen::MatrixBase<Derived>& points,
      const sample_weights<typename Derived::Scalar>& weights) const {
    return fit_points(points, &weights, no_centres<typename Derived::Scalar>());
  }

  /// As fit(points, weights), from the initial centres given on rank 0.
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit(const Eigen::MatrixBase<Derived>& points,
                                       const sample_weights<typename Derived::Scalar>& weights,
                                       const Eigen::MatrixBase<CentresDerived>& initial) const {
    return fit_points(points, &weights, &initial);
  }

 private:
  template <typename Scalar>
  static constexpr const Eigen::MatrixBase<row_matrix<Scalar>>* no_centres() {
    return nullptr;
  }

  /// The checks of km::kmeans::fit, over all processes and in the same order, so that a bad
  /// input gives every process the message one process holding every row would give; then the
  /// fit itself, with the processes combining their sums.
  template <typename Derived, typename CentresDerived>
  result<typename Derived::Scalar> fit_points(
      const Eigen::MatrixBase<Derived>& points,
      const sample_weights<typename Derived::Scalar>* weights,
      const Eigen::MatrixBase<CentresDerived>* initial) const {
    using Scalar = typename Derived::Scalar;
    static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                  "km: points must be float or double");
    static_assert(std::is_same_v<Scalar, typename CentresDerived::Scalar>,
                  "km: initial centres must have the same scalar type as the points");
    const detail::points_ref<Scalar> data(points.derived());
    const detail::mpi_processes processes(comm_, data.rows(), data.cols());
    check_same_options(processes);
    check_shapes(processes);
    const Eigen::Index n = processes.total(), d = processes.cols();
    processes.agree([&] { detail::check_options(options_, n); });  // threads may differ
    // A process without points may have passed 0 x 0; every process works with d columns.
    const detail::points_view<Scalar> view(
        data.data(), data.rows(), d,
        Eigen::OuterStride<>(data.rows() > 0 ? data.outerStride() : d));
    detail::thread_team team(options_.threads);
    detail::bounding_box box(d);
    processes.agree([&] { box = detail::finite_box(view, "points", team, processes.offset()); });
    processes.min(box.lo.data(), static_cast<int>(d));
    processes.max(box.hi.data(), static_cast<int>(d));
    detail::check_box<Scalar>(box, n);

    row_matrix<Scalar> given;
    if (initial != nullptr) {
      processes.agree([&] {
        if (processes.rank() == 0)
          given = detail::checked_centres<Scalar>(*initial, options_.k, d, team);
      });
      given.resize(options_.k, d);
      processes.broadcast(given.data(), static_cast<int>(given.size()));
      box.extend(given);
      detail::check_box<Scalar>(box, n);
    }

    detail::point_weights<Scalar> point_weights;
    if (weights != nullptr) {
      detail::weight_summary summary;
      processes.agree(
          [&] { summary = detail::summarise_weights(*weights, view.rows(), processes.offset()); });
      processes.max(&summary.largest, 1);
      processes.sum(&summary.positive, 1);
      // The total only decides whether sums could overflow; its rounding may depend on the
      // reduction order, the fit's bits do not.
      MPI_Allreduce(MPI_IN_PLACE, &summary.total, 1, MPI_DOUBLE, MPI_SUM, comm_);
      detail::check_weight_summary(summary, n, options_.k, box);
      // A process without rows may hold no weight storage at all; it still takes the weighted
      // path (a null pointer would mean "unweighted"), and never reads the pointer.
      static const Scalar no_rows = 0;
      point_weights = {view.rows() > 0 ? weights->data() : &no_rows, summary.largest};
    }

    const detail::fit_context<Scalar, detail::mpi_processes> fit{view, point_weights, box, team,
                                                                 processes};
    result<Scalar> out =
        detail::best_of_runs<Strategy>(fit, initial != nullptr ? &given : nullptr, options_);
    std::int64_t computations = static_cast<std::int64_t>(out.distance_computations);
    processes.sum(&computations, 1);  // of every process, so that all report the same
    out.distance_computations = static_cast<std::uint64_t>(computations);
    return out;
  }

  /// Every process must pass the options that decide the result alike (threads may differ):
  /// otherwise they would not even take the same collective steps.
  void check_same_options(const detail::mpi_processes& processes) const {
    std::uint64_t tolerance_bits = 0;
    std::memcpy(&tolerance_bits, &options_.tolerance, sizeof tolerance_bits);
    const std::pair<const char*, std::int64_t> fields[] = {
        {"k", options_.k},
        {"init", static_cast<std::int64_t>(options_.init)},
        {"seed", static_cast<std::int64_t>(options_.seed)},
        {"n_init", options_.n_init},
        {"max_iterations", options_.max_iterations},
        {"tolerance", static_cast<std::int64_t>(tolerance_bits)},
        {"on_iteration (set or not)", options_.on_iteration ? 1 : 0},
        {"report_inertia", options_.report_inertia ? 1 : 0}};
    for (const auto& [name, value] : fields) {
      if (processes.min(value) != processes.max(value)) {
        throw invalid_input(std::string("options differ between processes: ") + name +
                            " must be the same on every process");
      }
    }
  }

  /// Points of d columns on every process that holds any; a process without points may pass
  /// 0 x d or 0 x 0.
  static void check_shapes(const detail::mpi_processes& processes) {
    if (processes.total() == 0) {
      throw invalid_input("no points: the input has 0 rows on every process");
    }
    const Eigen::Index d = processes.cols();
    if (d == 0) throw invalid_input("the points have zero columns");
    for (int r = 0; r < processes.size(); ++r) {
      const Eigen::Index cols = processes.cols_of(r);
      if (cols == d || (processes.rows_of(r) == 0 && cols == 0)) continue;
      throw invalid_input("the points have " + detail::to_text(d) + " columns, but " +
                          detail::to_text(cols) + " on process " + detail::to_text(r));
    }
  }

  options options_;
  MPI_Comm comm_;
};

}  // namespace mpi
}  // namespace km
