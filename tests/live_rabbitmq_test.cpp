// Live runs against a real RabbitMQ broker on 127.0.0.1, started by tests/rabbitmq/rabbitmq-local.sh:
//   bash tests/rabbitmq/rabbitmq-local.sh run -- ctest --test-dir build -L rabbitmq
// The script sets CGSIM_RABBITMQ_URL; without it these tests fail (they are never skipped).
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "live/host.hpp"
#include "live/progress.hpp"
#include "live/rabbitmq/amqp_connection.hpp"
#include "live/rabbitmq/backend.hpp"
#include "live/rabbitmq/compare.hpp"
#include "models/common/error.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace {

using namespace cgsim;
namespace lr = cgsim::live::rabbitmq;

std::string url() {
  const char* u = std::getenv("CGSIM_RABBITMQ_URL");
  return u ? u : "";
}

lr::RabbitOptions options(const std::string& run_id = "") {
  lr::RabbitOptions o;
  o.url = url();
  o.run_id = run_id;
  o.log = [](const std::string& m) { std::cerr << "[live] " << m << "\n"; };
  return o;
}

const live::Check* find_check(const live::ValidationReport& rep, const std::string& kind, const std::string& subject_prefix) {
  for (const auto& c : rep.checks)
    if (c.kind == kind && c.subject.rfind(subject_prefix, 0) == 0) return &c;
  return nullptr;
}

/// Every name the run created is gone from the broker.
void expect_cleaned_up(const lr::RabbitDetails& d) {
  EXPECT_TRUE(d.leftovers.empty());
  EXPECT_EQ(d.created.size(), d.deleted.size());
  lr::AmqpConnection admin(lr::parse_amqp_url(url()), 10, "test");
  for (const auto& what : d.created) {
    const auto space = what.find(' ');
    const std::string kind = what.substr(0, space), name = what.substr(space + 1);
    if (kind == "queue") {
      EXPECT_FALSE(admin.queue_info(name).has_value()) << name;
    } else {
      EXPECT_FALSE(admin.exchange_exists(name)) << name;
    }
  }
  admin.close();
}

/// One classic queue, two consumers with constant 10 ms processing, a backlog built by 300 msg/s
/// for 2 s, and consumer 0 crashing at 2 s holding a full prefetch window. A prefetch-1 consumer
/// idles after every message until its next delivery: measured on the local broker, a median
/// 313 us from the end of a processing (58 us of the client's own work before its ack, 255 us
/// from the ack to the delivery); 2 x 100 us of network latency plus a dispatch time of 110 us
/// give the same per-message cost (docs/validation-rabbitmq.md, "Final depth").
std::string crash_scenario(int prefetch) {
  return "name: crash_prefetch_" + std::to_string(prefetch) + R"(
seed: 3
duration: 7s
broker: {kind: rabbitmq, network_latency: 100us, dispatch_time: 110us}
exchanges: [{name: work, type: direct}]
queues: [{name: work, type: classic}]
bindings: [{exchange: work, queue: work, key: w}]
producers:
  - {exchange: work, routing_key: w, rate: {kind: steps, steps: [[0s, 300], [2s, 60]], arrivals: constant}}
consumers:
  - {name: workers, queue: work, count: 2, prefetch: )" + std::to_string(prefetch) + R"(, processing_time: {kind: constant, value: 10ms}}
faults:
  - {at: 2s, crash: workers/0}
)";
}

TEST(LiveRabbitmq, BrokerUrlIsSet) { ASSERT_FALSE(url().empty()) << "run under tests/rabbitmq/rabbitmq-local.sh run --"; }

