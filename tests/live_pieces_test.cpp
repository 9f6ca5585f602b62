// The pieces of the librdkafka backend that can be tested without a broker (names on the
// cluster, collisions, arrivals and keys, consumer settings, clean-up and its commands, the
// progress line), and the admin operations against librdkafka's mock cluster.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "live/backend.hpp"
#include "live/kafka/admin.hpp"
#include "live/kafka/cleanup.hpp"
#include "live/kafka/consumer_worker.hpp"
#include "live/kafka/layout.hpp"
#include "live/kafka/producers.hpp"
#include "live/progress.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"

namespace {

using namespace cgsim;
using namespace cgsim::live::kafka;

const char* kScenario = R"(
name: pieces
seed: 7
duration: 10s
topics: [{name: a, partitions: 3}, {name: b, partitions: 2}]
producers:
  - {topic: a, rate: {kind: constant, per_second: 100}, keys: {kind: sequential, cardinality: 3, prefix: k}}
groups:
  - {id: g, topics: [a, b], assignor: cooperative-sticky, session_timeout: 6s, heartbeat_interval: 1s,
     max_poll_interval: 10s, commit: {kind: auto, interval: 500ms},
     consumers: {count: 2, static: true, processing_time: {kind: constant, value: 1ms}}}
  - {id: h, topics: [b], assignor: range, session_timeout: 6s, heartbeat_interval: 1s, max_poll_interval: 10s,
     consumers: {count: 1, processing_time: {kind: constant, value: 1ms}}}
)";

models::Scenario scenario() { return scenarios::load_scenario_text(kScenario, "pieces.yaml"); }

std::string value_of(const live::ClientProperties& ps, const std::string& key) {
  std::string v = "(unset)";
  for (const auto& [k, x] : ps)
    if (k == key) v = x;
  return v;
}

TEST(LiveLayout, PrefixesNamesAndNumbersPartitionsGlobally) {
  auto sc = scenario();
  auto l = build_layout(sc, "r1");
  ASSERT_EQ(l.topics.size(), 2u);
  EXPECT_EQ(l.topics[0].kafka, "cgsim.r1.a");
  EXPECT_EQ(l.topics[1].first, 3);
  EXPECT_EQ(l.partition_names, (std::vector<std::string>{"a-0", "a-1", "a-2", "b-0", "b-1"}));
  EXPECT_EQ(l.group_ids, (std::vector<std::string>{"cgsim.r1.g", "cgsim.r1.h"}));
  ASSERT_NE(l.kafka_topic("cgsim.r1.b"), nullptr);
  EXPECT_EQ(l.kafka_topic("cgsim.r1.b")->name, "b");
  EXPECT_EQ(l.kafka_topic("other"), nullptr);
  auto infos = group_infos(sc, l);
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].partitions, (std::vector<std::int32_t>{0, 1, 2, 3, 4}));
  EXPECT_TRUE(infos[0].cooperative);
  EXPECT_TRUE(infos[0].static_membership);
  EXPECT_EQ(infos[1].partitions, (std::vector<std::int32_t>{3, 4}));
  EXPECT_FALSE(infos[1].cooperative);

  EXPECT_TRUE(legal_topic_name("cgsim.x_y-1"));
  EXPECT_FALSE(legal_topic_name("a b"));
  EXPECT_FALSE(legal_topic_name(std::string(250, 'a')));
  EXPECT_THROW(build_layout(sc, "bad id"), InputError);
}

TEST(LiveLayout, AnExistingTopicOrGroupStopsTheRunNamingIt) {
  auto l = build_layout(scenario(), "r1");
  EXPECT_NO_THROW(refuse_collisions(l, {{"cgsim.r0.a", 1}, {"other", 2}}, {}));
  try {
    refuse_collisions(l, {}, {"cgsim.r1.h"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), kExitInput);
    EXPECT_NE(std::string(e.what()).find("consumer group cgsim.r1.h already exists"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("cgsim.r1.g "), std::string::npos) << e.what();
  }
  try {
    refuse_collisions(l, {{"cgsim.r1.b", 2}}, {"cgsim.r1.g"});
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("topic cgsim.r1.b already exists"), std::string::npos) << m;
    EXPECT_NE(m.find("consumer group cgsim.r1.g already exists"), std::string::npos) << m;
  }
}

