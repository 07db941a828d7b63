// A small, strict reader for numeric CSV files: one point per line, fields separated by commas.
// Used by the cluster_csv example; the benchmarks and the fuzzer reuse it, so it never trusts its
// input and reports every problem as a km_examples::csv_error that names the line and column.
//
//   km_examples::csv_table table = km_examples::read_csv("points.csv");
//   km::result<double> fit = model.fit(table.points);   // n x d, km::row_matrix<double>
//
// Accepted: LF or CRLF line endings, a missing final newline, blank lines at the end, spaces and
// tabs around fields, a UTF-8 byte-order mark, a leading '+', and ONE header line of names, which
// is skipped, when it is the first line and none of its fields is a number. Numbers use the
// syntax of std::from_chars (locale-independent): "3", "-2.5", ".5", "1e-3", and also "nan" and
// "inf", which are read as numbers so that km::kmeans rejects them with their row and column.
// Values too small for a double read as 0, like strtod; values too large are an error.
// Rejected, with line and column (both counted from 1): a field that is not a number, an empty
// field (so a trailing comma too), a line whose number of fields differs from the first data
// line's, and a blank line followed by more data. Quoted fields are not supported.
// Needs floating-point std::from_chars (libstdc++ 11 or newer).
#pragma once

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <km/result.hpp>

namespace km_examples {

/// A problem with the input; what() reads "SOURCE: line L, column C: problem" (or less, when it
/// is not about one line or one field).
class csv_error : public std::runtime_error {
 public:
  csv_error(const std::string& message, std::size_t line, std::size_t column)
      : std::runtime_error(message), line_(line), column_(column) {}

  std::size_t line() const noexcept { return line_; }      ///< from 1; 0: not about one line
  std::size_t column() const noexcept { return column_; }  ///< field, from 1; 0: not one field

 private:
  std::size_t line_, column_;
};

struct csv_table {
  km::row_matrix<double> points;    ///< one row per data line, n >= 1, d >= 1
  std::vector<std::string> header;  ///< the names of the skipped header line; empty if none
  std::size_t first_data_line = 1;  ///< the file line of points.row(0): row r is line r + this
};

namespace detail {

inline std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
}

/// The field as it may be quoted in a message: at most 40 characters, non-printables escaped.
inline std::string quoted(std::string_view field) {
  std::string out = "'";
  for (std::size_t i = 0; i < field.size() && i < 40; ++i) {
    const unsigned char c = static_cast<unsigned char>(field[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      const char* digits = "0123456789abcdef";
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out + (field.size() > 40 ? "'..." : "'");
}

/// For number text that std::from_chars matched but found out of range: true when its magnitude
/// is at least 1 (an overflow), false when it is below 1 (an underflow).
inline bool at_least_one(std::string_view text) {
  std::size_t i = text[0] == '-' ? 1 : 0;
  long long order = 0;  // decimal exponent of the leading nonzero digit, before the 'e' part
  bool nonzero = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (nonzero) ++order;
    nonzero = nonzero || text[i] != '0';
  }
  if (!nonzero && i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] == '0'; ++i)
      --order;
    --order;
  }
  const std::size_t e = text.find_first_of("eE");
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::size_t j = e + 1;
    const bool negative = j < text.size() && text[j] == '-';
    if (j < text.size() && (text[j] == '-' || text[j] == '+')) ++j;
    for (; j < text.size() && exponent < 1000000000; ++j)
      exponent = exponent * 10 + (text[j] - '0');
    if (negative) exponent = -exponent;
  }
  return order + exponent >= 0;
}

enum class number { ok, not_a_number, too_large };

/// Parses a whole trimmed field; every character must belong to the number.
inline number parse_number(std::string_view field, double& value) {
  if (field.size() >= 2 && field[0] == '+' && field[1] != '-' && field[1] != '+') {
    field.remove_prefix(1);  // from_chars refuses a leading '+'
  }
  if (field.empty()) return number::not_a_number;
  const char* last = field.data() + field.size();
  const auto [end, error] = std::from_chars(field.data(), last, value);
  if (end != last) return number::not_a_number;  // nothing matched, or trailing characters
  if (error == std::errc::result_out_of_range) {
    if (at_least_one(field)) return number::too_large;
    value = field[0] == '-' ? -0.0 : 0.0;
  }
  return number::ok;
}

