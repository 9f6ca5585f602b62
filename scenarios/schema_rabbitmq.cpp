/// @file schema_rabbitmq.cpp
/// The JSON Schema of RabbitMQ scenario files (`broker: {kind: rabbitmq}`, read by
/// scenarios/rabbitmq_loader.cpp) and the words of each of its properties.
#include <cstdint>

#include <nlohmann/json.hpp>

#include "scenarios/schema_parts.hpp"

namespace cgsim::scenarios::schema {

namespace {

const Docs& rabbitmq_docs() {
  static const Docs d{
      // top level
      {".name", {"Scenario name, printed in every output.", "", nullptr, "mail_jobs_rabbitmq"}},
      {".description", {"One line saying what the scenario shows.", "", "", "Mail jobs with a crash"}},
      {".seed", {"Seed every random stream derives from; the same seed gives byte-identical outputs.", "", 1, 42}},
      {".duration", {"Simulated time the run covers.", "duration", "1m", "10m"}},
      {".broker", {"The RabbitMQ broker: kind rabbitmq and its timings.", "", nullptr, json{{"kind", "rabbitmq"}, {"consumer_timeout", "30m"}}}},
      {".exchanges", {"Exchanges producers publish to; the default exchange (\"\") routes to the queue named by the routing key.", "", json::array(), json::array({json{{"name", "jobs"}, {"type", "direct"}}})}},
      {".queues", {"Queues, their type, limits and dead-lettering.", "", nullptr, json::array({json{{"name", "mail"}, {"type", "quorum"}}})}},
      {".bindings", {"Bindings of queues to exchanges.", "", json::array(), json::array({json{{"exchange", "jobs"}, {"queue", "mail"}, {"key", "mail"}}})}},
      {".producers", {"Producers publishing to the exchanges.", "", json::array(), json::array()}},
      {".consumers", {"Consumer groups: competing consumers of one queue each.", "", nullptr, json::array()}},
      {".faults", {"Scheduled faults: crashes, leaves, joins, slow consumers, restarts.", "", json::array(), json::array()}},
      {".output", {"Sampling of the queue depth and throughput series, and the warm-up of the reported figures.", "", json::object(), json{{"sample_interval", "1s"}}}},
      // broker
      {"broker.kind", {"The broker family: rabbitmq.", "", nullptr, "rabbitmq"}},
      {"broker.network_latency", {"One-way delay between a client and the broker.", "duration", "500us", "1ms"}},
      {"broker.consumer_timeout", {"consumer_timeout: a channel holding an unacknowledged delivery longer is closed and its messages requeued; off disables it.", "duration or off", "30m", "off"}},
      {"broker.channel_tick", {"How often a channel checks its consumer timeout (channel_tick_interval).", "duration", "1m", "10s"}},
      {"broker.dispatch_time", {"The broker's own work between the queue choosing a message and the delivery leaving it; a prefetch-1 consumer idles 2 x network_latency + dispatch_time after each message.", "duration", "0", "110us"}},
      {"broker.quorum_apply_time", {"Time a quorum queue's Raft log takes to apply a command: a published message is deliverable this long after it reaches the queue, and a basic.cancel takes effect this long after it arrives (what the queue delivers to that consumer meanwhile is returned).", "duration", "0", "1.2ms"}},
      // exchanges
      {"exchanges.name", {"Exchange name, referenced by bindings, producers and dead_letter_exchange.", "", nullptr, "jobs"}},
      {"exchanges.type", {"direct, fanout, topic (patterns with * and #) or x-consistent-hash (the plugin's hash ring, bit-exact).", "", nullptr, "x-consistent-hash"}},
      // queues
      {"queues.name", {"Queue name, unique; consumer groups and bindings name it.", "", nullptr, "mail"}},
      {"queues.type", {"classic or quorum (quorum queues requeue at the head and count deliveries).", "", "classic", "quorum"}},
      {"queues.max_length", {"x-max-length: ready messages the queue holds at most.", "messages", "no limit", 200000}},
      {"queues.max_length_bytes", {"x-max-length-bytes: bytes of ready messages the queue holds at most.", "bytes", "no limit", 104857600}},
      {"queues.overflow", {"What a full queue does: drop-head (drop or dead-letter the oldest) or reject-publish; needs max_length or max_length_bytes.", "", "drop-head", "reject-publish"}},
      {"queues.message_ttl", {"x-message-ttl: a message older than this expires (dead-lettered when the queue has a dead_letter_exchange).", "duration", "never", "10m"}},
      {"queues.dead_letter_exchange", {"x-dead-letter-exchange: where rejected, expired and dropped messages go; \"\" is the default exchange.", "", nullptr, "jobs.dlx"}},
      {"queues.dead_letter_routing_key", {"x-dead-letter-routing-key: the routing key of dead-lettered messages.", "", "the message's own", "failed"}},
      {"queues.delivery_limit", {"x-delivery-limit (quorum queues only): deliveries after which a message is dead-lettered or dropped.", "deliveries", "unlimited", 3}},
      {"queues.single_active_consumer", {"x-single-active-consumer: one consumer at a time receives from the queue.", "", false, true}},
      // bindings
      {"bindings.exchange", {"Exchange the binding is on (declared under exchanges).", "", nullptr, "jobs"}},
      {"bindings.queue", {"Queue the binding routes to (declared under queues).", "", nullptr, "mail"}},
      {"bindings.key", {"Binding key; topic patterns with * and #. Not for x-consistent-hash bindings.", "", "", "chat.#"}},
      {"bindings.weight", {"x-consistent-hash bindings only: the binding's buckets on the hash ring.", "buckets", 1, 10}},
      // producers
      {"producers.exchange", {"Exchange the producer publishes to; \"\" is the default exchange.", "", nullptr, "jobs"}},
      {"producers.routing_key", {"Routing key of messages without a key (keys kind none).", "", "", "mail"}},
      {"producers.rate", {"Messages per second of each producer instance, constant, Poisson or in steps.", "", nullptr, json{{"kind", "poisson"}, {"per_second", 40}}}},
      {"producers.keys", {"Message keys: a keyed message's routing key is prefix + the key's number.", "", json{{"kind", "none"}}, json{{"kind", "uniform"}, {"cardinality", 1000}, {"prefix", "room-"}}}},
      {"producers.message_bytes", {"Size of each message (counted by max_length_bytes).", "bytes", 512, 4096}},
      {"producers.count", {"Identical producer instances, each at the given rate.", "instances", 1, 2}},
      {"producers.start", {"When the producer starts.", "duration", "0s", "30s"}},
      {"producers.stop", {"When the producer stops.", "duration", "never", "8m"}},
      {"keys.prefix", {"Text put before the key's number (the routing key).", "", "key-", "room-"}},
      // consumers
      {"consumers.name", {"Consumer group name; its consumers are <name>/<index> in faults.", "", nullptr, "mail_workers"}},
      {"consumers.queue", {"Queue the group consumes (declared under queues).", "", nullptr, "mail"}},
      {"consumers.count", {"Consumers started at time 0, one connection and channel each.", "consumers", 1, 6}},
      {"consumers.prefetch", {"basic.qos prefetch_count per consumer; 0 is unlimited.", "messages", 0, 10}},
      {"consumers.priority", {"x-priority: deliveries go to the highest-priority consumers with credit first.", "", 0, 5}},
      {"consumers.ack", {"How deliveries are acknowledged.", "", json{{"mode", "manual"}}, json{{"mode", "manual"}, {"reject_probability", 0.01}, {"requeue", true}}}},
      {"consumers.processing_time", {"Time the application spends on one message: a distribution, or a consumer's throughput (capacity) with a shape.", "seconds per message", nullptr, json{{"kind", "lognormal"}, {"median", "80ms"}, {"sigma", 0.5}}}},
      {"consumers.reconnect_delay", {"Time after which a consumer whose channel the consumer timeout closed opens a new one; never: it stays away.", "duration or never", "5s", "never"}},
      {"ack.mode", {"manual (basic.ack after processing) or auto (no_ack: settled on delivery, prefetch ignored).", "", "manual", "auto"}},
      {"ack.multiple", {"Manual acks only: one basic.ack with multiple=true per this many messages.", "messages", 1, 10}},
      {"ack.reject_probability", {"Manual acks only: share of messages whose processing fails and is nacked.", "probability", 0, 0.01}},
      {"ack.requeue", {"Manual acks only: whether a nack requeues the message (else it is dead-lettered or dropped).", "", true, false}},
      // faults
      {"faults.crash", {"Consumer whose connection drops without acks: its unacknowledged messages are requeued, redelivered.", "", nullptr, "mail_workers/1"}},
      {"faults.leave", {"Consumer that cancels (basic.cancel) and closes cleanly after the message in hand.", "", nullptr, "mail_workers/2"}},
      {"faults.join", {"Consumer group that new consumers join, with the next indices.", "", nullptr, "mail_workers"}},
      {"faults.count", {"Number of consumers that join.", "consumers", 1, 2}},
      {"faults.slow", {"Consumer whose processing slows down.", "", nullptr, "mail_workers/0"}},
      {"faults.restart", {"Consumer that closes and comes back after the downtime with the same name.", "", nullptr, "mail_workers/3"}},
      {"faults.rolling_restart", {"Consumer group whose members restart one by one in index order, downtime + gap apart.", "", nullptr, "mail_workers"}},
      // output
      {"output.sample_interval", {"Interval of the queue depth and throughput samples.", "duration", "1s", "500ms"}},
      {"output.warmup", {"Start-up left out of the headline (steady-state) figures: auto ends it when each consumer group's backlog has settled (its oldest unprocessed message is no older than 1 s plus one prefetch window), or a fixed time from the start.", "duration or auto", "auto", "30s"}},
  };
  return d;
}

}  // namespace

json rabbitmq_schema() {
  const json str = {{"type", "string"}};
  const json name = {{"type", "string"}, {"minLength", 1}};
  auto list = [](json item) { return json{{"type", "array"}, {"minItems", 1}, {"items", std::move(item)}}; };
  json queue = object({{"name", name},
                       {"type", {{"enum", {"classic", "quorum"}}}},
                       {"max_length", integer(0, INT64_MAX)},
                       {"max_length_bytes", integer(0, INT64_MAX)},
                       {"overflow", {{"enum", {"drop-head", "reject-publish"}}}},
                       {"message_ttl", duration()},
                       {"dead_letter_exchange", str},
                       {"dead_letter_routing_key", str},
                       {"delivery_limit", integer(0, INT32_MAX)},
                       {"single_active_consumer", {{"type", "boolean"}}}},
                      {"name"});
  // As the loader: overflow needs a length limit, and delivery_limit a quorum queue.
  queue["dependentSchemas"] = {
      {"overflow", {{"anyOf", json::array({json{{"required", {"max_length"}}}, json{{"required", {"max_length_bytes"}}}})}}},
      {"delivery_limit", {{"properties", {{"type", {{"const", "quorum"}}}}}, {"required", {"type"}}}}};
  json ack = object({{"mode", {{"enum", {"manual", "auto"}}}},
                     {"multiple", integer(1, 65535)},
                     {"reject_probability", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                     {"requeue", {{"type", "boolean"}}}},
                    {});
  // Auto-ack settles on delivery: the manual-ack settings do not apply.
  ack["if"] = {{"properties", {{"mode", {{"const", "auto"}}}}}, {"required", {"mode"}}};
  ack["then"] = {{"not", {{"anyOf", json::array({json{{"required", {"multiple"}}}, json{{"required", {"reject_probability"}}},
                                                  json{{"required", {"requeue"}}}})}}}};
  json consumer = object({{"name", name},
                          {"queue", str},
                          {"count", integer(0, 100'000)},
                          {"prefetch", integer(0, 65535)},
                          {"priority", integer(-2147483647, 2147483647)},
                          {"ack", ack},
                          {"processing_time", distribution()},
                          {"reconnect_delay", {{"anyOf", json::array({json{{"const", "never"}}, duration()})}}}},
                         {"name", "queue", "processing_time"});
  json top = object(
      {{"name", name},
       {"description", str},
       {"seed", integer(0, INT64_MAX)},
       {"duration", duration()},
       {"broker", object({{"kind", {{"const", "rabbitmq"}}},
                          {"network_latency", duration()},
                          {"consumer_timeout", {{"anyOf", json::array({json{{"const", "off"}}, duration()})}}},
                          {"channel_tick", duration()},
                          {"dispatch_time", duration()},
                          {"quorum_apply_time", duration()}},
                         {"kind"})},
       {"exchanges", list(object({{"name", name}, {"type", {{"enum", {"direct", "fanout", "topic", "x-consistent-hash"}}}}},
                                 {"name", "type"}))},
       {"queues", list(queue)},
       {"bindings", list(object({{"exchange", str}, {"queue", str}, {"key", str}, {"weight", integer(1, 100'000)}},
                                {"exchange", "queue"}))},
       {"producers", list(object({{"exchange", str},
                                  {"routing_key", str},
                                  {"rate", rate()},
                                  {"keys", keys()},
                                  {"message_bytes", integer(0, 512 * 1024 * 1024)},
                                  {"count", integer(1, 10'000)},
                                  {"start", duration()},
                                  {"stop", duration()}},
                                 {"exchange", "rate"}))},
       {"consumers", list(consumer)},
       {"faults", faults(false)},
       {"output", object({{"sample_interval", duration()}, {"warmup", {{"oneOf", json::array({{{"const", "auto"}}, duration()})}}}}, {})}},
      {"name", "broker", "queues", "consumers"});
  describe(top, rabbitmq_docs());
  return top;
}

}  // namespace cgsim::scenarios::schema
