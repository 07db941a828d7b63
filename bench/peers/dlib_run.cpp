// dlib (19.24) runner for the peer comparison (bench/README.md, "Runner protocol"):
//
//   dlib_run PROBLEM_DIR OUT_DIR [--variant lloyd] [--repeat R]
//
// dlib::find_clusters_using_kmeans(samples, centers, max_iterations): plain Lloyd in double from
// the centres in init.f64, stopping after a pass that changes no label: km's own rule. Single
// threaded code. The points are converted to dlib column vectors before timing.
// What it cannot match: an empty cluster's centre becomes the zero vector; distances are
// compared as sqrt of the squared sum. It returns centres only (labels: each point's nearest
// final centre, in double, after timing) and no pass count: that is counted exactly through the
// samples container, whose size() dlib's loop calls twice before the first pass and n + 1 times
// in each of its two loops per pass (dlib/svm/kkmeans.h); a count that does not fit gives null.
#include <cstdint>
#include <string>
#include <vector>

#include <dlib/clustering.h>

#include "common.hpp"

namespace {

using sample = dlib::matrix<double, 0, 1>;

/// The samples as dlib sees them ("compatible with std::vector"), counting calls to size().
struct counted_samples {
  const std::vector<sample>& samples;
  mutable std::uint64_t size_calls = 0;

  std::size_t size() const {
    ++size_calls;
    return samples.size();
  }
  const sample& operator[](std::size_t i) const { return samples[i]; }
};

std::vector<sample> rows_of(const bench::matrix& m) {
  std::vector<sample> rows(static_cast<std::size_t>(m.rows()), sample(m.cols()));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      rows[static_cast<std::size_t>(i)](j) = m(i, j);
  }
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::arguments args = bench::parse_arguments(argc, argv, "lloyd", "lloyd");
  if (args.variant != "lloyd") bench::fail(2, "unknown variant '" + args.variant + "': lloyd");
  const bench::problem p = bench::read_problem(args.problem_dir);
  bench::one_blas_thread();

  const std::vector<sample> samples = rows_of(p.points);
  const std::vector<sample> init = rows_of(p.init);
  std::vector<sample> centres;
  counted_samples counted{samples};
  bench::outcome out;
  out.seconds = bench::best_of(args.repeat, [&] {
    centres = init;
    counted.size_calls = 0;
    dlib::find_clusters_using_kmeans(counted, centres,
                                     static_cast<unsigned long>(p.max_iterations));
  });

  const std::uint64_t per_pass = 2 * (static_cast<std::uint64_t>(samples.size()) + 1);
  if (counted.size_calls >= 2 && (counted.size_calls - 2) % per_pass == 0) {
    const auto passes = static_cast<int>((counted.size_calls - 2) / per_pass);
    out.iterations = passes;
    // Stopping before the cap means a pass changed no label; at the cap dlib does not say.
    if (passes < p.max_iterations) out.converged = true;
  }

  bench::matrix final_centres(p.k, p.points.cols());
  for (Eigen::Index i = 0; i < final_centres.rows(); ++i) {
    for (Eigen::Index j = 0; j < final_centres.cols(); ++j) {
      final_centres(i, j) = centres[static_cast<std::size_t>(i)](j);
    }
  }
  out.library = "dlib";
  out.variant = args.variant;
  out.notes =
      "started from init.f64; stops after a pass that changes no label (converged = null when "
      "it reached max_iterations: dlib does not say whether that last pass changed one); an "
      "empty cluster's centre becomes the zero vector; returns centres only: labels are the "
      "nearest final centre, in double, after timing; iterations counted through the samples "
      "container's size() calls; points converted to dlib vectors before timing; single-threaded";
  bench::write_outputs(args.out_dir, out, bench::nearest_labels(p.points, final_centres),
                       final_centres);
  return 0;
}
