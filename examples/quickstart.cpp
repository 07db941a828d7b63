// quickstart: the smallest complete km program. It clusters 1,000 points drawn from 3 Gaussian
// blobs in 2-D with the kd-tree strategy and k-means++ initialisation, prints what the fit found,
// and draws it as an SVG scatter plot: points coloured by cluster, centres as large crossed discs.
//
//   cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build --target quickstart
//   ./build/examples/quickstart             # writes quickstart.svg
//   ./build/examples/quickstart plot.svg    # or any path you give
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include <km/blobs.hpp>
#include <km/kmeans.hpp>

namespace {

// A round tick step (1, 2 or 5 times a power of ten) giving about five ticks over `span`.
double tick_step(double span) {
  const double raw = span / 5, power = std::pow(10.0, std::floor(std::log10(raw)));
  return raw / power < 2 ? power : raw / power < 5 ? 2 * power : 5 * power;
}

// Writes the plot; false when the file cannot be written.
bool write_svg(const std::string& path, const km::row_matrix<double>& points,
               const km::result<double>& fit) {
  const char* colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  const double width = 640, height = 520, left = 60, right = 20, top = 50, bottom = 50;
  // Axes: the data's range widened to whole tick steps; ticks at first..last times the step.
  double step[2], first[2], last[2], lo[2], hi[2];
  for (int j = 0; j < 2; ++j) {
    const double min = points.col(j).minCoeff(), max = points.col(j).maxCoeff();
    step[j] = tick_step(std::max(max - min, 1e-9));
    first[j] = std::floor(min / step[j]);
    last[j] = std::ceil(max / step[j]);
    lo[j] = first[j] * step[j];
    hi[j] = last[j] * step[j];
  }
  const auto x = [&](double v) {
    return left + (v - lo[0]) / (hi[0] - lo[0]) * (width - left - right);
  };
  const auto y = [&](double v) {
    return height - bottom - (v - lo[1]) / (hi[1] - lo[1]) * (height - top - bottom);
  };

  std::FILE* svg = std::fopen(path.c_str(), "w");
  if (svg == nullptr) return false;
  std::fprintf(svg,
               "<svg xmlns='http://www.w3.org/2000/svg' width='%g' height='%g' "
               "font-family='sans-serif' font-size='12'>\n",
               width, height);
  std::fprintf(svg, "<rect width='100%%' height='100%%' fill='white'/>\n");
  std::fprintf(svg,
               "<text x='%g' y='28' text-anchor='middle' font-size='16'>k-means, k = %d: %d "
               "iterations, inertia %.1f</text>\n",
               width / 2, static_cast<int>(fit.centers.rows()), fit.iterations, fit.inertia);
  for (double t = first[0]; t <= last[0]; ++t) {  // vertical grid lines, x labels
    const double v = t * step[0];
    std::fprintf(svg,
                 "<line x1='%.1f' y1='%g' x2='%.1f' y2='%g' stroke='#ddd'/><text x='%.1f' y='%g' "
                 "text-anchor='middle'>%g</text>\n",
                 x(v), top, x(v), height - bottom, x(v), height - bottom + 18, v);
  }
  for (double t = first[1]; t <= last[1]; ++t) {  // horizontal grid lines, y labels
    const double v = t * step[1];
    std::fprintf(svg,
                 "<line x1='%g' y1='%.1f' x2='%g' y2='%.1f' stroke='#ddd'/><text x='%g' y='%.1f' "
                 "text-anchor='end'>%g</text>\n",
                 left, y(v), width - right, y(v), left - 6, y(v) + 4, v);
  }
  std::fprintf(svg, "<rect x='%g' y='%g' width='%g' height='%g' fill='none' stroke='black'/>\n",
               left, top, width - left - right, height - top - bottom);
  for (Eigen::Index i = 0; i < points.rows(); ++i) {
    std::fprintf(svg, "<circle cx='%.1f' cy='%.1f' r='2.5' fill='%s' fill-opacity='0.6'/>\n",
                 x(points(i, 0)), y(points(i, 1)), colours[fit.labels[i] % 10]);
  }
  for (Eigen::Index c = 0; c < fit.centers.rows(); ++c) {  // centre: disc with a white cross
    const double cx = x(fit.centers(c, 0)), cy = y(fit.centers(c, 1));
    std::fprintf(svg,
                 "<circle cx='%.1f' cy='%.1f' r='10' fill='%s' stroke='black' stroke-width='2'/>\n",
                 cx, cy, colours[c % 10]);
    std::fprintf(svg, "<path d='M%.1f %.1fl12 12m0 -12l-12 12' stroke='white' stroke-width='3'/>\n",
                 cx - 6, cy - 6);
  }
  std::fprintf(svg, "</svg>\n");
  return std::fclose(svg) == 0;
}

}  // namespace

// The inputs are fixed and valid, so km throws nothing here; on std::bad_alloc the demo may as
// well end.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  const std::string svg_path = argc > 1 ? argv[1] : "quickstart.svg";
  const std::uint64_t seed = 7;
  const km::blobs<double> data = km::make_blobs<double>(1000, 2, 3, 0.6, seed);  // n, d, blobs

  km::options opts;
  opts.k = 3;
  opts.init = km::init_method::kmeans_plus_plus;
  opts.seed = seed;
  const km::kmeans<> model(opts);  // the default strategy, km::automatic (a kd-tree here, d = 2)
  const km::result<double> fit = model.fit(data.points);

  std::printf("iterations: %d, converged: %s, inertia: %.4f\n", fit.iterations,
              fit.converged ? "yes" : "no", fit.inertia);
  for (Eigen::Index c = 0; c < fit.centers.rows(); ++c) {
    const auto size = (fit.labels.array() == static_cast<int>(c)).count();
    std::printf("centre %d: (%8.4f, %8.4f)  %4ld points\n", static_cast<int>(c), fit.centers(c, 0),
                fit.centers(c, 1), static_cast<long>(size));
  }
  if (!write_svg(svg_path, data.points, fit)) {
    std::fprintf(stderr, "quickstart: cannot write %s\n", svg_path.c_str());
    return 1;
  }
  std::printf("wrote %s\n", svg_path.c_str());
}
