/// @file schema_docs.cpp
/// The words of `cgsim schema` that every broker family shares (rates, keys, processing times,
/// faults), and the walk that puts each property's description, unit, default and example into
/// a family's schema.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "scenarios/schema_parts.hpp"

namespace cgsim::scenarios::schema {

const Docs& shared_docs() {
  static const Docs d{
      {"rate.kind", {"constant: evenly spaced; poisson: exponential gaps; steps: a piecewise-constant rate.", "", nullptr, "poisson"}},
      {"rate.per_second", {"Mean arrival rate.", "records/s", nullptr, 20000}},
      {"rate.arrivals", {"Arrivals within each step: Poisson or evenly spaced.", "", "poisson", "constant"}},
      {"rate.steps", {"[time, records/s] pairs in increasing time; each rate holds until the next step.", "[duration, records/s]", nullptr, json::array({json::array({"0s", 20000}), json::array({"45s", 50000})})}},
      {"keys.kind", {"none: unkeyed; uniform or zipf: random keys from the key space; sequential: key i for the i-th record.", "", nullptr, "zipf"}},
      {"keys.cardinality", {"Number of distinct keys: required for uniform and zipf keys (at most 50,000,000 for zipf); sequential keys without it never repeat.", "keys", nullptr, 100000}},
      {"keys.exponent", {"Zipf exponent s: key k has probability proportional to 1/k^s.", "", 1.0, 1.1}},
      {"keys.prefix", {"Text put before the key's number (the bytes the partitioner hashes).", "", "key-", "player-"}},
      // processing_time: each shape's fields
      {"processing_time.kind", {"Shape of the processing-time distribution.", "", "constant (with capacity)", "lognormal"}},
      {"processing_time.value", {"Constant processing time.", "duration", nullptr, "100us"}},
      {"processing_time.mean", {"Mean of the exponential or normal distribution.", "duration", nullptr, "150us"}},
      {"processing_time.low", {"Uniform lower bound.", "duration", nullptr, "50us"}},
      {"processing_time.high", {"Uniform upper bound.", "duration", nullptr, "250us"}},
      {"processing_time.stddev", {"Standard deviation of the normal distribution (draws truncated at zero).", "duration", nullptr, "30us"}},
      {"processing_time.median", {"Median of the lognormal distribution (mean = median x exp(sigma^2/2)).", "duration", nullptr, "100us"}},
      {"processing_time.sigma", {"Standard deviation of the logarithm; required for a lognormal (0 to 5 with capacity).", "", nullptr, 0.5}},
      {"processing_time.scale", {"Pareto scale: the smallest value.", "duration", nullptr, "50us"}},
      {"processing_time.alpha", {"Pareto shape, required for a Pareto; above 1 for a finite mean (required with capacity), above 2 for a finite variance.", "", nullptr, 2.5}},
      {"processing_time.values", {"Empirical values, drawn with equal probability.", "durations", nullptr, json::array({"80us", "120us", "2ms"})}},
      {"processing_time.capacity", {"Records one consumer processes per second when busy; the distribution's mean is exactly 1/capacity (k = x1000, M = x1e6; /s, /min or /h).", "records/s", nullptr, "6k/s"}},
      // faults
      {"faults.at", {"When the fault happens.", "duration", nullptr, "2m"}},
      {"faults.crash", {"Consumer that dies without leaving the group; noticed after session_timeout.", "", nullptr, "game_event_consumers/1"}},
      {"faults.leave", {"Consumer that closes cleanly (LeaveGroup).", "", nullptr, "game_event_consumers/2"}},
      {"faults.join", {"Group that new consumers join.", "", nullptr, "game_event_consumers"}},
      {"faults.count", {"Number of consumers that join; for add_partitions, the partitions added.", "count", 1, 2}},
      {"faults.add_partitions", {"Topic that grows by count partitions (CreatePartitions); Kafka scenarios only.", "", nullptr, "game_events"}},
      {"faults.slow", {"Consumer whose processing slows down.", "", nullptr, "game_event_consumers/0"}},
      {"faults.factor", {"Processing-time multiplier while slow.", "factor", nullptr, 20}},
      {"faults.for", {"How long the consumer stays slow.", "duration", nullptr, "1m"}},
      {"faults.restart", {"Consumer that closes and comes back after the downtime with the same name.", "", nullptr, "game_event_consumers/3"}},
      {"faults.downtime", {"Time a restarted consumer is away.", "duration", "0s", "5s"}},
      {"faults.rolling_restart", {"Group whose members restart one by one in index order, downtime + gap apart.", "", nullptr, "game_event_consumers"}},
      {"faults.gap", {"Time between one member's return and the next member's restart.", "duration", nullptr, "30s"}},
  };
  return d;
}

namespace {

void walk(json& node, const std::string& parent, const Docs& docs) {
  if (node.contains("properties")) {
    for (auto& [name, sub] : node["properties"].items()) {
      const std::string key = parent + "." + name;
      const Doc* found = nullptr;
      if (auto it = docs.find(key); it != docs.end()) found = &it->second;
      else if (auto s = shared_docs().find(key); s != shared_docs().end()) found = &s->second;
      if (found) {
        const Doc& doc = *found;
        std::string text = doc.text;
        if (*doc.unit) text += " Unit: " + std::string(doc.unit) + ".";
        sub["description"] = text;
        if (!doc.fallback.is_null()) sub["default"] = doc.fallback;
        sub["examples"] = json::array({doc.example});
      }
      walk(sub, name, docs);
    }
  }
  for (const char* k : {"oneOf", "anyOf"})
    if (node.contains(k))
      for (auto& v : node[k]) walk(v, parent, docs);
  if (node.contains("items") && node["items"].is_object()) walk(node["items"], parent, docs);
}

}  // namespace

void describe(json& schema, const Docs& docs) { walk(schema, "", docs); }

}  // namespace cgsim::scenarios::schema
