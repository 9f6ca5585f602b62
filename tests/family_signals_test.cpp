// The signals every family emits in family-neutral terms (models/common/signals.hpp): each
// family's consumers report joining, leaving and crashing the same way, so one subscriber serves
// Kafka, RabbitMQ and Pulsar runs alike.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "models/common/signals.hpp"
#include "models/kafka/world.hpp"
#include "models/pulsar/world.hpp"
#include "models/rabbitmq/world.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"
#include "sim/engine.hpp"

namespace {

using namespace cgsim;
using models::ConsumerEvent;

struct Event {
  std::int32_t group;
  std::int32_t consumer;
  ConsumerEvent event;
  sim::Time at;
};

/// The one subscriber: it sees every family through CommonSignals.
struct Recorder {
  std::vector<Event> events;
  std::vector<sim::Time> faults;
  void attach(models::CommonSignals& s) {
    s.consumer.connect([this](std::int32_t g, std::int32_t c, ConsumerEvent e, sim::Time t) { events.push_back({g, c, e, t}); });
    s.fault.connect([this](const models::FaultSpec&, sim::Time t) { faults.push_back(t); });
  }
  std::size_t count(ConsumerEvent e) const {
    return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [e](const Event& x) { return x.event == e; }));
  }
  bool has(std::int32_t g, std::int32_t c, ConsumerEvent e, sim::Time at = -1) const {
    return std::any_of(events.begin(), events.end(), [&](const Event& x) {
      return x.group == g && x.consumer == c && x.event == e && (at < 0 || x.at == at);
    });
  }
  /// The consumers of group @p g that joined at some point.
  std::set<std::int32_t> members(std::int32_t g) const {
    std::set<std::int32_t> out;
    for (const Event& x : events)
      if (x.group == g && x.event == ConsumerEvent::Joined) out.insert(x.consumer);
    return out;
  }
  /// Consumer @p c of group @p g left, then joined again later.
  bool came_back(std::int32_t g, std::int32_t c) const {
    for (const Event& l : events)
      if (l.group == g && l.consumer == c && l.event == ConsumerEvent::Left)
        for (const Event& j : events)
          if (j.group == g && j.consumer == c && j.event == ConsumerEvent::Joined && j.at > l.at) return true;
    return false;
  }
};

/// Runs @p sc in a World of its family, recording through CommonSignals.
template <class World, class Scenario>
Recorder run(const Scenario& sc) {
  sim::Engine engine;
  World world(engine, sc);
  Recorder rec;
  rec.attach(world.signals());
  world.start();
  world.run();
  return rec;
}

TEST(FamilySignals, KafkaConsumersJoinLeaveAndCrash) {
  const auto sc = scenarios::load_scenario_text(R"(
name: t
seed: 3
duration: 60s
topics: [{name: a, partitions: 4}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 100}}
groups:
  - id: g
    topics: [a]
    session_timeout: 10s
    heartbeat_interval: 1s
    consumers: {count: 3, processing_time: {kind: constant, value: 1ms}}
faults:
  - {at: 20s, crash: g/1}
  - {at: 30s, restart: g/0, downtime: 2s}
  - {at: 40s, join: g, count: 1}
)",
                                                "test.yaml");
  const Recorder rec = run<models::World>(sc);
  EXPECT_EQ(rec.faults.size(), 3u);
  EXPECT_EQ(rec.count(ConsumerEvent::Joined), 5u);  // three, g/0's replacement, the joiner
  EXPECT_TRUE(rec.has(0, 1, ConsumerEvent::Crashed, 20 * sim::kSecond));
  EXPECT_TRUE(rec.came_back(0, 0));
  EXPECT_TRUE(rec.has(0, 3, ConsumerEvent::Joined));
  EXPECT_EQ(rec.count(ConsumerEvent::Crashed), 1u);
}

TEST(FamilySignals, RabbitmqConsumersJoinLeaveAndCrash) {
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/mail_jobs_rabbitmq.yaml");
  const Recorder rec = run<models::rabbitmq::World>(sc);
  const std::int32_t g = sc.group_index("mail_workers");
  ASSERT_GE(g, 0);
  // crash mail_workers/3 at 2 m; a join; a rolling restart of every member from 6 m.
  EXPECT_TRUE(rec.has(g, 3, ConsumerEvent::Crashed, 2 * sim::kMinute));
  EXPECT_EQ(rec.count(ConsumerEvent::Crashed), 1u);
  EXPECT_EQ(rec.members(g).size(), 7u);  // six, and the one that joined
  for (std::int32_t m : rec.members(g)) {
    if (m != 3) {
      EXPECT_TRUE(rec.came_back(g, m)) << m;
    }
  }
}

TEST(FamilySignals, PulsarConsumersJoinAndCrash) {
  const auto sc = scenarios::load_pulsar_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/chat_pulsar_failover.yaml");
  const Recorder rec = run<models::pulsar::World>(sc);
  const std::int32_t s = sc.subscription_index("delivery");
  ASSERT_GE(s, 0);
  EXPECT_EQ(rec.members(s).size(), static_cast<std::size_t>(sc.pulsar.subscriptions[static_cast<std::size_t>(s)].consumers.count));
  EXPECT_TRUE(rec.has(s, 0, ConsumerEvent::Crashed, sim::kMinute));
  EXPECT_EQ(rec.count(ConsumerEvent::Left), 0u);
}

}  // namespace
