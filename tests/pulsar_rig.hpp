#pragma once
/// @file pulsar_rig.hpp
/// A small Pulsar world for the model's unit tests: one topic "t" (non-partitioned unless asked),
/// one subscription "s" of the type under test, and messages appended at chosen times with chosen
/// keys (key index k has the sticky key "k<k>"). Processing takes 10 ms unless set otherwise.
#include <map>
#include <memory>
#include <vector>

#include "models/common/priorities.hpp"
#include "models/pulsar/world.hpp"

namespace pulsar_rig {

namespace ps = cgsim::models::pulsar;
namespace sim = cgsim::sim;
using sim::kMillisecond;
using sim::kSecond;

struct Redelivery {
  std::int32_t partition;
  std::int64_t entry;
  ps::RedeliveryReason reason;
  sim::Time at;
};
struct Active {
  std::int32_t partition;
  std::int32_t member;
  sim::Time chosen;
  sim::Time from;
};

struct Rig {
  ps::ScenarioFile sc;
  sim::Engine engine;
  std::unique_ptr<ps::World> world;
  std::vector<ps::ProcessedMessage> done;
  std::vector<Redelivery> redeliveries;
  std::vector<Active> actives;
  std::vector<std::int64_t> dead;
  std::int64_t sequence = 0;

  Rig(ps::SubscriptionType type, std::int32_t consumers, std::int32_t partitions = 0) {
    sc.name = "rig";
    sc.duration = 10 * sim::kMinute;
    sc.pulsar.broker.request_latency = 1 * kMillisecond;
    sc.pulsar.topics.push_back({"t", partitions});
    ps::PulsarProducerSpec p;  // never sends by itself: names the keys of appended messages
    p.topic = "t";
    p.keys.kind = cgsim::models::KeySpec::Kind::Uniform;
    p.keys.cardinality = 1000;
    p.keys.prefix = "k";
    sc.pulsar.producers.push_back(p);
    ps::SubscriptionSpec s;
    s.name = "s";
    s.topic = "t";
    s.type = type;
    s.consumers.count = consumers;
    s.consumers.processing_time = sim::Distribution::constant(0.010);
    sc.pulsar.subscriptions.push_back(s);
    sc.applications.push_back({});
    sc.output.sample_interval = 0;
  }
  ps::SubscriptionSpec& sub() { return sc.pulsar.subscriptions[0]; }

  /// Builds and starts the world (after the scenario is set up).
  ps::World& build() {
    world = std::make_unique<ps::World>(engine, sc);
    world->signals().processed.connect([this](const ps::ProcessedMessage& m) { done.push_back(m); });
    world->signals().redelivered.connect([this](std::int32_t, std::int32_t p, std::int64_t e, ps::RedeliveryReason r,
                                                sim::Time t) { redeliveries.push_back({p, e, r, t}); });
    world->signals().active_consumer.connect([this](std::int32_t, std::int32_t p, std::int32_t m, sim::Time c, sim::Time f) {
      actives.push_back({p, m, c, f});
    });
    world->signals().dead_lettered.connect([this](std::int32_t, std::int32_t, std::int64_t e, sim::Time) { dead.push_back(e); });
    world->start();
    return *world;
  }
  /// Appends a message with key index @p key (kNoKey: none) to @p partition at @p at.
  void publish(sim::Time at, std::uint64_t key, std::int32_t partition = 0) {
    engine.schedule_at(at, cgsim::models::priority::kProducer, [this, key, partition] {
      ps::Entry e;
      e.key = key;
      e.producer = 0;
      e.sequence = sequence++;
      e.published = engine.now();
      e.batch_key = e.key;  // sent alone: its own batch
      e.batch_sequence = e.sequence;
      world->topic(0).append(partition, e);
    });
  }
  /// @p n messages from @p at, @p gap apart, keys 0..keys-1 in turn.
  void publish_many(sim::Time at, int n, sim::Time gap, std::uint64_t keys, std::int32_t partition = 0) {
    for (int i = 0; i < n; ++i) publish(at + gap * i, keys ? static_cast<std::uint64_t>(i) % keys : ps::kNoKey, partition);
  }
  /// A backlog of 3000 messages over 40 keys from 10 ms on, and a consumer joining at 2 s: the
  /// Key_Shared hand-over under load.
  void join_under_backlog() {
    publish_many(10 * kMillisecond, 3000, 0, 40);
    engine.schedule_at(2 * kSecond, 0, [this] { world->add_consumer(0).start(); });
  }
  /// From now on, records in draining_waits how long each hash drained before its release.
  void track_draining() {
    world->signals().draining.connect([this](std::int32_t, std::int32_t, std::int32_t h, bool on, sim::Time t) {
      if (on) draining_since[h] = t;
      else draining_waits.push_back(t - draining_since.at(h));
    });
  }
  std::map<std::int32_t, sim::Time> draining_since;  ///< hash -> when its latest draining began
  std::vector<sim::Time> draining_waits;

  void run(sim::Time until) { engine.run_until(until); }
  ps::SubscriptionTotals totals() const { return world->totals(0); }
  /// Messages processed by consumer @p member.
  std::size_t by(std::int32_t member) const {
    std::size_t n = 0;
    for (const auto& m : done) n += m.consumer == member;
    return n;
  }
  std::uint64_t out_of_order() const {
    std::uint64_t n = 0;
    for (const auto& m : done) n += m.out_of_order;
    return n;
  }
};

}  // namespace pulsar_rig
