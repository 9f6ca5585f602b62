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

// ---- JSON ----------------------------------------------------------------------------------------
//
// Writers round floating-point figures with r6; readers take every field the writer writes and
// default the optional ones, so that reading summary.json and writing it again gives the same
// text.

namespace {

using json = nlohmann::json;

/// Reads @p key into @p x when present (the field keeps its default otherwise).
template <typename T>
void opt(const json& j, const char* key, T& x) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(x);
}

}  // namespace

void to_json(json& j, const LatencySummary& l) {
  j = {{"p50", r6(l.p50)}, {"p90", r6(l.p90)}, {"p99", r6(l.p99)}, {"p999", r6(l.p999)},
       {"max", r6(l.max)}, {"mean", r6(l.mean)}, {"count", l.count}};
}
void from_json(const json& j, LatencySummary& l) {
  opt(j, "p50", l.p50);
  opt(j, "p90", l.p90);
  opt(j, "p99", l.p99);
  opt(j, "p999", l.p999);
  opt(j, "max", l.max);
  opt(j, "mean", l.mean);
  opt(j, "count", l.count);
}

void to_json(json& j, const StallSummary& s) {
  j = {{"records", s.records}, {"p50_ms", r6(s.p50_ms)}, {"mean_ms", r6(s.mean_ms)}, {"max_ms", r6(s.max_ms)}};
}
void from_json(const json& j, StallSummary& s) {
  opt(j, "records", s.records);
  opt(j, "p50_ms", s.p50_ms);
  opt(j, "mean_ms", s.mean_ms);
  opt(j, "max_ms", s.max_ms);
}

void to_json(json& j, const RebalanceRecord& r) {
  j = {{"group", r.group},
       {"start_s", r6(r.start_s)},
       {"end_s", r6(r.end_s)},
       {"generation", r.generation},
       {"trigger", r.trigger},
       {"protocol", r.protocol},
       {"rounds", r.rounds},
       {"partitions_moved", r.partitions_moved},
       {"partitions_revoked", r.partitions_revoked},
       {"partitions_assigned", r.partitions_assigned},
       {"stop_the_world_partition_s", r6(r.stop_the_world_partition_s)}};
}
void from_json(const json& j, RebalanceRecord& r) {
  j.at("group").get_to(r.group);
  j.at("start_s").get_to(r.start_s);
  opt(j, "end_s", r.end_s);
  opt(j, "generation", r.generation);
  opt(j, "trigger", r.trigger);
  opt(j, "protocol", r.protocol);
  opt(j, "rounds", r.rounds);
  opt(j, "partitions_moved", r.partitions_moved);
  opt(j, "partitions_revoked", r.partitions_revoked);
  opt(j, "partitions_assigned", r.partitions_assigned);
  opt(j, "stop_the_world_partition_s", r.stop_the_world_partition_s);
}

void to_json(json& j, const GenerationRecord& g) {
  j = {{"group", g.group}, {"generation", g.generation}, {"start_s", r6(g.start_s)}, {"assignment", g.assignment}};
}
void from_json(const json& j, GenerationRecord& g) {
  j.at("group").get_to(g.group);
  opt(j, "generation", g.generation);
  j.at("start_s").get_to(g.start_s);
  opt(j, "assignment", g.assignment);
}

void to_json(json& j, const ConsumerSummary& c) {
  j = {{"name", c.name},         {"member_id", c.member_id},   {"state", c.state},
       {"consumed", c.consumed}, {"duplicates", c.duplicates}, {"partitions", c.partitions}};
}
void from_json(const json& j, ConsumerSummary& c) {
  j.at("name").get_to(c.name);
  opt(j, "member_id", c.member_id);
  opt(j, "state", c.state);
  opt(j, "consumed", c.consumed);
  opt(j, "duplicates", c.duplicates);
  opt(j, "partitions", c.partitions);
}

