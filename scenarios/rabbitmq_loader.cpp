#include "scenarios/rabbitmq_loader.hpp"

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

namespace rmq = models::rabbitmq;
using sim::Time;
using fields::Field;
using fields::parse_distribution;
using fields::parse_keys;
using fields::parse_rate;

namespace {

/// Keys of a Kafka scenario that mean nothing to RabbitMQ, with what to use instead.
const char* kafka_only(const std::string& key) {
  if (key == "topics") return "a RabbitMQ scenario has exchanges, queues and bindings instead";
  if (key == "groups") return "a RabbitMQ scenario lists consumer groups under consumers";
  if (key == "client") return "the client flavour is a Kafka setting";
  if (key == "time_scale") return "live replay of RabbitMQ scenarios is not available yet";
  if (key == "topic") return "RabbitMQ producers publish to an exchange";
  if (key == "partitioner") return "RabbitMQ routes by exchange type and bindings, not partitioners";
  if (key == "record_bytes") return "RabbitMQ producers take message_bytes";
  if (key == "assignor" || key == "protocol" || key == "session_timeout" || key == "heartbeat_interval" ||
      key == "max_poll_interval" || key == "max_poll_records" || key == "commit" || key == "auto_offset_reset" ||
      key == "client_start" ||
      key == "static" || key == "rack" || key == "initial_rebalance_delay" || key == "produce_tick" ||
      key == "request_latency")
    return "it is a Kafka setting";
  return nullptr;
}

}  // namespace

