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
#include "sim/error.hpp"

namespace {

using namespace cgsim;

const std::string kScript = std::string(CGSIM_SOURCE_DIR) + "/tests/kafka/kafka-local.sh";

std::pair<int, std::string> shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 256> buf;
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  int rc = pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

/// The broker of this process: CGSIM_KAFKA_BOOTSTRAP, or one started with the script.
class Broker {
 public:
  Broker() {
    if (const char* b = std::getenv("CGSIM_KAFKA_BOOTSTRAP"); b && *b) {
      bootstrap_ = b;
      return;
    }
    state_ = ::testing::TempDir() + "/cgsim-kafka-examples-" + std::to_string(getpid());
    auto [rc, out] = shell("CGSIM_KAFKA_STATE='" + state_ + "' CGSIM_KAFKA_PARENT_PID=" + std::to_string(getpid()) +
                           " CGSIM_KAFKA_MAX_SECONDS=1800 '" + kScript + "' start");
    if (rc != 0 || out.empty()) {
      error_ = "tests/kafka/kafka-local.sh start failed (exit " + std::to_string(rc) + "): " + out;
      return;
    }
    bootstrap_ = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    owned_ = true;
  }
  ~Broker() {
    if (owned_) shell("CGSIM_KAFKA_STATE='" + state_ + "' '" + kScript + "' stop 2>/dev/null");
  }
  std::string bootstrap_, state_, error_;
  bool owned_ = false;
};

Broker& broker() {
  static Broker b;
  return b;
}

analysis::RunSummary simulate_bounded(const models::Scenario& sc, int seconds = 120) {
  auto done = std::make_shared<std::promise<analysis::RunSummary>>();
  auto result = done->get_future();
  std::thread([done, sc] {
    try {
      done->set_value(live::make_simulator_backend()->run(sc));
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  }).detach();
  if (result.wait_for(std::chrono::seconds(seconds)) != std::future_status::ready) {
    std::cerr << "FAILED: the simulator did not finish scenario \"" << sc.name << "\" within " << seconds << " s\n"
              << std::flush;
    std::_Exit(1);
  }
  return result.get();
}

struct Example {
  const char* file;
  double time_scale;
};

class LiveExample : public ::testing::TestWithParam<std::tuple<Example, const char*>> {};

TEST_P(LiveExample, ReplaysOnKafkaAndMatchesTheSimulator) {
  ASSERT_FALSE(broker().bootstrap_.empty()) << "no Kafka broker for the live tests: " << broker().error_;
  const auto [ex, assignor] = GetParam();
  auto sc = scenarios::load_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/" + ex.file);
  for (auto& g : sc.groups) g.assignor = assignor;
  live::LiveOptions o;
  o.bootstrap = broker().bootstrap_;
  o.time_scale = ex.time_scale;
  o.log = [](const std::string& m) { std::cerr << "[live] " << m << "\n"; };
  live::KafkaBackend b(o);
  auto live_run = b.run(sc);
  auto sim_run = simulate_bounded(b.details().effective);
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