void to_json(json& j, const WarmupSummary& w) {
  j = {{"end_s", r6(w.end_s)},
       {"reason", w.reason},
       {"threshold_s", r6(w.threshold_s)},
       {"startup", {{"latency_ms", w.startup_latency_ms}, {"max_lag", w.startup_max_lag},
                    {"max_lag_seconds", r6(w.startup_max_lag_seconds)}}},
       {"steady", {{"latency_ms", w.steady_latency_ms}, {"max_lag", w.steady_max_lag},
                   {"max_lag_seconds", r6(w.steady_max_lag_seconds)}}}};
}
void from_json(const json& j, WarmupSummary& w) {
  opt(j, "end_s", w.end_s);
  opt(j, "reason", w.reason);
  opt(j, "threshold_s", w.threshold_s);
  if (auto it = j.find("startup"); it != j.end()) {
    opt(*it, "latency_ms", w.startup_latency_ms);
    opt(*it, "max_lag", w.startup_max_lag);
    opt(*it, "max_lag_seconds", w.startup_max_lag_seconds);
  }
  if (auto it = j.find("steady"); it != j.end()) {
    opt(*it, "latency_ms", w.steady_latency_ms);
    opt(*it, "max_lag", w.steady_max_lag);
    opt(*it, "max_lag_seconds", w.steady_max_lag_seconds);
  }
}

void to_json(json& j, const ModelSummary& m) {
  j = {{"peak_rate", r6(m.peak_rate)},
       {"utilisation", r6(m.utilisation)},
       {"mean_utilisation", r6(m.mean_utilisation)},
       {"p99_latency_ms", {r6(m.p99_latency_ms_low), r6(m.p99_latency_ms_high)}}};
}
void from_json(const json& j, ModelSummary& m) {
  opt(j, "peak_rate", m.peak_rate);
  opt(j, "utilisation", m.utilisation);
  opt(j, "mean_utilisation", m.mean_utilisation);
  if (auto it = j.find("p99_latency_ms"); it != j.end() && it->is_array() && it->size() == 2) {
    (*it)[0].get_to(m.p99_latency_ms_low);
    (*it)[1].get_to(m.p99_latency_ms_high);
  }
}

void to_json(json& j, const GroupSummary& g) {
  j = {{"id", g.id},
       {"produced", g.produced},
       {"consumed", g.consumed},
       {"duplicates", g.duplicates},
       {"skipped", g.skipped},
       {"lost", g.lost},
       {"final_lag", g.final_lag},
       {"final_committed_lag", g.final_committed_lag},
       {"max_lag", g.max_lag},
       {"max_lag_seconds", r6(g.max_lag_seconds)},
       {"latency_ms", g.latency_ms},
       {"latency_steady_ms", g.latency_steady_ms},
       {"stalled", g.stalled},
       {"generation", g.generation},
       {"consumers", g.consumers},
       {"ordering", g.ordering}};
  if (!g.warmup.reason.empty()) j["warmup"] = g.warmup;
  if (g.model.utilisation >= 0) j["model"] = g.model;
}
void from_json(const json& j, GroupSummary& g) {
  j.at("id").get_to(g.id);
  opt(j, "produced", g.produced);
  opt(j, "consumed", g.consumed);
  opt(j, "duplicates", g.duplicates);
  opt(j, "skipped", g.skipped);
  opt(j, "lost", g.lost);
  opt(j, "final_lag", g.final_lag);
  opt(j, "final_committed_lag", g.final_committed_lag);
  opt(j, "max_lag", g.max_lag);
  opt(j, "max_lag_seconds", g.max_lag_seconds);
  opt(j, "latency_ms", g.latency_ms);
  opt(j, "latency_steady_ms", g.latency_steady_ms);
  opt(j, "stalled", g.stalled);
  opt(j, "generation", g.generation);
  opt(j, "consumers", g.consumers);
  opt(j, "warmup", g.warmup);
  opt(j, "model", g.model);
  opt(j, "ordering", g.ordering);
}

void to_json(json& j, const OrderingSummary& o) {
  j = {{"scope", o.scope},
       {"out_of_order", o.out_of_order},
       {"overlapping", o.overlapping},
       {"keys_affected", o.keys_affected},
       {"partitions_affected", o.partitions_affected}};
}
void from_json(const json& j, OrderingSummary& o) {
  opt(j, "scope", o.scope);
  opt(j, "out_of_order", o.out_of_order);
  opt(j, "overlapping", o.overlapping);
  opt(j, "keys_affected", o.keys_affected);
  opt(j, "partitions_affected", o.partitions_affected);
}

