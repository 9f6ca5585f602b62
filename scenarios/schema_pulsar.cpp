/// @file schema_pulsar.cpp
/// The JSON Schema of Pulsar scenario files (`broker: {kind: pulsar}`, read by
/// scenarios/pulsar_loader.cpp) and the words of each of its properties.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/schema_parts.hpp"

namespace cgsim::scenarios::schema {

namespace {

const Docs& pulsar_docs() {
  static const Docs d{
      // top level
      {".name", {"Scenario name, printed in every output.", "", nullptr, "player_events_pulsar_key_shared"}},
      {".description", {"One line saying what the scenario shows.", "", "", "Player events on Key_Shared with a crash"}},
      {".seed", {"Seed every random stream derives from; the same seed gives byte-identical outputs.", "", 1, 42}},
      {".duration", {"Simulated time the run covers.", "duration", "1m", "5m"}},
      {".broker", {"The Pulsar broker: kind pulsar and its settings (Pulsar 4.2's defaults).", "", nullptr, json{{"kind", "pulsar"}, {"failover_delay", "1s"}}}},
      {".topics", {"Topics, partitioned or not.", "", nullptr, json::array({json{{"name", "player_events"}, {"partitions", 4}}})}},
      {".producers", {"Producers writing to the topics.", "", json::array(), json::array()}},
      {".subscriptions", {"Subscriptions on the topics, each with its consumers.", "", nullptr, json::array()}},
      {".faults", {"Scheduled faults: crashes, leaves, joins, slow consumers, restarts.", "", json::array(), json::array()}},
      {".output", {"Sampling of the backlog and throughput series, and the warm-up of the reported figures.", "", json::object(), json{{"sample_interval", "1s"}}}},
      // broker
      {"broker.kind", {"The broker family: pulsar.", "", nullptr, "pulsar"}},
      {"broker.request_latency", {"One-way delay between a client and the broker.", "duration", "500us", "1ms"}},
      {"broker.failover_delay", {"activeConsumerFailoverDelayTimeMillis: how long a Failover subscription waits before switching the active consumer.", "duration", "1s", "500ms"}},
      {"broker.key_shared_consistent_hashing", {"subscriptionKeySharedUseConsistentHashing: AUTO_SPLIT uses a hash ring (true) or splits the largest range for each joining consumer (false).", "", true, false}},
      {"broker.consistent_hashing_points", {"subscriptionKeySharedConsistentHashingReplicaPoints: points per consumer on the Key_Shared hash ring.", "points", 100, 200}},
      {"broker.failover_consistent_hashing", {"activeConsumerFailoverConsistentHashing: a non-partitioned topic's active consumer chosen on a hash ring of consumer names.", "", false, true}},
      // topics
      {"topics.name", {"Topic name, referenced by producers and subscriptions.", "", nullptr, "player_events"}},
      {"topics.partitions", {"Partitions of the topic; 0 is a non-partitioned topic.", "partitions", 0, 4}},
      // producers
      {"producers.topic", {"Topic the producer writes to.", "", nullptr, "player_events"}},
      {"producers.rate", {"Messages per second of each producer instance, constant, Poisson or in steps.", "", nullptr, json{{"kind", "poisson"}, {"per_second", 2000}}}},
      {"producers.keys", {"Message keys: none, uniform or Zipf over a key space, or sequential.", "", json{{"kind", "none"}}, json{{"kind", "zipf"}, {"cardinality", 10000}, {"exponent", 1.1}}}},
      {"producers.routing", {"MessageRoutingMode of unkeyed messages: round_robin (RoundRobinPartition) or single (SinglePartition).", "", "round_robin", "single"}},
      {"producers.hashing", {"HashingScheme of keyed messages: java_string (JavaStringHash) or murmur3 (Murmur3_32Hash).", "", "java_string", "murmur3"}},
      {"producers.batching", {"enableBatching.", "", true, false}},
      {"producers.batching_max_publish_delay", {"batchingMaxPublishDelay: a batch is sent at the latest this long after its first message (at least 1us).", "duration", "1ms", "5ms"}},
      {"producers.batching_max_messages", {"batchingMaxMessages: messages in one batch at most.", "messages", 1000, 100}},
      {"producers.batching_max_bytes", {"batchingMaxBytes: bytes in one batch at most.", "bytes", 131072, 65536}},
      {"producers.partition_switch_frequency", {"batchingPartitionSwitchFrequencyByPublishDelay: round_robin with batching stays on a partition this many publish delays.", "publish delays", 10, 5}},
      {"producers.message_bytes", {"Size of each message.", "bytes", 512, 1024}},
      {"producers.count", {"Identical producer instances, each at the given rate.", "instances", 1, 2}},
      {"producers.start", {"When the producer starts.", "duration", "0s", "30s"}},
      {"producers.stop", {"When the producer stops.", "duration", "never", "4m"}},
      {"keys.prefix", {"Text put before the key's number (the bytes the producer and Key_Shared hash).", "", "key-", "player-"}},
      // subscriptions
      {"subscriptions.name", {"Subscription name; its consumers are <name>/<index> in faults.", "", nullptr, "scores"}},
      {"subscriptions.topic", {"Topic subscribed to (declared under topics).", "", nullptr, "player_events"}},
      {"subscriptions.type", {"Subscription type: Exclusive, Failover, Shared or Key_Shared.", "", nullptr, "Key_Shared"}},
      {"subscriptions.key_shared_mode", {"Key_Shared only: AUTO_SPLIT (the broker splits the hash space) or STICKY (consumers.sticky_ranges).", "", "AUTO_SPLIT", "STICKY"}},
      {"subscriptions.allow_out_of_order_delivery", {"Key_Shared only: allowOutOfOrderDelivery, which skips the ordering safeguards when a consumer joins.", "", false, true}},
      {"subscriptions.ack", {"individual, or cumulative (Exclusive and Failover only).", "", "individual", "cumulative"}},
      {"subscriptions.ack_timeout", {"ackTimeout: an unacknowledged message is redelivered after this; 0s disables it, else at least 1s.", "duration", "0s", "30s"}},
      {"subscriptions.negative_ack_redelivery_delay", {"negativeAckRedeliveryDelay: delay before a negatively acknowledged message is redelivered.", "duration", "1m", "1s"}},
      {"subscriptions.negative_ack_probability", {"Share of messages the application fails and acknowledges negatively.", "probability", 0, 0.01}},
      {"subscriptions.dead_letter_max_redeliveries", {"Shared and Key_Shared only: DeadLetterPolicy maxRedeliverCount; a message redelivered more often goes to the dead-letter topic.", "redeliveries", "no dead-letter policy", 5}},
      {"subscriptions.ack_group_time", {"acknowledgmentGroupTime: acknowledgements are sent in groups this often; 0s sends each at once.", "duration", "100ms", "0s"}},
      {"subscriptions.initial_position", {"subscriptionInitialPosition: earliest or latest.", "", "earliest", "latest"}},
      {"subscriptions.consumers", {"The subscription's consumers: how many, their names and how long a message takes.", "", nullptr, json{{"count", 3}, {"processing_time", {{"kind", "lognormal"}, {"median", "2ms"}, {"sigma", 0.5}}}}}},
      {"consumers.count", {"Consumers started at time 0 (one for Exclusive).", "consumers", 1, 3}},
      {"consumers.names", {"Consumer names, one per consumer; Failover and the Key_Shared ring order by them.", "", "<subscription>-<index>", json::array({"scorer-a", "scorer-b"})}},
      {"consumers.priority_levels", {"priorityLevel of each consumer; lower is preferred.", "", "all 0", json::array({0, 1})}},
      {"consumers.receiver_queue_size", {"receiverQueueSize: permits each consumer grants the broker.", "messages", 1000, 100}},
      {"consumers.processing_time", {"Time the application spends on one message: a distribution, or a consumer's throughput (capacity) with a shape.", "seconds per message", nullptr, json{{"kind", "lognormal"}, {"median", "2ms"}, {"sigma", 0.5}}}},
      {"consumers.sticky_ranges", {"STICKY only: each consumer's hash ranges [start, end] within 0..65535, one list per consumer (more for consumers that join).", "", nullptr, json::array({json::array({json::array({0, 32767})}), json::array({json::array({32768, 65535})})})}},
      // faults
      {"faults.crash", {"Consumer that dies: its unacknowledged messages go to the other consumers.", "", nullptr, "scores/1"}},
      {"faults.leave", {"Consumer that closes cleanly after the message in hand.", "", nullptr, "scores/2"}},
      {"faults.join", {"Subscription that new consumers join, with the next indices.", "", nullptr, "scores"}},
      {"faults.count", {"Number of consumers that join.", "consumers", 1, 2}},
      {"faults.slow", {"Consumer whose processing slows down.", "", nullptr, "scores/0"}},
      {"faults.restart", {"Consumer that closes and comes back after the downtime with the same name.", "", nullptr, "scores/1"}},
      {"faults.rolling_restart", {"Subscription whose consumers restart one by one in index order, downtime + gap apart.", "", nullptr, "scores"}},
      // output
      {"output.sample_interval", {"Interval of the backlog and throughput samples.", "duration", "1s", "500ms"}},
      {"output.warmup", {"Start-up left out of the headline (steady-state) figures: auto ends it when each subscription's backlog has settled (its oldest unprocessed message is no older than 1 s plus one receiver queue), or a fixed time from the start.", "duration or auto", "auto", "30s"}},
  };
  return d;
}

/// {type: <one of types>}: the condition a subscription's type meets.
json type_is(const std::vector<std::string>& types) {
  return {{"properties", {{"type", {{"enum", types}}}}}, {"required", {"type"}}};
}

}  // namespace

json pulsar_schema() {
  const json str = {{"type", "string"}};
  const json name = {{"type", "string"}, {"minLength", 1}};
  auto list = [](json item) { return json{{"type", "array"}, {"minItems", 1}, {"items", std::move(item)}}; };
  const json hash = integer(0, 65535);
  const json range = {{"type", "array"}, {"prefixItems", json::array({hash, hash})}, {"minItems", 2}, {"maxItems", 2}};
  json consumers = object({{"count", integer(0, 100'000)},
                           {"names", {{"type", "array"}, {"items", name}}},
                           {"priority_levels", {{"type", "array"}, {"items", integer(0, INT32_MAX)}}},
                           {"receiver_queue_size", integer(1, 1'000'000)},
                           {"processing_time", distribution()},
                           {"sticky_ranges", list(list(range))}},
                          {"processing_time"});
  json sub = object({{"name", name},
                     {"topic", str},
                     {"type", {{"enum", {"Exclusive", "Failover", "Shared", "Key_Shared"}}}},
                     {"key_shared_mode", {{"enum", {"AUTO_SPLIT", "STICKY"}}}},
                     {"allow_out_of_order_delivery", {{"type", "boolean"}}},
                     {"ack", {{"enum", {"individual", "cumulative"}}}},
                     {"ack_timeout", duration()},
                     {"negative_ack_redelivery_delay", duration()},
                     {"negative_ack_probability", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                     {"dead_letter_max_redeliveries", integer(1, 1'000'000)},
                     {"ack_group_time", duration()},
                     {"initial_position", {{"enum", {"earliest", "latest"}}}},
                     {"consumers", consumers}},
                    {"name", "topic", "type", "consumers"});
  // What Pulsar (and the loader) refuses, as far as one subscription shows it.
  sub["dependentSchemas"] = {{"key_shared_mode", type_is({"Key_Shared"})},
                             {"allow_out_of_order_delivery", type_is({"Key_Shared"})},
                             {"dead_letter_max_redeliveries", type_is({"Shared", "Key_Shared"})}};
  const json sticky = {{"properties", {{"key_shared_mode", {{"const", "STICKY"}}}}}, {"required", {"key_shared_mode"}}};
  auto if_then = [](json condition, json consequence) {
    return json{{"if", std::move(condition)}, {"then", std::move(consequence)}};
  };
  auto consumers_are = [](json rule) { return json{{"properties", {{"consumers", std::move(rule)}}}}; };
  const json cumulative = {{"properties", {{"ack", {{"const", "cumulative"}}}}}, {"required", {"ack"}}};
  sub["allOf"] = json::array({
      if_then(cumulative, type_is({"Exclusive", "Failover"})),
      if_then(type_is({"Exclusive"}), consumers_are({{"properties", {{"count", {{"maximum", 1}}}}}})),
      if_then(sticky, consumers_are({{"required", {"sticky_ranges"}}})),
      if_then(consumers_are({{"required", {"sticky_ranges"}}}), sticky),
  });
  json top = object(
      {{"name", name},
       {"description", str},
       {"seed", integer(0, INT64_MAX)},
       {"duration", duration()},
       {"broker", object({{"kind", {{"const", "pulsar"}}},
                          {"request_latency", duration()},
                          {"failover_delay", duration()},
                          {"key_shared_consistent_hashing", {{"type", "boolean"}}},
                          {"consistent_hashing_points", integer(1, 10'000)},
                          {"failover_consistent_hashing", {{"type", "boolean"}}}},
                         {"kind"})},
       {"topics", list(object({{"name", name}, {"partitions", integer(0, 10'000)}}, {"name"}))},
       {"producers", list(object({{"topic", str},
                                  {"rate", rate()},
                                  {"keys", keys()},
                                  {"routing", {{"enum", {"round_robin", "single"}}}},
                                  {"hashing", {{"enum", {"java_string", "murmur3"}}}},
                                  {"batching", {{"type", "boolean"}}},
                                  {"batching_max_publish_delay", duration()},
                                  {"batching_max_messages", integer(1, 1'000'000)},
                                  {"batching_max_bytes", integer(1, 1 << 30)},
                                  {"partition_switch_frequency", integer(1, 1'000'000)},
                                  {"message_bytes", integer(0, 5 * 1024 * 1024)},
                                  {"count", integer(1, 10'000)},
                                  {"start", duration()},
                                  {"stop", duration()}},
                                 {"topic", "rate"}))},
       {"subscriptions", list(sub)},
       {"faults", faults(false)},
       {"output", object({{"sample_interval", duration()}, {"warmup", {{"oneOf", json::array({{{"const", "auto"}}, duration()})}}}}, {})}},
      {"name", "broker", "topics", "subscriptions"});
  describe(top, pulsar_docs());
  return top;
}

}  // namespace cgsim::scenarios::schema
