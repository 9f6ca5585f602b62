/// @file schema_docs.cpp
/// The words of `cgsim schema`: for every property of the scenario's JSON Schema, what it is, its
/// unit, its default and an example, keyed by "<parent property>.<property>" (the top level's
/// parent is empty; a distribution's fields have processing_time as their parent).
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace cgsim::scenarios {

namespace {

using nlohmann::json;

struct Doc {
  const char* text;
  const char* unit;  ///< "" when the value has none
  json fallback;     ///< the default; null when the property is required or has none
  json example;
};

const std::map<std::string, Doc>& docs() {
  static const std::map<std::string, Doc> d{
      // top level
      {".name", {"Scenario name, printed in every output.", "", nullptr, "game-platform"}},
      {".description", {"One line saying what the scenario shows.", "", "", "Player events with a crash"}},
      {".seed", {"Seed every random stream derives from; the same seed gives byte-identical outputs.", "", 1, 42}},
      {".duration", {"Simulated time the run covers.", "duration", nullptr, "10m"}},
      {".client", {"Consumer client whose semantics are modelled (Java client or librdkafka).", "", "java", "librdkafka"}},
      {".time_scale", {"Live validation only: every scenario duration is multiplied by this.", "factor", 1, 0.1}},
      {".broker", {"Broker-side timings.", "", json::object(), json{{"initial_rebalance_delay", "3s"}}}},
      {".output", {"Sampling and the warm-up of the reported figures.", "", json::object(), json{{"warmup", "auto"}}}},
      {".topics", {"Topics and their partition counts.", "", nullptr, json::array({json{{"name", "events"}, {"partitions", 12}}})}},
      {".producers", {"Producers writing to the topics.", "", json::array(), json::array()}},
      {".groups", {"Consumer groups reading the topics.", "", nullptr, json::array()}},
      {".faults", {"Scheduled faults: crashes, leaves, joins, slow consumers, restarts.", "", json::array(), json::array()}},
      // broker
      {"broker.request_latency", {"One-way delay between a client and the broker.", "duration", "500us", "1ms"}},
      {"broker.initial_rebalance_delay", {"group.initial.rebalance.delay.ms: how long the coordinator waits for more members before the first assignment of an empty group.", "duration", "3s", "0s"}},
      {"broker.produce_tick", {"Production is generated in windows of this length.", "duration", "10ms", "5ms"}},
      // output
      {"output.sample_interval", {"Interval of the lag and throughput samples.", "duration", "1s", "500ms"}},
      {"output.warmup", {"Start-up left out of the headline (steady-state) figures: auto ends it when each group's initial backlog has drained (its oldest unprocessed record is no older than 1 s plus one poll's batch), or a fixed time from the start.", "duration or auto", "auto", "30s"}},
      // topics
      {"topics.name", {"Topic name, referenced by producers and groups.", "", nullptr, "player_events"}},
      {"topics.partitions", {"Number of partitions of the topic.", "partitions", nullptr, 24}},
      // producers
      {"producers.topic", {"Topic the producer writes to.", "", nullptr, "player_events"}},
      {"producers.rate", {"Records per second of each producer instance, constant, Poisson or in steps.", "", nullptr, json{{"kind", "poisson"}, {"per_second", 30000}}}},
      {"producers.keys", {"Record keys: none, uniform or Zipf over a key space, or sequential.", "", json{{"kind", "none"}}, json{{"kind", "zipf"}, {"cardinality", 100000}, {"exponent", 1.1}}}},
      {"producers.partitioner", {"Partitioner choosing a record's partition (docs/partitioners.md).", "", "default", "murmur2_random"}},
      {"producers.record_bytes", {"Size of each record.", "bytes", 512, 400}},
      {"producers.count", {"Identical producer instances, each at the given rate.", "instances", 1, 3}},
      {"producers.start", {"When the producer starts.", "duration", "0s", "30s"}},
      {"producers.stop", {"When the producer stops.", "duration", "never", "8m"}},
      {"producers.metadata_max_age", {"metadata.max.age.ms: how often the producer refreshes its metadata; a topic's new partitions get records from its next refresh on.", "duration", "5m", "30s"}},
      {"rate.kind", {"constant: evenly spaced; poisson: exponential gaps; steps: a piecewise-constant rate.", "", nullptr, "poisson"}},
      {"rate.per_second", {"Mean arrival rate.", "records/s", nullptr, 20000}},
      {"rate.arrivals", {"Arrivals within each step: Poisson or evenly spaced.", "", "poisson", "constant"}},
      {"rate.steps", {"[time, records/s] pairs in increasing time; each rate holds until the next step.", "[duration, records/s]", nullptr, json::array({json::array({"0s", 20000}), json::array({"45s", 50000})})}},
      {"keys.kind", {"none: unkeyed; uniform or zipf: random keys from the key space; sequential: key i for the i-th record.", "", nullptr, "zipf"}},
      {"keys.cardinality", {"Number of distinct keys: required for uniform and zipf keys (at most 50,000,000 for zipf); sequential keys without it never repeat.", "keys", nullptr, 100000}},
      {"keys.exponent", {"Zipf exponent s: key k has probability proportional to 1/k^s.", "", 1.0, 1.1}},
      {"keys.prefix", {"Text put before the key's number (the bytes the partitioner hashes).", "", "key-", "player-"}},
      // groups
      {"groups.id", {"group.id; consumers are named <id>/<index>.", "", nullptr, "game_event_consumers"}},
      {"groups.topics", {"Topics the group subscribes to.", "", nullptr, json::array({"player_events"})}},
      {"groups.assignor", {"partition.assignment.strategy (docs/assignors.md).", "", "range", "cooperative-sticky"}},
      {"groups.protocol", {"Rebalance protocol: eager, cooperative (KIP-429) or consumer (KIP-848). Defaults to cooperative when the assignor is cooperative-only.", "", "eager", "cooperative"}},
      {"groups.session_timeout", {"session.timeout.ms: a member whose heartbeats stop is removed after this long.", "duration", "45s", "10s"}},
      {"groups.heartbeat_interval", {"heartbeat.interval.ms; must be below session_timeout.", "duration", "3s (5s with protocol consumer)", "1s"}},
      {"groups.start_spread", {"Spread of the initial consumers' start times: each starts at a time drawn over it, from its own random stream (docs/model.md, \"Start-up and timer phases\").", "duration", "1s", "5s"}},
      {"groups.max_poll_interval", {"max.poll.interval.ms: a member that does not poll within this is evicted.", "duration", "5m", "10m"}},
      {"groups.metadata_max_age", {"metadata.max.age.ms (Java) / topic.metadata.refresh.interval.ms (librdkafka): how often a consumer refreshes its metadata, from its start; under the classic protocol a topic's new partitions are noticed at a refresh (docs/model.md, \"Adding partitions\").", "duration", "5m", "30s"}},
      {"groups.max_poll_records", {"max.poll.records: records one poll returns at most.", "records", 500, 100}},
      {"groups.commit", {"How offsets are committed.", "", json{{"kind", "auto"}, {"interval", "5s"}}, json{{"kind", "after_batch"}}}},
      {"groups.auto_offset_reset", {"Where a partition without a committed offset starts.", "", "earliest", "latest"}},
      {"groups.consumers", {"The group's consumers: how many and how long a record takes.", "", nullptr, json{{"count", 6}, {"processing_time", {{"capacity", "6k/s"}, {"kind", "lognormal"}, {"sigma", 0.5}}}}}},
      {"commit.kind", {"auto: enable.auto.commit at each poll after the interval; after_batch: commitSync after each batch; none: never.", "", "auto", "after_batch"}},
      {"commit.interval", {"auto.commit.interval.ms.", "duration", "5s", "1s"}},
      {"consumers.count", {"Consumers started at time 0.", "consumers", nullptr, 6}},
      {"consumers.processing_time", {"Time the application spends on one record: a distribution, or a consumer's throughput (capacity) with a shape.", "seconds per record", nullptr, json{{"kind", "lognormal"}, {"median", "100us"}, {"sigma", 0.5}}}},
      {"consumers.rack", {"client.rack, for rack-aware assignors; unset by default (no rack).", "", nullptr, "eu-west-1a"}},
      {"consumers.static", {"Static membership (KIP-345): group.instance.id = <group>-<index>.", "", false, true}},
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

void describe(json& node, const std::string& parent) {
  if (node.contains("properties")) {
    for (auto& [name, sub] : node["properties"].items()) {
      if (auto it = docs().find(parent + "." + name); it != docs().end()) {
        const Doc& doc = it->second;
        std::string text = doc.text;
        if (*doc.unit) text += " Unit: " + std::string(doc.unit) + ".";
        sub["description"] = text;
        if (!doc.fallback.is_null()) sub["default"] = doc.fallback;
        sub["examples"] = json::array({doc.example});
      }
      describe(sub, name);
    }
  }
  if (node.contains("oneOf"))
    for (auto& v : node["oneOf"]) describe(v, parent);
  if (node.contains("items") && node["items"].is_object()) describe(node["items"], parent);
}

}  // namespace

void describe_schema(json& schema) { describe(schema, ""); }

}  // namespace cgsim::scenarios
