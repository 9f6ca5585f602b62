#include "analysis/metrics/format.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

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

int column_decimals(const std::string& unit, double top, bool integral) {
  return unit == "records" || integral || top >= 1000 ? 0 : top >= 10 ? 1 : top >= 1 ? 2 : 3;
}

namespace {
/// Decimals that give @p v (scaled) three significant digits.
int three_digits(double v) {
  const double a = std::fabs(v);
  return a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
}
}  // namespace

std::string format_mean_ci(double mean, double ci, std::size_t n, const std::string& unit, int decimals) {
  if (!std::isfinite(mean)) return std::isnan(mean) ? "-" : mean > 0 ? "inf" : "-inf";
  double scale = 1;
  std::string suffix;  // after each number ("k")
  std::string after;   // after the pair (" ms")
  if (unit == "ms" || unit == "s") {
    const double s = unit == "ms" ? std::fabs(mean) / 1000 : std::fabs(mean);
    const double per_s = unit == "ms" ? 1000 : 1;  // the figures' units in a second
    struct Choice {
      double limit_s, seconds;
      const char* name;
    };
    static const Choice kUnits[] = {{1, 0.001, "ms"}, {120, 1, "s"}, {7200, 60, "min"}, {INFINITY, 3600, "h"}};
    const Choice* c = &kUnits[0];
    if (mean == 0) {
      c = unit == "ms" ? &kUnits[0] : &kUnits[1];
    } else {
      while (s >= c->limit_s) ++c;
    }
    scale = c->seconds * per_s;
    decimals = mean == 0 ? 0 : three_digits(mean / scale);
    after = std::string(" ") + c->name;
  } else if (std::fabs(mean) >= 1e4) {
    static const std::pair<double, const char*> kSi[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const auto& [factor, name] : kSi) {
      if (std::fabs(mean) >= (factor == 1e3 ? 1e4 : factor)) {
        scale = factor;
        suffix = name;
        break;
      }
    }
    decimals = three_digits(mean / scale);
  }
  std::string out = fmt(mean / scale, decimals) + suffix;
  if (n > 1 && std::isfinite(ci)) out += " ± " + fmt(ci / scale, decimals) + suffix;
  return out + after;
}

}  // namespace cgsim::analysis
