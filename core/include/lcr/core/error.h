// Errors for user-facing failures: bad input files, mismatched artifacts, bad options.
// Libraries throw lcr::Error with a message that names the file, line or field; only a
// main() turns it into text and a non-zero exit. Broken internal invariants are asserts.
#pragma once

#include <stdexcept>
#include <string>

namespace lcr {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace lcr
