// Live runs against a real Apache Kafka 3.9.1 broker on 127.0.0.1, started by
// tests/kafka/kafka-local.sh.
//
// The broker: when CGSIM_KAFKA_BOOTSTRAP is set (e.g. by `kafka-local.sh run -- ctest ...`), that
// broker is used; otherwise each test process starts its own with the script (in a private state
// directory, with a watchdog that stops it if this process dies) and stops it at the end. If the
// broker cannot be started the tests fail; they are never skipped.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <unistd.h>

#include "live/backend.hpp"
#include "live/compare.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"
#include "tests/live_fixture.hpp"

namespace {

using namespace cgsim;
using live_testing::expect_member_ids_from_client_ids;
using live_testing::expect_membership_checks_ok;
using live_testing::LocalBroker;
using live_testing::lost_of;
using live_testing::shared_broker;
using live_testing::shared_broker_options;
using live_testing::simulate_bounded;

/// Joins a thread when leaving scope, also when a test assertion returns early.
struct Joiner {
  std::thread t;
  ~Joiner() {
    if (t.joinable()) t.join();
  }
};

/// Topic names on the cluster, through librdkafka's metadata.
std::vector<std::string> cluster_topics(const std::string& bootstrap) {
  char err[256];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  std::vector<std::string> out;
  if (!rk) return out;
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 1, nullptr, &md, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < md->topic_cnt; ++i) out.emplace_back(md->topics[i].topic);
    rd_kafka_metadata_destroy(md);
  }
  rd_kafka_destroy(rk);
  return out;
}

/// Creates @p topic with one partition through the admin API; true on success.
bool create_topic(const std::string& bootstrap, const std::string& topic) {
  char err[256];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  if (!rk) return false;
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), 1, -1, err, sizeof err);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 15000);
  bool ok = false;
  if (ev && !rd_kafka_event_error(ev)) {
    size_t n = 0;
    const rd_kafka_topic_result_t** rs = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    ok = n == 1 && rd_kafka_topic_result_error(rs[0]) == RD_KAFKA_RESP_ERR_NO_ERROR;
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_destroy(rk);
  return ok;
}

/// Deletes @p topic (one this test created).
void delete_topic(const std::string& bootstrap, const std::string& topic) {
  char err[256];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
  if (!rk) return;
  rd_kafka_DeleteTopic_t* dt = rd_kafka_DeleteTopic_new(topic.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_DeleteTopics(rk, &dt, 1, nullptr, q);
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 15000)) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_DeleteTopic_destroy(dt);
  rd_kafka_destroy(rk);
}

std::string group_scenario(const std::string& assignor, const std::string& faults, const std::string& duration) {
  return R"(
name: live-)" + assignor + R"(
duration: )" + duration + R"(
client: librdkafka
topics: [{name: a, partitions: 3}, {name: b, partitions: 4}]
producers:
  - {topic: a, rate: {kind: poisson, per_second: 150}, keys: {kind: uniform, cardinality: 100}}
  - {topic: b, rate: {kind: poisson, per_second: 150}, keys: {kind: uniform, cardinality: 100}}
groups:
  - {id: g, topics: [a, b], assignor: )" + assignor + R"(, session_timeout: 2s, heartbeat_interval: 200ms,
     max_poll_interval: 10s, commit: {kind: auto, interval: 500ms},
     consumers: {count: 3, processing_time: {kind: constant, value: 500us}}}
)" + faults;
}

class LiveKafkaAssignor : public ::testing::TestWithParam<const char*> {};

