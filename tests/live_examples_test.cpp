// The example game-platform scenarios (no fault, crash, leave/join storm) replayed on Apache Kafka
// 3.9.1 from tests/kafka/kafka-local.sh with range, roundrobin and cooperative-sticky, each
// compared with the simulator. Time is scaled so that every run lasts about 15 s.
//
// The broker: CGSIM_KAFKA_BOOTSTRAP when set, otherwise one started by this test process with the
// script (and stopped at its end). The tests fail, never skip, when no broker can be started.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <thread>
#include <unistd.h>

#include "live/backend.hpp"
#include "live/compare.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"
#include "tests/live_fixture.hpp"

namespace {

using namespace cgsim;
using live_testing::LocalBroker;
using live_testing::simulate_bounded;

/// The shared broker; runs here last longer than the other live tests', so its watchdog allows more.
LocalBroker& broker() {
  static LocalBroker b("shared", 1800);
  return b;
}

struct Example {
  const char* file;
  double time_scale;
};

class LiveExample : public ::testing::TestWithParam<std::tuple<Example, const char*>> {};

TEST_P(LiveExample, ReplaysOnKafkaAndMatchesTheSimulator) {
  ASSERT_FALSE(broker().bootstrap().empty()) << "no Kafka broker for the live tests: " << broker().error();
  const auto [ex, assignor] = GetParam();
  auto sc = scenarios::load_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/" + ex.file);
  for (auto& g : sc.groups) g.assignor = assignor;
  live::LiveOptions o;
  o.bootstrap = broker().bootstrap();
  o.time_scale = ex.time_scale;
  // librdkafka's consumers, with the assignors above (the Java client has its own test,
  // live_java_test.cpp).
  o.client = models::ClientFlavor::Librdkafka;
  o.log = [](const std::string& m) { std::cerr << "[live] " << m << "\n"; };
  live::KafkaBackend b(o);
  auto live_run = b.run(sc);
  auto sim_run = simulate_bounded(b.details().effective, 120);
  auto rep = live::compare_runs(b.details().effective, sim_run, live_run, {});
  std::cerr << rep.table();
  EXPECT_GT(live_run.produced, 0u);
  EXPECT_EQ(b.details().topics_deleted.size(), b.details().topics_created.size());
  std::size_t assignments = 0;
  for (const auto& c : rep.checks) {
    if (c.kind == "live_conservation") {
      EXPECT_TRUE(c.ok) << c.subject << ": " << c.live;
    }
    // cooperative-sticky too: librdkafka's incremental protocol and the simulation of what ran
    // both have two generations per change (docs/validation.md).
    if (c.kind == "assignment" || c.kind == "rebalances") {
      assignments += c.kind == "assignment";
      // A sticky assignor's generations after a staggered start-up are shown only (compare.cpp).
      if (!c.informational) {
        EXPECT_TRUE(c.ok) << c.kind << " " << c.subject << "\n  simulator: " << c.simulator << "\n  live:      " << c.live;
      }
    }
  }
  EXPECT_GE(assignments, sc.groups.size());
  // Every settled generation hands out each partition of the group exactly once.
  for (const auto& g : sc.groups) {
    for (const auto& gen : live::settled_generations(live_run, g)) {
      std::map<std::string, int> seen;
      for (const auto& [name, parts] : gen.assignment)
        for (const auto& p : parts) ++seen[p];
      for (const auto& [p, n] : seen) EXPECT_EQ(n, 1) << g.id << " generation " << gen.generation << ": " << p;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Examples, LiveExample,
    ::testing::Combine(::testing::Values(Example{"player_events_hot_keys.yaml", 0.05},  // crash
                                         Example{"chat_fanout.yaml", 0.05},              // leave and join
                                         Example{"game_platform.yaml", 0.03}),           // all faults
                       ::testing::Values("range", "roundrobin", "cooperative-sticky")),
    [](const auto& info) {
      std::string f = std::get<0>(info.param).file;
      std::string a = std::get<1>(info.param);
      std::string n = f.substr(0, f.find('.')) + "_" + a;
      for (char& c : n)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
      return n;
    });

}  // namespace
