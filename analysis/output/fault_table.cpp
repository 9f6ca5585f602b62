#include "analysis/output/fault_table.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "analysis/metrics/format.hpp"

namespace cgsim::analysis {

namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

/// Columns shown on a terminal: a UTF-8 sequence ("·") is one.
std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// One column of the fault table: its name, its unit (the row under the names) and its width.
struct Column {
  const char* head;
  const char* unit;
  std::size_t width;
  bool right = true;
};

/// The fault table's columns, in the order of a row's cells (format_group_faults).
const Column kFaultColumns[] = {
    {"at", "(s)", 9},
    {"fault", "", 15, false},
    {"subject", "", 25, false},
    {"duplicates", "(records)", 10},
    {"in-flight", "(records)", 9},
    {"out of order", "(records)", 12},
    {"keys", "(keys)", 6},
    {"overlap", "(records)", 9},
    {"peak lag", "(records)", 9},
    {"peak lag", "(s)", 8},
    {"recovered", "(s)", 9},
    {"moved", "(partitions)", 12},
    {"stalled", "(partition·s)", 13},
};

/// A line of the table: the cells, each padded to its column and a space apart (two after the
/// time), indented by two spaces.
std::string table_line(const std::vector<std::string>& cells) {
  std::string out = " ";
  for (std::size_t k = 0; k < cells.size(); ++k) {
    const Column& c = kFaultColumns[k];
    const std::size_t w = std::max({c.width, display_width(c.head), display_width(c.unit)});
    const std::size_t len = display_width(cells[k]);
    const std::string fill(w > len ? w - len : 0, ' ');
    out += (k == 1 ? "  " : " ") + (c.right ? fill + cells[k] : cells[k] + fill);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\n";
}

}  // namespace

std::vector<std::size_t> notable_consumers(const GroupSummary& g, std::size_t each) {
  const std::size_t n = g.consumers.size();
  std::vector<std::size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<bool> take(n, false);
  auto extremes = [&](auto value, bool lowest_too) {
    std::vector<std::size_t> by = idx;
    std::stable_sort(by.begin(), by.end(), [&](std::size_t a, std::size_t b) { return value(a) < value(b); });
    for (std::size_t k = 0; k < std::min(each, n); ++k) {
      if (lowest_too) take[by[k]] = true;
      if (value(by[n - 1 - k]) > 0) take[by[n - 1 - k]] = true;
    }
  };
  extremes([&](std::size_t i) { return g.consumers[i].consumed; }, true);
  extremes([&](std::size_t i) { return g.consumers[i].duplicates; }, false);
  extremes([&](std::size_t i) { return g.consumers[i].lost_work; }, false);
  std::size_t unstable = 0;
  for (std::size_t i = 0; i < n && unstable < each; ++i)
    if (g.consumers[i].state != "Stable") take[i] = true, ++unstable;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < n; ++i)
    if (take[i]) out.push_back(i);
  return out;
}

std::vector<std::vector<std::string>> consumer_distribution(const GroupSummary& g) {
  std::vector<std::vector<std::string>> rows;
  auto row = [&](const std::string& name, auto value) {
    std::vector<double> v;
    for (const auto& c : g.consumers) v.push_back(static_cast<double>(value(c)));
    if (v.empty()) return;
    std::sort(v.begin(), v.end());
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    const double median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    rows.push_back({name, fmt("%.0f", v.front()), fmt("%.0f", median), fmt("%.1f", mean), fmt("%.0f", v.back())});
  };
  row("consumed (records)", [](const ConsumerSummary& c) { return c.consumed; });
  row("re-read (records)", [](const ConsumerSummary& c) { return c.duplicates; });
  row("lost work (records)", [](const ConsumerSummary& c) { return c.lost_work; });
  row("partitions at the end", [](const ConsumerSummary& c) { return c.partitions.size(); });
  return rows;
}

std::string format_group_faults(const RunSummary& s, const GroupSummary& g) {
  std::ostringstream o;
  const OrderingSummary& ord = g.ordering;
  o << "  ordering" << (ord.scope.empty() ? std::string() : " (per " + ord.scope + ")") << ": out of order "
    << ord.out_of_order << " (keys " << ord.keys_affected << ")  overlapping " << ord.overlapping
    << "  partitions affected " << ord.partitions_affected << "\n";
  std::uint64_t charged = 0;
  bool any = false;
  for (const FaultRecord& f : s.faults) {
    if (f.group != g.id) continue;
    if (!any) {
      std::vector<std::string> heads, units;
      for (const Column& c : kFaultColumns) heads.push_back(c.head), units.push_back(c.unit);
      o << "  faults:\n" << table_line(heads) << table_line(units);
      any = true;
    }
    charged += f.duplicates;
    // Seconds with fixed decimals: the fault's time to the millisecond, durations to a tenth.
    o << table_line({fmt("%.3f", f.at_s), f.kind, f.subject, num(f.duplicates), num(f.duplicates_in_flight),
                     num(f.out_of_order), num(f.keys_affected), num(f.overlapping), num(f.peak_lag),
                     fmt("%.1f", f.peak_lag_seconds),
                     f.recovery_s < 0 ? std::string("not yet") : fmt("%.1f", f.recovery_s),
                     std::to_string(f.partitions_moved), fmt("%.1f", f.stop_the_world_partition_s)});
  }
  if (any && charged < g.duplicates)
    o << "  duplicates charged to no fault: " << g.duplicates - charged << "\n";
  for (const FaultRecord& f : s.faults) {
    if (f.group != g.id || f.detected) continue;
    o << "  warning: the " << f.kind << " of " << f.subject << " at " << fmt("%.3f", f.at_s)
      << " s was not noticed before the run ended (no rebalance followed): the duplicates and the stall it "
         "will cause are not in these figures; run longer than the session timeout after it\n";
  }
  return o.str();
}

}  // namespace cgsim::analysis
