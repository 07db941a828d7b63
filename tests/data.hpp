// Data sets built to break exactness, and the comparison every exact strategy must pass.
#pragma once

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <km/blobs.hpp>
#include <km/kmeans.hpp>

namespace km_tests {

template <typename Scalar>
using matrix = km::row_matrix<Scalar>;

/// A named data set with the k to cluster it into.
template <typename Scalar>
struct case_data {
  std::string name;
  matrix<Scalar> points;
  int k;
};

template <typename Scalar>
matrix<Scalar> blobs(Eigen::Index n, Eigen::Index d, int count, double spread, std::uint64_t seed) {
  return km::make_blobs<Scalar>(n, d, count, spread, seed).points;
}

/// Integer grid {0..side-1}^d, every point many times equidistant from several centres.
template <typename Scalar>
matrix<Scalar> grid(int side, Eigen::Index d) {
  Eigen::Index n = 1;
  for (Eigen::Index j = 0; j < d; ++j)
    n *= side;
  matrix<Scalar> points(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::Index rest = i;
    for (Eigen::Index j = 0; j < d; ++j) {
      points(i, j) = static_cast<Scalar>(rest % side);
      rest /= side;
    }
  }
  return points;
}

/// `copies` copies of each of a few points, interleaved.
template <typename Scalar>
matrix<Scalar> duplicates(int distinct, int copies, Eigen::Index d, std::uint64_t seed) {
  const matrix<Scalar> base = blobs<Scalar>(distinct, d, distinct, 0.0, seed);
  matrix<Scalar> points(distinct * copies, d);
  for (Eigen::Index i = 0; i < points.rows(); ++i)
    points.row(i) = base.row(i % distinct);
  return points;
}

/// Points on the mirror line x0 = 0 of pairs of symmetric initial centres: exact ties throughout.
template <typename Scalar>
matrix<Scalar> mirror(Eigen::Index n) {
  matrix<Scalar> points(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    points(i, 0) = i % 3 == 0 ? Scalar(0) : static_cast<Scalar>((i % 7) - 3);
    points(i, 1) = static_cast<Scalar>(i % 11);
  }
  return points;
}

/// 300 points in 3 blobs, and 5 initial centres of which two (1 and 3) lie far from every point,
/// so that their clusters are empty after the first pass.
template <typename Scalar>
struct emptying_case {
  matrix<Scalar> points = blobs<Scalar>(300, 3, 3, 0.8, 21);
  matrix<Scalar> initial = far_centres(points);

