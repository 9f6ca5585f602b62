#include "analysis/metrics/summary.hpp"

#include <algorithm>
#include <cmath>
#include <concepts>
#include <map>
#include <type_traits>
#include <vector>

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
// Each result type lists its fields once, in describe(): the JSON key, the member, and whether a
// reader requires it. The Writer visits that list to build the object (floating-point figures
// rounded with r6), the Reader visits the same list to fill the struct (missing optional fields
// keep their defaults), so that reading summary.json and writing it again gives the same text and
// a field cannot be written without being read. Keys come out sorted (nlohmann::json objects are
// ordered maps), whatever the order of the list.

using json = nlohmann::json;

namespace {

/// Every value goes through the checked readers of json_read.hpp: summary.json may come back
/// edited, and an integer field given 2.9e34 must be an error, not a conversion out of range.
void read(const json& v, const std::string& path, bool& x) { x = json_bool(v, path); }
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
void read(const json& v, const std::string& path, T& x) {
  x = json_integer<T>(v, path);
}
void read(const json& v, const std::string& path, double& x) { x = json_real(v, path); }
void read(const json& v, const std::string& path, std::string& x) { x = json_string(v, path); }
void read(const json& v, const std::string& path, std::vector<std::pair<std::string, std::uint64_t>>& x);
template <typename T>
void read(const json& v, const std::string& path, std::vector<T>& x);
void read(const json& v, const std::string& path, std::map<std::string, std::vector<std::string>>& x);
template <typename T>
  requires(std::is_class_v<T>)
void read(const json& v, const std::string& path, T& x);

/// A field's value as the writer puts it in JSON: doubles rounded to 6 decimals, the rest as is
/// (result types through their to_json).
json out(double v) { return r6(v); }
/// Named counts, as an object.
json out(const std::vector<std::pair<std::string, std::uint64_t>>& v) {
  json o = json::object();
  for (const auto& [k, n] : v) o[k] = n;
  return o;
}
template <typename T>
json out(const T& v) {
  return json(v);
}

/// Builds a JSON object from a describe() list.
struct Writer {
  json& j;
  /// A field (required or not: the writer writes both).
  template <typename T>
  void operator()(const char* key, const T& x) {
    j[key] = out(x);
  }
  template <typename T>
  void req(const char* key, const T& x) {
    j[key] = out(x);
  }
  /// A field written only when @p present (a reader leaves it at its default when absent).
  template <typename T>
  void when(bool present, const char* key, const T& x) {
    if (present) j[key] = out(x);
  }
  /// Two figures written as the array [first, second].
  void pair(const char* key, double first, double second) { j[key] = {r6(first), r6(second)}; }
  /// A nested object whose fields @p fields lists.
  template <typename F>
  void object(const char* key, F fields) {
    json sub = json::object();
    Writer w{sub};
    fields(w);
    j[key] = std::move(sub);
  }
};

/// Fills a struct from a JSON object by the same describe() list; @p path names the object in
/// error messages.
struct Reader {
  const json& j;
  std::string path;
  /// An optional field: read when present and not null, else left at its default.
  template <typename T>
  void operator()(const char* key, T& x) {
    if (const json* v = json_find(j, path, key)) read(*v, key_path(path, key), x);
  }
  /// A required field: an InputError when it is missing.
  template <typename T>
  void req(const char* key, T& x) {
    read(json_at(j, path, key), key_path(path, key), x);
  }
  template <typename T>
  void when(bool, const char* key, T& x) {
    (*this)(key, x);
  }
  void pair(const char* key, double& first, double& second) {
    if (const json* v = json_find(j, path, key)) {
      std::vector<double> range;
      read(*v, key_path(path, key), range);
      if (range.size() == 2) {
        first = range[0];
        second = range[1];
      }
    }
  }
  template <typename F>
  void object(const char* key, F fields) {
    if (const json* v = json_find(j, path, key)) {
      Reader r{*v, key_path(path, key)};
      fields(r);
    }
  }
};

}  // namespace

