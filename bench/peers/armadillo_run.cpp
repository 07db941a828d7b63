// Armadillo runner for the peer comparison (bench/README.md, "Runner protocol"):
//
//   armadillo_run PROBLEM_DIR OUT_DIR [--variant lloyd] [--repeat R]
//
// arma::kmeans(means, data, k, keep_existing, max_iterations, print_mode) in double, means preset
// from init.f64 (keep_existing), data d x n (one column per point: the row-major n x d points,
// read in place). Built without OpenMP (ARMA_DONT_USE_OPENMP), so one thread.
// What it cannot match: Armadillo stops when the mean over centres of the squared centre shift
// is <= machine epsilon (2.2e-16), an absolute threshold: the same as "no label changed" at
// ordinary scales, earlier for data of tiny scale. A dead (empty) mean takes the last point of a
// live cluster. It returns means only: labels are each point's nearest final mean, computed in
// double after timing. The pass count comes from print_mode's per-pass lines, sent to a string
// stream (a few bytes per pass, inside the timing).
#include <cstdlib>
#include <sstream>
#include <string>

#include <armadillo>

#include "common.hpp"

int main(int argc, char** argv) {
  const bench::arguments args = bench::parse_arguments(argc, argv, "lloyd", "lloyd");
  if (args.variant != "lloyd") bench::fail(2, "unknown variant '" + args.variant + "': lloyd");
  bench::problem p = bench::read_problem(args.problem_dir);
  bench::one_blas_thread();

  const auto n = static_cast<arma::uword>(p.points.rows());
  const auto d = static_cast<arma::uword>(p.points.cols());
  const auto k = static_cast<arma::uword>(p.k);
  // Row-major n x d is column-major d x n: the same bytes, no copy.
  const arma::mat data(p.points.data(), d, n, /*copy_aux_mem=*/false, /*strict=*/true);
  const arma::mat init(p.init.data(), d, k);

  arma::mat means;
  std::ostringstream log;
  bool ok = true;
  bench::outcome out;
  out.seconds = bench::best_of(args.repeat, [&] {
    means = init;
    log.str("");
    arma::set_cout_stream(log);
    ok = arma::kmeans(means, data, k, arma::keep_existing,
                      static_cast<arma::uword>(p.max_iterations),
                      /*print_mode=*/true);
    arma::set_cout_stream(std::cout);
  });
  if (!ok) bench::fail(3, "armadillo: kmeans() failed (non-finite data, or no live mean left)");

  // One "kmeans(): iteration: N   delta: D" line per pass; it stops once D <= epsilon.
  int passes = 0;
  double last_delta = 0;
  std::istringstream lines(log.str());
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find("delta:");
    if (line.find("iteration:") == std::string::npos || at == std::string::npos) continue;
    ++passes;
    last_delta = std::strtod(line.c_str() + at + 6, nullptr);
  }
  out.library = "armadillo";
  out.variant = args.variant;
  out.iterations = passes;
  out.converged = passes < p.max_iterations || last_delta <= arma::datum::eps;
  out.notes =
      "started from init.f64 (keep_existing); stops when the mean squared centre shift is <= "
      "2.2e-16 (absolute), which equals 'no label changed' unless the data's scale is tiny; "
      "returns means only: labels are the nearest final mean, in double, after timing; "
      "iterations read from print_mode output; built without OpenMP (one thread)";

  const bench::matrix centres =
      Eigen::Map<const bench::matrix>(means.memptr(), p.k, p.points.cols());
  bench::write_outputs(args.out_dir, out, bench::nearest_labels(p.points, centres), centres);
  return 0;
}
