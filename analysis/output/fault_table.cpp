#include "analysis/output/fault_table.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "analysis/metrics/format.hpp"

namespace cgsim::analysis {

namespace {
std::string cell(const std::string& s, std::size_t width, bool right = false) {
  if (s.size() >= width) return s + " ";
  const std::string fill(width - s.size(), ' ');
  return right ? fill + s : s + fill;
}
std::string num(std::uint64_t v) { return std::to_string(v); }
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
      o << "  faults:\n  " << cell("at s", 10, true) << "  " << cell("fault", 16) << cell("subject", 26)
        << cell("duplicates", 11, true) << cell("in-flight", 10, true) << cell("out of order", 13, true)
        << cell("keys", 7, true) << cell("overlap", 8, true) << cell("peak lag", 10, true)
        << cell("peak s", 8, true) << cell("recovered s", 12, true) << cell("moved", 7, true)
        << cell("stalled p·s", 13, true) << "\n";
      any = true;
    }
    charged += f.duplicates;
    o << "  " << cell(fmt("%.3f", f.at_s), 10, true) << "  " << cell(f.kind, 16) << cell(f.subject, 26)
      << cell(num(f.duplicates), 11, true) << cell(num(f.duplicates_in_flight), 10, true)
      << cell(num(f.out_of_order), 13, true) << cell(num(f.keys_affected), 7, true)
      << cell(num(f.overlapping), 8, true) << cell(num(f.peak_lag), 10, true)
      << cell(fmt("%.1f", f.peak_lag_seconds), 8, true)
      << cell(f.recovery_s < 0 ? std::string("not yet") : fmt("%.1f", f.recovery_s), 12, true)
      << cell(std::to_string(f.partitions_moved), 7, true)
      << cell(fmt("%.1f", f.stop_the_world_partition_s), 13, true) << "\n";
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
