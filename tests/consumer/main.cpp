// Fits km::kmeans<km::kd_tree> on a few seeded blobs and checks that the result is sane. It is
// built against an installed km (find_package) and a km source tree (add_subdirectory) by .ci/run;
// it exits non-zero when something is wrong.
#include <cmath>
#include <cstdio>

#include <km/blobs.hpp>
#include <km/kmeans.hpp>

int main() {
  const int k = 3;
  const km::blobs<double> data = km::make_blobs<double>(300, 2, k, 0.5, 42);

  km::options opts;
  opts.k = k;
  opts.seed = 7;
  const km::kmeans<km::kd_tree> model(opts);
  const km::result<double> r = model.fit(data.points);

  int failures = 0;
  const auto check = [&failures](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "consumer: FAILED: %s\n", what);
      ++failures;
    }
  };
  check(r.labels.size() == data.points.rows(), "one label per point");
  check(r.labels.size() > 0 && r.labels.minCoeff() >= 0 && r.labels.maxCoeff() < k,
        "labels in [0, k)");
  check(r.centers.rows() == k && r.centers.cols() == data.points.cols(), "centres are k x d");
  check(r.centers.allFinite(), "finite centres");
  check(std::isfinite(r.inertia) && r.inertia >= 0, "finite, non-negative inertia");
  check(r.converged, "converged");
  check(r.iterations >= 1 && r.iterations <= opts.max_iterations, "iterations in [1, cap]");

  std::printf("km %d.%d.%d: %d iterations, inertia %.6g, converged %s\n", KM_VERSION_MAJOR,
              KM_VERSION_MINOR, KM_VERSION_PATCH, r.iterations, static_cast<double>(r.inertia),
              r.converged ? "yes" : "no");
  return failures == 0 ? 0 : 1;
}
