// Fuzz target for the examples' CSV reader (examples/csv_reader.hpp): any bytes must either parse
// into a table that keeps the reader's documented promises or be rejected with
// km_examples::csv_error. Anything else (another exception, a crash, a broken promise) aborts.
//
// Promises checked on every parsed table:
// - n >= 1 rows and d >= 1 columns; a header, when there is one, names exactly d columns and was
//   line 1, so the data start on line 2 (line 1 otherwise);
// - row r came from line r + first_data_line, which has exactly d fields, and every line after
//   the last row is blank;
// - writing the table back as CSV (shortest round-trip numbers) and reading it again gives the
//   same header and the same values, bit for bit (NaN for NaN, -0 for -0).
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../../examples/csv_reader.hpp"

namespace {

void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_csv: broken promise: %s\n", what);
  std::abort();
}

/// The lines of `text`, split at '\n' as the reader splits them (a final newline ends the last
/// line rather than starting an empty one).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    lines.push_back(text.substr(0, newline));
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
  }
  return lines;
}

std::string written_back(const km_examples::csv_table& table) {
  // The reader drops one leading byte-order mark; a header may begin with a second one.
  std::string text = "\xEF\xBB\xBF";
  for (std::size_t j = 0; j < table.header.size(); ++j)
    text += (j > 0 ? "," : "") + table.header[j];
  if (!table.header.empty()) text += '\n';
  for (Eigen::Index i = 0; i < table.points.rows(); ++i) {
    for (Eigen::Index j = 0; j < table.points.cols(); ++j) {
      char number[64];
      const auto written = std::to_chars(number, number + sizeof number, table.points(i, j));
      require(written.ec == std::errc(), "std::to_chars fits a double into 64 characters");
      if (j > 0) text += ',';
      text.append(number, written.ptr);
    }
    text += '\n';
  }
  return text;
}

bool same_value(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  km_examples::csv_table table;
  try {
    table = km_examples::parse_csv(text, "fuzz");
  } catch (const km_examples::csv_error& error) {
    require(std::string_view(error.what()).substr(0, 6) == "fuzz: ", "messages name the source");
    require(error.line() <= lines_of(text).size() + 1, "an error's line lies in the text");
    return 0;
  }
  // Any other exception escapes, and an exception escaping a fuzz target aborts.

  const Eigen::Index n = table.points.rows(), d = table.points.cols();
  require(n >= 1 && d >= 1, "a table has n >= 1 rows and d >= 1 columns");
  require(table.header.empty() || table.header.size() == static_cast<std::size_t>(d),
          "a header names every column");
  require(table.first_data_line == (table.header.empty() ? 1u : 2u),
          "the data start on line 1, or line 2 after a header");

  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // as the reader does
  const std::vector<std::string_view> lines = lines_of(text);
  const std::size_t first = table.first_data_line - 1, end = first + static_cast<std::size_t>(n);
  require(end <= lines.size(), "every row comes from a line of the text");
  for (std::size_t line = first; line < end; ++line) {
    std::size_t fields = 1;
    for (const char c : lines[line])
      fields += c == ',';
    require(fields == static_cast<std::size_t>(d), "every row's line has d fields");
  }
  for (std::size_t line = end; line < lines.size(); ++line) {
    require(km_examples::detail::trim(lines[line]).empty(), "only blank lines follow the data");
  }

  const km_examples::csv_table again = km_examples::parse_csv(written_back(table), "again");
  require(again.header == table.header, "the header reads back unchanged");
  require(again.points.rows() == n && again.points.cols() == d, "the shape reads back unchanged");
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < d; ++j) {
      require(same_value(again.points(i, j), table.points(i, j)), "values read back unchanged");
    }
  }
  return 0;
}
