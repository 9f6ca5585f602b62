#pragma once
/// @file rabbitmq_rig.hpp
/// A small RabbitMQ world for the model's unit tests: one fanout exchange "x" bound to queue "q",
/// consumer groups added by the test, and publishes injected at chosen times. Message ids are
/// given in publish order from 1 (one queue copy each).
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "models/common/priorities.hpp"
#include "models/rabbitmq/world.hpp"

namespace rabbitmq_rig {

namespace rmq = cgsim::models::rabbitmq;
namespace sim = cgsim::sim;
using sim::kMillisecond;
using sim::kSecond;

struct Requeue {
  std::int32_t queue;
  std::uint64_t id;
  rmq::RequeueReason reason;
  sim::Time at;
};
struct Drop {
  std::int32_t queue;
  rmq::DropReason reason;
  bool dead_lettered;
};

struct Rig {
  rmq::Scenario sc;
  sim::Engine engine;
  std::unique_ptr<rmq::World> world;
  std::vector<rmq::ProcessedMessage> done;
  std::vector<Requeue> requeues;
  std::vector<Drop> drops;
  std::vector<std::int32_t> timeouts;

  explicit Rig(rmq::QueueSpec::Type type = rmq::QueueSpec::Type::Classic) {
    sc.name = "rig";
    sc.duration = 60 * kSecond;
    sc.broker.network_latency = 1 * kMillisecond;
    sc.exchanges.push_back({"x", rmq::ExchangeSpec::Kind::Fanout});
    rmq::QueueSpec q;
    q.name = "q";
    q.type = type;
    sc.queues.push_back(q);
    sc.bindings.push_back({"x", "q", ""});
    rmq::ProducerSpec p;  // never publishes by itself: names the routing key of injected messages
    p.exchange = "x";
    p.routing_key = "rk";
    p.keys.prefix = "k";
    sc.producers.push_back(p);
    sc.output.sample_interval = 0;
  }
  rmq::QueueSpec& queue() { return sc.queues[0]; }
  /// Dead-letters queue "q" through fanout exchange "dlx" to queue "dlq" (queue 1).
  void add_dead_letter_queue() {
    sc.exchanges.push_back({"dlx", rmq::ExchangeSpec::Kind::Fanout});
    rmq::QueueSpec dlq;
    dlq.name = "dlq";
    sc.queues.push_back(dlq);
    sc.bindings.push_back({"dlx", "dlq", ""});
    queue().dead_letter_exchange = "dlx";
  }
  /// Adds a consumer group on queue "q" processing each message in @p processing.
  rmq::ConsumerGroupSpec& group(const std::string& name, std::int32_t count, std::int32_t prefetch,
                                sim::Time processing, std::int32_t priority = 0) {
    rmq::ConsumerGroupSpec g;
    g.name = name;
    g.queue = "q";
    g.count = count;
    g.prefetch = prefetch;
    g.priority = priority;
    g.processing_time = sim::Distribution::constant(static_cast<double>(processing) / 1e9);
    sc.consumers.push_back(g);
    return sc.consumers.back();
  }
  void build() {
    world = std::make_unique<rmq::World>(engine, sc);
    auto& s = world->signals();
    s.processed.connect([this](const rmq::ProcessedMessage& m) { done.push_back(m); });
    s.requeued.connect([this](std::int32_t q, std::uint64_t id, rmq::RequeueReason r, sim::Time t) {
      requeues.push_back({q, id, r, t});
    });
    s.dropped.connect([this](std::int32_t q, rmq::DropReason r, bool dl, sim::Time) { drops.push_back({q, r, dl}); });
    s.consumer_timeout.connect([this](std::int32_t g, std::int32_t, sim::Time) { timeouts.push_back(g); });
    world->start();
  }
  /// Publishes @p n messages to "x" at @p at (key index i for the i-th when @p keyed).
  void publish(sim::Time at, int n = 1, bool keyed = false) {
    for (int i = 0; i < n; ++i) {
      engine.schedule_at(at, cgsim::models::priority::kProducer, [this, i, keyed] {
        world->broker().publish(0, "rk", 0, keyed ? static_cast<std::uint64_t>(i) : rmq::kNoKey, 100);
      });
    }
  }
  void fault(cgsim::models::FaultSpec::Kind kind, sim::Time at, const std::string& group, std::int32_t member,
             std::int32_t count = 1) {
    cgsim::models::FaultSpec f;
    f.kind = kind;
    f.at = at;
    f.group = group;
    f.member = member;
    f.count = count;
    faults_.push_back(f);
    const auto* fp = &faults_.back();
    engine.schedule_at(at, cgsim::models::priority::kFault, [this, fp] { world->apply(*fp); });
  }
  void run(sim::Time until) { engine.run_until(until); }
  /// Message ids processed by consumer @p member of group @p group, in completion order.
  std::vector<std::uint64_t> ids(std::int32_t group, std::int32_t member) const {
    std::vector<std::uint64_t> v;
    for (const auto& m : done)
      if (m.group == group && m.consumer == member) v.push_back(m.message);
    return v;
  }
  std::vector<std::uint64_t> all_ids() const {
    std::vector<std::uint64_t> v;
    for (const auto& m : done) v.push_back(m.message);
    return v;
  }
  /// The per-queue conservation identity.
  bool conserved() const {
    const auto t = world->totals();
    return t.enqueued == t.acked + t.dropped + t.dead_lettered + t.ready + t.unacked;
  }

 private:
  std::deque<cgsim::models::FaultSpec> faults_;
};

}  // namespace rabbitmq_rig
