#include "analysis/metrics/summary.hpp"

#include <cmath>

namespace cgsim::analysis {

namespace {
/// Rounds to 6 significant decimals so that JSON output is stable and readable.
double r6(double v) { return std::round(v * 1e6) / 1e6; }
}  // namespace

std::pair<std::string, int> split_consumer_name(const std::string& s) {
  auto slash = s.rfind('/');
  if (slash == std::string::npos || slash + 1 == s.size() || s.size() - slash > 9) return {s, -1};
  for (std::size_t i = slash + 1; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return {s, -1};
  return {s.substr(0, slash), std::stoi(s.substr(slash + 1))};
}

void FaultDuplicates::fault(std::size_t group, FaultRecord record, std::vector<std::int64_t> frontier) {
  if (latest_.size() <= group) latest_.resize(group + 1, -1);
  latest_[group] = static_cast<std::ptrdiff_t>(entries_.size());
  entries_.push_back({group, std::move(record), std::move(frontier)});
}

void FaultDuplicates::duplicate(std::size_t group, std::int32_t partition, std::int64_t offset) {
  if (group >= latest_.size() || latest_[group] < 0) return;
  Entry& e = entries_[static_cast<std::size_t>(latest_[group])];
  const auto p = static_cast<std::size_t>(partition);
  if (partition >= 0 && p < e.frontier.size() && offset < e.frontier[p]) ++e.record.duplicates;
}

std::vector<FaultRecord> FaultDuplicates::records() const {
  std::vector<FaultRecord> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.record);
  return out;
}

nlohmann::json to_json(const LatencySummary& l) {
  return {{"p50", r6(l.p50)},   {"p90", r6(l.p90)}, {"p99", r6(l.p99)}, {"p999", r6(l.p999)},
          {"max", r6(l.max)},   {"mean", r6(l.mean)}, {"count", l.count}};
}

nlohmann::json to_json(const StallSummary& s) {
  return {{"records", s.records}, {"p50_ms", r6(s.p50_ms)}, {"mean_ms", r6(s.mean_ms)}, {"max_ms", r6(s.max_ms)}};
}

nlohmann::json to_json(const RunSummary& s, bool include_wall_clock) {
  nlohmann::json j;
  j["scenario"] = s.scenario;
  j["backend"] = s.backend;
  j["seed"] = s.seed;
  j["simulated_seconds"] = r6(s.simulated_seconds);
  if (include_wall_clock) j["wall_seconds"] = r6(s.wall_seconds);
  j["events"] = s.events;
  j["produced"] = s.produced;
  j["consumed"] = s.consumed;
  j["duplicates"] = s.duplicates;
  j["skipped"] = s.skipped;
  j["lost"] = s.lost;
  j["final_lag"] = s.final_lag;
  j["max_lag"] = s.max_lag;
  j["latency_ms"] = to_json(s.latency_ms);
  j["latency_steady_ms"] = to_json(s.latency_steady_ms);
  j["stalled"] = to_json(s.stalled);
  j["rebalances"] = nlohmann::json::array();
  for (const auto& r : s.rebalances) {
    j["rebalances"].push_back({{"group", r.group},
                               {"start_s", r6(r.start_s)},
                               {"end_s", r6(r.end_s)},
                               {"generation", r.generation},
                               {"trigger", r.trigger},
                               {"protocol", r.protocol},
                               {"rounds", r.rounds},
                               {"partitions_moved", r.partitions_moved},
                               {"partitions_revoked", r.partitions_revoked},
                               {"partitions_assigned", r.partitions_assigned},
                               {"stop_the_world_partition_s", r6(r.stop_the_world_partition_s)}});
  }
  j["generations"] = nlohmann::json::array();
  for (const auto& g : s.generations) {
    j["generations"].push_back(
        {{"group", g.group}, {"generation", g.generation}, {"start_s", r6(g.start_s)}, {"assignment", g.assignment}});
  }
  j["groups"] = nlohmann::json::array();
  for (const auto& g : s.groups) {
    nlohmann::json gj{{"id", g.id},
                      {"produced", g.produced},
                      {"consumed", g.consumed},
                      {"duplicates", g.duplicates},
                      {"skipped", g.skipped},
                      {"lost", g.lost},
                      {"final_lag", g.final_lag},
                      {"final_committed_lag", g.final_committed_lag},
                      {"max_lag", g.max_lag},
                      {"max_lag_seconds", r6(g.max_lag_seconds)},
                      {"latency_ms", to_json(g.latency_ms)},
                      {"latency_steady_ms", to_json(g.latency_steady_ms)},
                      {"stalled", to_json(g.stalled)},
                      {"generation", g.generation}};
    gj["consumers"] = nlohmann::json::array();
    for (const auto& c : g.consumers) {
      gj["consumers"].push_back({{"name", c.name},
                                 {"member_id", c.member_id},
                                 {"state", c.state},
                                 {"consumed", c.consumed},
                                 {"duplicates", c.duplicates},
                                 {"partitions", c.partitions}});
    }
    j["groups"].push_back(std::move(gj));
  }
  j["faults"] = nlohmann::json::array();
  for (const auto& f : s.faults) {
    j["faults"].push_back(
        {{"group", f.group}, {"kind", f.kind}, {"subject", f.subject}, {"at_s", r6(f.at_s)}, {"duplicates", f.duplicates}});
  }
  return j;
}

}  // namespace cgsim::analysis