TEST_P(LiveKafkaAssignor, EveryGenerationMatchesTheSimulatorExactly) {
  ASSERT_SHARED_BROKER();
  // A join and a leave: three settled generations whose assignments depend on member order.
  auto sc = scenarios::load_scenario_text(
      group_scenario(GetParam(), "faults:\n  - {at: 2s, join: g, count: 1}\n  - {at: 4s, leave: g/0}\n", "6s"),
      "assign.yaml");
  live::KafkaBackend b(shared_broker_options());
  auto live_run = b.run(sc);
  auto sim_run = simulate_bounded(b.details().effective);
  auto rep = live::compare_runs(b.details().effective, sim_run, live_run, {});
  std::cerr << rep.table();
  std::size_t assignments = 0;
  if (std::string(GetParam()) == "cooperative-sticky") {
    // librdkafka runs cooperative-sticky with the incremental protocol (a revocation round, then an
    // assignment round); so does the simulation of what ran (protocol: cooperative), and both
    // rounds' generations are compared below. What the incremental protocol guarantees holds
    // too: every settled generation hands out each partition once, and between generations
    // partitions move only from a member that left or to a member that joined.
    EXPECT_EQ(b.details().effective.groups[0].protocol, "cooperative");
    auto gens = live::settled_generations(live_run, sc.groups[0]);
    ASSERT_GE(gens.size(), 3u);
    std::map<std::string, std::string> prev;
    for (const auto& g : gens) {
      std::map<std::string, std::string> owner;
      for (const auto& [name, parts] : g.assignment)
        for (const auto& p : parts) EXPECT_TRUE(owner.emplace(p, name).second) << p << " assigned twice";
      for (const auto& [p, name] : owner) {
        auto it = prev.find(p);
        if (it == prev.end() || it->second == name) continue;
        const bool from_leaver = !g.assignment.count(it->second);
        const bool to_joiner = name == "g/3";
        EXPECT_TRUE(from_leaver || to_joiner) << p << " moved from " << it->second << " to " << name << " in generation "
                                              << g.generation;
      }
      if (owner.size() == 7) prev = owner;
    }
    EXPECT_EQ(prev.size(), 7u);
    // A join and a leave: four settled generations, the join's in two rounds.
    EXPECT_GE(gens.size(), 4u);
  }
  assignments += expect_membership_checks_ok(rep);
  EXPECT_GE(assignments, 3u);
  // The live member ids are built by the broker from client.id.
  expect_member_ids_from_client_ids(live_run.groups.at(0));
}

INSTANTIATE_TEST_SUITE_P(Assignors, LiveKafkaAssignor, ::testing::Values("range", "roundrobin", "cooperative-sticky"));

TEST(LiveKafka, CrashDuplicatesAreCountedAndNothingIsLeftBehind) {
  ASSERT_SHARED_BROKER();
  // The crash lands in the middle of an auto-commit interval: at a multiple of it, it would race
  // librdkafka's commit timer (which runs from the client's creation at the start of the run, and
  // which a destroy without close still lets fire), and the figure would be 0 or a whole interval.
  // It comes well after the 1.5 s start-up and its backlog, so g/1 processes as records arrive;
  // 300 records/s per topic make its duplicates (a quarter of a second of its share) many enough
  // for Poisson noise to stay inside the 10-25 % tolerance.
  std::string yaml = group_scenario("range", "faults:\n  - {at: 3.25s, crash: g/1}\n", "7s");
  for (auto at = yaml.find("per_second: 150"); at != std::string::npos; at = yaml.find("per_second: 150"))
    yaml.replace(at, 15, "per_second: 300");
  auto sc = scenarios::load_scenario_text(yaml, "crash.yaml");
  live::KafkaBackend b(shared_broker_options());
  auto s = b.run(sc);
  const auto& d = b.details();
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].kind, "crash");
  EXPECT_EQ(s.faults[0].duplicates, s.duplicates);
  const auto& g = s.groups.at(0);
  EXPECT_EQ(g.consumers.at(1).state, "Stopped");
  EXPECT_EQ(g.consumed - g.duplicates, g.produced - g.final_lag - lost_of(g));
  EXPECT_LE(lost_of(g), 2u);
  // After the crash is detected (2 s session timeout) the survivors own every partition.
  const auto& last = s.generations.back().assignment;
  std::size_t owned = 0;
  for (const auto& [name, parts] : last) owned += parts.size();
  EXPECT_EQ(owned, 7u);
  EXPECT_EQ(last.count("g/1"), 0u);
  // At most one auto-commit interval (0.5 s) of g/1's share of 600 records/s, plus a batch.
  EXPECT_LE(s.duplicates, 300u + 500u);
  // The simulation charges its duplicates to the same crash, and validate compares the live run
  // with five seeds (validate --seeds 5), as it judges distributions: the crash's duplicates
  // follow librdkafka's commit timer, which runs from the client's creation at the start of the
  // run, and the start-up (1.5 s live and simulated), both modelled.
  std::vector<analysis::RunSummary> sims;
  for (std::uint64_t k = 0; k < 5; ++k) {
    auto seeded = d.effective;
    seeded.seed = d.effective.seed + k;
    sims.push_back(simulate_bounded(seeded));
    ASSERT_EQ(sims.back().faults.size(), 1u);
    EXPECT_EQ(sims.back().faults[0].subject, "g/1");
    EXPECT_EQ(sims.back().faults[0].duplicates, sims.back().duplicates);
  }
  const auto rep = live::compare_distributions(d.effective, sims, {s}, {});
  std::size_t fault_checks = 0;
  for (const auto& c : rep.checks) {
    if (c.kind != "fault_duplicates") continue;
    ++fault_checks;
    std::cout << "validate: " << c.subject << ": simulator " << c.simulator << ", live " << c.live << ", "
              << c.tolerance << (c.ok ? " (within)" : " (outside)") << "\n";
    EXPECT_TRUE(c.ok) << c.subject << ": simulator " << c.simulator << ", live " << c.live << ", " << c.tolerance;
  }
  EXPECT_EQ(fault_checks, 1u);

  // No topic of this run is left on the cluster.
  ASSERT_EQ(d.topics_created.size(), 2u);
  EXPECT_EQ(d.topics_deleted.size(), 2u);
  auto topics = cluster_topics(shared_broker().bootstrap());
  EXPECT_FALSE(topics.empty()) << "could not list the cluster's topics";
  for (const auto& t : topics) EXPECT_EQ(t.find("cgsim." + d.run_id), std::string::npos) << t;
}

