// FAISS (1.7.3) runner for the peer comparison (bench/README.md, "Runner protocol"):
//
//   faiss_run PROBLEM_DIR OUT_DIR [--variant lloyd] [--repeat R]
//
// faiss::Clustering over an exact faiss::IndexFlatL2, started from init.f64: centroids preset
// before train() are its initialisation (Clustering.h; train() only draws the centroids beyond
// the preset ones, none here). Float32 only: the data is cast before timing.
// What it cannot match: FAISS has no convergence check and always runs niter passes (each one
// assignment and one update); its assignment is a BLAS product |x|^2 - 2 x.c + |c|^2 in float;
// an empty cluster is refilled by splitting a large one (fixed RNG seed). FAISS returns no
// labels: they come from one more search of the final centroids, after timing.
#include <omp.h>

#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>

#include "common.hpp"

int main(int argc, char** argv) {
  const bench::arguments args = bench::parse_arguments(argc, argv, "lloyd", "lloyd");
  if (args.variant != "lloyd") bench::fail(2, "unknown variant '" + args.variant + "': lloyd");
  const bench::problem p = bench::read_problem(args.problem_dir);
  omp_set_num_threads(1);
  bench::one_blas_thread();

  using fmatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const fmatrix points = p.points.cast<float>();
  const fmatrix init = p.init.cast<float>();
  const auto n = static_cast<faiss::Index::idx_t>(points.rows());
  const auto d = static_cast<int>(points.cols());

  faiss::ClusteringParameters params;
  params.niter = p.max_iterations;
  params.nredo = 1;
  params.verbose = false;
  params.min_points_per_centroid = 1;  // only silences a warning about few points per centre
  params.max_points_per_centroid = std::numeric_limits<int>::max();  // never subsample
  params.seed = 1234;  // unused: nothing is subsampled and no centroid is drawn at random

  faiss::IndexFlatL2 index(d);
  std::vector<float> centroids;
  bench::outcome out;
  try {
    out.seconds = bench::best_of(args.repeat, [&] {
      faiss::Clustering clustering(d, p.k, params);
      clustering.centroids.assign(init.data(), init.data() + init.size());
      index.reset();
      clustering.train(n, points.data(), index);
      centroids = std::move(clustering.centroids);
    });
  } catch (const std::exception& e) {
    bench::fail(3, std::string("faiss: ") + e.what());
  }

  // The index now holds the final centroids: one more exact search gives the labels.
  std::vector<float> distances(static_cast<std::size_t>(n));
  std::vector<faiss::Index::idx_t> nearest(static_cast<std::size_t>(n));
  index.search(n, points.data(), 1, distances.data(), nearest.data());
  Eigen::VectorXi labels(points.rows());
  for (Eigen::Index i = 0; i < labels.size(); ++i) {
    labels[i] = static_cast<int>(nearest[static_cast<std::size_t>(i)]);
  }

  out.library = "faiss";
  out.variant = args.variant;
  out.precision = "float32";
  out.iterations = p.max_iterations;  // always niter passes
  out.converged = std::nullopt;       // FAISS never checks
  out.notes =
      "float32 only; no convergence check: always runs niter = max_iterations passes "
      "(assignment + update each), so iterations = max_iterations and converged = null; "
      "started from init.f64 (preset centroids); assignment by BLAS product in float; empty "
      "clusters refilled by splitting a large one; labels from one more IndexFlatL2 search of "
      "the final centroids, after timing; one OpenMP thread";
  if (p.k == points.rows()) out.notes += "; n == k: FAISS copies the points as centroids";
  bench::write_outputs(args.out_dir, out, labels,
                       Eigen::Map<const fmatrix>(centroids.data(), p.k, d));
  return 0;
}
