// The runner side of km's peer comparison (bench/README.md, "Problem files" and "Runner
// protocol"): command line, problem directory in, result files out, and a best-of-R timer.
// Shared by km_run and the C++ peers in peers/; needs Eigen and the standard library only.
//
// Exit status 2 for a bad command line, a missing, short or malformed problem file, or an output
// that cannot be written; a runner exits 3 (fail(3, ...)) when its library cannot handle a problem.
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <Eigen/Core>

namespace bench {

/// n x d (points) or k x d (centres), one row after another as in the .f64 files.
using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct problem {
  std::string name;
  int k = 0;
  int max_iterations = 0;
  matrix points;  ///< n x d
  matrix init;    ///< k x d: the centres every runner starts from
};

struct arguments {
  std::string problem_dir;
  std::string out_dir;
  std::string variant;
  int repeat = 1;
  int threads = 1;
};

/// What result.json says. An empty optional is written as null.
struct outcome {
  std::string library;
  std::string variant;
  std::string precision = "float64";
  std::string notes;
  double seconds = 0;
  std::optional<int> iterations;
  std::optional<bool> converged;
};

/// Prints `message` on stderr and exits with `status`; for status 3 ("cannot handle this problem")
/// the message is put on one line, as the protocol asks.
[[noreturn]] inline void fail(int status, std::string message) {
  if (status == 3) {
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back())) != 0) {
      message.pop_back();
    }
    std::replace(message.begin(), message.end(), '\n', ' ');
  }
  std::cerr << message << '\n';
  std::exit(status);
}

/// RUNNER PROBLEM_DIR OUT_DIR [--variant NAME] [--repeat R] [--threads T]; `variants` is only for
/// the usage text. --threads only where `takes_threads`: the peers' runners run on one thread.
inline arguments parse_arguments(int argc, char** argv, const std::string& default_variant,
                                 const std::string& variants, bool takes_threads = false) {
  const std::string usage = std::string("usage: ") + argv[0] +
                            " PROBLEM_DIR OUT_DIR [--variant NAME] [--repeat R]" +
                            (takes_threads ? " [--threads T]" : "") + "\n  variants: " + variants +
                            " (default " + default_variant + ")";
  arguments args;
  args.variant = default_variant;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << usage << '\n';
      std::exit(0);
    } else if (arg == "--variant" || arg == "--repeat" || (takes_threads && arg == "--threads")) {
      // NOLINTNEXTLINE(performance-inefficient-string-concatenation): once, fail() exits
      if (i + 1 == argc) fail(2, arg + " needs a value\n" + usage);
      const std::string value = argv[++i];
      if (arg == "--variant") {
        args.variant = value;
      } else {
        char* end = nullptr;
        const long number = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || number < 1 || number > 1000000) {
          // NOLINTNEXTLINE(performance-inefficient-string-concatenation): once, fail() exits
          fail(2, arg + " wants a whole number >= 1, got '" + value + "'");
        }
        (arg == "--repeat" ? args.repeat : args.threads) = static_cast<int>(number);
      }
    } else if (!arg.empty() && arg[0] == '-') {
      // NOLINTNEXTLINE(performance-inefficient-string-concatenation): once, fail() exits
      fail(2, "unknown option " + arg + "\n" + usage);
    } else if (positional == 0) {
      args.problem_dir = arg;
      ++positional;
    } else if (positional == 1) {
      args.out_dir = arg;
      ++positional;
    } else {
      fail(2, "too many arguments\n" + usage);
    }
  }
  if (positional != 2) fail(2, usage);
  return args;
}

namespace detail {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(2, path.string() + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A flat JSON object of meta.json: key -> value, strings unescaped, other values as written.
/// Nested arrays and objects are skipped; anything malformed exits 2.
class flat_json {
 public:
  flat_json(std::string text, std::string where)
      : text_(std::move(text)), where_(std::move(where)) {
    expect('{');
    if (peek() == '}') return;
    for (;;) {
      std::string key = string_token();
      expect(':');
      const bool is_string = peek() == '"';
      values_[key] = {is_string ? string_token() : other_token(), is_string};
      if (peek() == '}') break;
      expect(',');
    }
    ++pos_;
    if (peek() != '\0') bad("text after the closing brace");
  }

  std::optional<std::string> string(const std::string& key) const {
    const auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    if (!it->second.is_string) bad("\"" + key + "\" is not a string");
    return it->second.text;
  }

  /// The integer `key`, required, within [low, high].
  long long integer(const std::string& key, long long low, long long high) const {
    const auto it = values_.find(key);
    if (it == values_.end()) bad("missing \"" + key + "\"");
    const std::string& v = it->second.text;
    char* end = nullptr;
    errno = 0;
    const long long value = it->second.is_string ? 0 : std::strtoll(v.c_str(), &end, 10);
    if (it->second.is_string || v.empty() || *end != '\0' || errno == ERANGE) {
      bad("\"" + key + "\" must be a whole number, got " + v);
    }
    if (value < low || value > high) {
      bad("\"" + key + "\" = " + v + " is out of range [" + std::to_string(low) + ", " +
          std::to_string(high) + "]");
    }
    return value;
  }

 private:
  struct entry {
    std::string text;
    bool is_string = false;
  };

  [[noreturn]] void bad(const std::string& what) const { fail(2, where_ + ": " + what); }

  char peek() {
    while (pos_ < text_.size() && std::strchr(" \t\r\n", text_[pos_]) != nullptr)
      ++pos_;
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  void expect(char c) {
    if (peek() != c) bad(std::string("expected '") + c + "' at byte " + std::to_string(pos_));
    ++pos_;
  }

  std::string string_token() {
    expect('"');
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\' && pos_ < text_.size()) {  // enough for names: \uXXXX becomes '?'
        c = text_[pos_++];
        if (c == 'n') c = '\n';
        if (c == 't') c = '\t';
        if (c == 'u') {
          c = '?';
          pos_ = std::min(pos_ + 4, text_.size());
        }
      }
      out += c;
    }
    if (pos_ == text_.size()) bad("unterminated string");
    ++pos_;
    return out;
  }

  /// A number or literal, or a nested array or object (skipped, brackets matched).
  std::string other_token() {
    const std::size_t start = pos_;
    int depth = 0;
    for (; pos_ < text_.size(); ++pos_) {
      const char c = text_[pos_];
      if (c == '"' && depth > 0) {
        string_token();
        --pos_;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if (c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      } else if (depth == 0 && (c == ',' || std::strchr(" \t\r\n", c) != nullptr)) {
        break;
      }
    }
    if (pos_ == start) bad("missing value at byte " + std::to_string(pos_));
    return text_.substr(start, pos_ - start);
  }

  std::string text_;
  std::string where_;
  std::size_t pos_ = 0;
  std::map<std::string, entry> values_;
};

inline bool little_endian() {
  const std::uint16_t one = 1;
  unsigned char first = 0;
  std::memcpy(&first, &one, 1);
  return first == 1;
}

/// Reads exactly rows x cols float64 values; a file of any other size exits 2.
inline matrix read_f64(const std::filesystem::path& path, Eigen::Index rows, Eigen::Index cols,
                       const std::string& shape) {
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error) fail(2, path.string() + ": cannot read (" + error.message() + ")");
  const std::uintmax_t expected =
      static_cast<std::uintmax_t>(rows) * static_cast<std::uintmax_t>(cols) * sizeof(double);
  if (size != expected) {
    fail(2, path.string() + ": " + std::to_string(size) + " bytes, expected " +
                std::to_string(expected) + " (" + shape + " float64)" +
                (size < expected ? ": file is short" : ": file is too long"));
  }
  matrix m(rows, cols);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(m.data()), static_cast<std::streamsize>(expected));
  if (!in) fail(2, path.string() + ": read failed");
  return m;
}

