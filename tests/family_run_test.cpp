// Every shipped RabbitMQ and Pulsar scenario runs through `cgsim run`'s path (the family's model
// rolled up by the shared SummaryBuilder), is deterministic, conserves messages, and matches its
// checked-in golden summary (scenarios/golden/<name>.json). Regenerate goldens on purpose only:
// CGSIM_UPDATE_GOLDEN=1 ctest -R FamilyRun
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/experiments/family_runs.hpp"
#include "models/common/error.hpp"
#include "models/pulsar/world.hpp"
#include "models/rabbitmq/world.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace fs = std::filesystem;
using cgsim::analysis::FamilyRun;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> family_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(CGSIM_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const std::string text = read_text(e.path());
    if (cgsim::scenarios::is_rabbitmq_scenario_text(text) || cgsim::scenarios::is_pulsar_scenario_text(text))
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

FamilyRun run(const std::string& path) {
  if (cgsim::scenarios::is_rabbitmq_scenario_text(read_text(path)))
    return cgsim::analysis::simulate_rabbitmq(cgsim::scenarios::load_rabbitmq_scenario_file(path));
  return cgsim::analysis::simulate_pulsar(cgsim::scenarios::load_pulsar_scenario_file(path));
}

class FamilyRunTest : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(FamilyRunTest, ConservesIsDeterministicAndMatchesGolden) {
  const FamilyRun a = run(GetParam());
  const FamilyRun b = run(GetParam());
  const std::string ja = cgsim::analysis::to_json(a).dump(2) + "\n";
  ASSERT_EQ(ja, cgsim::analysis::to_json(b).dump(2) + "\n") << "not deterministic";
  // Every message produced is processed once, still waiting for its first processing, or settled
  // without one (lost: dropped or dead-lettered unprocessed, died in an auto-ack client);
  // duplicates are processings on top. The run checks it too (an internal error otherwise).
  for (const auto& g : a.summary.groups) {
    ASSERT_GE(g.consumed, g.duplicates) << g.id;
    EXPECT_EQ(g.produced + g.duplicates, g.consumed + g.final_lag + g.lost + g.skipped) << g.id;
    // The broker's backlog holds the waiting messages and processed ones whose ack is on its way.
    EXPECT_GE(g.final_committed_lag, g.final_lag) << g.id;
  }
  EXPECT_GT(a.summary.consumed, 0u);
  const fs::path golden = fs::path(CGSIM_SOURCE_DIR) / "scenarios" / "golden" / (fs::path(GetParam()).stem().string() + ".json");
  if (std::getenv("CGSIM_UPDATE_GOLDEN")) {
    std::ofstream(golden) << ja;
    GTEST_SKIP() << "golden written: " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << "no golden summary " << golden << " (create it on purpose with CGSIM_UPDATE_GOLDEN=1)";
  EXPECT_TRUE(ja == read_text(golden)) << "summary differs from " << golden
                                       << "; if the change is intended, regenerate with CGSIM_UPDATE_GOLDEN=1";
}

namespace {

// A run of scenario @p text; @p attach (optional) subscribes to the model's signals.
FamilyRun run_rabbitmq(const std::string& text, const std::function<void(cgsim::models::rabbitmq::World&)>& attach = {}) {
  return cgsim::analysis::simulate_rabbitmq(cgsim::scenarios::load_rabbitmq_scenario_text(text, "rabbitmq.yaml"), attach);
}
FamilyRun run_pulsar(const std::string& text, const std::function<void(cgsim::models::pulsar::World&)>& attach = {}) {
  return cgsim::analysis::simulate_pulsar(cgsim::scenarios::load_pulsar_scenario_text(text, "pulsar.yaml"), attach);
}

// The first group lost messages, and every message is still accounted for.
void expect_losses_conserved(const FamilyRun& r) {
  const auto& g = r.summary.groups.at(0);
  EXPECT_GT(g.lost, 0u);
  EXPECT_EQ(g.produced + g.duplicates, g.consumed + g.final_lag + g.lost + g.skipped);
}

}  // namespace

// Messages settled without a finished processing (dropped by TTL and overflow, auto-ack messages
// that die with a crashed client) are lost, not waiting: the identity holds (the run checks it).
TEST(FamilyRunConservation, RabbitMQDropsAndAutoAckCrashesAreLost) {
  expect_losses_conserved(run_rabbitmq(R"(name: lossy
seed: 3
duration: 40s
broker: {kind: rabbitmq}
exchanges: [{name: ex, type: fanout}]
queues:
  - {name: q, type: classic, message_ttl: 200ms, max_length: 300, overflow: drop-head}
bindings: [{exchange: ex, queue: q}]
producers:
  - {exchange: ex, rate: {kind: poisson, per_second: 900}, keys: {kind: uniform, cardinality: 50}}
consumers:
  - {name: auto, queue: q, count: 2, prefetch: 0, ack: {mode: auto}, processing_time: {kind: exponential, mean: 3ms}}
faults:
  - {at: 10s, crash: auto/0}
)"));
}

// Failed processings complete nothing; messages dead-lettered after them are lost.
TEST(FamilyRunConservation, PulsarNegativeAcksAndDeadLettersAreCountedApart) {
  expect_losses_conserved(run_pulsar(R"(name: nacks
seed: 5
duration: 30s
broker: {kind: pulsar}
topics: [{name: t, partitions: 0}]
producers:
  - {topic: t, rate: {kind: poisson, per_second: 500}, keys: {kind: uniform, cardinality: 100}}
subscriptions:
  - name: s
    topic: t
    type: Shared
    negative_ack_redelivery_delay: 100ms
    dead_letter_max_redeliveries: 1
    negative_ack_probability: 0.3
    consumers: {count: 2, processing_time: {kind: exponential, mean: 1ms}}
faults:
  - {at: 10s, crash: s/1}
)"));
}

// A re-processing of a record after a later record of its key is out of order, as for Kafka
// (docs/model.md, "Ordering"): a crash with processed, unacknowledged messages on few keys.
TEST(FamilyRunOrdering, RabbitMQReprocessingAfterALaterRecordOfItsKeyIsOutOfOrder) {
  const std::string text = R"(name: reorder
seed: 7
duration: 20s
broker: {kind: rabbitmq}
exchanges: [{name: ex, type: fanout}]
queues: [{name: q, type: quorum}]
bindings: [{exchange: ex, queue: q}]
producers:
  - {exchange: ex, rate: {kind: poisson, per_second: 400}, keys: {kind: uniform, cardinality: 4}}
consumers:
  - {name: w, queue: q, count: 2, prefetch: 50, ack: {multiple: 40}, processing_time: {kind: exponential, mean: 4.5ms}}
faults:
  - {at: 8s, crash: w/0}
)";
  std::uint64_t first = 0, again = 0;
  const FamilyRun r = run_rabbitmq(text, [&](cgsim::models::rabbitmq::World& w) {
    w.signals().processed.connect([&](const cgsim::models::rabbitmq::ProcessedMessage& m) {
      if (m.out_of_order) ++(m.duplicate ? again : first);
    });
  });
  ASSERT_GT(r.summary.duplicates, 0u);
  EXPECT_GT(again, 0u);
  EXPECT_EQ(r.ordering_violations, first + again);
}

TEST(FamilyRunOrdering, PulsarReprocessingAfterALaterRecordOfItsKeyIsOutOfOrder) {
  // A slowed consumer outlasts the ack timeout: its messages go to the other one too.
  const std::string text = R"(name: reorder
seed: 7
duration: 20s
broker: {kind: pulsar}
topics: [{name: t, partitions: 0}]
producers:
  - {topic: t, rate: {kind: poisson, per_second: 50}, keys: {kind: uniform, cardinality: 4}}
subscriptions:
  - name: s
    topic: t
    type: Shared
    ack_timeout: 1s
    consumers: {count: 2, receiver_queue_size: 10, processing_time: {kind: exponential, mean: 10ms}}
faults:
  - {at: 5s, slow: s/0, factor: 100, for: 5s}
)";
  std::uint64_t first = 0;
  const FamilyRun r = run_pulsar(text, [&](cgsim::models::pulsar::World& w) {
    w.signals().processed.connect([&](const cgsim::models::pulsar::ProcessedMessage& m) {
      if (m.out_of_order && !m.duplicate) ++first;
    });
  });
  ASSERT_GT(r.summary.duplicates, 0u);
  EXPECT_GT(r.ordering_violations, first);  // the model flags first completions; re-processings add
}

INSTANTIATE_TEST_SUITE_P(Shipped, FamilyRunTest, ::testing::ValuesIn(family_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return fs::path(i.param).stem().string(); });

namespace {
std::string warmup_scenario(const std::string& warmup) {
  return R"(name: warm
seed: 5
duration: 20s
broker: {kind: rabbitmq}
exchanges: [{name: ex, type: fanout}]
queues: [{name: q, type: classic}]
bindings: [{exchange: ex, queue: q}]
producers:
  - {exchange: ex, rate: {kind: poisson, per_second: 200}}
consumers:
  - {name: w, queue: q, count: 2, prefetch: 10, processing_time: {kind: exponential, mean: 5ms}}
output: {warmup: )" + warmup + "}\n";
}
}  // namespace

// A fixed output.warmup replaces the automatic rule, as in Kafka runs: every group's start-up
// ends at the set time, with reason "set".
TEST(FamilyRunWarmup, FixedWarmupEndsEveryGroupAtTheSetTime) {
  const FamilyRun r = run_rabbitmq(warmup_scenario("7s"));
  EXPECT_DOUBLE_EQ(r.summary.warmup.end_s, 7.0);
  EXPECT_EQ(r.summary.warmup.reason, "set");
  EXPECT_DOUBLE_EQ(r.summary.groups.at(0).warmup.end_s, 7.0);
  EXPECT_EQ(r.summary.groups.at(0).warmup.reason, "set");
  const FamilyRun a = run_rabbitmq(warmup_scenario("auto"));
  EXPECT_EQ(a.summary.warmup.reason, "drained");
  EXPECT_LT(a.summary.warmup.end_s, 7.0);
}

TEST(FamilyRunWarmup, ABadWarmupNamesItsField) {
  try {
    cgsim::scenarios::load_rabbitmq_scenario_text(warmup_scenario("[1s]"), "warm.yaml");
    FAIL() << "expected an input error";
  } catch (const cgsim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("output.warmup"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("auto or a duration"), std::string::npos) << e.what();
  }
}
