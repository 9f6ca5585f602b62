// The Pulsar scenario loader and the example scenarios: they load, run on the model and account
// for every message; Key_Shared keeps each player's order across the join, and Failover switches
// after the failover delay.
#include <gtest/gtest.h>

#include <string>

#include "models/common/error.hpp"
#include "models/pulsar/world.hpp"
#include "scenarios/pulsar_loader.hpp"

namespace ps = cgsim::models::pulsar;
namespace sim = cgsim::sim;
using cgsim::scenarios::load_pulsar_scenario_file;
using cgsim::scenarios::load_pulsar_scenario_text;

namespace {
struct Active {
  std::int32_t partition, member;
  sim::Time chosen, from;
};
struct Outcome {
  ps::SubscriptionTotals totals;
  std::uint64_t processed = 0, duplicates = 0, out_of_order = 0, out_of_order_after_join = 0;
  std::vector<std::uint64_t> per_consumer;
  std::vector<Active> actives;
  std::vector<sim::Time> first_delivery;  ///< per consumer
};
Outcome run(const ps::ScenarioFile& sc, sim::Time join_at = sim::kNever) {
  sim::Engine engine;
  ps::World world(engine, sc);
  Outcome r;
  world.signals().processed.connect([&](const ps::ProcessedMessage& m) {
    ++r.processed;
    r.duplicates += m.duplicate;
    r.out_of_order += m.out_of_order;
    if (m.done >= join_at) r.out_of_order_after_join += m.out_of_order;
    const auto c = static_cast<std::size_t>(m.consumer);
    if (r.per_consumer.size() <= c) r.per_consumer.resize(c + 1, 0), r.first_delivery.resize(c + 1, sim::kNever);
    ++r.per_consumer[c];
    r.first_delivery[c] = std::min(r.first_delivery[c], m.delivered);
  });
  world.signals().active_consumer.connect([&](std::int32_t, std::int32_t p, std::int32_t m, sim::Time c, sim::Time f) {
    r.actives.push_back({p, m, c, f});
  });
  world.start();
  world.run();
  r.totals = world.totals(0);
  return r;
}
void expect_conserved(const ps::SubscriptionTotals& t) {
  EXPECT_GT(t.published, 0u);
  EXPECT_EQ(t.published, t.acked + t.backlog + t.dead_lettered);
}
std::string load_error(const std::string& text) {
  try {
    load_pulsar_scenario_text(text, "t.yaml");
  } catch (const cgsim::InputError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "no error";
}
const std::string kHead = "name: t\nbroker: {kind: pulsar}\ntopics: [{name: e}]\n";
const std::string kConsumers = "consumers: {count: 2, processing_time: {kind: constant, value: 1ms}}";
}  // namespace

TEST(PulsarScenario, PlayerEventsKeySharedKeepsOrderAcrossTheJoin) {
  const auto sc = load_pulsar_scenario_file(CGSIM_SOURCE_DIR "/scenarios/player_events_pulsar_key_shared.yaml");
  ASSERT_EQ(sc.pulsar.subscriptions.size(), 1u);
  EXPECT_EQ(sc.pulsar.subscriptions[0].type, ps::SubscriptionType::KeyShared);
  EXPECT_FALSE(sc.pulsar.subscriptions[0].allow_out_of_order_delivery);
  ASSERT_EQ(sc.faults.size(), 2u);
  const Outcome r = run(sc, sc.faults[0].at);
  expect_conserved(r.totals);
  EXPECT_GT(r.processed, 100000u);
  EXPECT_EQ(r.out_of_order, 0u);
  EXPECT_EQ(r.out_of_order_after_join, 0u);
  ASSERT_EQ(r.per_consumer.size(), 5u);  // four and the joiner
  EXPECT_GT(r.per_consumer[4], 0u);
  EXPECT_GT(r.totals.redeliveries, 0u);  // the crash
}

// With default batching a batch of mixed keys goes whole to its first key's consumer: a key's
// messages reach two consumers at once and can be processed out of order.
TEST(PulsarScenario, PlayerEventsInMixedKeyBatchesCanReorder) {
  auto sc = load_pulsar_scenario_file(CGSIM_SOURCE_DIR "/scenarios/player_events_pulsar_key_shared.yaml");
  sc.pulsar.producers[0].batching = true;
  const Outcome r = run(sc, sc.faults[0].at);
  expect_conserved(r.totals);
  EXPECT_GT(r.out_of_order, 0u);
}

TEST(PulsarScenario, PlayerEventsWithOutOfOrderDeliveryAllowedCanReorder) {
  auto sc = load_pulsar_scenario_file(CGSIM_SOURCE_DIR "/scenarios/player_events_pulsar_key_shared.yaml");
  sc.pulsar.subscriptions[0].allow_out_of_order_delivery = true;
  const Outcome r = run(sc);
  expect_conserved(r.totals);
  EXPECT_GE(r.processed, r.totals.acked);  // acks still in flight at the end are not counted
}

TEST(PulsarScenario, ChatFailoverSwitchesAfterTheFailoverDelay) {
  const auto sc = load_pulsar_scenario_file(CGSIM_SOURCE_DIR "/scenarios/chat_pulsar_failover.yaml");
  EXPECT_EQ(sc.pulsar.subscriptions[0].type, ps::SubscriptionType::Failover);
  const sim::Time crash = sc.faults.at(0).at;
  const sim::Time delay = sc.pulsar.broker.failover_delay;
  const Outcome r = run(sc);
  expect_conserved(r.totals);
  EXPECT_GT(r.processed, 50000u);
  // Partitions 0 and 2 had delivery-a (member 0) active; after the crash, delivery-b takes them.
  int switches = 0;
  for (const Active& a : r.actives) {
    if (a.chosen <= crash) continue;
    ++switches;
    EXPECT_EQ(a.member, 1);
    EXPECT_EQ(a.partition % 2, 0);
    EXPECT_EQ(a.from - a.chosen, delay);
    EXPECT_EQ(a.chosen, crash + sc.pulsar.broker.request_latency);
  }
  EXPECT_EQ(switches, 2);
  EXPECT_EQ(r.totals.backlog, r.totals.unacked + (r.totals.backlog - r.totals.unacked));
  EXPECT_LT(r.totals.backlog, 100u);  // caught up by the end
}

TEST(PulsarScenarioLoader, AcceptsTheDocumentedExample) {
  const auto sc = load_pulsar_scenario_text(
      kHead + "producers: [{topic: e, rate: {kind: constant, per_second: 10}, routing: single, hashing: murmur3}]\n"
              "subscriptions:\n  - {name: s, topic: e, type: Key_Shared, key_shared_mode: STICKY,\n"
              "     consumers: {count: 2, processing_time: {kind: constant, value: 1ms},\n"
              "                 sticky_ranges: [[[0, 100]], [[101, 65535]]]}}\n",
      "t.yaml");
  EXPECT_EQ(sc.pulsar.subscriptions[0].key_shared_mode, ps::KeySharedMode::Sticky);
  EXPECT_EQ(sc.pulsar.subscriptions[0].consumers.sticky_ranges.size(), 2u);
  EXPECT_EQ(sc.pulsar.producers[0].hashing, ps::HashingScheme::Murmur3_32Hash);
}

TEST(PulsarScenarioLoader, ReadsTheAckGroupTime) {
  const std::string sub = "subscriptions: [{name: s, topic: e, type: Shared, " + kConsumers;
  EXPECT_EQ(load_pulsar_scenario_text(kHead + sub + "}]\n", "t.yaml").pulsar.subscriptions[0].ack_group_time,
            100 * sim::kMillisecond);  // the Java client's acknowledgementsGroupTime
  EXPECT_EQ(load_pulsar_scenario_text(kHead + sub + ", ack_group_time: 0s}]\n", "t.yaml").pulsar.subscriptions[0].ack_group_time, 0);
  const std::string e = load_error(kHead + sub + ", ack_group_time: soon}]\n");
  EXPECT_NE(e.find("subscriptions[0].ack_group_time"), std::string::npos) << e;
  EXPECT_NE(e.find("expected a duration"), std::string::npos) << e;
}

TEST(PulsarScenarioLoader, NamesFieldAndExpectation) {
  const std::string e = load_error(kHead + "subscriptions: [{name: s, topic: e, type: Shared, " + kConsumers +
                                   ", ack: cumulative}]\n");
  EXPECT_NE(e.find("t.yaml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("subscriptions[0].ack"), std::string::npos) << e;
  EXPECT_NE(e.find("Exclusive and Failover"), std::string::npos) << e;
}

TEST(PulsarScenarioLoader, NamesKafkaAndRabbitMqKeys) {
  EXPECT_NE(load_error(kHead + "groups: []\n").find("Kafka-only"), std::string::npos);
  EXPECT_NE(load_error(kHead + "queues: []\n").find("RabbitMQ-only"), std::string::npos);
  const std::string e = load_error(kHead + "subscriptions: [{name: s, topic: e, type: Shared, consumers: {count: 1, "
                                           "prefetch: 5, processing_time: {kind: constant, value: 1ms}}}]\n");
  EXPECT_NE(e.find("subscriptions[0].consumers.prefetch"), std::string::npos) << e;
  EXPECT_NE(e.find("RabbitMQ-only"), std::string::npos) << e;
}

TEST(PulsarScenarioLoader, RejectsWhatPulsarRefuses) {
  EXPECT_NE(load_error(kHead + "subscriptions: [{name: s, topic: e, type: Exclusive, " + kConsumers + "}]\n")
                .find("one consumer"),
            std::string::npos);
  EXPECT_NE(load_error(kHead + "subscriptions: [{name: s, topic: e, type: Failover, dead_letter_max_redeliveries: 3, " +
                       kConsumers + "}]\n")
                .find("Shared and Key_Shared"),
            std::string::npos);
  EXPECT_NE(load_error(kHead + "subscriptions: [{name: s, topic: e, type: Shared, ack_timeout: 200ms, " + kConsumers +
                       "}]\n")
                .find("at least 1s"),
            std::string::npos);
  EXPECT_NE(load_error(kHead + "subscriptions: [{name: s, topic: e, type: Key_Shared, key_shared_mode: STICKY, " +
                       kConsumers + "}]\n")
                .find("sticky_ranges"),
            std::string::npos);
  EXPECT_NE(load_error(kHead + "subscriptions: [{name: s, topic: nope, type: Shared, " + kConsumers + "}]\n")
                .find("no topic"),
            std::string::npos);
  EXPECT_NE(load_error(kHead + "subscriptions: [{name: s, topic: e, type: Shared, " + kConsumers +
                       "}]\nfaults: [{at: 1s, crash: s/5}]\n")
                .find("no consumer of that index"),
            std::string::npos);
  EXPECT_NE(load_error(kHead + "subscriptions: [{name: s, topic: e, type: shared, " + kConsumers + "}]\n")
                .find("expected one of: Exclusive, Failover, Shared, Key_Shared"),
            std::string::npos);
}

TEST(PulsarScenarioLoader, RecognisesPulsarFiles) {
  EXPECT_TRUE(cgsim::scenarios::is_pulsar_scenario_text(kHead));
  EXPECT_FALSE(cgsim::scenarios::is_pulsar_scenario_text("name: t\nbroker: {kind: rabbitmq}\n"));
}
