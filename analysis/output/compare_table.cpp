#include "analysis/output/compare_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace cgsim::analysis {

namespace {

/// A figure over a row's seeds: the values that exist, and how many runs had it at -1 (recovery
/// not reached before the run ended).
struct Spread {
  std::vector<double> values;  ///< sorted; NaN and -1 (when @p minus_one_apart) left out
  std::size_t missing = 0;     ///< runs without the figure (NaN)
  std::size_t minus_one = 0;   ///< runs where it was -1
  double median() const {
    const std::size_t n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  }
};

Spread spread_of(const CompareRow& row, CompareFigure f, bool minus_one_apart) {
  Spread s;
  for (const auto& r : row.runs) {
    const double v = r.figures[static_cast<std::size_t>(f)];
    if (std::isnan(v)) ++s.missing;
    else if (minus_one_apart && v < 0) ++s.minus_one;
    else s.values.push_back(v);
  }
  std::sort(s.values.begin(), s.values.end());
  return s;
}

std::string num(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

/// "x" for one seed, "median [min..max]" for several (just "x" when they all agree).
std::string cell(const Spread& s, int decimals) {
  if (s.values.empty()) return "";
  const std::string m = num(s.median(), decimals);
  if (s.values.size() == 1 || s.values.front() == s.values.back()) return m;
  return m + " [" + num(s.values.front(), decimals) + ".." + num(s.values.back(), decimals) + "]";
}

std::string na(const CompareRow& row) { return row.has_crash ? "-" : "n/a (a)"; }

std::string recovery_cell(const CompareRow& row) {
  const Spread s = spread_of(row, CompareFigure::RecoveryS, true);
  if (s.missing == row.runs.size()) return na(row);
  std::string out;
  if (!s.values.empty()) {
    out = cell(s, 0) + " s";
    if (s.values.back() == 0) out = "0 s (no rise)";
  }
  if (s.minus_one > 0) {
    const std::string nr = "not recovered";
    out = out.empty() ? nr + " by the end" : out + ", " + nr + " in " + std::to_string(s.minus_one) + " of " + std::to_string(row.runs.size());
  }
  return out;
}

std::string ordering_cell(const CompareRow& row) {
  const Spread ooo = spread_of(row, CompareFigure::OutOfOrder, false);
  const Spread keys = spread_of(row, CompareFigure::KeysAffected, false);
  if (ooo.values.empty()) return "-";
  if (ooo.values.back() == 0) return "kept (0)";
  return "broken: " + cell(ooo, 0) + " rec, " + cell(keys, 0) + " keys";
}

std::string duplicates_cell(const CompareRow& row) {
  const Spread crash = spread_of(row, CompareFigure::CrashDuplicates, false);
  const Spread total = spread_of(row, CompareFigure::Duplicates, false);
  return (crash.values.empty() ? na(row) : cell(crash, 0)) + " / " + cell(total, 0);
}

std::string backlog_cell(const CompareRow& row) {
  const Spread peak = spread_of(row, CompareFigure::PeakBacklog, false);
  if (peak.values.empty()) return na(row);
  return cell(peak, 0) + " (pre " + cell(spread_of(row, CompareFigure::PreCrashBacklog, false), 0) + ")";
}

std::string share_cell(const CompareRow& row) {
  const Spread lo = spread_of(row, CompareFigure::ShareMin, false);
  const Spread hi = spread_of(row, CompareFigure::ShareMax, false);
  if (lo.values.empty()) return "-";
  return cell(lo, 1) + " - " + cell(hi, 1);
}

std::string latency_cell(const CompareRow& row, CompareFigure f) {
  const Spread s = spread_of(row, f, false);
  return s.values.empty() ? "-" : cell(s, 2);
}

/// Left-aligned text columns, two spaces apart; every line ends without trailing blanks.
std::string layout(const std::vector<std::vector<std::string>>& lines) {
  std::vector<std::size_t> width;
  for (const auto& l : lines)
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], l[i].size());
    }
  std::ostringstream o;
  for (const auto& l : lines) {
    std::string line;
    for (std::size_t i = 0; i < l.size(); ++i) {
      line += l[i];
      if (i + 1 < l.size()) line += std::string(width[i] - l[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    o << line << "\n";
  }
  return o.str();
}

double rounded(double v) { return std::isnan(v) ? v : std::round(v * 1e6) / 1e6; }

nlohmann::json value_json(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(rounded(v)); }

}  // namespace

std::string format_compare_text(const std::vector<CompareRow>& rows) {
  std::ostringstream o;
  const std::size_t seeds = rows.empty() ? 0 : rows.front().runs.size();
  o << "cgsim compare: " << rows.size() << (rows.size() == 1 ? " scenario" : " scenarios") << ", ";
  if (seeds == 1) o << "each with its own seed\n\n";
  else o << seeds << " seeds each (its own and the next " << seeds - 1 << "): median [min..max]\n\n";
  std::vector<std::vector<std::string>> lines;
  lines.push_back({"scenario", "broker", "assignment", "p50 ms", "p99 ms", "p99 ms", "duplicates", "per-key order",
                   "backlog after crash", "recovery", "share %"});
  lines.push_back({"", "", "", "steady", "steady", "w/ crash", "crash / total", "", "peak (pre-crash)", "", "min - max"});
  bool any_na = false;
  for (const auto& r : rows) {
    any_na = any_na || !r.has_crash;
    lines.push_back({r.scenario, r.family, r.assignment, latency_cell(r, CompareFigure::LatencyP50),
                     latency_cell(r, CompareFigure::LatencyP99), latency_cell(r, CompareFigure::LatencyP99All),
                     duplicates_cell(r), ordering_cell(r), backlog_cell(r), recovery_cell(r), share_cell(r)});
  }
  o << layout(lines);
  o << "\n"
       "  steady p50/p99: first processings' latency (produce to processed); Kafka leaves out records caught\n"
       "    in a stall (start-up, a rebalance, partitions of a crashed member not yet noticed), RabbitMQ and\n"
       "    Pulsar have no such stall and count every one. w/ crash: every first processing after the warm-up.\n"
       "  duplicates: processings of records processed before; crash: those charged to the scenario's first\n"
       "    crash (processed before it and again after it), total: the whole run.\n"
       "  per-key order: records processed after a later record of the same key, and the keys affected.\n"
       "  backlog: summed over the scenario's groups at each sample (Kafka: log end minus committed offset, so\n"
       "    it includes the auto-commit saw-tooth; RabbitMQ: ready + unacknowledged; Pulsar: unsettled);\n"
       "    peak from the crash to the group's next fault or the end, pre-crash: the largest in the 10 s before.\n"
       "  recovery: seconds from the crash to the first sample after the peak at or below the pre-crash level;\n"
       "    \"no rise\": the peak stayed within twice the pre-crash level (and within 10 records of it).\n"
       "  share: each consumer's part of the first processings, over the consumers that processed any\n"
       "    (a standby that never became active is left out).\n";
  if (any_na) o << "  (a) the scenario crashes no consumer.\n";
  return o.str();
}

nlohmann::json compare_to_json(const std::vector<CompareRow>& rows) {
  nlohmann::json out;
  out["seeds"] = rows.empty() ? 0 : rows.front().runs.size();
  nlohmann::json list = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json j;
    j["file"] = r.file;
    j["scenario"] = r.scenario;
    j["broker"] = r.family;
    j["assignment"] = r.assignment;
    j["crash_at_s"] = r.has_crash ? nlohmann::json(rounded(r.crash_at_s)) : nlohmann::json(nullptr);
    nlohmann::json seeds = nlohmann::json::array();
    for (const auto& run : r.runs) seeds.push_back(run.seed);
    j["seeds"] = seeds;
    nlohmann::json figures = nlohmann::json::object();
    for (std::size_t f = 0; f < kCompareFigures; ++f) {
      const auto fig = static_cast<CompareFigure>(f);
      const bool recovery = fig == CompareFigure::RecoveryS;
      const Spread s = spread_of(r, fig, recovery);
      nlohmann::json v;
      v["median"] = s.values.empty() ? nlohmann::json(nullptr) : value_json(s.median());
      v["min"] = s.values.empty() ? nlohmann::json(nullptr) : value_json(s.values.front());
      v["max"] = s.values.empty() ? nlohmann::json(nullptr) : value_json(s.values.back());
      nlohmann::json values = nlohmann::json::array();
      for (const auto& run : r.runs) values.push_back(value_json(run.figures[f]));
      v["values"] = values;
      if (recovery) v["not_recovered"] = s.minus_one;
      figures[compare_figure_name(fig)] = v;
    }
    j["figures"] = figures;
    list.push_back(j);
  }
  out["rows"] = list;
  return out;
}

}  // namespace cgsim::analysis
