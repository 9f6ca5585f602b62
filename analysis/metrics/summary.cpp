#include "analysis/metrics/summary.hpp"

#include <cmath>

#include "analysis/metrics/json_read.hpp"

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

using json = nlohmann::json;

// The readers of each part, defined beside its writer; from_json reads from the top (path "").
static void read(const json& v, const std::string& path, LatencySummary& l);
static void read(const json& v, const std::string& path, StallSummary& s);
static void read(const json& v, const std::string& path, RebalanceRecord& r);
static void read(const json& v, const std::string& path, GenerationRecord& g);
static void read(const json& v, const std::string& path, ConsumerSummary& c);
static void read(const json& v, const std::string& path, WarmupSummary& w);
static void read(const json& v, const std::string& path, ModelSummary& m);
static void read(const json& v, const std::string& path, OrderingSummary& o);
static void read(const json& v, const std::string& path, GroupSummary& g);
static void read(const json& v, const std::string& path, FaultRecord& f);
static void read(const json& v, const std::string& path, RunSummary& s);

/// Every value goes through the checked readers of json_read.hpp: summary.json may come back
/// edited, and an integer field given 2.9e34 must be an error, not a conversion out of range.
static void read(const json& v, const std::string& path, bool& x) { x = json_bool(v, path); }
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
static void read(const json& v, const std::string& path, T& x) {
  x = json_integer<T>(v, path);
}
static void read(const json& v, const std::string& path, double& x) { x = json_real(v, path); }
static void read(const json& v, const std::string& path, std::string& x) { x = json_string(v, path); }
template <typename T>
static void read(const json& v, const std::string& path, std::vector<T>& x) {
  if (!v.is_array()) json_type_error(path, "an array", v);
  x.assign(v.size(), T{});
  for (std::size_t i = 0; i < v.size(); ++i) read(v[i], index_path(path, i), x[i]);
}
static void read(const json& v, const std::string& path, std::map<std::string, std::vector<std::string>>& x) {
  if (!v.is_object()) json_type_error(path, "an object", v);
  x.clear();
  for (const auto& [k, e] : v.items()) read(e, key_path(path, k), x[k]);
}

/// Reads @p key into @p x when present and not null (the field keeps its default otherwise).
template <typename T>
static void opt(const json& j, const std::string& path, const char* key, T& x) {
  if (const json* v = json_find(j, path, key)) read(*v, key_path(path, key), x);
}
/// Reads @p key into @p x; an InputError when it is missing.
template <typename T>
static void req(const json& j, const std::string& path, const char* key, T& x) {
  read(json_at(j, path, key), key_path(path, key), x);
}

void to_json(json& j, const LatencySummary& l) {
  j = {{"p50", r6(l.p50)}, {"p90", r6(l.p90)}, {"p99", r6(l.p99)}, {"p999", r6(l.p999)},
       {"max", r6(l.max)}, {"mean", r6(l.mean)}, {"count", l.count}};
}
static void read(const json& j, const std::string& path, LatencySummary& l) {
  opt(j, path, "p50", l.p50);
  opt(j, path, "p90", l.p90);
  opt(j, path, "p99", l.p99);
  opt(j, path, "p999", l.p999);
  opt(j, path, "max", l.max);
  opt(j, path, "mean", l.mean);
  opt(j, path, "count", l.count);
}