namespace {

rmq::Scenario parse_rabbitmq(YAML::Node root, const std::string& origin, const std::vector<Override>& overrides) {
  fields::Source source{origin, {}, &kafka_only, "rabbitmq", "Kafka-only key"};
  fields::apply_overrides(root, overrides, source);
  const Field top(root, "", &source);
  top.expect_map({"name", "description", "seed", "duration", "broker", "exchanges", "queues", "bindings", "producers",
                  "consumers", "faults", "output"});
  rmq::Scenario sc;
  fields::parse_run(top, origin, sc);

  const Field b = top.at("broker");
  b.expect_map({"kind", "network_latency", "dispatch_time", "quorum_apply_time", "consumer_timeout", "channel_tick"});
  b.at("kind").one_of({"rabbitmq"});
  if (b.has("network_latency")) sc.broker.network_latency = b.at("network_latency").duration();
  if (b.has("quorum_apply_time")) {
    sc.broker.quorum_apply_time = b.at("quorum_apply_time").duration();
    if (sc.broker.quorum_apply_time < 0) b.at("quorum_apply_time").fail("expected a duration of 0 or more");
  }
  if (b.has("dispatch_time")) {
    sc.broker.dispatch_time = b.at("dispatch_time").duration();
    if (sc.broker.dispatch_time < 0) b.at("dispatch_time").fail("expected a duration of 0 or more");
  }
  if (b.has("consumer_timeout")) {
    const Field ct = b.at("consumer_timeout");
    sc.broker.consumer_timeout = ct.str() == "off" ? sim::kNever : ct.duration();
  }
  if (b.has("channel_tick")) {
    sc.broker.channel_tick = b.at("channel_tick").duration();
    if (sc.broker.channel_tick <= 0) b.at("channel_tick").fail("expected a positive duration");
  }

  auto list = [&](const char* key, const char* example) {
    const Field l = top.at(key);
    if (!l.is_seq() || l.size() == 0) l.fail(std::string("expected a non-empty list of ") + example);
    return l;
  };
  if (top.has("exchanges")) {
    const Field xs = list("exchanges", "exchanges such as {name: jobs, type: direct}");
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const Field x = xs.at(i);
      x.expect_map({"name", "type"});
      rmq::ExchangeSpec e;
      e.name = x.at("name").str();
      if (e.name.empty()) x.at("name").fail("expected a non-empty name (\"\" is the default exchange)");
      if (sc.exchange_index(e.name) >= 0) x.at("name").fail("duplicate exchange name");
      const std::string t = x.at("type").one_of({"direct", "fanout", "topic", "x-consistent-hash"});
      e.kind = t == "direct" ? rmq::ExchangeSpec::Kind::Direct
               : t == "fanout" ? rmq::ExchangeSpec::Kind::Fanout
               : t == "topic"  ? rmq::ExchangeSpec::Kind::Topic
                               : rmq::ExchangeSpec::Kind::ConsistentHash;
      sc.exchanges.push_back(e);
    }
  }
  const Field qs = list("queues", "queues such as {name: mail, type: quorum}");
  std::vector<Field> dlx_fields;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const Field q = qs.at(i);
    q.expect_map({"name", "type", "max_length", "max_length_bytes", "overflow", "message_ttl", "dead_letter_exchange",
                  "dead_letter_routing_key", "delivery_limit", "single_active_consumer"});
    rmq::QueueSpec s;
    s.name = q.at("name").str();
    if (s.name.empty()) q.at("name").fail("expected a non-empty name");
    if (sc.queue_index(s.name) >= 0) q.at("name").fail("duplicate queue name");
    if (q.has("type")) s.type = q.at("type").one_of({"classic", "quorum"}) == "quorum" ? rmq::QueueSpec::Type::Quorum : rmq::QueueSpec::Type::Classic;
    if (q.has("max_length")) s.max_length = q.at("max_length").integer(0, INT64_MAX);
    if (q.has("max_length_bytes")) s.max_length_bytes = q.at("max_length_bytes").integer(0, INT64_MAX);
    if (q.has("overflow")) {
      s.overflow = q.at("overflow").one_of({"drop-head", "reject-publish"}) == "reject-publish" ? rmq::QueueSpec::Overflow::RejectPublish
                                                                                                 : rmq::QueueSpec::Overflow::DropHead;
      if (s.max_length < 0 && s.max_length_bytes < 0) q.at("overflow").fail("overflow needs max_length or max_length_bytes");
    }
    if (q.has("message_ttl")) s.message_ttl = q.at("message_ttl").duration();
    if (q.has("dead_letter_exchange")) {
      s.dead_letter_exchange = q.node()["dead_letter_exchange"].Scalar();
      dlx_fields.push_back(q.at("dead_letter_exchange"));
    }
    if (q.has("dead_letter_routing_key")) s.dead_letter_routing_key = q.at("dead_letter_routing_key").str();
    if (q.has("delivery_limit")) {
      if (s.type != rmq::QueueSpec::Type::Quorum) q.at("delivery_limit").fail("delivery_limit applies to quorum queues only");
      s.delivery_limit = static_cast<std::int32_t>(q.at("delivery_limit").integer(0, INT32_MAX));
    }
    if (q.has("single_active_consumer")) s.single_active_consumer = q.at("single_active_consumer").boolean();
    sc.queues.push_back(s);
  }
  for (const Field& f : dlx_fields) {
    const std::string x = f.str();
    if (!x.empty() && sc.exchange_index(x) < 0) f.fail("no exchange of that name under exchanges (\"\" is the default exchange)");
  }
  if (top.has("bindings")) {
    const Field bs = list("bindings", "bindings such as {exchange: jobs, queue: mail, key: mail}");
    for (std::size_t i = 0; i < bs.size(); ++i) {
      const Field f = bs.at(i);
      f.expect_map({"exchange", "queue", "key", "weight"});
      rmq::BindingSpec bd;
      bd.exchange = f.at("exchange").str();
      const std::int32_t x = sc.exchange_index(bd.exchange);
      if (x < 0) f.at("exchange").fail("no exchange of that name under exchanges");
      bd.queue = f.at("queue").str();
      if (sc.queue_index(bd.queue) < 0) f.at("queue").fail("no queue of that name under queues");
      const bool hash = sc.exchanges[static_cast<std::size_t>(x)].kind == rmq::ExchangeSpec::Kind::ConsistentHash;
      if (hash) {
        if (f.has("key")) f.at("key").fail("a consistent-hash binding takes a weight, not a key");
        bd.key = std::to_string(f.has("weight") ? f.at("weight").integer(1, 100'000) : 1);
      } else {
        if (f.has("weight")) f.at("weight").fail("weight applies to x-consistent-hash bindings only");
        if (f.has("key")) bd.key = f.at("key").str();
      }
      sc.bindings.push_back(bd);
    }
  }
  if (top.has("producers")) {
    const Field ps = list("producers", "producers");
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const Field p = ps.at(i);
      p.expect_map({"exchange", "routing_key", "rate", "keys", "message_bytes", "count", "start", "stop"});
      rmq::ProducerSpec s;
      s.exchange = p.at("exchange").str();
      if (!s.exchange.empty() && sc.exchange_index(s.exchange) < 0) p.at("exchange").fail("no exchange of that name under exchanges (\"\" is the default exchange)");
      if (p.has("routing_key")) s.routing_key = p.at("routing_key").str();
      s.rate = parse_rate(p.at("rate"));
      if (p.has("keys")) s.keys = parse_keys(p.at("keys"));
      if (p.has("message_bytes")) s.message_bytes = static_cast<std::int32_t>(p.at("message_bytes").integer(0, 512 * 1024 * 1024));
      if (p.has("count")) s.count = static_cast<std::int32_t>(p.at("count").integer(1, 10'000));
      if (p.has("start")) s.start = p.at("start").duration();
      if (p.has("stop")) s.stop = p.at("stop").duration();
      if (s.stop <= s.start) p.at("stop").fail("expected stop after start");
      sc.producers.push_back(s);
    }
  }
  const Field cs = list("consumers", "consumer groups such as {name: workers, queue: mail, count: 4}");
  for (std::size_t i = 0; i < cs.size(); ++i) {
    const Field c = cs.at(i);
    c.expect_map({"name", "queue", "count", "prefetch", "priority", "ack", "processing_time", "reconnect_delay"});
    rmq::ConsumerGroupSpec g;
    g.name = c.at("name").str();
    if (g.name.empty()) c.at("name").fail("expected a non-empty name");
    if (sc.group_index(g.name) >= 0) c.at("name").fail("duplicate consumer group name");
    g.queue = c.at("queue").str();
    if (sc.queue_index(g.queue) < 0) c.at("queue").fail("no queue of that name under queues");
    if (c.has("count")) g.count = static_cast<std::int32_t>(c.at("count").integer(0, 100'000));
    if (c.has("prefetch")) g.prefetch = static_cast<std::int32_t>(c.at("prefetch").integer(0, 65535));
    if (c.has("priority")) g.priority = static_cast<std::int32_t>(c.at("priority").integer(-2147483647, 2147483647));
    g.processing_time = parse_distribution(c.at("processing_time"));
    if (c.has("reconnect_delay")) {
      const Field r = c.at("reconnect_delay");
      g.reconnect_delay = r.str() == "never" ? sim::kNever : r.duration();
    }
    if (c.has("ack")) {
      const Field a = c.at("ack");
      a.expect_map({"mode", "multiple", "reject_probability", "requeue"});
      if (a.has("mode")) g.ack.automatic = a.at("mode").one_of({"manual", "auto"}) == "auto";
      if (a.has("multiple")) g.ack.multiple = static_cast<std::int32_t>(a.at("multiple").integer(1, 65535));
      if (a.has("reject_probability")) g.ack.reject_probability = a.at("reject_probability").in_range(0, 1);
      if (a.has("requeue")) g.ack.reject_requeue = a.at("requeue").boolean();
      if (g.ack.automatic) {
        for (const char* k : {"multiple", "reject_probability", "requeue"})
          if (a.has(k)) a.at(k).fail("applies to manual acknowledgement only (mode: manual)");
      }
    }
    sc.consumers.push_back(g);
  }
  if (top.has("faults")) {
    const Field fs = top.at("faults");
    if (!fs.is_seq()) fs.fail("expected a list of faults");
    for (std::size_t i = 0; i < fs.size(); ++i) {
      const Field f = fs.at(i);
      models::FaultSpec fa;
      const std::string verb = fields::parse_fault_head(f, sc.duration, fa, "{at: 2m, crash: workers/1}",
                                                        "<consumer group>/<index>, e.g. \"workers/1\"");
      const Field target = f.at(verb.c_str());
      const std::int32_t g = sc.group_index(fa.group);
      if (g < 0) target.fail("no consumer group \"" + fa.group + "\" under consumers");
      if (fa.member >= fields::members_at(sc.faults, fa.group, fa.at, sc.consumers[static_cast<std::size_t>(g)].count))
        target.fail("no consumer of that index in the group at that time");
      fields::parse_fault_verb(f, verb, fa);
      sc.faults.push_back(fa);
    }
  }
  fields::parse_output(top, sc.output);
  return sc;
}

}  // namespace

bool is_rabbitmq_scenario_text(const std::string& text) { return fields::broker_kind(text) == "rabbitmq"; }

rmq::Scenario load_rabbitmq_scenario_text(const std::string& text, const std::string& origin,
                                        const std::vector<Override>& overrides) {
  return parse_rabbitmq(fields::parse_text(text, origin), origin, overrides);
}

rmq::Scenario load_rabbitmq_scenario_file(const std::string& path, const std::vector<Override>& overrides) {
  return load_rabbitmq_scenario_text(fields::read_file(path), path, overrides);
}

}  // namespace cgsim::scenarios
