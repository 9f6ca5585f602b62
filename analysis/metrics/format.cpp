#include "analysis/metrics/format.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace cgsim::analysis {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string fmt(double v, int precision) {
  const int n = std::snprintf(nullptr, 0, "%.*f", precision, v);
  std::string out(static_cast<std::size_t>(n), '\0');
  std::snprintf(out.data(), out.size() + 1, "%.*f", precision, v);
  return out;
}

std::string format_short(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) return fmt("%.0f", v);
  if (std::fabs(v) >= 100) return fmt("%.1f", v);
  return fmt("%.3g", v);
}

double round10(double v) {
  if (!std::isfinite(v) || v == 0) return v;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return std::strtod(buf, nullptr);
}

nlohmann::json json_number(double v) {
  v = round10(v);
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return static_cast<std::int64_t>(v);
  return v;
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return json_number(v).dump();
}

}  // namespace cgsim::analysis