  static matrix<Scalar> far_centres(const matrix<Scalar>& points) {
    matrix<Scalar> centres = points.topRows(5);
    centres.row(1).setConstant(Scalar(500));
    centres.row(3).setConstant(Scalar(-500));
    return centres;
  }
};

/// The data sets every exact strategy is compared on.
template <typename Scalar>
std::vector<case_data<Scalar>> adversarial_cases() {
  std::vector<case_data<Scalar>> cases;
  cases.push_back({"seed example: 1000 points, 3 blobs, spread 0.6, k = 10",
                   blobs<Scalar>(1000, 2, 3, 0.6, 1), 10});
  cases.push_back({"integer grid 2-d", grid<Scalar>(12, 2), 9});
  cases.push_back({"integer grid 3-d", grid<Scalar>(6, 3), 8});
  cases.push_back({"integer grid 5-d, side 3", grid<Scalar>(3, 5), 12});
  cases.push_back({"duplicate points", duplicates<Scalar>(7, 40, 3, 2), 5});
  cases.push_back({"fewer distinct points than k", duplicates<Scalar>(3, 10, 2, 3), 6});
  cases.push_back({"all points identical", duplicates<Scalar>(1, 50, 4, 4), 3});
  cases.push_back({"mirror line ties", mirror<Scalar>(300), 6});
  {
    matrix<Scalar> offset = blobs<Scalar>(600, 3, 4, 0.5, 5);
    offset.array() += Scalar(1e8);
    cases.push_back({"large offset 1e8 + spread 0.5", offset, 4});
  }
  {
    matrix<Scalar> tiny = blobs<Scalar>(400, 4, 4, 1.0, 6);
    tiny *= std::is_same_v<Scalar, float> ? Scalar(1e-38) : Scalar(1e-305);
    cases.push_back({"subnormal-scale coordinates", tiny, 4});
  }
  {
    matrix<Scalar> huge = blobs<Scalar>(400, 3, 4, 1.0, 7);
    huge *= std::is_same_v<Scalar, float> ? Scalar(1e16) : Scalar(1e150);
    cases.push_back({"huge coordinates", huge, 5});
  }
  {
    // Coordinates 2^-(i mod 50): midpoint splits would peel one point per level.
    matrix<Scalar> geometric(1500, 2);
    for (Eigen::Index i = 0; i < geometric.rows(); ++i) {
      geometric(i, 0) = std::ldexp(Scalar(1), -static_cast<int>(i % 50));
      geometric(i, 1) = static_cast<Scalar>(i % 3);
    }
    cases.push_back({"geometric spacing", geometric, 7});
  }
  cases.push_back({"k = 1", blobs<Scalar>(200, 3, 2, 1.0, 8), 1});
  cases.push_back({"k = n", blobs<Scalar>(60, 2, 3, 1.0, 9), 60});
  cases.push_back({"single point", blobs<Scalar>(1, 3, 1, 1.0, 10), 1});
  for (const Eigen::Index d : {2, 3, 7, 8, 9, 16, 33, 64, 256}) {
    cases.push_back({"blobs d = " + std::to_string(d), blobs<Scalar>(500, d, 6, 2.0, 11 + d), 8});
  }
  cases.push_back({"overlapping blobs, many centres", blobs<Scalar>(2000, 2, 5, 3.0, 12), 40});
  // Rows longer than the tile screen's 64 go through the matrix product (in float lanes for
  // double points): exact ties and an offset that float cannot resolve must still come out as
  // naive's.
  {
    matrix<Scalar> corners(400, 72);  // 0/1 coordinates: integer distances, many exact ties
    for (Eigen::Index i = 0; i < corners.rows(); ++i) {
      for (Eigen::Index j = 0; j < corners.cols(); ++j)
        corners(i, j) = static_cast<Scalar>(((i * 7 + j * 13) % 5) < 2);
    }
    cases.push_back({"cube corners d = 72", corners, 9});
  }
  {
    matrix<Scalar> offset = blobs<Scalar>(400, 100, 5, 0.5, 13);
    offset.array() += Scalar(1e6);
    cases.push_back({"large offset 1e6, d = 100", offset, 5});
  }
  cases.push_back({"duplicate points d = 80", duplicates<Scalar>(6, 30, 80, 14), 8});
  return cases;
}

/// What one fit reports at every iteration, so runs can be compared pass by pass.
struct trace_entry {
  int iteration;
  double inertia;
  Eigen::Index labels_changed;
  double centre_shift;
  bool last;
};

template <typename Scalar>
bool same_bits(const Scalar& a, const Scalar& b) {
  return std::memcmp(&a, &b, sizeof(Scalar)) == 0;
}

template <typename Strategy, typename Scalar>
km::result<Scalar> traced_fit(const matrix<Scalar>& points, km::options opts,
                              const matrix<Scalar>* initial, std::vector<trace_entry>& trace) {
  opts.on_iteration = [&trace](const km::iteration_report& report) {
    trace.push_back({report.iteration, report.inertia, report.labels_changed, report.centre_shift,
                     report.last});
    return true;
  };
  const km::kmeans<Strategy> model(opts);
  return initial != nullptr ? model.fit(points, *initial) : model.fit(points);
}

/// call() throws km::invalid_input whose message contains `message`.
template <typename Call>
void require_invalid_input(Call&& call, const std::string& message) {
  REQUIRE_THROWS_AS(call(), km::invalid_input);
  REQUIRE_THROWS_WITH(call(), Catch::Matchers::Contains(message));
}

/// Every exact strategy but naive, the reference, as a type list for TEMPLATE_LIST_TEST_CASE.
template <typename List>
struct without_naive;
template <typename... Strategies>
struct without_naive<km::strategy_list<Strategies...>> {
  using type = decltype(std::tuple_cat(
      std::declval<std::conditional_t<std::is_same_v<Strategies, km::naive>, std::tuple<>,
                                      std::tuple<Strategies>>>()...));
};
using fast_strategies = without_naive<km::exact_strategies>::type;

/// Calls check(name, strategy) for every exact strategy but naive, the reference: adding a
/// strategy to km::exact_strategies puts it through every exactness and thread test.
template <typename Check>
void for_each_fast_strategy(Check&& check) {
  km::for_each_strategy<km::exact_strategies>([&](auto strategy) {
    using strategy_type = decltype(strategy);
    if constexpr (!std::is_same_v<strategy_type, km::naive>) check(strategy_type::name, strategy);
  });
}

/// Two fits agree bit for bit: labels, centres, inertia, iterations and every per-pass report.
template <typename Scalar>
void require_same_fit(const km::result<Scalar>& expected,
                      const std::vector<trace_entry>& expected_trace,
                      const km::result<Scalar>& actual, const std::vector<trace_entry>& trace) {
  REQUIRE(actual.iterations == expected.iterations);
  REQUIRE(actual.converged == expected.converged);
  REQUIRE((actual.labels.array() == expected.labels.array()).all());
  REQUIRE(actual.centers.rows() == expected.centers.rows());
  REQUIRE(std::memcmp(actual.centers.data(), expected.centers.data(),
                      sizeof(Scalar) * static_cast<std::size_t>(expected.centers.size())) == 0);
  REQUIRE(same_bits(actual.inertia, expected.inertia));
  REQUIRE(trace.size() == expected_trace.size());
  for (std::size_t i = 0; i < trace.size(); ++i) {
    INFO("iteration " << trace[i].iteration);
    REQUIRE(trace[i].labels_changed == expected_trace[i].labels_changed);
    REQUIRE(same_bits(trace[i].inertia, expected_trace[i].inertia));
    REQUIRE(same_bits(trace[i].centre_shift, expected_trace[i].centre_shift));
  }
}

/// The exactness contract: `Strategy` equals km::naive bit for bit.
template <typename Strategy, typename Scalar>
void require_same_as_naive(const matrix<Scalar>& points, const km::options& opts,
                           const matrix<Scalar>* initial = nullptr) {
  std::vector<trace_entry> expected_trace, trace;
  const auto expected = traced_fit<km::naive>(points, opts, initial, expected_trace);
  const auto actual = traced_fit<Strategy>(points, opts, initial, trace);
  require_same_fit(expected, expected_trace, actual, trace);
}

}  // namespace km_tests
