// km::mpi::kmeans equals the one-process fit bit for bit: labels, centres, inertia, iterations and
// every per-pass report, for any split of the rows among the processes (empty shards included),
// every exact strategy, every init, float and double, sample weights, several starts, given
// centres and thread counts that differ between processes.
#include <string>
#include <vector>

#include "mpi_support.hpp"

using namespace km_mpi_tests;
using km_tests::matrix;
using km_tests::trace_entry;

namespace {

/// Fits `all` on one process and its shards on all of them, and checks the two agree on every
/// process.
template <typename Strategy, typename Scalar>
void require_same_as_one_process(const matrix<Scalar>& all, const km::options& opts, split s,
                                 const matrix<Scalar>* initial = nullptr,
                                 const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>* weights = nullptr,
                                 int threads_here = 1) {
  std::vector<trace_entry> expected_trace, trace;
  km::options one_opts = traced(opts, expected_trace);
  const km::kmeans<Strategy> one(one_opts);
  const km::result<Scalar> expected =
      weights == nullptr ? (initial == nullptr ? one.fit(all) : one.fit(all, *initial))
                         : (initial == nullptr ? one.fit(all, km::weights(*weights))
                                               : one.fit(all, km::weights(*weights), *initial));

  km::options many_opts = traced(opts, trace);
  many_opts.threads = threads_here;
  const km::mpi::kmeans<Strategy> many(many_opts, MPI_COMM_WORLD);
  const matrix<Scalar> mine = shard_of(all, s);
  // Only rank 0's initial centres count: the others pass none at all.
  const matrix<Scalar> no_centres;
  const matrix<Scalar>& given = initial != nullptr && rank() == 0 ? *initial : no_centres;
  km::result<Scalar> actual;
  if (weights == nullptr) {
    actual = initial == nullptr ? many.fit(mine) : many.fit(mine, given);
  } else {
    const Eigen::Matrix<Scalar, Eigen::Dynamic, 1> my_weights = segment_of(*weights, s);
    actual = initial == nullptr ? many.fit(mine, km::weights(my_weights))
                                : many.fit(mine, km::weights(my_weights), given);
  }
  const std::string problem =
      difference(expected, expected_trace, actual, trace, begin(s, all.rows(), rank()));
  INFO("process " << rank() << " of " << processes() << ", " << name_of(s) << ": " << problem);
  REQUIRE(everywhere(problem.empty()));
}

template <typename Scalar>
void every_case_every_split() {
  for (const auto& c : km_tests::adversarial_cases<Scalar>()) {
    for (const split s : all_splits) {
      for (const km::init_method init :
           {km::init_method::first_k, km::init_method::random, km::init_method::kmeans_plus_plus,
            km::init_method::kmeans_parallel}) {
        INFO(c.name << ", init " << static_cast<int>(init));
        km::options opts;
        opts.k = c.k;
        opts.init = init;
        opts.seed = 42;
        opts.max_iterations = 60;
        require_same_as_one_process<km::automatic>(c.points, opts, s);
      }
    }
  }
}

}  // namespace

TEMPLATE_TEST_CASE("a distributed fit equals the one-process fit on adversarial data", "[mpi]",
                   float, double) {
  every_case_every_split<TestType>();
}

TEMPLATE_TEST_CASE("every exact strategy, distributed, equals the one-process fit", "[mpi]", float,
                   double) {
  const matrix<TestType> points = km_tests::blobs<TestType>(3000, 3, 6, 1.5, 21);
  km::options opts;
  opts.k = 9;
  opts.seed = 3;
  const auto check = [&](std::string_view name, auto strategy) {
    for (const split s : {split::uneven, split::first_empty}) {
      INFO(name);
      require_same_as_one_process<decltype(strategy)>(points, opts, s);
    }
  };
  km::for_each_strategy<km::exact_strategies>(
      [&](auto strategy) { check(decltype(strategy)::name, strategy); });
}

TEMPLATE_TEST_CASE("sample weights, distributed", "[mpi]", float, double) {
  const matrix<TestType> points = km_tests::blobs<TestType>(2500, 4, 5, 1.0, 31);
  // Zero weights in runs (a whole shard may weigh nothing), small and large ones.
  Eigen::Matrix<TestType, Eigen::Dynamic, 1> weights(points.rows());
  for (Eigen::Index i = 0; i < weights.size(); ++i)
    weights[i] = i % 600 < 150 ? TestType(0) : static_cast<TestType>(1 + (i * 7) % 13) / 4;
  for (const km::init_method init :
       {km::init_method::first_k, km::init_method::random, km::init_method::kmeans_plus_plus,
        km::init_method::kmeans_parallel}) {
    for (const split s : all_splits) {
      km::options opts;
      opts.k = 7;
      opts.init = init;
      opts.seed = 5;
      INFO("init " << static_cast<int>(init));
      require_same_as_one_process<km::automatic, TestType>(points, opts, s, nullptr, &weights);
    }
  }
}

TEMPLATE_TEST_CASE("given centres come from process 0; several starts; uneven threads", "[mpi]",
                   float, double) {
  const matrix<TestType> points = km_tests::blobs<TestType>(4000, 2, 8, 2.0, 41);
  km::options opts;
  opts.k = 8;
  opts.seed = 9;
  const matrix<TestType> initial = points.topRows(8);
  for (const split s : all_splits) {
    require_same_as_one_process<km::kd_tree>(points, opts, s, &initial);
    // Threads change nothing, even when each process uses a different number of them.
    require_same_as_one_process<km::hamerly, TestType>(points, opts, s, nullptr, nullptr,
                                                       1 + rank() % 3);
  }
  opts.n_init = 3;
  for (const split s : {split::even, split::every_other_empty})
    require_same_as_one_process<km::automatic>(points, opts, s);
}

TEST_CASE("clusters that empty are refilled as on one process", "[mpi]") {
  // Two initial centres far from every point: both clusters empty after the first pass and take
  // the farthest points, wherever those live.
  const km_tests::emptying_case<double> c;
  km::options opts;
  opts.k = static_cast<int>(c.initial.rows());
  for (const split s : all_splits)
    require_same_as_one_process<km::elkan>(c.points, opts, s, &c.initial);
}

TEST_CASE("a callback that stops on one process stops every process", "[mpi]") {
  const matrix<double> points = km_tests::blobs<double>(3000, 2, 10, 3.0, 51);
  km::options opts;
  opts.k = 12;
  opts.seed = 1;
  std::vector<int> passes;
  // One process: stop after pass 3. Distributed: only the last process asks to stop.
  opts.on_iteration = [&](const km::iteration_report& report) {
    passes.push_back(report.iteration);
    return report.iteration < 3;
  };
  const km::result<double> expected = km::kmeans<>(opts).fit(points);
  passes.clear();
  const bool asks = rank() == processes() - 1;
  opts.on_iteration = [&](const km::iteration_report& report) {
    passes.push_back(report.iteration);
    return !asks || report.iteration < 3;
  };
  const km::result<double> actual =
      km::mpi::kmeans<>(opts, MPI_COMM_WORLD).fit(shard_of(points, split::even));
  const bool same = actual.iterations == expected.iterations && actual.iterations == 4 &&
                    actual.centers == expected.centers && passes == std::vector<int>{1, 2, 3, 4};
  REQUIRE(everywhere(same));
}