void to_json(json& j, const StallSummary& s) {
  j = {{"records", s.records}, {"p50_ms", r6(s.p50_ms)}, {"mean_ms", r6(s.mean_ms)}, {"max_ms", r6(s.max_ms)}};
}
static void read(const json& j, const std::string& path, StallSummary& s) {
  opt(j, path, "records", s.records);
  opt(j, path, "p50_ms", s.p50_ms);
  opt(j, path, "mean_ms", s.mean_ms);
  opt(j, path, "max_ms", s.max_ms);
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
static void read(const json& j, const std::string& path, RebalanceRecord& r) {
  req(j, path, "group", r.group);
  req(j, path, "start_s", r.start_s);
  opt(j, path, "end_s", r.end_s);
  opt(j, path, "generation", r.generation);
  opt(j, path, "trigger", r.trigger);
  opt(j, path, "protocol", r.protocol);
  opt(j, path, "rounds", r.rounds);
  opt(j, path, "partitions_moved", r.partitions_moved);
  opt(j, path, "partitions_revoked", r.partitions_revoked);
  opt(j, path, "partitions_assigned", r.partitions_assigned);
  opt(j, path, "stop_the_world_partition_s", r.stop_the_world_partition_s);
}

void to_json(json& j, const GenerationRecord& g) {
  j = {{"group", g.group}, {"generation", g.generation}, {"start_s", r6(g.start_s)}, {"assignment", g.assignment}};
}
static void read(const json& j, const std::string& path, GenerationRecord& g) {
  req(j, path, "group", g.group);
  opt(j, path, "generation", g.generation);
  req(j, path, "start_s", g.start_s);
  opt(j, path, "assignment", g.assignment);
}

void to_json(json& j, const ConsumerSummary& c) {
  j = {{"name", c.name},         {"member_id", c.member_id},   {"state", c.state},
       {"consumed", c.consumed}, {"duplicates", c.duplicates}, {"partitions", c.partitions}};
}
static void read(const json& j, const std::string& path, ConsumerSummary& c) {
  req(j, path, "name", c.name);
  opt(j, path, "member_id", c.member_id);
  opt(j, path, "state", c.state);
  opt(j, path, "consumed", c.consumed);
  opt(j, path, "duplicates", c.duplicates);
  opt(j, path, "partitions", c.partitions);
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
static void read(const json& j, const std::string& path, WarmupSummary& w) {
  opt(j, path, "end_s", w.end_s);
  opt(j, path, "reason", w.reason);
  opt(j, path, "threshold_s", w.threshold_s);
  if (const json* st = json_find(j, path, "startup")) {
    const std::string sp = key_path(path, "startup");
    opt(*st, sp, "latency_ms", w.startup_latency_ms);
    opt(*st, sp, "max_lag", w.startup_max_lag);
    opt(*st, sp, "max_lag_seconds", w.startup_max_lag_seconds);
  }
  if (const json* st = json_find(j, path, "steady")) {
    const std::string sp = key_path(path, "steady");
    opt(*st, sp, "latency_ms", w.steady_latency_ms);
    opt(*st, sp, "max_lag", w.steady_max_lag);
    opt(*st, sp, "max_lag_seconds", w.steady_max_lag_seconds);
  }
}

void to_json(json& j, const ModelSummary& m) {
  j = {{"peak_rate", r6(m.peak_rate)},
       {"utilisation", r6(m.utilisation)},
       {"mean_utilisation", r6(m.mean_utilisation)},
       {"p99_latency_ms", {r6(m.p99_latency_ms_low), r6(m.p99_latency_ms_high)}}};
}
static void read(const json& j, const std::string& path, ModelSummary& m) {
  opt(j, path, "peak_rate", m.peak_rate);
  opt(j, path, "utilisation", m.utilisation);
  opt(j, path, "mean_utilisation", m.mean_utilisation);
  if (const json* v = json_find(j, path, "p99_latency_ms")) {
    std::vector<double> range;
    read(*v, key_path(path, "p99_latency_ms"), range);
    if (range.size() == 2) {
      m.p99_latency_ms_low = range[0];
      m.p99_latency_ms_high = range[1];
    }
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
static void read(const json& j, const std::string& path, GroupSummary& g) {
  req(j, path, "id", g.id);
  opt(j, path, "produced", g.produced);
  opt(j, path, "consumed", g.consumed);
  opt(j, path, "duplicates", g.duplicates);
  opt(j, path, "skipped", g.skipped);
  opt(j, path, "lost", g.lost);
  opt(j, path, "final_lag", g.final_lag);
  opt(j, path, "final_committed_lag", g.final_committed_lag);
  opt(j, path, "max_lag", g.max_lag);
  opt(j, path, "max_lag_seconds", g.max_lag_seconds);
  opt(j, path, "latency_ms", g.latency_ms);
  opt(j, path, "latency_steady_ms", g.latency_steady_ms);
  opt(j, path, "stalled", g.stalled);
  opt(j, path, "generation", g.generation);
  opt(j, path, "consumers", g.consumers);
  opt(j, path, "warmup", g.warmup);
  opt(j, path, "model", g.model);
  opt(j, path, "ordering", g.ordering);
}

void to_json(json& j, const OrderingSummary& o) {
  j = {{"scope", o.scope},
       {"out_of_order", o.out_of_order},
       {"overlapping", o.overlapping},
       {"keys_affected", o.keys_affected},
       {"partitions_affected", o.partitions_affected}};
}
static void read(const json& j, const std::string& path, OrderingSummary& o) {
  opt(j, path, "scope", o.scope);
  opt(j, path, "out_of_order", o.out_of_order);
  opt(j, path, "overlapping", o.overlapping);
  opt(j, path, "keys_affected", o.keys_affected);
  opt(j, path, "partitions_affected", o.partitions_affected);
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
static void read(const json& j, const std::string& path, FaultRecord& f) {
  req(j, path, "group", f.group);
  req(j, path, "kind", f.kind);
  opt(j, path, "subject", f.subject);
  opt(j, path, "at_s", f.at_s);
  opt(j, path, "duplicates", f.duplicates);
  opt(j, path, "duplicates_uncommitted", f.duplicates_uncommitted);
  opt(j, path, "duplicates_in_flight", f.duplicates_in_flight);
  opt(j, path, "out_of_order", f.out_of_order);
  opt(j, path, "overlapping", f.overlapping);
  opt(j, path, "keys_affected", f.keys_affected);
  opt(j, path, "peak_lag", f.peak_lag);
  opt(j, path, "peak_lag_seconds", f.peak_lag_seconds);
  opt(j, path, "recovery_s", f.recovery_s);
  opt(j, path, "rebalances", f.rebalances);
  opt(j, path, "partitions_moved", f.partitions_moved);
  opt(j, path, "stop_the_world_partition_s", f.stop_the_world_partition_s);
  opt(j, path, "detected", f.detected);
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
static void read(const json& j, const std::string& path, RunSummary& s) {
  req(j, path, "scenario", s.scenario);
  opt(j, path, "backend", s.backend);
  opt(j, path, "seed", s.seed);
  req(j, path, "simulated_seconds", s.simulated_seconds);
  opt(j, path, "wall_seconds", s.wall_seconds);
  opt(j, path, "events", s.events);
  opt(j, path, "produced", s.produced);
  opt(j, path, "consumed", s.consumed);
  opt(j, path, "duplicates", s.duplicates);
  opt(j, path, "skipped", s.skipped);
  opt(j, path, "lost", s.lost);
  opt(j, path, "final_lag", s.final_lag);
  opt(j, path, "max_lag", s.max_lag);
  opt(j, path, "latency_ms", s.latency_ms);
  opt(j, path, "latency_steady_ms", s.latency_steady_ms);
  opt(j, path, "stalled", s.stalled);
  opt(j, path, "rebalances", s.rebalances);
  opt(j, path, "generations", s.generations);
  req(j, path, "groups", s.groups);
  opt(j, path, "faults", s.faults);
  opt(j, path, "warmup", s.warmup);
  opt(j, path, "ordering", s.ordering);
}

void from_json(const json& j, LatencySummary& l) { read(j, "", l); }
void from_json(const json& j, StallSummary& s) { read(j, "", s); }
void from_json(const json& j, RebalanceRecord& r) { read(j, "", r); }
void from_json(const json& j, GenerationRecord& g) { read(j, "", g); }
void from_json(const json& j, ConsumerSummary& c) { read(j, "", c); }
void from_json(const json& j, GroupSummary& g) { read(j, "", g); }
void from_json(const json& j, FaultRecord& f) { read(j, "", f); }
void from_json(const json& j, RunSummary& s) { read(j, "", s); }
void from_json(const json& j, WarmupSummary& w) { read(j, "", w); }
void from_json(const json& j, ModelSummary& m) { read(j, "", m); }
void from_json(const json& j, OrderingSummary& o) { read(j, "", o); }

json to_json(const RunSummary& s, bool include_wall_clock) {
  json j = s;
  if (!include_wall_clock) j.erase("wall_seconds");
  return j;
}

}  // namespace cgsim::analysis
