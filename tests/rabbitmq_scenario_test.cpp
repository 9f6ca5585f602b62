// The RabbitMQ scenario loader and the example scenarios: they load, run on the model, and
// account for every message.
#include <gtest/gtest.h>

#include <string>

#include "models/common/error.hpp"
#include "models/rabbitmq/world.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace rmq = cgsim::models::rabbitmq;
using cgsim::scenarios::load_rabbitmq_scenario_file;
using cgsim::scenarios::load_rabbitmq_scenario_text;

namespace {
struct Outcome {
  rmq::Totals totals;
  std::uint64_t processed = 0, duplicates = 0, redelivered = 0, out_of_order = 0;
  std::vector<std::uint64_t> per_queue;
};
Outcome run(const rmq::Scenario& sc) {
  cgsim::sim::Engine engine;
  rmq::World world(engine, sc);
  Outcome r;
  r.per_queue.resize(sc.queues.size());
  world.signals().processed.connect([&r](const rmq::ProcessedMessage& m) {
    ++r.processed;
    r.duplicates += m.duplicate;
    r.redelivered += m.redelivered;
    r.out_of_order += m.out_of_order;
    ++r.per_queue[static_cast<std::size_t>(m.queue)];
  });
  world.start();
  world.run();
  r.totals = world.totals();
  return r;
}
void expect_conserved(const rmq::Totals& t) {
  EXPECT_EQ(t.enqueued, t.acked + t.dropped + t.dead_lettered + t.ready + t.unacked);
  EXPECT_GT(t.published, 0u);
}
std::string load_error(const std::string& text) {
  try {
    load_rabbitmq_scenario_text(text, "t.yaml");
  } catch (const cgsim::InputError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "no error";
}
const std::string kMinimal =
    "name: t\nbroker: {kind: rabbitmq}\nqueues: [{name: q}]\n"
    "consumers: [{name: w, queue: q, processing_time: {kind: constant, value: 1ms}}]\n";
}  // namespace

TEST(RabbitScenario, MailJobsExampleRunsAndConserves) {
  const auto sc = load_rabbitmq_scenario_file(CGSIM_SOURCE_DIR "/scenarios/mail_jobs_rabbitmq.yaml");
  ASSERT_EQ(sc.queues.size(), 3u);
  EXPECT_EQ(sc.queues[0].type, rmq::QueueSpec::Type::Quorum);
  const Outcome r = run(sc);
  expect_conserved(r.totals);
  EXPECT_GT(r.processed, 20000u);
  EXPECT_GT(r.totals.requeued, 0u);       // nacks and the crash
  EXPECT_GT(r.redelivered, 0u);
  EXPECT_EQ(r.totals.unroutable, 0u);
}

TEST(RabbitScenario, ChatHashExampleRunsAndConserves) {
  const auto sc = load_rabbitmq_scenario_file(CGSIM_SOURCE_DIR "/scenarios/chat_rabbitmq_hash.yaml");
  ASSERT_EQ(sc.bindings.size(), 4u);
  EXPECT_EQ(sc.bindings[0].key, "2");
  const Outcome r = run(sc);
  expect_conserved(r.totals);
  EXPECT_GT(r.processed, 400000u);
  for (auto n : r.per_queue) EXPECT_GT(n, 0u);
  // Weights 2:2:1:1 give shards 0 and 1 about twice the rooms of shards 2 and 3.
  EXPECT_GT(r.per_queue[0], r.per_queue[2]);
  EXPECT_EQ(r.totals.unroutable, 0u);
}

TEST(RabbitScenario, MinimalScenarioLoadsWithDefaults) {
  const auto sc = load_rabbitmq_scenario_text(kMinimal, "t.yaml");
  EXPECT_EQ(sc.broker.consumer_timeout, 30 * cgsim::sim::kMinute);
  EXPECT_EQ(sc.consumers[0].prefetch, 0);
  EXPECT_FALSE(sc.consumers[0].ack.automatic);
}

TEST(RabbitScenario, ErrorsNameTheFileLineAndFieldPath) {
  EXPECT_NE(load_error(kMinimal + "topics: [{name: t}]\n").find("t.yaml:5:1: topics: Kafka-only key"), std::string::npos)
      << load_error(kMinimal + "topics: [{name: t}]\n");
  EXPECT_NE(load_error("name: t\nbroker: {kind: kafka}\nqueues: [{name: q}]\nconsumers: []\n").find("broker.kind: expected one of: rabbitmq"),
            std::string::npos);
  EXPECT_NE(load_error("name: t\nbroker: {kind: rabbitmq}\nqueues: [{name: q, overflow: drop-tail}]\n"
                       "consumers: [{name: w, queue: q, processing_time: {kind: constant, value: 1ms}}]\n")
                .find("queues[0].overflow: expected one of: drop-head, reject-publish"),
            std::string::npos);
  EXPECT_NE(load_error("name: t\nbroker: {kind: rabbitmq}\nqueues: [{name: q, delivery_limit: 3}]\n"
                       "consumers: [{name: w, queue: q, processing_time: {kind: constant, value: 1ms}}]\n")
                .find("queues[0].delivery_limit: delivery_limit applies to quorum queues only"),
            std::string::npos);
  EXPECT_NE(load_error(kMinimal + "faults: [{at: 1s, crash: w/3}]\n").find("faults[0].crash: no consumer of that index"),
            std::string::npos);
  EXPECT_NE(load_error("name: t\nbroker: {kind: rabbitmq}\nqueues: [{name: q}]\n"
                       "consumers: [{name: w, queue: q, partitioner: murmur2, processing_time: {kind: constant, value: 1ms}}]\n")
                .find("consumers[0].partitioner: Kafka-only key"),
            std::string::npos);
}

TEST(RabbitScenario, BrokerDispatchAndQuorumApplyTimesLoad) {
  const auto d = load_rabbitmq_scenario_text(kMinimal, "t.yaml");
  EXPECT_EQ(d.broker.dispatch_time, 0);
  EXPECT_EQ(d.broker.quorum_apply_time, 0);
  std::string text = kMinimal;
  text.replace(text.find("{kind: rabbitmq}"), 16, "{kind: rabbitmq, dispatch_time: 110us, quorum_apply_time: 2ms}");
  const auto sc = load_rabbitmq_scenario_text(text, "t.yaml");
  EXPECT_EQ(sc.broker.dispatch_time, 110 * cgsim::sim::kMicrosecond);
  EXPECT_EQ(sc.broker.quorum_apply_time, 2 * cgsim::sim::kMillisecond);
  std::string bad = kMinimal;
  bad.replace(bad.find("{kind: rabbitmq}"), 16, "{kind: rabbitmq, dispatch_time: -1ms}");
  EXPECT_NE(load_error(bad).find("broker.dispatch_time"), std::string::npos) << load_error(bad);
}