TEST(LiveRabbitmq, RefusesANameThatExistsAndLeavesItAlone) {
  ASSERT_FALSE(url().empty());
  const auto sc = scenarios::load_rabbitmq_scenario_text(crash_scenario(1), "crash.yaml");
  const std::string run_id = "refuse-test";
  const std::string taken = "cgsim." + run_id + ".work";
  lr::AmqpConnection admin(lr::parse_amqp_url(url()), 10, "test");
  admin.declare_queue(taken, false, {});
  lr::RabbitmqBackend backend(options(run_id));
  EXPECT_THROW(backend.run(sc), InputError);
  EXPECT_TRUE(backend.details().created.empty());
  EXPECT_TRUE(admin.queue_info(taken).has_value());
  admin.delete_queue(taken);
  admin.close();
}

class LiveRabbitmqCrash : public ::testing::TestWithParam<int> {};

// A crash with a full prefetch window: the broker requeues all of it with redelivered set, as
// the model does; the redeliveries charged to the crash and the shares agree.
TEST_P(LiveRabbitmqCrash, RedeliversThePrefetchWindow) {
  ASSERT_FALSE(url().empty());
  const int prefetch = GetParam();
  const auto sc = scenarios::load_rabbitmq_scenario_text(crash_scenario(prefetch), "crash.yaml");
  lr::RabbitmqBackend backend(options());
  const lr::RabbitRun live_run = backend.run(sc);
  expect_cleaned_up(backend.details());
  const lr::RabbitRun sim_run = lr::simulate_for_validation(backend.details().effective);
  const auto rep = lr::compare_rabbitmq_runs(backend.details().effective, sim_run, live_run, backend.details().round_trip_ms);
  std::cerr << rep.table();
  ASSERT_EQ(live_run.fault_redeliveries.size(), 1u);
  ASSERT_EQ(sim_run.fault_redeliveries.size(), 1u);
  EXPECT_EQ(sim_run.fault_redeliveries[0].redelivered, static_cast<std::uint64_t>(prefetch));
  const auto* red = find_check(rep, "fault_redeliveries", "crash workers/0");
  ASSERT_NE(red, nullptr);
  EXPECT_TRUE(red->ok) << red->simulator << " vs " << red->live;
  const auto* pub = find_check(rep, "published", "");
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(pub->ok);
  EXPECT_EQ(live_run.family.summary.groups.at(0).duplicates, 0u);
}

INSTANTIATE_TEST_SUITE_P(Prefetch, LiveRabbitmqCrash, ::testing::Values(1, 10, 100));

// The shipped mail scenario at 1/20 of its time: it runs, cleans up, publishes the simulated
// sequence, pairs every fault, and the mail workers' shares agree.
TEST(LiveRabbitmq, MailJobsScaled) {
  ASSERT_FALSE(url().empty());
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/mail_jobs_rabbitmq.yaml");
  auto o = options();
  o.time_scale = 0.05;
  lr::RabbitmqBackend backend(o);
  const lr::RabbitRun live_run = backend.run(sc);
  expect_cleaned_up(backend.details());
  const lr::RabbitRun sim_run = lr::simulate_for_validation(backend.details().effective);
  const auto rep = lr::compare_rabbitmq_runs(backend.details().effective, sim_run, live_run, backend.details().round_trip_ms);
  std::cerr << rep.table();
  for (const auto& c : rep.checks) {
    EXPECT_NE(c.kind, "fault_unmatched") << c.subject;
    if (c.kind == "published" || (c.kind == "share" && c.subject.rfind("mail_workers/", 0) == 0)) {
      EXPECT_TRUE(c.ok) << c.kind << " " << c.subject;
    }
  }
  EXPECT_EQ(live_run.fault_redeliveries.size(), sc.faults.size());
}