// The field lists. S is the type itself when reading and const when writing.

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, LatencySummary>
void describe(V& v, S& l) {
  v("p50", l.p50);
  v("p90", l.p90);
  v("p99", l.p99);
  v("p999", l.p999);
  v("max", l.max);
  v("mean", l.mean);
  v("count", l.count);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, StallSummary>
void describe(V& v, S& s) {
  v("records", s.records);
  v("p50_ms", s.p50_ms);
  v("mean_ms", s.mean_ms);
  v("max_ms", s.max_ms);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, RebalanceRecord>
void describe(V& v, S& r) {
  v.req("group", r.group);
  v.req("start_s", r.start_s);
  v("end_s", r.end_s);
  v("generation", r.generation);
  v("trigger", r.trigger);
  v("protocol", r.protocol);
  v("rounds", r.rounds);
  v("partitions_moved", r.partitions_moved);
  v("partitions_revoked", r.partitions_revoked);
  v("partitions_assigned", r.partitions_assigned);
  v("stop_the_world_partition_s", r.stop_the_world_partition_s);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, GenerationRecord>
void describe(V& v, S& g) {
  v.req("group", g.group);
  v("generation", g.generation);
  v.req("start_s", g.start_s);
  v("assignment", g.assignment);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, ConsumerSummary>
void describe(V& v, S& c) {
  v.req("name", c.name);
  v("member_id", c.member_id);
  v("state", c.state);
  v("consumed", c.consumed);
  v("duplicates", c.duplicates);
  v("lost_work", c.lost_work);
  v("partitions", c.partitions);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, WarmupSummary>
void describe(V& v, S& w) {
  v("end_s", w.end_s);
  v("reason", w.reason);
  v("threshold_s", w.threshold_s);
  v.object("startup", [&](auto& p) {
    p("latency_ms", w.startup_latency_ms);
    p("max_lag", w.startup_max_lag);
    p("max_lag_seconds", w.startup_max_lag_seconds);
  });
  v.object("steady", [&](auto& p) {
    p("latency_ms", w.steady_latency_ms);
    p("max_lag", w.steady_max_lag);
    p("max_lag_seconds", w.steady_max_lag_seconds);
  });
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, ModelSummary>
void describe(V& v, S& m) {
  v("peak_rate", m.peak_rate);
  v("utilisation", m.utilisation);
  v("mean_utilisation", m.mean_utilisation);
  v.pair("p99_latency_ms", m.p99_latency_ms_low, m.p99_latency_ms_high);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, OrderingSummary>
void describe(V& v, S& o) {
  v("scope", o.scope);
  v("out_of_order", o.out_of_order);
  v("overlapping", o.overlapping);
  v("keys_affected", o.keys_affected);
  v("partitions_affected", o.partitions_affected);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, GroupSummary>
void describe(V& v, S& g) {
  v.req("id", g.id);
  v("produced", g.produced);
  v("consumed", g.consumed);
  v("duplicates", g.duplicates);
  v("skipped", g.skipped);
  v("lost", g.lost);
  v("final_lag", g.final_lag);
  v("final_committed_lag", g.final_committed_lag);
  v("max_lag", g.max_lag);
  v("max_lag_seconds", g.max_lag_seconds);
  v("latency_ms", g.latency_ms);
  v("latency_steady_ms", g.latency_steady_ms);
  v("stalled", g.stalled);
  v("generation", g.generation);
  v("consumers", g.consumers);
  v("ordering", g.ordering);
  // Only runs that computed them (simulator runs of Kafka scenarios) have these two.
  v.when(!g.warmup.reason.empty(), "warmup", g.warmup);
  v.when(g.model.utilisation >= 0, "model", g.model);
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, FaultRecord>
void describe(V& v, S& f) {
  v.req("group", f.group);
  v.req("kind", f.kind);
  v("subject", f.subject);
  v("at_s", f.at_s);
  v("duplicates", f.duplicates);
  v("duplicates_uncommitted", f.duplicates_uncommitted);
  v("duplicates_in_flight", f.duplicates_in_flight);
  v("out_of_order", f.out_of_order);
  v("overlapping", f.overlapping);
  v("keys_affected", f.keys_affected);
  v("peak_lag", f.peak_lag);
  v("peak_lag_seconds", f.peak_lag_seconds);
  v("recovery_s", f.recovery_s);
  v("rebalances", f.rebalances);
  v("partitions_moved", f.partitions_moved);
  v("stop_the_world_partition_s", f.stop_the_world_partition_s);
  v("detected", f.detected);
}

/// A run's fields; @p family, when given, adds a RabbitMQ or Pulsar run's own.
template <typename V, typename S, typename F>
  requires std::same_as<std::remove_const_t<S>, RunSummary> && std::same_as<std::remove_const_t<F>, FamilyFields>
void describe(V& v, S& s, F* family) {
  v.req("scenario", s.scenario);
  v("backend", s.backend);
  v("seed", s.seed);
  v.req("simulated_seconds", s.simulated_seconds);
  v("wall_seconds", s.wall_seconds);
  v("events", s.events);
  v("produced", s.produced);
  v("consumed", s.consumed);
  v("duplicates", s.duplicates);
  v("skipped", s.skipped);
  v("lost", s.lost);
  v("final_lag", s.final_lag);
  v("max_lag", s.max_lag);
  v("latency_ms", s.latency_ms);
  v("latency_steady_ms", s.latency_steady_ms);
  v("stalled", s.stalled);
  v("rebalances", s.rebalances);
  v("generations", s.generations);
  v.req("groups", s.groups);
  v("faults", s.faults);
  v("ordering", s.ordering);
  v.when(!s.warmup.reason.empty(), "warmup", s.warmup);
  // RabbitMQ and Pulsar runs only (a Kafka run's summary has none of these).
  if (family != nullptr) {
    v.req("broker", family->broker);
    v("sources", family->sources);
    v.req("counts", family->counts);
    v.req("ordering_violations", family->ordering_violations);
  }
}

template <typename V, typename S>
  requires std::same_as<std::remove_const_t<S>, RunSummary>
void describe(V& v, S& s) {
  using F = std::conditional_t<std::is_const_v<S>, const FamilyFields, FamilyFields>;
  describe(v, s, static_cast<F*>(nullptr));
}

namespace {

void read(const json& v, const std::string& path, std::vector<std::pair<std::string, std::uint64_t>>& x) {
  if (!v.is_object()) json_type_error(path, "an object", v);
  x.clear();
  for (const auto& [k, e] : v.items()) x.emplace_back(k, json_integer<std::uint64_t>(e, key_path(path, k)));
}
template <typename T>
void read(const json& v, const std::string& path, std::vector<T>& x) {
  if (!v.is_array()) json_type_error(path, "an array", v);
  x.assign(v.size(), T{});
  for (std::size_t i = 0; i < v.size(); ++i) read(v[i], index_path(path, i), x[i]);
}
void read(const json& v, const std::string& path, std::map<std::string, std::vector<std::string>>& x) {
  if (!v.is_object()) json_type_error(path, "an object", v);
  x.clear();
  for (const auto& [k, e] : v.items()) read(e, key_path(path, k), x[k]);
}
template <typename T>
  requires(std::is_class_v<T>)
void read(const json& v, const std::string& path, T& x) {
  Reader r{v, path};
  describe(r, x);
}

template <typename T>
void write(json& j, const T& x) {
  j = json::object();
  Writer w{j};
  describe(w, x);
}

}  // namespace

void to_json(json& j, const LatencySummary& l) { write(j, l); }
void to_json(json& j, const StallSummary& s) { write(j, s); }
void to_json(json& j, const RebalanceRecord& r) { write(j, r); }
void to_json(json& j, const GenerationRecord& g) { write(j, g); }
void to_json(json& j, const ConsumerSummary& c) { write(j, c); }
void WarmupSummary::fold_group(const WarmupSummary& g) {
  end_s = std::max(end_s, g.end_s);
  if (reason == "drained" && g.reason != "drained") reason = g.reason;
  threshold_s = std::max(threshold_s, g.threshold_s);
  startup_max_lag = std::max(startup_max_lag, g.startup_max_lag);
  steady_max_lag = std::max(steady_max_lag, g.steady_max_lag);
  startup_max_lag_seconds = std::max(startup_max_lag_seconds, g.startup_max_lag_seconds);
  steady_max_lag_seconds = std::max(steady_max_lag_seconds, g.steady_max_lag_seconds);
}

void to_json(json& j, const WarmupSummary& w) { write(j, w); }
void to_json(json& j, const ModelSummary& m) { write(j, m); }
void to_json(json& j, const OrderingSummary& o) { write(j, o); }
void to_json(json& j, const GroupSummary& g) { write(j, g); }
void to_json(json& j, const FaultRecord& f) { write(j, f); }
void to_json(json& j, const RunSummary& s) { write(j, s); }

void from_json(const json& j, LatencySummary& l) { read(j, "", l); }
void from_json(const json& j, StallSummary& s) { read(j, "", s); }
void from_json(const json& j, RebalanceRecord& r) { read(j, "", r); }
void from_json(const json& j, GenerationRecord& g) { read(j, "", g); }
void from_json(const json& j, ConsumerSummary& c) { read(j, "", c); }
void from_json(const json& j, WarmupSummary& w) { read(j, "", w); }
void from_json(const json& j, ModelSummary& m) { read(j, "", m); }
void from_json(const json& j, OrderingSummary& o) { read(j, "", o); }
void from_json(const json& j, GroupSummary& g) { read(j, "", g); }
void from_json(const json& j, FaultRecord& f) { read(j, "", f); }
void from_json(const json& j, RunSummary& s) { read(j, "", s); }

json to_json(const RunSummary& s, bool include_wall_clock) {
  json j = s;
  if (!include_wall_clock) j.erase("wall_seconds");
  return j;
}

json to_json(const RunSummary& s, const FamilyFields& f) {
  json j = json::object();
  Writer w{j};
  describe(w, s, &f);
  j.erase("wall_seconds");
  return j;
}

void from_json(const json& j, RunSummary& s, FamilyFields& f) {
  Reader r{j, ""};
  describe(r, s, &f);
}

}  // namespace cgsim::analysis
