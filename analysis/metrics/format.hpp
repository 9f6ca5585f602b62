#pragma once
/// @file format.hpp
/// How figures are written as text, the same in every output: printf-style fixed formats for
/// tables and messages, and the shortest round-trip form the JSON and CSV outputs use.
#include <string>

#include <nlohmann/json.hpp>

namespace cgsim::analysis {

/// @p v formatted with the printf format @p f (one double conversion), e.g. fmt("%.3f", v).
std::string fmt(const char* f, double v);
/// @p v in fixed-point notation with @p precision decimals (printf's "%.*f"), e.g. fmt(2.5, 1).
std::string fmt(double v, int precision = 3);
/// A number for messages: integers without decimals, others with three significant decimals;
/// infinities as "inf" and "-inf".
std::string format_short(double v);
/// @p v rounded to 10 significant digits, so that sums and means print stably.
double round10(double v);
/// A JSON number: integral values as integers (counts read as counts), others rounded by round10.
nlohmann::json json_number(double v);
/// Formats a number as the JSON outputs do (shortest round-trip form, integers without ".0").
std::string format_number(double v);

}  // namespace cgsim::analysis
