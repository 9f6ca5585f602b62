#pragma once
/// @file live_fixture.hpp
/// What the live tests share: a simulation that cannot hang the suite, the local Kafka broker
/// started with tests/kafka/kafka-local.sh, and small helpers over run summaries.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <future>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "analysis/metrics/summary.hpp"
#include "live/backend.hpp"
#include "live/compare.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::live_testing {

/// The simulation of @p sc, bounded in time: a simulator that does not finish within @p seconds
/// fails the test process loudly instead of hanging the suite.
inline analysis::RunSummary simulate_bounded(const models::Scenario& sc, int seconds = 60) {
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
    std::cerr << "FAILED: the simulator did not finish scenario \"" << sc.name << "\" within " << seconds
              << " s\n" << std::flush;
    std::_Exit(1);
  }
  return result.get();
}

/// Records lost to a crash, where summaries count them.
using live::lost_of;

inline const std::string kKafkaScript = std::string(CGSIM_SOURCE_DIR) + "/tests/kafka/kafka-local.sh";

/// Runs @p cmd with a shell; returns (exit status, stdout without trailing newlines).
inline std::pair<int, std::string> shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 256> buf;
  while (fgets(buf.data(), buf.size(), p)) out += buf.data();
  int rc = pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

/// A Kafka broker of this test process, started with the script and stopped (its data removed)
/// when the object goes. The "shared" broker is the one named by CGSIM_KAFKA_BOOTSTRAP when that
/// is set (`.ci/test` runs the suite under one broker). The script's watchdog stops the broker
/// after @p max_seconds or when this process dies.
class LocalBroker {
 public:
  explicit LocalBroker(const std::string& tag, int max_seconds = 900) {
    if (const char* b = std::getenv("CGSIM_KAFKA_BOOTSTRAP"); b && *b && tag == "shared") {
      bootstrap_ = b;
      return;
    }
    state_ = ::testing::TempDir() + "/cgsim-kafka-" + tag + "-" + std::to_string(getpid());
    auto [rc, out] = shell("CGSIM_KAFKA_STATE='" + state_ + "' CGSIM_KAFKA_PARENT_PID=" + std::to_string(getpid()) +
                           " CGSIM_KAFKA_MAX_SECONDS=" + std::to_string(max_seconds) + " '" + kKafkaScript + "' start");
    if (rc != 0 || out.empty()) {
      error_ = "tests/kafka/kafka-local.sh start failed (exit " + std::to_string(rc) + "): " + out;
      return;
    }
    bootstrap_ = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    owned_ = true;
  }
  ~LocalBroker() { stop(); }
  LocalBroker(const LocalBroker&) = delete;
  LocalBroker& operator=(const LocalBroker&) = delete;

  void stop() {
    if (owned_.exchange(false)) shell("CGSIM_KAFKA_STATE='" + state_ + "' '" + kKafkaScript + "' stop 2>/dev/null");
  }
  const std::string& bootstrap() const { return bootstrap_; }
  const std::string& error() const { return error_; }
  const std::string& state() const { return state_; }

 private:
  std::string bootstrap_, state_, error_;
  std::atomic<bool> owned_{false};
};

/// The broker the live tests of this process share, started on first use (the first caller's
/// @p max_seconds bounds it).
inline LocalBroker& shared_broker(int max_seconds = 900) {
  static LocalBroker b("shared", max_seconds);
  return b;
}

/// Options for a live run on the shared broker that log to standard error.
inline live::LiveOptions shared_broker_options() {
  live::LiveOptions o;
  o.bootstrap = shared_broker().bootstrap();
  o.log = [](const std::string& m) { std::cerr << "[live] " << m << "\n"; };
  return o;
}

/// Fails the running test (returning from it) when the shared broker could not be started.
#define ASSERT_SHARED_BROKER()                                              \
  ASSERT_FALSE(::cgsim::live_testing::shared_broker().bootstrap().empty()) \
      << "no Kafka broker for the live tests: " << ::cgsim::live_testing::shared_broker().error()

/// Expects every assignment, rebalance and conservation check of @p rep that is not informational
/// (a sticky assignor's generations after a staggered start-up are shown only, compare.cpp) to
/// pass; returns how many assignment checks there were.
inline std::size_t expect_membership_checks_ok(const live::ValidationReport& rep) {
  std::size_t assignments = 0;
  for (const auto& c : rep.checks) {
    if (c.kind == "assignment" || c.kind == "rebalances" || c.kind == "live_conservation") {
      assignments += c.kind == "assignment";
      if (!c.informational) {
        EXPECT_TRUE(c.ok) << c.kind << " " << c.subject << "\n  simulator: " << c.simulator << "\n  live:      " << c.live;
      }
    }
  }
  return assignments;
}

/// Expects every live member id of group @p g to be built from the consumer's client.id
/// ("g-<index>"), a dash and what the broker or client adds.
inline void expect_member_ids_from_client_ids(const analysis::GroupSummary& g) {
  for (const auto& c : g.consumers) {
    if (!c.member_id.empty()) {
      EXPECT_EQ(c.member_id.rfind("g-" + c.name.substr(2) + "-", 0), 0u) << c.member_id;
    }
  }
}

}  // namespace cgsim::live_testing
