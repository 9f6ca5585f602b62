#pragma once
/// @file flag_checks.hpp
/// Range checks for numeric command-line flags with readable messages ("--jobs: expected an
/// integer >= 1, got 0"), in place of CLI11's ranges, which print their bounds as doubles.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string>

#include "models/common/error.hpp"

namespace cgsim::cli {

/// The value must be an integer from @p lo to @p hi (no upper bound shown when hi is LLONG_MAX).
inline CLI::Validator integer_in(long long lo, long long hi = LLONG_MAX) {
  const std::string expected = "expected an integer " + (hi == LLONG_MAX ? ">= " + std::to_string(lo)
                                                                         : "from " + std::to_string(lo) + " to " +
                                                                               std::to_string(hi));
  return CLI::Validator(
      [lo, hi, expected](std::string& in) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long long v = std::strtoll(in.c_str(), &end, 10);
        if (in.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
          return expected + ", got " + (in.empty() ? std::string("\"\"") : escape_bytes(in));
        }
        return {};
      },
      hi == LLONG_MAX ? "INT>=" + std::to_string(lo) : "INT in " + std::to_string(lo) + ".." + std::to_string(hi));
}

/// The value must be a finite number from @p lo to @p hi, which @p range says in words.
inline CLI::Validator number_in(double lo, double hi, const std::string& range) {
  return CLI::Validator(
      [lo, hi, range](std::string& in) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(in.c_str(), &end);
        if (in.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi) {
          return "expected a number " + range + ", got " + (in.empty() ? std::string("\"\"") : escape_bytes(in));
        }
        return {};
      },
      "NUMBER " + range);
}

}  // namespace cgsim::cli
