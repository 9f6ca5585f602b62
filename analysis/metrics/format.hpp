#pragma once
/// @file format.hpp
/// How figures are written as text, the same in every output: printf-style fixed formats for
/// tables and messages, and the shortest round-trip form the JSON and CSV outputs use.
#include <cstddef>
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

/// Decimals for a table column of figures in @p unit whose largest magnitude is @p top: none for
/// records, for whole numbers and from 1000 up, else 1, 2 or 3 as the figures get smaller, so that
/// a column reads "54510 ± 430" rather than "5.451e+04 ± 4.3e+02" (`sweep`'s table, the report's).
int column_decimals(const std::string& unit, double top, bool integral);

/// A mean and its 95% half-width for a table cell (the half-width only when @p n > 1), in the
/// units people read. A duration (@p unit "ms" or "s") is written in the unit that suits its
/// mean, with three significant digits and the unit after: "861 ± 1657 ms", "63.0 ± 1.0 s",
/// "4.52 min". Any other figure is a count: below 10,000 with @p decimals (column_decimals),
/// from 10,000 up with three significant digits and an SI suffix: "12.3k ± 0.41k", "4.56M".
/// The half-width is written at the scale and precision of the mean.
std::string format_mean_ci(double mean, double ci, std::size_t n, const std::string& unit, int decimals);

}  // namespace cgsim::analysis
