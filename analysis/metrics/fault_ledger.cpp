#include "analysis/metrics/fault_ledger.hpp"

#include <algorithm>

namespace cgsim::analysis {

FaultLedger::GroupState& FaultLedger::state(std::size_t group) {
  if (groups_.size() <= group) groups_.resize(group + 1);
  return groups_[group];
}

FaultRecord* FaultLedger::current(std::size_t group) {
  const GroupState& g = state(group);
  return g.latest < 0 ? nullptr : &entries_[static_cast<std::size_t>(g.latest)].record;
}

void FaultLedger::fault(std::size_t group, FaultRecord record, std::vector<std::int64_t> frontier) {
  GroupState& g = state(group);
  Entry e{group, std::move(record), std::move(frontier)};
  for (const auto& [t, lag] : g.recent)
    if (t >= e.record.at_s - kPreFaultSpan) e.level = std::max(e.level, lag);
  // The previous fault's window ends here: its peak is known; its recovery may come later.
  if (g.latest >= 0) entries_[static_cast<std::size_t>(g.latest)].window_open = false;
  g.latest = static_cast<std::ptrdiff_t>(entries_.size());
  entries_.push_back(std::move(e));
}

void FaultLedger::duplicate(std::size_t group, std::int32_t partition, std::int64_t offset, DuplicateReason reason) {
  const GroupState& g = state(group);
  if (g.latest < 0) return;
  Entry& e = entries_[static_cast<std::size_t>(g.latest)];
  if (!e.frontier.empty()) {
    const auto p = static_cast<std::size_t>(partition);
    if (partition < 0 || p >= e.frontier.size() || offset >= e.frontier[p]) return;
  }
  FaultRecord* f = &e.record;
  ++f->duplicates;
  ++(reason == DuplicateReason::InFlight ? f->duplicates_in_flight : f->duplicates_uncommitted);
}

void FaultLedger::touch_partition(GroupState& g, std::int32_t partition) {
  if (partition < 0) return;
  const auto p = static_cast<std::size_t>(partition);
  if (g.partitions.size() <= p) g.partitions.resize(p + 1, 0);
  if (g.partitions[p] == 0) {
    g.partitions[p] = 1;
    ++g.ordering.partitions_affected;
  }
}

void FaultLedger::out_of_order(std::size_t group, std::int32_t partition, std::int64_t key) {
  GroupState& g = state(group);
  ++g.ordering.out_of_order;
  touch_partition(g, partition);
  FaultRecord* f = current(group);
  if (f != nullptr) ++f->out_of_order;
  if (key < 0) return;
  const auto k = static_cast<std::size_t>(key);
  if (g.keys.size() <= k) g.keys.resize(k + 1, 0);
  // The mark names the window that last counted the key: 1 for none, 2 + the fault's index.
  const std::int64_t mark = g.latest + 2;
  if (g.keys[k] == 0) ++g.ordering.keys_affected;
  if (g.keys[k] != mark) {
    g.keys[k] = mark;
    if (f != nullptr) ++f->keys_affected;
  }
}

void FaultLedger::overlapping(std::size_t group, std::int32_t partition) {
  GroupState& g = state(group);
  ++g.ordering.overlapping;
  touch_partition(g, partition);
  if (FaultRecord* f = current(group)) ++f->overlapping;
}

void FaultLedger::lag_sample(std::size_t group, double at_s, std::uint64_t lag, double lag_s) {
  GroupState& g = state(group);
  g.recent.emplace_back(at_s, lag);
  std::size_t drop = 0;
  while (drop < g.recent.size() && g.recent[drop].first < at_s - kPreFaultSpan) ++drop;
  g.recent.erase(g.recent.begin(), g.recent.begin() + static_cast<std::ptrdiff_t>(drop));
  for (Entry& e : entries_) {
    if (e.group != group || e.done || at_s < e.record.at_s) continue;
    FaultRecord& r = e.record;
    if (e.window_open) {
      r.peak_lag_seconds = std::max(r.peak_lag_seconds, lag_s);
      if (lag > r.peak_lag) {
        r.peak_lag = lag;
        e.recovered_at = -1;  // a new peak: recovery is looked for after it
      } else if (e.recovered_at < 0 && lag <= e.level) {
        e.recovered_at = at_s;
      }
    } else if (e.recovered_at < 0 && lag <= e.level) {
      e.recovered_at = at_s;
      e.done = true;
    }
    r.recovery_s = r.peak_lag <= e.level ? 0 : e.recovered_at >= 0 ? e.recovered_at - r.at_s : -1;
  }
}

void FaultLedger::scope(std::size_t group, std::string scope) { state(group).scope = std::move(scope); }

OrderingSummary FaultLedger::ordering(std::size_t group) const {
  if (group >= groups_.size()) return {};
  OrderingSummary o = groups_[group].ordering;
  o.scope = groups_[group].scope;
  return o;
}

std::vector<FaultRecord> FaultLedger::records(const std::vector<RebalanceRecord>& rebalances,
                                              const std::vector<std::string>& ids) const {
  std::vector<FaultRecord> out;
  out.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = entries_[i];
    FaultRecord r = e.record;
    // The window: until the group's next fault.
    double until = -1;
    for (std::size_t k = i + 1; k < entries_.size(); ++k)
      if (entries_[k].group == e.group) {
        until = entries_[k].record.at_s;
        break;
      }
    for (const RebalanceRecord& rb : rebalances) {
      if (e.group >= ids.size() || rb.group != ids[e.group]) continue;
      if (rb.start_s < r.at_s || (until >= 0 && rb.start_s >= until)) continue;
      ++r.rebalances;
      r.partitions_moved += rb.partitions_moved;
      r.stop_the_world_partition_s += rb.stop_the_world_partition_s;
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace cgsim::analysis