TEST(LiveProducers, ArrivalsFollowTheRateAndStop) {
  auto sc = scenario();
  auto& p = sc.producers[0];
  p.stop = 50 * sim::kMillisecond;
  Arrivals a(p, sim::Rng(1, "x"));
  std::vector<std::int64_t> ts;
  for (std::int64_t t = a.next(0); t != sim::kNever; t = a.next(t)) ts.push_back(t);
  // 100 per second, constant: every 10 ms, none at or after the stop.
  EXPECT_EQ(ts, (std::vector<std::int64_t>{10'000'000, 20'000'000, 30'000'000, 40'000'000}));
}

TEST(LiveProducers, KeysAndPartitionerNames) {
  auto sc = scenario();
  Keys k(sc.producers[0].keys, sim::Rng(1, "k"));
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) got.push_back(*k.next());
  EXPECT_EQ(got, (std::vector<std::string>{"k0", "k1", "k2", "k0"}));
  models::KeySpec none;
  none.kind = models::KeySpec::Kind::None;
  Keys n(none, sim::Rng(1, "n"));
  EXPECT_FALSE(n.next().has_value());
  using K = models::partitioners::Partitioner::Kind;
  EXPECT_EQ(librdkafka_partitioner(K::Default).value_or(""), "consistent_random");
  EXPECT_EQ(librdkafka_partitioner(K::Murmur2Random).value_or(""), "murmur2_random");
  EXPECT_FALSE(librdkafka_partitioner(K::UniformSticky).has_value());
}

TEST(LiveConsumerConfig, ScenarioSettingsBecomeClientProperties) {
  auto sc = scenario();
  auto ps = consumer_properties(sc.groups[0], "cgsim.r1.g", 1);
  EXPECT_EQ(value_of(ps, "group.id"), "cgsim.r1.g");
  EXPECT_EQ(value_of(ps, "client.id"), "g-1");
  EXPECT_EQ(value_of(ps, "group.instance.id"), "g-1");
  EXPECT_EQ(value_of(ps, "partition.assignment.strategy"), "cooperative-sticky");
  EXPECT_EQ(value_of(ps, "session.timeout.ms"), "6000");
  EXPECT_EQ(value_of(ps, "heartbeat.interval.ms"), "1000");
  EXPECT_EQ(value_of(ps, "enable.auto.commit"), "true");
  EXPECT_EQ(value_of(ps, "auto.commit.interval.ms"), "500");
  EXPECT_EQ(value_of(consumer_properties(sc.groups[1], "x", 0), "group.instance.id"), "(unset)");
  EXPECT_EQ(value_of(consumer_defaults(true), "fetch.wait.max.ms"), "5");
  EXPECT_TRUE(consumer_defaults(false).empty());
}

/// A cluster that fails @p failing_rounds rounds of deletion, then deletes; records every call.
struct FakeCluster {
  int failing_rounds = 0;
  int group_calls = 0, topic_calls = 0;
  std::vector<std::string> asked;
  std::vector<std::chrono::milliseconds> slept;
  Deleter deleter() {
    Deleter d;
    d.groups = [this](const std::vector<std::string>& ids, std::chrono::milliseconds, int) {
      asked.insert(asked.end(), ids.begin(), ids.end());
      return ++group_calls <= failing_rounds ? ids : std::vector<std::string>{};
    };
    d.topics = [this](const std::vector<std::string>& names, int) {
      asked.insert(asked.end(), names.begin(), names.end());
      if (++topic_calls <= failing_rounds) return std::vector<std::string>{names.begin() + 1, names.end()};
      return names;
    };
    d.sleep = [this](std::chrono::milliseconds ms) { slept.push_back(ms); };
    return d;
  }
};

TEST(LiveCleanup, RetriesWithBackOffAndDeletesOnlyWhatTheRunCreated) {
  Leftovers created{{"cgsim.r.a", "cgsim.r.b"}, {"cgsim.r.g"}};
  FakeCluster once;
  once.failing_rounds = 1;
  auto left = delete_created(created, {}, once.deleter());
  EXPECT_TRUE(left.empty());
  EXPECT_EQ(once.slept, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(500)}));
  // The second round asks again only for what the first left.
  EXPECT_EQ(once.asked, (std::vector<std::string>{"cgsim.r.g", "cgsim.r.a", "cgsim.r.b", "cgsim.r.g", "cgsim.r.a"}));

  FakeCluster never;
  never.failing_rounds = 100;
  left = delete_created(created, {}, never.deleter());
  EXPECT_EQ(left.groups, (std::vector<std::string>{"cgsim.r.g"}));
  EXPECT_EQ(left.topics, (std::vector<std::string>{"cgsim.r.a"}));
  EXPECT_EQ(never.group_calls, 3);
  EXPECT_EQ(never.slept, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(500),
                                                                 std::chrono::milliseconds(1000)}));
  for (const auto& n : never.asked) EXPECT_TRUE(n == "cgsim.r.a" || n == "cgsim.r.b" || n == "cgsim.r.g") << n;
}

