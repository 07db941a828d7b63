// OpenCV (4.6) runner for the peer comparison (bench/README.md, "Runner protocol"):
//
//   opencv_run PROBLEM_DIR OUT_DIR [--variant lloyd] [--repeat R]
//
// cv::kmeans, float32 only (data cast before timing), one attempt, TermCriteria(COUNT + EPS,
// max_iterations, 0): stop once no centre moves, i.e. no label changed.
// What it cannot match: cv::kmeans takes no initial centres, only initial labels
// (KMEANS_USE_INITIAL_LABELS). It gets each point's nearest centre in init.f64, computed in
// double before timing; that labelling is the first pass and is not timed. OpenCV clamps the
// pass count to [2, 100]; its last pass only recomputes distances, so after a capped run the
// labels are the ones the returned centres were computed from, not the nearest. An empty cluster
// takes the farthest point of the largest cluster. cv::kmeans does not report its pass count:
// it is found after timing by re-running with smaller caps (binary search, results compared bit
// for bit).
#include <algorithm>
#include <exception>
#include <string>

#include <opencv2/core.hpp>

#include "common.hpp"

namespace {

struct fit {
  cv::Mat labels;   // n x 1 int32
  cv::Mat centres;  // k x d float32
};

fit run_opencv(const cv::Mat& points, const cv::Mat& initial_labels, int k, int passes) {
  fit f;
  initial_labels.copyTo(f.labels);
  cv::kmeans(points, k, f.labels,
             cv::TermCriteria(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, passes, 0.0), 1,
             cv::KMEANS_USE_INITIAL_LABELS, f.centres);
  return f;
}

bool same(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() &&
         std::equal(a.ptr<float>(), a.ptr<float>() + a.total(), b.ptr<float>());
}

}  // namespace

int main(int argc, char** argv) {
  const bench::arguments args = bench::parse_arguments(argc, argv, "lloyd", "lloyd");
  if (args.variant != "lloyd") bench::fail(2, "unknown variant '" + args.variant + "': lloyd");
  const bench::problem p = bench::read_problem(args.problem_dir);
  if (p.max_iterations < 2) bench::fail(3, "opencv: cv::kmeans runs at least 2 passes");
  cv::setNumThreads(1);
  bench::one_blas_thread();

  using fmatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  fmatrix points_f = p.points.cast<float>();
  const cv::Mat points(static_cast<int>(points_f.rows()), static_cast<int>(points_f.cols()), CV_32F,
                       points_f.data());
  Eigen::VectorXi first = bench::nearest_labels(p.points, p.init);  // pass 1, untimed
  const cv::Mat initial_labels(static_cast<int>(first.size()), 1, CV_32S, first.data());
  const int cap = std::min(p.max_iterations, 100);

  bench::outcome out;
  fit result;
  try {
    out.seconds =
        bench::best_of(args.repeat, [&] { result = run_opencv(points, initial_labels, p.k, cap); });

    // Passes run: a run capped at c returns the final centres exactly when c >= passes - 1
    // (the last pass of a converged run leaves the centres unchanged), and never earlier.
    const auto reproduces = [&](int c) {
      return same(run_opencv(points, initial_labels, p.k, c).centres, result.centres);
    };
    int low = 2, high = cap;  // the smallest cap that reproduces the centres lies in [low, high]
    if (cap > 2 && !reproduces(cap - 1)) low = cap;  // it ran to the cap: settled in one re-run
    while (low < high) {
      const int mid = low + (high - low) / 2;
      if (reproduces(mid)) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    const bool stable =  // the untimed first pass's labels survived: 2 passes
        std::equal(first.data(), first.data() + first.size(), result.labels.ptr<int>());
    if (low == 2 && stable) {
      out.iterations = 2;
      out.converged = true;
    } else if (low == cap) {  // only the full run gives these centres: it stopped at the cap
      out.iterations = cap;
      out.converged = false;
    } else {
      out.iterations = low + 1;
      out.converged = true;
    }
  } catch (const std::exception& e) {  // cv::Exception
    bench::fail(3, std::string("opencv: ") + e.what());
  }

  out.library = "opencv";
  out.variant = args.variant;
  out.precision = "float32";
  out.notes =
      "float32 only; cv::kmeans cannot take initial centres: it starts from each point's "
      "nearest centre of init.f64 (KMEANS_USE_INITIAL_LABELS), computed in double before "
      "timing, so the first pass is untimed; stops when no centre moves (EPS 0); pass count "
      "clamped to [2, 100]";
  if (p.max_iterations > 100) out.notes += " (max_iterations reduced to 100)";
  out.notes +=
      "; after a capped run the labels are not the nearest of the returned centres; iterations "
      "found after timing by re-running with smaller caps; one thread (cv::setNumThreads(1))";
  const Eigen::Map<const fmatrix> centres(result.centres.ptr<float>(), p.k,
                                          static_cast<Eigen::Index>(points.cols));
  const Eigen::VectorXi labels =
      Eigen::Map<const Eigen::VectorXi>(result.labels.ptr<int>(), points.rows);
  bench::write_outputs(args.out_dir, out, labels, centres);
  return 0;
}
