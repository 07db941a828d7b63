// km._core, the C++ half of the Python package: km::kmeans<Strategy> and km::mini_batch_kmeans on
// NumPy arrays. Arrays come in C-contiguous, float32 or float64 (the Python layer converts anything
// else, once) and are read in place; the GIL is released while C++ works; km::invalid_input
// becomes ValueError with the same message. scikit-learn's conventions live in Python (src/km/).
#include <Python.h>
#include <pythread.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <km/kmeans.hpp>

namespace py = pybind11;

namespace {

template <typename Scalar>
using rows_map = Eigen::Map<const km::row_matrix<Scalar>>;
template <typename Scalar>
using vector_map = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>;

std::string text_of(const py::handle& object) {
  return py::str(object).cast<std::string>();
}

/// Whether `array` holds Scalar values in the machine's byte order.
template <typename Scalar>
bool holds(const py::array& array) {
  return py::isinstance<py::array_t<Scalar>>(array);
}

/// Calls f(Scalar{}) with the scalar type of `points`: float for float32, double for float64.
template <typename F>
auto with_scalar(const py::array& points, F&& f) {
  if (holds<float>(points)) return f(float{});
  if (holds<double>(points)) return f(double{});
  throw py::type_error("km: X must be float32 or float64, got " + text_of(points.dtype()));
}

/// Checks that `array` holds Scalar values, C-contiguous, in `dims` dimensions: the form that is
/// read in place.
template <typename Scalar>
void check_form(const py::array& array, const char* what, py::ssize_t dims) {
  if (!holds<Scalar>(array)) {
    throw py::type_error(std::string("km: ") + what + " must have dtype " +
                         text_of(py::dtype::of<Scalar>()) + " like X, got " +
                         text_of(array.dtype()));
  }
  if (array.ndim() != dims) {
    throw py::value_error(std::string("km: ") + what + " must have " + std::to_string(dims) +
                          " dimensions, got " + std::to_string(array.ndim()));
  }
  if ((array.flags() & py::array::c_style) == 0) {
    throw py::value_error(std::string("km: ") + what + " must be C-contiguous");
  }
}

/// The rows of a 2-D array, in place.
template <typename Scalar>
rows_map<Scalar> rows_of(const py::array& array, const char* what) {
  check_form<Scalar>(array, what, 2);
  return rows_map<Scalar>(static_cast<const Scalar*>(array.data()), array.shape(0), array.shape(1));
}

/// The entries of a 1-D array, in place.
template <typename Scalar>
vector_map<Scalar> entries_of(const py::array& array, const char* what) {
  check_form<Scalar>(array, what, 1);
  return vector_map<Scalar>(static_cast<const Scalar*>(array.data()), array.shape(0));
}

/// Hands an Eigen vector or row-major matrix to NumPy without copying: the array owns it.
template <typename Matrix>
py::array to_numpy(Matrix&& matrix) {
  using Plain = std::decay_t<Matrix>;
  using Scalar = typename Plain::Scalar;
  auto owned = std::make_unique<Plain>(std::forward<Matrix>(matrix));
  const py::capsule owner(owned.get(), [](void* p) { delete static_cast<Plain*>(p); });
  Plain* raw = owned.release();
  if constexpr (Plain::ColsAtCompileTime == 1) {
    return py::array_t<Scalar>({raw->size()}, {py::ssize_t(sizeof(Scalar))}, raw->data(), owner);
  } else {
    static_assert(Plain::IsRowMajor, "to_numpy: matrices go out row-major (C order)");
    return py::array_t<Scalar>(
        {raw->rows(), raw->cols()},
        {py::ssize_t(sizeof(Scalar)) * raw->cols(), py::ssize_t(sizeof(Scalar))}, raw->data(),
        owner);
  }
}

/// The initialisations by their Python names; the first is the default.
constexpr std::pair<const char*, km::init_method> init_methods[] = {
    {"k-means++", km::init_method::kmeans_plus_plus},
    {"random", km::init_method::random},
    {"first", km::init_method::first_k},
    {"k-means||", km::init_method::kmeans_parallel},
};

py::tuple init_method_names() {
  py::list names;
  for (const auto& [name, method] : init_methods)
    names.append(name);
  return py::tuple(names);
}

km::init_method init_method_named(const std::string& name) {
  for (const auto& [known, method] : init_methods) {
    if (name == known) return method;
  }
  throw py::value_error("km: init = '" + name + "' is not one of " +
                        text_of(py::str(", ").attr("join")(init_method_names())));
}

py::tuple strategy_names() {
  py::list names;
  km::for_each_strategy<km::exact_strategies>(
      [&](auto strategy) { names.append(std::string(decltype(strategy)::name)); });
  return py::tuple(names);
}

/// Calls f(Strategy{}) for the exact strategy called `name`.
template <typename F>
void with_strategy_named(const std::string& name, F&& f) {
  if (!km::with_strategy<km::exact_strategies>(name, f)) {
    throw py::value_error("km: algorithm = '" + name + "' is not one of " +
                          km::strategy_names<km::exact_strategies>());
  }
}

/// Ctrl-C during a fit: after an assignment pass or a mini-batch step, at most every 50 ms, takes
/// the GIL to let Python run its signal handlers. When one raises (KeyboardInterrupt), the fit is
/// asked to stop and the exception is kept until the fit has returned. Only the main thread
/// receives signals, so fits on other threads never take the GIL.
class interruption {
 public:
  interruption()
      : main_thread_(PyThread_get_thread_ident() == py::module_::import("threading")
                                                        .attr("main_thread")()
                                                        .attr("ident")
                                                        .cast<unsigned long>()) {}
  interruption(const interruption&) = delete;
  interruption& operator=(const interruption&) = delete;
  ~interruption() {
    if (pending_) {
      py::gil_scoped_acquire gil;
      Py_XDECREF(type_);
      Py_XDECREF(value_);
      Py_XDECREF(trace_);
    }
  }