[[noreturn]] inline void fail(const std::string& source, std::size_t line, std::size_t column,
                              const std::string& problem) {
  std::string where = source + ": line " + std::to_string(line);
  if (column > 0) where += ", column " + std::to_string(column);
  throw csv_error(where + ": " + problem, line, column);
}

/// Calls visit(field, column) for each comma-separated field of the line, trimmed.
template <typename Visit>
void for_each_field(std::string_view line, Visit visit) {
  std::size_t column = 1;
  for (;;) {
    const std::size_t comma = line.find(',');
    visit(trim(line.substr(0, comma)), column);
    if (comma == std::string_view::npos) return;
    line.remove_prefix(comma + 1);
    ++column;
  }
}

}  // namespace detail

/// Parses CSV text held in memory; `source` names it in messages (a file name, say).
inline csv_table parse_csv(std::string_view text, const std::string& source = "input") {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  csv_table table;
  std::vector<double> values;
  std::size_t columns = 0, rows = 0, line_number = 0, blank_line = 0;
  while (!text.empty()) {
    const std::size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_number;
    if (detail::trim(line).empty()) {
      if (blank_line == 0) blank_line = line_number;
      continue;
    }
    if (blank_line != 0) {
      detail::fail(source, blank_line, 0,
                   "blank line, but line " + std::to_string(line_number) +
                       " has data again; blank lines may only end the file");
    }
    if (line_number == 1) {  // a header is a first line without a single number on it
      bool any_number = false;
      detail::for_each_field(line, [&](std::string_view field, std::size_t) {
        double unused;
        any_number =
            any_number || detail::parse_number(field, unused) != detail::number::not_a_number;
      });
      if (!any_number) {
        detail::for_each_field(
            line, [&](std::string_view field, std::size_t) { table.header.emplace_back(field); });
        columns = table.header.size();
        table.first_data_line = 2;
        continue;
      }
    }
    std::size_t fields = 0;
    detail::for_each_field(line, [&](std::string_view field, std::size_t column) {
      double value = 0;
      switch (detail::parse_number(field, value)) {
        case detail::number::ok:
          break;
        case detail::number::too_large:
          detail::fail(source, line_number, column,
                       detail::quoted(field) + " is too large for a double");
        case detail::number::not_a_number:
          detail::fail(source, line_number, column,
                       field.empty() ? std::string("empty field")
                       : field.find_first_of("; \t") != std::string_view::npos
                           ? detail::quoted(field) + " is not a number (separate fields by commas)"
                           : detail::quoted(field) + " is not a number");
      }
      values.push_back(value);
      fields = column;
    });
    if (columns == 0) {
      columns = fields;
    } else if (fields != columns) {
      const std::string first = table.header.empty()
                                    ? "line " + std::to_string(table.first_data_line)
                                    : "the header (line 1)";
      detail::fail(source, line_number, 0,
                   std::to_string(fields) + (fields == 1 ? " field" : " fields") + ", but " +
                       first + " has " + std::to_string(columns));
    }
    ++rows;
  }
  if (rows == 0) {
    throw csv_error(source + (table.header.empty() ? ": no data: the file is empty"
                                                   : ": no data: only a header line"),
                    0, 0);
  }
  table.points = Eigen::Map<const km::row_matrix<double>>(
      values.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(columns));
  return table;
}

/// Reads and parses a whole file; a file that cannot be opened or read is a csv_error too.
inline csv_table read_csv(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw csv_error(path + ": cannot open: " + std::generic_category().message(errno), 0, 0);
  }
  std::string text;
  errno = 0;
  char buffer[1 << 16];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    text.append(buffer, got);
  const int error = std::ferror(file) != 0 ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(file);
  if (error != 0) {
    throw csv_error(path + ": cannot read: " + std::generic_category().message(error), 0, 0);
  }
  return parse_csv(text, path);
}

}  // namespace km_examples