void to_json(json& j, const FaultRecord& f) {
  j = {{"group", f.group},
       {"kind", f.kind},
       {"subject", f.subject},
       {"at_s", r6(f.at_s)},
       {"duplicates", f.duplicates},
       {"duplicates_uncommitted", f.duplicates_uncommitted},
       {"duplicates_in_flight", f.duplicates_in_flight},
       {"out_of_order", f.out_of_order},
       {"overlapping", f.overlapping},
       {"keys_affected", f.keys_affected},
       {"peak_lag", f.peak_lag},
       {"peak_lag_seconds", r6(f.peak_lag_seconds)},
       {"recovery_s", r6(f.recovery_s)},
       {"rebalances", f.rebalances},
       {"partitions_moved", f.partitions_moved},
       {"stop_the_world_partition_s", r6(f.stop_the_world_partition_s)},
       {"detected", f.detected}};
}
void from_json(const json& j, FaultRecord& f) {
  j.at("group").get_to(f.group);
  j.at("kind").get_to(f.kind);
  opt(j, "subject", f.subject);
  opt(j, "at_s", f.at_s);
  opt(j, "duplicates", f.duplicates);
  opt(j, "duplicates_uncommitted", f.duplicates_uncommitted);
  opt(j, "duplicates_in_flight", f.duplicates_in_flight);
  opt(j, "out_of_order", f.out_of_order);
  opt(j, "overlapping", f.overlapping);
  opt(j, "keys_affected", f.keys_affected);
  opt(j, "peak_lag", f.peak_lag);
  opt(j, "peak_lag_seconds", f.peak_lag_seconds);
  opt(j, "recovery_s", f.recovery_s);
  opt(j, "rebalances", f.rebalances);
  opt(j, "partitions_moved", f.partitions_moved);
  opt(j, "stop_the_world_partition_s", f.stop_the_world_partition_s);
  opt(j, "detected", f.detected);
}

void to_json(json& j, const RunSummary& s) {
  j = {{"scenario", s.scenario},
       {"backend", s.backend},
       {"seed", s.seed},
       {"simulated_seconds", r6(s.simulated_seconds)},
       {"wall_seconds", r6(s.wall_seconds)},
       {"events", s.events},
       {"produced", s.produced},
       {"consumed", s.consumed},
       {"duplicates", s.duplicates},
       {"skipped", s.skipped},
       {"lost", s.lost},
       {"final_lag", s.final_lag},
       {"max_lag", s.max_lag},
       {"latency_ms", s.latency_ms},
       {"latency_steady_ms", s.latency_steady_ms},
       {"stalled", s.stalled},
       {"rebalances", s.rebalances},
       {"generations", s.generations},
       {"groups", s.groups},
       {"faults", s.faults},
       {"ordering", s.ordering}};
  if (!s.warmup.reason.empty()) j["warmup"] = s.warmup;
}
void from_json(const json& j, RunSummary& s) {
  j.at("scenario").get_to(s.scenario);
  opt(j, "backend", s.backend);
  opt(j, "seed", s.seed);
  j.at("simulated_seconds").get_to(s.simulated_seconds);
  opt(j, "wall_seconds", s.wall_seconds);
  opt(j, "events", s.events);
  opt(j, "produced", s.produced);
  opt(j, "consumed", s.consumed);
  opt(j, "duplicates", s.duplicates);
  opt(j, "skipped", s.skipped);
  opt(j, "lost", s.lost);
  opt(j, "final_lag", s.final_lag);
  opt(j, "max_lag", s.max_lag);
  opt(j, "latency_ms", s.latency_ms);
  opt(j, "latency_steady_ms", s.latency_steady_ms);
  opt(j, "stalled", s.stalled);
  opt(j, "rebalances", s.rebalances);
  opt(j, "generations", s.generations);
  j.at("groups").get_to(s.groups);
  opt(j, "faults", s.faults);
  opt(j, "warmup", s.warmup);
  opt(j, "ordering", s.ordering);
}

json to_json(const RunSummary& s, bool include_wall_clock) {
  json j = s;
  if (!include_wall_clock) j.erase("wall_seconds");
  return j;
}

}  // namespace cgsim::analysis
