// Seeded Gaussian blobs, the data of the seed text's example, for examples, tests and benchmarks.
#pragma once

#include <cstdint>

#include <Eigen/Core>

#include "detail/rng.hpp"
#include "invalid_input.hpp"
#include "result.hpp"

namespace km {

template <typename Scalar>
struct blobs {
  row_matrix<Scalar> points;   ///< n x d
  Eigen::VectorXi truth;       ///< the blob each point was drawn from
  row_matrix<Scalar> centres;  ///< blob centres, uniform in [-10, 10]^d
};

/// n points in d dimensions around `count` centres, point i belonging to blob i % count, each
/// coordinate its centre's plus a normal deviate of standard deviation `spread`. Same seed, same
/// data on one platform (the deviates use std::log and std::cos).
template <typename Scalar = double>
blobs<Scalar> make_blobs(Eigen::Index n, Eigen::Index d, int count, double spread,
                         std::uint64_t seed) {
  if (n < 0 || d < 1 || count < 1 || !(spread >= 0)) {
    throw invalid_input("make_blobs needs n >= 0, d >= 1, count >= 1 and spread >= 0");
  }
  detail::rng random(seed);
  blobs<Scalar> out;
  out.centres.resize(count, d);
  for (Eigen::Index c = 0; c < count; ++c) {
    for (Eigen::Index j = 0; j < d; ++j) {
      out.centres(c, j) = static_cast<Scalar>(-10.0 + 20.0 * random.unit());
    }
  }
  out.points.resize(n, d);
  out.truth.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const int blob = static_cast<int>(i % count);
    out.truth[i] = blob;
    for (Eigen::Index j = 0; j < d; ++j) {
      out.points(i, j) =
          static_cast<Scalar>(static_cast<double>(out.centres(blob, j)) + spread * random.normal());
    }
  }
  return out;
}

}  // namespace km
