#include "scenarios/pulsar_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "models/common/error.hpp"
#include "scenarios/fields.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::scenarios {

namespace ps = models::pulsar;
using fields::Field;
using fields::parse_distribution;
using fields::parse_keys;
using fields::parse_rate;
using sim::Time;

namespace {

/// Keys of Kafka or RabbitMQ scenarios that mean nothing to Pulsar, with what to use instead.
const char* foreign(const std::string& key) {
  if (key == "groups") return "Kafka-only key: a Pulsar scenario lists subscriptions, each with its consumers";
  if (key == "client") return "Kafka-only key: the client flavour is a Kafka setting";
  if (key == "time_scale") return "Kafka-only key: live replay of Pulsar scenarios is not available yet";
  if (key == "partitioner") return "Kafka-only key: Pulsar producers take routing and hashing";
  if (key == "record_bytes") return "Kafka-only key: Pulsar producers take message_bytes";
  if (key == "assignor" || key == "protocol" || key == "session_timeout" || key == "heartbeat_interval" ||
      key == "max_poll_interval" || key == "max_poll_records" || key == "commit" || key == "auto_offset_reset" ||
      key == "client_start" ||
      key == "static" || key == "rack" || key == "initial_rebalance_delay" || key == "produce_tick")
    return "Kafka-only key, not valid with broker kind pulsar";
  if (key == "exchanges" || key == "queues" || key == "bindings" || key == "exchange" || key == "routing_key" ||
      key == "queue" || key == "prefetch" || key == "priority" || key == "reconnect_delay" ||
      key == "network_latency" || key == "consumer_timeout" || key == "channel_tick")
    return "RabbitMQ-only key, not valid with broker kind pulsar";
  return nullptr;
}

std::vector<ps::HashRange> parse_ranges(const Field& f) {
  if (!f.is_seq() || f.size() == 0) f.fail("expected a non-empty list of [start, end] hash ranges");
  std::vector<ps::HashRange> out;
  for (std::size_t i = 0; i < f.size(); ++i) {
    const Field r = f.at(i);
    if (!r.is_seq() || r.size() != 2) r.fail("expected a [start, end] pair within 0..65535");
    ps::HashRange h;
    h.start = static_cast<std::int32_t>(r.at(std::size_t{0}).integer(0, 65535));
    h.end = static_cast<std::int32_t>(r.at(std::size_t{1}).integer(0, 65535));
    if (h.end < h.start) r.at(std::size_t{1}).fail("expected end >= start");
    for (const ps::HashRange& o : out)
      if (h.start <= o.end && o.start <= h.end) r.fail("overlaps another range of the same consumer");
    out.push_back(h);
  }
  return out;
}

void parse_broker(const Field& b, ps::PulsarBrokerSpec& out) {
  b.expect_map({"kind", "request_latency", "failover_delay", "key_shared_consistent_hashing", "consistent_hashing_points",
                "failover_consistent_hashing"});
  b.at("kind").one_of({"pulsar"});
  if (b.has("request_latency")) out.request_latency = b.at("request_latency").duration();
  if (b.has("failover_delay")) out.failover_delay = b.at("failover_delay").duration();
  if (b.has("key_shared_consistent_hashing")) out.key_shared_consistent_hashing = b.at("key_shared_consistent_hashing").boolean();
  if (b.has("consistent_hashing_points"))
    out.consistent_hashing_points = static_cast<std::int32_t>(b.at("consistent_hashing_points").integer(1, 10'000));
  if (b.has("failover_consistent_hashing")) out.failover_consistent_hashing = b.at("failover_consistent_hashing").boolean();
}

ps::PulsarProducerSpec parse_producer(const Field& p, const ps::ScenarioFile& sc) {
  p.expect_map({"topic", "rate", "keys", "routing", "hashing", "batching", "batching_max_publish_delay",
                "batching_max_messages", "batching_max_bytes", "partition_switch_frequency", "message_bytes", "count",
                "start", "stop"});
  ps::PulsarProducerSpec s;
  s.topic = p.at("topic").str();
  if (sc.topic_index(s.topic) < 0) p.at("topic").fail("no topic of that name under topics");
  s.rate = parse_rate(p.at("rate"));
  if (p.has("keys")) s.keys = parse_keys(p.at("keys"));
  if (p.has("routing"))
    s.routing = p.at("routing").one_of({"round_robin", "single"}) == "single" ? ps::RoutingMode::SinglePartition
                                                                               : ps::RoutingMode::RoundRobinPartition;
  if (p.has("hashing"))
    s.hashing = p.at("hashing").one_of({"java_string", "murmur3"}) == "murmur3" ? ps::HashingScheme::Murmur3_32Hash
                                                                                 : ps::HashingScheme::JavaStringHash;
  if (p.has("batching")) s.batching = p.at("batching").boolean();
  if (p.has("batching_max_publish_delay")) {
    s.batching_max_publish_delay = p.at("batching_max_publish_delay").duration();
    if (s.batching_max_publish_delay < sim::kMicrosecond) p.at("batching_max_publish_delay").fail("expected at least 1us");
  }
  if (p.has("batching_max_messages"))
    s.batching_max_messages = static_cast<std::int32_t>(p.at("batching_max_messages").integer(1, 1'000'000));
  if (p.has("batching_max_bytes"))
    s.batching_max_bytes = static_cast<std::int32_t>(p.at("batching_max_bytes").integer(1, 1 << 30));
  if (p.has("partition_switch_frequency"))
    s.partition_switch_frequency = static_cast<std::int32_t>(p.at("partition_switch_frequency").integer(1, 1'000'000));
  if (p.has("message_bytes")) s.message_bytes = static_cast<std::int32_t>(p.at("message_bytes").integer(0, 5 * 1024 * 1024));
  if (p.has("count")) s.count = static_cast<std::int32_t>(p.at("count").integer(1, 10'000));
  if (p.has("start")) s.start = p.at("start").duration();
  if (p.has("stop")) s.stop = p.at("stop").duration();
  if (s.stop <= s.start) p.at("stop").fail("expected stop after start");
  return s;
}

void parse_subscription(const Field& f, ps::ScenarioFile& sc) {
  f.expect_map({"name", "topic", "type", "key_shared_mode", "allow_out_of_order_delivery", "ack", "ack_timeout",
                "negative_ack_redelivery_delay", "negative_ack_probability", "dead_letter_max_redeliveries",
                "ack_group_time", "initial_position", "consumers"});
  ps::SubscriptionSpec s;
  ps::ApplicationSpec app;
  s.name = f.at("name").str();
  if (s.name.empty()) f.at("name").fail("expected a non-empty name");
  if (sc.subscription_index(s.name) >= 0) f.at("name").fail("duplicate subscription name");
  s.topic = f.at("topic").str();
  if (sc.topic_index(s.topic) < 0) f.at("topic").fail("no topic of that name under topics");
  const std::string type = f.at("type").one_of({"Exclusive", "Failover", "Shared", "Key_Shared"});
  s.type = type == "Exclusive" ? ps::SubscriptionType::Exclusive
           : type == "Failover" ? ps::SubscriptionType::Failover
           : type == "Shared"   ? ps::SubscriptionType::Shared
                                : ps::SubscriptionType::KeyShared;
  const bool key_shared = s.type == ps::SubscriptionType::KeyShared;
  const bool single = s.type == ps::SubscriptionType::Exclusive || s.type == ps::SubscriptionType::Failover;
  if (f.has("key_shared_mode")) {
    if (!key_shared) f.at("key_shared_mode").fail("key_shared_mode applies to Key_Shared subscriptions only");
    s.key_shared_mode = f.at("key_shared_mode").one_of({"AUTO_SPLIT", "STICKY"}) == "STICKY" ? ps::KeySharedMode::Sticky
                                                                                               : ps::KeySharedMode::AutoSplit;
  }
  if (f.has("allow_out_of_order_delivery")) {
    if (!key_shared) f.at("allow_out_of_order_delivery").fail("allow_out_of_order_delivery applies to Key_Shared subscriptions only");
    s.allow_out_of_order_delivery = f.at("allow_out_of_order_delivery").boolean();
  }
  if (f.has("ack")) {
    s.ack = f.at("ack").one_of({"individual", "cumulative"}) == "cumulative" ? ps::AckMode::Cumulative : ps::AckMode::Individual;
    if (s.ack == ps::AckMode::Cumulative && !single)
      f.at("ack").fail("cumulative acknowledgement is allowed on Exclusive and Failover subscriptions only");
  }
  if (f.has("ack_timeout")) {
    s.ack_timeout = f.at("ack_timeout").duration();
    if (s.ack_timeout != 0 && s.ack_timeout < sim::kSecond) f.at("ack_timeout").fail("expected 0s (disabled) or at least 1s, as the client requires");
  }
  if (f.has("negative_ack_redelivery_delay")) s.negative_ack_redelivery_delay = f.at("negative_ack_redelivery_delay").duration();
  if (f.has("ack_group_time")) s.ack_group_time = f.at("ack_group_time").duration();
  if (f.has("negative_ack_probability")) app.negative_ack_probability = f.at("negative_ack_probability").in_range(0, 1);
  if (f.has("dead_letter_max_redeliveries")) {
    if (single) f.at("dead_letter_max_redeliveries").fail("a dead-letter policy applies to Shared and Key_Shared subscriptions only");
    s.dead_letter_max_redeliveries = static_cast<std::int32_t>(f.at("dead_letter_max_redeliveries").integer(1, 1'000'000));
  }
  if (f.has("initial_position")) s.earliest = f.at("initial_position").one_of({"earliest", "latest"}) == "earliest";

  const Field c = f.at("consumers");
  c.expect_map({"count", "names", "priority_levels", "receiver_queue_size", "processing_time", "sticky_ranges"});
  ps::PulsarConsumerSpec& cs = s.consumers;
  if (c.has("count")) cs.count = static_cast<std::int32_t>(c.at("count").integer(0, 100'000));
  if (s.type == ps::SubscriptionType::Exclusive && cs.count > 1)
    c.at("count").fail("an Exclusive subscription takes one consumer (the broker refuses a second)");
  if (c.has("names")) {
    const Field n = c.at("names");
    if (!n.is_seq() || static_cast<std::int32_t>(n.size()) != cs.count) n.fail("expected a list of one name per consumer (count)");
    for (std::size_t i = 0; i < n.size(); ++i) {
      cs.names.push_back(n.at(i).str());
      if (cs.names.back().empty()) n.at(i).fail("expected a non-empty name");
    }
  }
  if (c.has("priority_levels")) {
    const Field n = c.at("priority_levels");
    if (!n.is_seq() || static_cast<std::int32_t>(n.size()) != cs.count) n.fail("expected a list of one priority level per consumer (count)");
    for (std::size_t i = 0; i < n.size(); ++i) cs.priority_levels.push_back(static_cast<std::int32_t>(n.at(i).integer(0, 2147483647)));
  }
  if (c.has("receiver_queue_size"))
    cs.receiver_queue_size = static_cast<std::int32_t>(c.at("receiver_queue_size").integer(1, 1'000'000));
  cs.processing_time = parse_distribution(c.at("processing_time"));
  const bool sticky = key_shared && s.key_shared_mode == ps::KeySharedMode::Sticky;
  if (c.has("sticky_ranges")) {
    const Field r = c.at("sticky_ranges");
    if (!sticky) r.fail("sticky_ranges apply to Key_Shared subscriptions with key_shared_mode STICKY only");
    if (!r.is_seq() || static_cast<std::int32_t>(r.size()) < cs.count)
      r.fail("expected a list of hash ranges for each consumer (at least count entries; more for consumers that join)");
    for (std::size_t i = 0; i < r.size(); ++i) cs.sticky_ranges.push_back(parse_ranges(r.at(i)));
  } else if (sticky) {
    c.fail("missing required key \"sticky_ranges\" (STICKY mode: each consumer's hash ranges)");
  }
  sc.pulsar.subscriptions.push_back(s);
  sc.applications.push_back(app);
}

void parse_faults(const Field& fs, ps::ScenarioFile& sc) {
  if (!fs.is_seq()) fs.fail("expected a list of faults");
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const Field f = fs.at(i);
    models::FaultSpec fa;
    const std::string verb = fields::parse_fault_head(f, sc.duration, fa, "{at: 2m, crash: scores/1}",
                                                      "<subscription>/<index>, e.g. \"scores/1\"");
    const Field target = f.at(verb.c_str());
    const std::int32_t s = sc.subscription_index(fa.group);
    if (s < 0) target.fail("no subscription \"" + fa.group + "\" under subscriptions");
    const ps::SubscriptionSpec& sub = sc.pulsar.subscriptions[static_cast<std::size_t>(s)];
    const std::int32_t n = fields::members_at(sc.faults, fa.group, fa.at, sub.consumers.count);
    if (fa.member >= n) target.fail("no consumer of that index in the subscription at that time");
    fields::parse_fault_verb(f, verb, fa);
    if (verb == "join") {
      if (sub.type == ps::SubscriptionType::Exclusive)
        target.fail("an Exclusive subscription takes one consumer (the broker refuses a second)");
      if (sub.key_shared_mode == ps::KeySharedMode::Sticky && sub.type == ps::SubscriptionType::KeyShared &&
          n + fa.count > static_cast<std::int32_t>(sub.consumers.sticky_ranges.size()))
        target.fail("a joining STICKY consumer needs its hash ranges under consumers.sticky_ranges");
    }
    sc.faults.push_back(fa);
  }
}

ps::ScenarioFile parse_pulsar(YAML::Node root, const std::string& origin, const std::vector<Override>& overrides) {
  fields::Source source{origin, {}, &foreign, "pulsar", {}};
  fields::apply_overrides(root, overrides, source);
  const Field top(root, "", &source);
  top.expect_map({"name", "description", "seed", "duration", "broker", "topics", "producers", "subscriptions", "faults",
                  "output"});
  ps::ScenarioFile sc;
  fields::parse_run(top, origin, sc);
  parse_broker(top.at("broker"), sc.pulsar.broker);

  auto list = [&](const char* key, const char* example) {
    const Field l = top.at(key);
    if (!l.is_seq() || l.size() == 0) l.fail(std::string("expected a non-empty list of ") + example);
    return l;
  };
  const Field ts = list("topics", "topics such as {name: player_events, partitions: 0}");
  for (std::size_t i = 0; i < ts.size(); ++i) {
    const Field t = ts.at(i);
    t.expect_map({"name", "partitions"});
    ps::PulsarTopicSpec s;
    s.name = t.at("name").str();
    if (s.name.empty()) t.at("name").fail("expected a non-empty name");
    if (sc.topic_index(s.name) >= 0) t.at("name").fail("duplicate topic name");
    if (t.has("partitions")) s.partitions = static_cast<std::int32_t>(t.at("partitions").integer(0, 10'000));
    sc.pulsar.topics.push_back(s);
  }
  if (top.has("producers")) {
    const Field ps_ = list("producers", "producers");
    for (std::size_t i = 0; i < ps_.size(); ++i) sc.pulsar.producers.push_back(parse_producer(ps_.at(i), sc));
  }
  const Field ss = list("subscriptions", "subscriptions such as {name: scores, topic: player_events, type: Shared, ...}");
  for (std::size_t i = 0; i < ss.size(); ++i) parse_subscription(ss.at(i), sc);
  if (top.has("faults")) parse_faults(top.at("faults"), sc);
  fields::parse_output(top, sc.output);
  return sc;
}

}  // namespace

bool is_pulsar_scenario_text(const std::string& text) { return fields::broker_kind(text) == "pulsar"; }

ps::ScenarioFile load_pulsar_scenario_text(const std::string& text, const std::string& origin,
                                        const std::vector<Override>& overrides) {
  return parse_pulsar(fields::parse_text(text, origin), origin, overrides);
}

ps::ScenarioFile load_pulsar_scenario_file(const std::string& path, const std::vector<Override>& overrides) {
  return load_pulsar_scenario_text(fields::read_file(path), path, overrides);
}

}  // namespace cgsim::scenarios