// chat_rabbitmq_hash at a twentieth of its length (15 s, 1500 messages/s over four quorum shard
// queues behind the consistent-hash exchange, a crash and a restart of single active consumers),
// judged as validate judges it, with every tolerance strict: a pass, or inconclusive when the
// host could not keep up (skipped with the figure), never a mismatch.
TEST(LiveRabbitmq, ChatHashScaledPassesEveryCheck) {
  ASSERT_FALSE(url().empty());
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/chat_rabbitmq_hash.yaml");
  live::ProgressBoard board;
  board.begin_repetition(0, 1);
  auto o = options();
  o.time_scale = 0.05;
  o.progress = &board;
  live::HostMonitor monitor(board);
  lr::RabbitmqBackend backend(o);
  const lr::RabbitRun live_run = backend.run(sc);
  const live::HostLoad load = monitor.stop();
  const auto& d = backend.details();
  expect_cleaned_up(d);
  const std::vector<lr::RabbitRun> sims{lr::simulate_for_validation(d.effective)};
  const std::vector<lr::LiveRepetition> reps{{&live_run, d.round_trip_ms, true, lr::host_figures(d.scheduled, d.published, d.late, load), 0}};
  const auto rep = lr::compare_rabbitmq_runs(d.effective, sims, reps);
  std::cerr << rep.table();
  if (rep.verdict() == live::Verdict::Inconclusive) GTEST_SKIP() << "inconclusive: the host could not keep up (table above)";
  EXPECT_EQ(rep.verdict(), live::Verdict::Pass);
  EXPECT_EQ(live_run.fault_redeliveries.size(), sc.faults.size());
}

// The crash with prefetch 10, three live repetitions (replaying seeds 0, 1, 2) against five seeds,
// as `validate --repeat 3 --seeds 5` compares them: each repetition has its host checks, every fault pairs in every
// repetition, the prefetch window is redelivered as simulated and the published count agrees.
TEST(LiveRabbitmq, CrashRepeatedAgainstSeeds) {
  ASSERT_FALSE(url().empty());
  const auto sc = scenarios::load_rabbitmq_scenario_text(crash_scenario(10), "crash.yaml");
  live::ProgressBoard board;
  auto o = options();
  o.progress = &board;
  std::vector<lr::RabbitRun> lives;
  std::vector<lr::RabbitDetails> details;
  std::vector<live::HostFigures> host;
  for (std::size_t k = 0; k < 3; ++k) {
    board.begin_repetition(k, 3);
    live::HostMonitor monitor(board);
    lr::RabbitmqBackend backend(o);
    auto replayed = sc;  // repetition k replays seed + k, as validate does
    replayed.seed += k;
    lives.push_back(backend.run(replayed));
    const live::HostLoad load = monitor.stop();
    details.push_back(backend.details());
    expect_cleaned_up(details.back());
    host.push_back(lr::host_figures(details.back().scheduled, details.back().published, details.back().late, load));
    EXPECT_EQ(details.back().scheduled, details.back().published);
    EXPECT_GT(load.consumer_threads, 0u);
  }
  std::vector<lr::RabbitRun> sims;
  for (std::uint64_t s = 0; s < 5; ++s) {
    auto eff = details.front().effective;
    eff.seed += s;
    sims.push_back(lr::simulate_for_validation(eff));
  }
  std::vector<lr::LiveRepetition> reps;
  for (std::size_t k = 0; k < lives.size(); ++k) reps.push_back({&lives[k], details[k].round_trip_ms, true, host[k], k});
  const auto rep = lr::compare_rabbitmq_runs(details.front().effective, sims, reps);
  std::cerr << rep.table();
  std::size_t host_rows = 0;
  for (const auto& c : rep.checks) {
    EXPECT_NE(c.kind, "fault_unmatched") << c.subject;
    if (c.kind == "host_produce_rate") ++host_rows;
  }
  EXPECT_EQ(host_rows, 3u);
  const auto* red = find_check(rep, "fault_redeliveries", "crash workers/0");
  ASSERT_NE(red, nullptr);
  EXPECT_TRUE(red->ok) << red->simulator << " vs " << red->live;
  EXPECT_NE(red->live.find("n=3"), std::string::npos) << red->live;
  const auto* pub = find_check(rep, "published", "");
  ASSERT_NE(pub, nullptr);
  EXPECT_TRUE(pub->ok) << pub->simulator << " vs " << pub->live;
}

}  // namespace
