// validate's statistics on Apache Kafka 3.9.1 (tests/kafka/kafka-local.sh): the client round trip
// and the host figures are measured on a real run, and a deliberately wrong model (a session
// timeout 50 % too long) never passes: a mismatch, or inconclusive when the host could not keep up.
//
// The broker: CGSIM_KAFKA_BOOTSTRAP when set, otherwise one started by this test process.
#include <gtest/gtest.h>

#include <iostream>

#include "analysis/experiments/simulate.hpp"
#include "live/backend.hpp"
#include "live/compare.hpp"
#include "live/host.hpp"
#include "live/progress.hpp"
#include "scenarios/loader.hpp"
#include "tests/live_fixture.hpp"

namespace {

using namespace cgsim;
using live_testing::shared_broker;

const char* kScenario = R"(
name: crash
seed: 7
duration: 14s
client: librdkafka
topics: [{name: a, partitions: 6}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 600}, keys: {kind: uniform, cardinality: 1000}}
groups:
  - id: g
    topics: [a]
    session_timeout: 2s
    heartbeat_interval: 300ms
    max_poll_interval: 30s
    commit: {kind: auto, interval: 1s}
    consumers: {count: 3, processing_time: {kind: constant, value: 1ms}}
faults:
  - {at: 6300ms, crash: g/1}
)";

TEST(LiveValidateBroker, RoundTripAndHostAreMeasuredAndAWrongModelNeverPasses) {
  ASSERT_FALSE(shared_broker().bootstrap().empty()) << shared_broker().error();
  const auto sc = scenarios::load_scenario_text(kScenario, "crash.yaml");
  live::LiveOptions lo;
  lo.bootstrap = shared_broker().bootstrap();
  std::string error;
  const double rtt = live::measure_client_rtt_ms(lo, 21, &error);
  EXPECT_GT(rtt, 0) << error;
  EXPECT_LT(rtt, 100);

  live::ProgressBoard board;
  lo.progress = &board;
  std::vector<analysis::RunSummary> lives;
  std::vector<live::HostFigures> host;
  models::Scenario effective;
  for (std::size_t k = 0; k < 2; ++k) {
    board.begin_repetition(k, 2);
    live::HostMonitor monitor(board);
    live::KafkaBackend b(lo);
    lives.push_back(b.run(sc));
    const auto load = monitor.stop();
    effective = b.details().effective;
    live::HostFigures h;
    h.expected_produced = live::expected_produced(effective);
    h.produced = lives.back().produced;
    h.consumer_cpu_wait = load.consumer_cpu_wait;
    h.consumer_cpu_wait_max = load.consumer_cpu_wait_max;
    h.consumer_threads = load.consumer_threads;
    h.process_cpu = load.process_cpu;
    EXPECT_GE(load.consumer_threads, 3u);
    EXPECT_GE(load.consumer_cpu_wait, 0);
    EXPECT_GT(load.process_cpu, 0);
    EXPECT_NEAR(h.expected_produced, 600 * 14, 1e-6);
    host.push_back(h);
  }
  auto simulate = [](models::Scenario s) {
    std::vector<analysis::RunSummary> out;
    for (int i = 0; i < 3; ++i, ++s.seed) out.push_back(analysis::simulate(s));
    return out;
  };
  live::CompareOptions co;
  co.client_rtt_ms = rtt;
  co.host = host;
  const auto rep = live::compare_distributions(effective, simulate(effective), lives, co);
  std::cout << rep.table();
  bool host_ok = true;
  for (const auto& c : rep.checks) {
    if (c.host && !c.ok) host_ok = false;
    if (c.kind == "live_conservation") {
      EXPECT_TRUE(c.ok) << c.subject << ": " << c.live;
    }
  }
  EXPECT_EQ(rep.verdict() == live::Verdict::Inconclusive, !host_ok);

  auto wrong = effective;
  wrong.groups[0].session_timeout = effective.groups[0].session_timeout * 3 / 2;
  const auto bad = live::compare_distributions(wrong, simulate(wrong), lives, co);
  std::cout << bad.table();
  EXPECT_NE(bad.verdict(), live::Verdict::Pass);
  if (host_ok) {
    EXPECT_EQ(bad.verdict(), live::Verdict::Mismatch);
    const live::Check* start = nullptr;
    for (const auto& c : bad.checks) {
      if (c.kind == "rebalance_start_s" && c.subject.find("session_timeout") != std::string::npos) start = &c;
    }
    ASSERT_NE(start, nullptr);
    EXPECT_FALSE(start->ok) << start->simulator << " vs " << start->live;
  }
}

}  // namespace
