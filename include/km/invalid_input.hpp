// The one exception km throws for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace km {

/// Thrown before any output is written when the data or the options cannot be clustered.
/// The message names the problem and the offending value (for example its row and column).
class invalid_input : public std::invalid_argument {
 public:
  explicit invalid_input(const std::string& what) : std::invalid_argument("km: " + what) {}
};

}  // namespace km
