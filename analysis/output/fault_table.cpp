#include "analysis/output/fault_table.hpp"

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