  /// The fit's on_iteration or on_step callback: false once Python has raised.
  bool keep_going() {
    if (pending_) return false;
    if (!main_thread_) return true;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check_ < std::chrono::milliseconds(50)) return true;
    last_check_ = now;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() == 0) return true;
    PyErr_Fetch(&type_, &value_, &trace_);
    pending_ = true;
    return false;
  }

  /// With the GIL held: raises the kept exception, if any.
  void raise_if_pending() {
    if (!pending_) return;
    pending_ = false;
    PyErr_Restore(type_, value_, trace_);
    throw py::error_already_set();
  }

 private:
  bool main_thread_;
  bool pending_ = false;
  std::chrono::steady_clock::time_point last_check_ = std::chrono::steady_clock::now();
  PyObject* type_ = nullptr;
  PyObject* value_ = nullptr;
  PyObject* trace_ = nullptr;
};

// A fit's arrays, read in place: X, and the sample weights and initial centres when given.
template <typename Scalar>
struct fit_input {
  fit_input(const py::array& points, const std::optional<py::array>& sample_weight,
            const std::optional<py::array>& initial_centres)
      : x(rows_of<Scalar>(points, "X")) {
    if (sample_weight) weights.emplace(entries_of<Scalar>(*sample_weight, "sample_weight"));
    if (initial_centres) centres.emplace(rows_of<Scalar>(*initial_centres, "init"));
  }

  /// model.fit() with whatever was given.
  template <typename Model>
  km::result<Scalar> fit_with(const Model& model) const {
    if (weights && centres) return model.fit(x, km::weights(*weights), *centres);
    if (weights) return model.fit(x, km::weights(*weights));
    if (centres) return model.fit(x, *centres);
    return model.fit(x);
  }

  rows_map<Scalar> x;
  std::optional<vector_map<Scalar>> weights;
  std::optional<rows_map<Scalar>> centres;
};

py::tuple fit(const py::array& points, const std::string& algorithm, int k, const std::string& init,
              std::uint64_t seed, int n_init, int max_iterations, double tolerance, int threads,
              const std::optional<py::array>& sample_weight,
              const std::optional<py::array>& initial_centres) {
  return with_scalar(points, [&](auto scalar) {
    using Scalar = decltype(scalar);
    const fit_input<Scalar> in(points, sample_weight, initial_centres);

    km::options opts;
    opts.k = k;
    opts.init = init_method_named(init);
    opts.seed = seed;
    opts.n_init = n_init;
    opts.max_iterations = max_iterations;
    opts.tolerance = tolerance;
    opts.threads = threads;
    interruption interrupt;
    opts.on_iteration = [&interrupt](const km::iteration_report&) {
      return interrupt.keep_going();
    };
    opts.report_inertia = false;  // a pass over the points each iteration, for nothing here

    km::result<Scalar> r;
    with_strategy_named(algorithm, [&](auto strategy) {
      const km::kmeans<decltype(strategy)> model(opts);
      const py::gil_scoped_release released;
      r = in.fit_with(model);
    });
    interrupt.raise_if_pending();
    return py::make_tuple(to_numpy(std::move(r.labels)), to_numpy(std::move(r.centers)),
                          static_cast<double>(r.inertia), r.iterations, r.converged);
  });
}

