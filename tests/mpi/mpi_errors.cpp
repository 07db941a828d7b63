// Bad input on any one process ends the fit on every process, with the same km::invalid_input,
// and without a hang; where one process holding every row would refuse the input, the message is
// the one it gives.
#include <limits>
#include <string>

#include "mpi_support.hpp"

using namespace km_mpi_tests;
using km_tests::matrix;

namespace {

/// Every process's call throws km::invalid_input with the same message, which contains
/// `expected`.
template <typename Call>
void require_refused_everywhere(Call&& call, const std::string& expected) {
  const std::string message = message_of(call);
  // The message of process 0, compared on every process.
  int length = static_cast<int>(message.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string first(static_cast<std::size_t>(length), ' ');
  if (rank() == 0) first = message;
  MPI_Bcast(first.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  INFO("process " << rank() << ": \"" << message << "\"; expected it to contain \"" << expected
                  << "\"");
  REQUIRE(everywhere(message == first && message.find(expected) != std::string::npos));
}

matrix<double> points_for_errors() {
  return km_tests::blobs<double>(400, 3, 4, 1.0, 61);
}

}  // namespace

TEST_CASE("a NaN on one process is reported on all, with its global row", "[mpi][errors]") {
  const matrix<double> all = points_for_errors();
  km::options opts;
  opts.k = 4;
  for (const split s : {split::even, split::uneven}) {
    // The NaN sits in the last process's shard (or the only one), row 3 of that shard.
    const Eigen::Index row = begin(s, all.rows(), processes() - 1) + 3;
    matrix<double> bad = all;
    bad(row, 1) = std::numeric_limits<double>::quiet_NaN();
    const std::string one = message_of([&] { km::kmeans<>(opts).fit(bad); });
    REQUIRE(one == "km: points: row " + std::to_string(row) +
                       ", column 1 is nan: every value "
                       "must be finite");
    const matrix<double> mine = shard_of(bad, s);
    require_refused_everywhere([&] { km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(mine); }, one);
  }
}

TEST_CASE("bad weights on one process are reported on all", "[mpi][errors]") {
  const matrix<double> all = points_for_errors();
  const matrix<double> mine = shard_of(all, split::even);
  km::options opts;
  opts.k = 4;
  const km::mpi::kmeans<> model(opts, MPI_COMM_WORLD);
  const bool last = rank() == processes() - 1;

  Eigen::VectorXd weights = Eigen::VectorXd::Ones(mine.rows());
  if (last) weights[0] = -2;
  const Eigen::Index first_of_last = begin(split::even, all.rows(), processes() - 1);
  require_refused_everywhere([&] { model.fit(mine, km::weights(weights)); },
                             "weights: entry " + std::to_string(first_of_last) + " is -2");

  const Eigen::VectorXd short_weights = Eigen::VectorXd::Ones(mine.rows() - (last ? 1 : 0));
  require_refused_everywhere([&] { model.fit(mine, km::weights(short_weights)); }, "entries for");

  const Eigen::VectorXd zero = Eigen::VectorXd::Zero(mine.rows());
  require_refused_everywhere([&] { model.fit(mine, km::weights(zero)); },
                             "weights: every weight is 0");
}

TEST_CASE("inputs that do not fit together are refused on every process", "[mpi][errors]") {
  const matrix<double> all = points_for_errors();
  const matrix<double> mine = shard_of(all, split::even);
  km::options opts;
  opts.k = 4;

  SECTION("k larger than the rows of all processes together") {
    km::options many = opts;
    many.k = static_cast<int>(all.rows()) + 1;
    require_refused_everywhere([&] { km::mpi::kmeans<>(many, MPI_COMM_WORLD).fit(mine); },
                               "k = 401 is out of range: it must be between 1 and the number "
                               "of points (400)");
  }
  SECTION("no rows anywhere") {
    const matrix<double> none(0, 3);
    require_refused_everywhere([&] { km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(none); },
                               "no points: the input has 0 rows on every process");
  }
  SECTION("a process whose points have other columns") {
    const matrix<double> wide = rank() == processes() - 1 && processes() > 1
                                    ? matrix<double>(matrix<double>::Ones(mine.rows(), 4))
                                    : mine;
    const std::string expected = processes() > 1 ? "columns, but 4 on process" : "";
    if (processes() > 1) {
      require_refused_everywhere([&] { km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(wide); },
                                 expected);
    }
  }
  SECTION("options that differ between processes") {
    km::options mixed = opts;
    if (rank() == processes() - 1) mixed.seed = 99;
    if (processes() > 1) {
      require_refused_everywhere([&] { km::mpi::kmeans<>(mixed, MPI_COMM_WORLD).fit(mine); },
                                 "options differ between processes: seed");
    }
  }
  SECTION("per-pass inertia reported on some processes only") {
    // Its sum is collective: processes that disagreed would wait on each other.
    km::options mixed = opts;
    mixed.on_iteration = [](const km::iteration_report&) { return true; };
    if (rank() == processes() - 1) mixed.report_inertia = false;
    if (processes() > 1) {
      require_refused_everywhere([&] { km::mpi::kmeans<>(mixed, MPI_COMM_WORLD).fit(mine); },
                                 "options differ between processes: report_inertia");
    }
  }
  SECTION("a bad thread count on one process") {
    km::options mixed = opts;
    if (rank() == processes() - 1) mixed.threads = -1;
    require_refused_everywhere([&] { km::mpi::kmeans<>(mixed, MPI_COMM_WORLD).fit(mine); },
                               "threads = -1 must be >= 0");
  }
  SECTION("initial centres of the wrong shape on process 0") {
    const matrix<double> centres = all.topRows(3);
    require_refused_everywhere([&] { km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(mine, centres); },
                               "initial centres must be k x d = 4 x 3, got 3 x 3");
  }
  SECTION("values whose sums would overflow, wherever they are") {
    matrix<double> huge = mine;
    if (rank() == processes() - 1 && huge.rows() > 0) huge(0, 2) = 1e307;
    require_refused_everywhere([&] { km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(huge); },
                               "values are too");
  }
}

TEST_CASE("after a refusal, the processes fit again normally", "[mpi][errors]") {
  const matrix<double> all = points_for_errors();
  km::options opts;
  opts.k = 4;
  matrix<double> bad = shard_of(all, split::even);
  if (rank() == 0 && bad.rows() > 0) bad(0, 0) = std::numeric_limits<double>::infinity();
  require_refused_everywhere([&] { km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(bad); },
                             "is inf: every value must be finite");
  const km::result<double> expected = km::kmeans<>(opts).fit(all);
  const km::result<double> actual =
      km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(shard_of(all, split::even));
  REQUIRE(everywhere(actual.centers == expected.centers && actual.inertia == expected.inertia));
}