TEST(LiveCleanup, LeftoversAreNamedWithTheCommandsThatRemoveThem) {
  Leftovers left{{"cgsim.r-1.a"}, {"cgsim.r-1.my group"}};
  auto cmds = cleanup_commands("127.0.0.1:9092", left, false);
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[0], "kafka-consumer-groups.sh --bootstrap-server 127.0.0.1:9092 --delete --group 'cgsim.r-1.my group'");
  // kafka-topics.sh reads --topic as a regular expression: the dots are escaped so that only
  // this topic matches.
  EXPECT_EQ(cmds[1], "kafka-topics.sh --bootstrap-server 127.0.0.1:9092 --delete --topic 'cgsim\\.r-1\\.a'");
  auto with_props = cleanup_commands("h:1,h:2", left, true);
  EXPECT_NE(with_props[1].find("--bootstrap-server h:1,h:2 --command-config CLIENT.properties --delete"),
            std::string::npos);
  auto ws = leftover_warnings("127.0.0.1:9092", left, false);
  ASSERT_EQ(ws.size(), 2u);
  EXPECT_EQ(ws[0].rfind("consumer group cgsim.r-1.my group created by this run was not deleted; remove it with: "
                        "kafka-consumer-groups.sh",
                        0),
            0u)
      << ws[0];
  EXPECT_NE(ws[1].find("topic cgsim.r-1.a created by this run"), std::string::npos);
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

TEST(LiveProgress, FormatsAndPrintsAtMostOncePerPeriod) {
  live::ProgressSnapshot s{"running", 12.04, 60, 1200, 1187};
  EXPECT_EQ(live::format_progress(s), "cgsim: running 12.0 / 60.0 s, 1200 records produced, 1187 consumed");
  s.expected_s = 0;
  s.phase = "cleaning up";
  EXPECT_EQ(live::format_progress(s), "cgsim: cleaning up 12.0 s, 1200 records produced, 1187 consumed");

  live::ProgressBoard board;
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    live::ProgressPrinter printer(board, f, false, std::chrono::milliseconds(100));
    board.phase("running", 1);
    for (int i = 0; i < 5; ++i) board.add_produced();
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    printer.message("cgsim: a message");
  }
  std::rewind(f);
  std::string text;
  char buf[512];
  while (std::fgets(buf, sizeof buf, f)) text += buf;
  std::fclose(f);
  std::istringstream in(text);
  std::string line;
  int progress_lines = 0;
  while (std::getline(in, line)) {
    if (line.rfind("cgsim: running", 0) == 0) {
      ++progress_lines;
      EXPECT_NE(line.find("5 records produced, 0 consumed"), std::string::npos) << line;
    }
  }
  EXPECT_GE(progress_lines, 2) << text;
  EXPECT_LE(progress_lines, 4) << text;
  EXPECT_NE(text.find("cgsim: a message\n"), std::string::npos);
}

TEST(LiveMockAdmin, CreatesListsAndDeletesTopicsOnTheMockCluster) {
  live::LiveOptions o;
  Shared sh;
  sh.options = &o;
  Cluster c(sh, o);
  ASSERT_TRUE(c.mock());
  EXPECT_FALSE(sh.bootstrap.empty());
  std::string err;
  bool up = false;
  for (int i = 0; i < 10 && !up; ++i) up = c.probe(1000, &err);
  ASSERT_TRUE(up) << err;
  std::vector<std::string> created;
  c.create_topics({{"cgsim.t.a", 3}, {"cgsim.t.b", 1}}, created);
  EXPECT_EQ(created, (std::vector<std::string>{"cgsim.t.a", "cgsim.t.b"}));
  auto topics = c.topics(5000);
  EXPECT_EQ(topics["cgsim.t.a"], 3);
  EXPECT_EQ(topics["cgsim.t.b"], 1);
  // The mock cluster was started by this run: no group of it can exist before.
  EXPECT_TRUE(c.existing_groups({"cgsim.t.g"}, std::chrono::seconds(1)).empty());
  std::vector<std::string> warnings;
  auto limits = c.limits(warnings);
  EXPECT_FALSE(limits.from_broker);
  EXPECT_EQ(limits.initial_rebalance_delay_ms, 1500);
  EXPECT_EQ(c.delete_topics(created, 1000), created);
}

}  // namespace