py::tuple mini_batch_fit(const py::array& points, int k, const std::string& init,
                         std::uint64_t seed, Eigen::Index batch_size, int max_steps,
                         int max_no_improvement, double tolerance, Eigen::Index init_size,
                         int threads, const std::optional<py::array>& sample_weight,
                         const std::optional<py::array>& initial_centres) {
  return with_scalar(points, [&](auto scalar) {
    using Scalar = decltype(scalar);
    const fit_input<Scalar> in(points, sample_weight, initial_centres);

    km::mini_batch_options opts;
    opts.k = k;
    opts.init = init_method_named(init);
    opts.seed = seed;
    opts.batch_size = batch_size;
    opts.max_steps = max_steps;
    opts.max_no_improvement = max_no_improvement;
    opts.tolerance = tolerance;
    opts.init_size = init_size;
    opts.threads = threads;
    interruption interrupt;
    opts.on_step = [&interrupt](const km::mini_batch_report&) { return interrupt.keep_going(); };
    const km::mini_batch_kmeans model(opts);
    km::result<Scalar> r;
    {
      const py::gil_scoped_release released;
      r = in.fit_with(model);
    }
    interrupt.raise_if_pending();
    return py::make_tuple(to_numpy(std::move(r.labels)), to_numpy(std::move(r.centers)),
                          static_cast<double>(r.inertia), r.iterations, r.converged);
  });
}

py::array predict(const py::array& points, const py::array& centres, const std::string& algorithm,
                  int threads) {
  return with_scalar(points, [&](auto scalar) {
    using Scalar = decltype(scalar);
    const rows_map<Scalar> x = rows_of<Scalar>(points, "X");
    const rows_map<Scalar> c = rows_of<Scalar>(centres, "cluster_centers_");
    km::options opts;
    opts.threads = threads;
    Eigen::VectorXi labels;
    with_strategy_named(algorithm, [&](auto strategy) {
      const km::kmeans<decltype(strategy)> model(opts);
      const py::gil_scoped_release released;
      labels = model.predict(x, c);
    });
    return to_numpy(std::move(labels));
  });
}

py::array transform(const py::array& points, const py::array& centres, int threads) {
  return with_scalar(points, [&](auto scalar) {
    using Scalar = decltype(scalar);
    const rows_map<Scalar> x = rows_of<Scalar>(points, "X");
    const rows_map<Scalar> c = rows_of<Scalar>(centres, "cluster_centers_");
    km::options opts;
    opts.threads = threads;
    const km::kmeans<> model(opts);
    km::row_matrix<Scalar> distances;
    {
      const py::gil_scoped_release released;
      distances = model.transform(x, c);
    }
    return to_numpy(std::move(distances));
  });
}

/// The mean over the columns of each column's variance (divided by n), as scikit-learn scales its
/// tolerance; in double, two passes (mean, then squared deviations) for accuracy.
double mean_variance(const py::array& points) {
  return with_scalar(points, [&](auto scalar) {
    using Scalar = decltype(scalar);
    const rows_map<Scalar> x = rows_of<Scalar>(points, "X");
    if (x.rows() == 0 || x.cols() == 0) return 0.0;
    const py::gil_scoped_release released;
    Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      sum += x.row(i).transpose().array().template cast<double>();
    const Eigen::ArrayXd mean = sum / static_cast<double>(x.rows());
    Eigen::ArrayXd squares = Eigen::ArrayXd::Zero(x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      squares += (x.row(i).transpose().array().template cast<double>() - mean).square();
    }
    return squares.sum() / static_cast<double>(x.rows() * x.cols());
  });
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "km's C++ core; use km.KMeans and km.MiniBatchKMeans instead.";
  py::register_exception_translator([](std::exception_ptr raised) {
    try {
      if (raised) std::rethrow_exception(raised);
    } catch (const km::invalid_input& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
  m.attr("version") = std::to_string(KM_VERSION_MAJOR) + "." + std::to_string(KM_VERSION_MINOR) +
                      "." + std::to_string(KM_VERSION_PATCH);
  m.attr("strategies") = strategy_names();
  m.attr("init_methods") = init_method_names();
  m.def("fit", &fit, py::arg("X"), py::arg("algorithm"), py::arg("k"), py::arg("init"),
        py::arg("seed"), py::arg("n_init"), py::arg("max_iterations"), py::arg("tolerance"),
        py::arg("threads"), py::arg("sample_weight"), py::arg("initial_centres"));
  m.def("mini_batch_fit", &mini_batch_fit, py::arg("X"), py::arg("k"), py::arg("init"),
        py::arg("seed"), py::arg("batch_size"), py::arg("max_steps"), py::arg("max_no_improvement"),
        py::arg("tolerance"), py::arg("init_size"), py::arg("threads"), py::arg("sample_weight"),
        py::arg("initial_centres"));
  m.def("predict", &predict, py::arg("X"), py::arg("centres"), py::arg("algorithm"),
        py::arg("threads"));
  m.def("transform", &transform, py::arg("X"), py::arg("centres"), py::arg("threads"));
  m.def("mean_variance", &mean_variance, py::arg("X"));
}
