/// @file schema_kafka.cpp
/// The JSON Schema of Kafka scenario files (scenarios/loader.cpp reads them) and the words of
/// each of its properties: what it is, its unit, its default and an example.
#include <nlohmann/json.hpp>

#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "scenarios/schema_parts.hpp"

namespace cgsim::scenarios::schema {

namespace {

const Docs& kafka_docs() {
  static const Docs d{
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
      // groups
      {"groups.id", {"group.id; consumers are named <id>/<index>.", "", nullptr, "game_event_consumers"}},
      {"groups.topics", {"Topics the group subscribes to.", "", nullptr, json::array({"player_events"})}},
      {"groups.assignor", {"partition.assignment.strategy (docs/assignors.md).", "", "range", "cooperative-sticky"}},
      {"groups.protocol", {"Rebalance protocol: eager, cooperative (KIP-429) or consumer (KIP-848). Defaults to cooperative when the assignor is cooperative-only.", "", "eager", "cooperative"}},
      {"groups.session_timeout", {"session.timeout.ms: a member whose heartbeats stop is removed after this long.", "duration", "45s", "10s"}},
      {"groups.heartbeat_interval", {"heartbeat.interval.ms; must be below session_timeout.", "duration", "3s (5s with protocol consumer)", "1s"}},
      {"groups.start_spread", {"Spread of the initial consumers' start times: each starts at a time drawn over it, from its own random stream (docs/model.md, \"Start-up and timer phases\").", "duration", "1s", "5s"}},
      {"groups.client_start", {"How each consumer process starts: cold (a new process; for the Java client a JVM that loads the client's classes first, 0.36-0.70 s) or warm (the client library already loaded, as cgsim validate's prepared Java workers: 10-150 ms). Sets the bootstrap cost before the first JoinGroup (docs/model.md, \"Start-up and timer phases\").", "", "cold", "warm"}},
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
  };
  return d;
}

}  // namespace

json kafka_schema() {
  json producer = object({{"topic", {{"type", "string"}}},
                          {"rate", rate()},
                          {"keys", keys()},
                          {"partitioner", {{"enum", models::partitioners::Partitioner::names()}}},
                          {"record_bytes", integer(0, 100'000'000)},
                          {"count", integer(1, 100'000)},
                          {"start", duration()},
                          {"stop", duration()},
                          {"metadata_max_age", duration()}},
                         {"topic", "rate"});
  json commit = {{"oneOf", json::array({object({{"kind", {{"const", "auto"}}}, {"interval", duration()}}, {"kind"}),
                                        object({{"kind", {{"enum", {"after_batch", "none"}}}}}, {"kind"})})}};
  json consumers = object({{"count", integer(0, 100'000)},
                           {"processing_time", distribution()},
                           {"rack", {{"type", "string"}}},
                           {"static", {{"type", "boolean"}}}},
                          {"count", "processing_time"});
  json group = object({{"id", {{"type", "string"}, {"pattern", "^[^/]+$"}}},
                       {"topics", {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}}}}},
                       {"assignor", {{"enum", models::assignors::assignor_names()}}},
                       {"protocol", {{"enum", {"eager", "cooperative", "consumer"}}}},
                       {"session_timeout", duration()},
                       {"heartbeat_interval", duration()},
                       {"max_poll_interval", duration()},
                       {"max_poll_records", integer(1, 10'000'000)},
                       {"commit", commit},
                       {"auto_offset_reset", {{"enum", {"earliest", "latest"}}}},
                       {"start_spread", duration()},
                       {"client_start", {{"enum", {"cold", "warm"}}}},
                       {"metadata_max_age", duration()},
                       {"consumers", consumers}},
                      {"id", "topics", "consumers"});
  json top = object(
      {{"name", {{"type", "string"}, {"minLength", 1}}},
       {"description", {{"type", "string"}}},
       {"seed", integer(0, INT64_MAX)},
       {"duration", duration()},
       {"client", {{"enum", {"java", "librdkafka"}}}},
       {"time_scale", {{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 1}}},
       {"broker", object({{"request_latency", duration()}, {"initial_rebalance_delay", duration()}, {"produce_tick", duration()}}, {})},
       {"output", object({{"sample_interval", duration()},
                          {"warmup", {{"oneOf", json::array({{{"const", "auto"}}, duration()})}}}},
                         {})},
       {"topics", {{"type", "array"},
                   {"minItems", 1},
                   {"items", object({{"name", {{"type", "string"}, {"minLength", 1}}}, {"partitions", integer(1, 1'000'000)}},
                                    {"name", "partitions"})}}},
       {"producers", {{"type", "array"}, {"items", producer}}},
       {"groups", {{"type", "array"}, {"minItems", 1}, {"items", group}}},
       {"faults", faults(true)}},
      {"name", "duration", "topics", "groups"});
  describe(top, kafka_docs());
  return top;
}

}  // namespace cgsim::scenarios::schema