inline std::string json_string(const std::string& s) {
  std::ostringstream out;
  out << '"';
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out << '\\' << c;
    } else if (c == '\n') {
      out << "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out << "\\u" << std::hex << std::setw(4) << std::setfill('0') << static_cast<int>(c)
          << std::dec;
    } else {
      out << c;
    }
  }
  out << '"';
  return out.str();
}

inline void write_binary(const std::filesystem::path& path, const void* data, std::size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  out.close();
  if (!out) fail(2, path.string() + ": cannot write");
}

}  // namespace detail

/// Reads meta.json, points.f64 and init.f64 from `dir`; exits 2 on anything missing or malformed.
inline problem read_problem(const std::string& dir) {
  if (!detail::little_endian()) fail(2, "the .f64 files are little-endian; this machine is not");
  const std::filesystem::path root(dir);
  const detail::flat_json meta(detail::read_text(root / "meta.json"),
                               (root / "meta.json").string());
  const long long int_max = std::numeric_limits<int>::max();
  problem p;
  p.name = meta.string("name").value_or(root.filename().string());
  const long long n = meta.integer("n", 1, int_max);
  const long long d = meta.integer("d", 1, int_max);
  if (d > std::numeric_limits<long long>::max() / static_cast<long long>(sizeof(double)) / n) {
    fail(2, (root / "meta.json").string() + ": n x d is too large");
  }
  p.k = static_cast<int>(meta.integer("k", 1, n));
  p.max_iterations = static_cast<int>(meta.integer("max_iterations", 1, int_max));
  p.points = detail::read_f64(root / "points.f64", n, d, "n x d");
  p.init = detail::read_f64(root / "init.f64", p.k, d, "k x d");
  return p;
}

/// Writes labels.i32, centres.f64 and then result.json (last, so its presence means complete).
/// `labels`: n entries; `centres`: k x d, any scalar (written as float64).
template <typename Centres>
void write_outputs(const std::string& dir, const outcome& result, const Eigen::VectorXi& labels,
                   const Eigen::MatrixBase<Centres>& centres) {
  static_assert(sizeof(int) == sizeof(std::int32_t), "labels.i32 wants 32-bit int");
  const std::filesystem::path root(dir);
  std::error_code error;
  std::filesystem::create_directories(root, error);
  if (error) fail(2, root.string() + ": cannot create (" + error.message() + ")");

  detail::write_binary(root / "labels.i32", labels.data(),
                       static_cast<std::size_t>(labels.size()) * sizeof(std::int32_t));
  const matrix& c = centres.template cast<double>();  // no copy when already a `matrix`
  detail::write_binary(root / "centres.f64", c.data(),
                       static_cast<std::size_t>(c.size()) * sizeof(double));

  std::ostringstream json;
  json << std::setprecision(10) << "{\"library\": " << detail::json_string(result.library)
       << ", \"variant\": " << detail::json_string(result.variant)
       << ", \"seconds\": " << result.seconds << ", \"iterations\": ";
  if (result.iterations) {
    json << *result.iterations;
  } else {
    json << "null";
  }
  json << ", \"converged\": ";
  if (result.converged) {
    json << (*result.converged ? "true" : "false");
  } else {
    json << "null";
  }
  json << ", \"precision\": " << detail::json_string(result.precision)
       << ", \"notes\": " << detail::json_string(result.notes) << "}\n";
  const std::string text = json.str();
  detail::write_binary(root / "result.json", text.data(), text.size());
}

/// Runs `fit` `repeat` times and returns the fastest wall-clock time in seconds (steady_clock).
template <typename Fit>
double best_of(int repeat, Fit&& fit) {
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    fit();
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

}  // namespace bench