TEST(LiveKafka, AnExistingTopicIsRefusedAndLeftAlone) {
  ASSERT_SHARED_BROKER();
  const std::string run_id = "preexisting-" + std::to_string(getpid());
  const std::string theirs = "cgsim." + run_id + ".a";
  ASSERT_TRUE(create_topic(shared_broker().bootstrap(), theirs));
  auto sc = scenarios::load_scenario_text(group_scenario("range", "", "3s"), "exists.yaml");
  auto o = shared_broker_options();
  o.run_id = run_id;
  live::KafkaBackend b(o);
  try {
    b.run(sc);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(b.details().topics_created.empty());
  auto topics = cluster_topics(shared_broker().bootstrap());
  EXPECT_NE(std::find(topics.begin(), topics.end(), theirs), topics.end()) << "a topic the run did not create was removed";
  EXPECT_EQ(std::find(topics.begin(), topics.end(), "cgsim." + run_id + ".b"), topics.end());
  delete_topic(shared_broker().bootstrap(), theirs);
}

/// Commits offset 0 of @p topic partition 0 for group @p group, which creates the group (Empty,
/// with offsets) as an earlier run or another application would have; true on success.
bool commit_as_group(const std::string& bootstrap, const std::string& group, const std::string& topic) {
  char err[256];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(c, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  if (!rk) return false;
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic.c_str(), 0)->offset = 0;
  bool ok = false;
  for (int i = 0; i < 20 && !ok; ++i) {
    ok = rd_kafka_commit(rk, l, 0) == RD_KAFKA_RESP_ERR_NO_ERROR;
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return ok;
}

/// The offset group @p group has committed for @p topic partition 0; -1 when none or unknown.
std::int64_t committed_offset(const std::string& bootstrap, const std::string& group, const std::string& topic) {
  char err[256];
  rd_kafka_conf_t* c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(c, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  if (!rk) return -1;
  rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic.c_str(), 0);
  std::int64_t off = -1;
  if (rd_kafka_committed(rk, l, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) off = l->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return off;
}

TEST(LiveKafka, AnExistingGroupIsRefusedAndLeftAlone) {
  // Skipped, unlike the other tests here, when no broker can be had: it is the only check of the
  // group collision against a broker, and the mock cluster cannot describe groups.
  if (shared_broker().bootstrap().empty()) GTEST_SKIP() << "no Kafka broker reachable: " << shared_broker().error();
  const std::string run_id = "pregroup-" + std::to_string(getpid());
  const std::string theirs = "cgsim." + run_id + ".g";
  const std::string their_topic = "cgsim-test-offsets-" + std::to_string(getpid());
  ASSERT_TRUE(create_topic(shared_broker().bootstrap(), their_topic));
  ASSERT_TRUE(commit_as_group(shared_broker().bootstrap(), theirs, their_topic));
  auto sc = scenarios::load_scenario_text(group_scenario("range", "", "3s"), "group-exists.yaml");
  auto o = shared_broker_options();
  o.run_id = run_id;
  live::KafkaBackend b(o);
  try {
    b.run(sc);
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), kExitInput);
    EXPECT_NE(std::string(e.what()).find("consumer group " + theirs + " already exists"), std::string::npos) << e.what();
  }
  // Nothing was touched: no topic created, the group and its offsets still there.
  EXPECT_TRUE(b.details().topics_created.empty());
  EXPECT_TRUE(b.details().groups_created.empty());
  auto topics = cluster_topics(shared_broker().bootstrap());
  EXPECT_EQ(std::find(topics.begin(), topics.end(), "cgsim." + run_id + ".a"), topics.end());
  EXPECT_EQ(committed_offset(shared_broker().bootstrap(), theirs, their_topic), 0);
  delete_topic(shared_broker().bootstrap(), their_topic);
}

TEST(LiveKafka, RefusesAnUnreachableBroker) {
  // Nothing listens on port 1 of the loopback address.
  auto sc = scenarios::load_scenario_text(group_scenario("range", "", "2s"), "x.yaml");
  live::LiveOptions o;
  o.bootstrap = "127.0.0.1:1";
  o.connect_timeout_s = 2;
  live::KafkaBackend b(o);
  try {
    b.run(sc);
    FAIL() << "expected a BrokerError";
  } catch (const BrokerError& e) {
    EXPECT_EQ(e.exit_code(), kExitBroker);
    EXPECT_NE(std::string(e.what()).find("cannot reach"), std::string::npos) << e.what();
  }
}

TEST(LiveKafka, StoppedBrokerMidRunIsABrokerError) {
  // A broker of its own, stopped 3 s into the run.
  LocalBroker own("stop");
  ASSERT_FALSE(own.bootstrap().empty()) << own.error();
  auto sc = scenarios::load_scenario_text(group_scenario("range", "", "30s"), "stop.yaml");
  live::LiveOptions o;
  o.bootstrap = own.bootstrap();
  o.broker_loss_timeout_s = 3;
  o.hook_at_s = 3;
  Joiner stopper;
  o.hook = [&own, &stopper](rd_kafka_mock_cluster_s*) { stopper.t = std::thread([&own] { own.stop(); }); };
  live::KafkaBackend b(o);
  auto t0 = std::chrono::steady_clock::now();
  try {
    b.run(sc);
    FAIL() << "expected a BrokerError";
  } catch (const BrokerError& e) {
    EXPECT_EQ(e.exit_code(), kExitBroker);
    EXPECT_NE(std::string(e.what()).find("lost the Kafka broker"), std::string::npos) << e.what();
  }
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(took, 28.0) << "a lost broker must end the run promptly, not at the scenario's end";
  const auto& d = b.details();
  EXPECT_FALSE(d.topics_created.empty());
  // The broker did not come back: each topic and group of the run is named with the command
  // that removes it.
  EXPECT_TRUE(d.topics_deleted.empty());
  ASSERT_EQ(d.leftovers.size(), d.topics_created.size() + d.groups_created.size());
  for (const auto& w : d.warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& g : d.groups_created) {
    const std::string cmd = "kafka-consumer-groups.sh --bootstrap-server " + own.bootstrap() + " --delete --group " + g;
    EXPECT_NE(std::find(d.leftovers.begin(), d.leftovers.end(), cmd), d.leftovers.end()) << cmd;
  }
  for (const auto& t : d.topics_created) {
    std::string re;
    for (char c : t) re += c == '.' ? std::string("\\.") : std::string(1, c);
    const std::string cmd = "kafka-topics.sh --bootstrap-server " + own.bootstrap() + " --delete --topic '" + re + "'";
    EXPECT_NE(std::find(d.leftovers.begin(), d.leftovers.end(), cmd), d.leftovers.end()) << cmd;
  }
}

}  // namespace
