// The add_partitions fault: a topic grows (CreatePartitions) and producers, clients and
// coordinators learn of it as Kafka's do (docs/model.md, "Adding partitions").
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "models/common/error.hpp"
#include "models/kafka/world.hpp"
#include "scenarios/loader.hpp"

using namespace cgsim;
using sim::kMillisecond;
using sim::kSecond;

namespace {

/// Two partitions growing by four at @p at; @p group_extra goes into the group's mapping.
std::string scenario(const std::string& group_extra, const std::string& client = "java", int consumers = 2,
                     const std::string& at = "30s", const std::string& processing = "{kind: constant, value: 1ms}") {
  return "name: t\nseed: 3\nduration: 3m\nclient: " + client +
         "\ntopics:\n  - {name: t, partitions: 2}\n  - {name: other, partitions: 3}\n"
         "producers:\n  - {topic: t, rate: {kind: constant, per_second: 200}, metadata_max_age: 20s}\n"
         "groups:\n  - id: g\n    topics: [t]\n" +
         group_extra + "    consumers: {count: " + std::to_string(consumers) + ", processing_time: " + processing +
         "}\nfaults:\n  - {at: " + at + ", add_partitions: t, count: 4}\n";
}

struct Observed {
  std::vector<models::RebalanceInfo> rebalances;
  std::vector<models::GenerationInfo> generations;
  std::vector<std::int64_t> appended;  // records per global partition id at the end
};

Observed run(const models::Scenario& sc) {
  Observed o;
  sim::Engine engine;
  models::World w(engine, sc);
  w.signals().rebalance_completed.connect([&](const models::RebalanceInfo& r) { o.rebalances.push_back(r); });
  w.signals().generation.connect([&](const models::GenerationInfo& g) { o.generations.push_back(g); });
  w.start();
  w.run();
  for (std::int32_t gid = 0; gid < w.broker().partition_count(); ++gid) o.appended.push_back(w.broker().log(gid).end_offset());
  return o;
}

models::Scenario load(const std::string& text) { return scenarios::load_scenario_text(text, "test.yaml"); }

/// The rebalance that follows the fault at @p at.
const models::RebalanceInfo* after(const Observed& o, sim::Time at) {
  for (const auto& r : o.rebalances)
    if (r.start >= at) return &r;
  return nullptr;
}

std::size_t partitions_in(const models::GenerationInfo& g) {
  std::size_t n = 0;
  for (const auto& [c, parts] : g.assignment) n += parts.size();
  return n;
}

std::string load_error(const std::string& text) {
  try {
    load(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(AddPartitions, TheLoaderReadsTheFault) {
  auto sc = load(scenario(""));
  ASSERT_EQ(sc.faults.size(), 1u);
  EXPECT_EQ(sc.faults[0].kind, models::FaultSpec::Kind::AddPartitions);
  EXPECT_EQ(sc.faults[0].topic, "t");
  EXPECT_EQ(sc.faults[0].count, 4);
  EXPECT_TRUE(sc.faults[0].group.empty());
  EXPECT_STREQ(models::to_string(sc.faults[0].kind), "add_partitions");
  EXPECT_EQ(sc.groups[0].metadata_max_age, 5 * sim::kMinute);
  EXPECT_EQ(sc.producers[0].metadata_max_age, 20 * kSecond);
}

TEST(AddPartitions, AnUnknownTopicOrANonPositiveCountIsAnInputError) {
  std::string text = scenario("");
  std::string unknown = text;
  unknown.replace(unknown.find("add_partitions: t"), 17, "add_partitions: nope");
  const std::string e1 = load_error(unknown);
  EXPECT_NE(e1.find("faults[0].add_partitions"), std::string::npos) << e1;
  EXPECT_NE(e1.find("expected the name of a topic"), std::string::npos) << e1;
  for (const char* bad : {"count: 0", "count: -3"}) {
    std::string t = text;
    t.replace(t.find("count: 4"), 8, bad);
    const std::string e = load_error(t);
    EXPECT_NE(e.find("faults[0].count"), std::string::npos) << e;
    EXPECT_NE(e.find("expected an integer from 1"), std::string::npos) << e;
  }
  std::string missing = text;
  missing.replace(missing.find(", count: 4"), 10, "");
  EXPECT_NE(load_error(missing).find("count"), std::string::npos);
}

TEST(AddPartitions, JavaClassicLeaderRejoinsAtItsNextMetadataRefresh) {
  // metadata.max.age.ms 20 s from each member's bootstrap (at about 0.4-1.7 s): the fault at 30 s
  // is noticed at the leader's refresh at about 40.4-41.7 s, not before, and the generation that
  // follows hands out all six partitions.
  auto o = run(load(scenario("    metadata_max_age: 20s\n")));
  const auto* r = after(o, 30 * kSecond);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->trigger, "metadata");
  EXPECT_GE(r->start, 40 * kSecond);
  EXPECT_LT(r->start, 42 * kSecond);
  ASSERT_FALSE(o.generations.empty());
  EXPECT_EQ(partitions_in(o.generations.back()), 6u);
}

TEST(AddPartitions, JavaClassicGroupWaitsForTheDefaultMetadataMaxAge) {
  // With the default 5 min refresh, a fault at 30 s is not seen until about 5 min after the
  // leader's bootstrap: beyond this 3 min run, so nothing rebalances and the new partitions
  // stay unowned while their records pile up.
  auto o = run(load(scenario("")));
  EXPECT_EQ(after(o, 30 * kSecond), nullptr);
  EXPECT_EQ(partitions_in(o.generations.back()), 2u);
}

TEST(AddPartitions, ProducersRouteToNewPartitionsAfterTheirMetadataRefresh) {
  // The producer refreshes every 20 s from its start at 0: it sees the fault at 40 s.
  auto o = run(load(scenario("    metadata_max_age: 20s\n")));
  // Topic t holds gids 0..5 (2 partitions + 4 reserved), then "other".
  ASSERT_EQ(o.appended.size(), 9u);
  std::int64_t new_records = 0;
  for (int gid = 2; gid < 6; ++gid) new_records += o.appended[static_cast<std::size_t>(gid)];
  EXPECT_GT(new_records, 0);
  // 200 records/s over 6 partitions for the 140 s after 40 s: two thirds of 28k land on the new ones.
  EXPECT_NEAR(static_cast<double>(new_records), 200.0 * 140 * 4 / 6, 2000);
  for (int gid = 6; gid < 9; ++gid) EXPECT_EQ(o.appended[static_cast<std::size_t>(gid)], 0);
}

TEST(AddPartitions, LibrdkafkaClassicFirstRefreshingMemberRejoins) {
  // Every librdkafka member checks its subscribed topics at its own refresh; the first of them
  // (each 20 s after its own start) triggers the rebalance.
  auto o = run(load(scenario("    metadata_max_age: 20s\n", "librdkafka", 3)));
  const auto* r = after(o, 30 * kSecond);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->trigger, "metadata");
  EXPECT_GE(r->start, 40 * kSecond);
  EXPECT_LT(r->start, 42 * kSecond);
  EXPECT_EQ(partitions_in(o.generations.back()), 6u);
}

TEST(AddPartitions, ConsumerProtocolBumpsTheEpochAtTheNextHeartbeat) {
  // The coordinator sees the new metadata image at once; the next heartbeat of any member (every
  // 5 s) bumps the epoch, and every member has its share within about two intervals, whatever
  // metadata_max_age says.
  auto o = run(load(scenario("    protocol: consumer\n    assignor: uniform\n    heartbeat_interval: 5s\n")));
  const auto* r = after(o, 30 * kSecond);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->trigger, "metadata");
  EXPECT_LE(r->start, 35 * kSecond + 200 * kMillisecond);
  EXPECT_LE(r->end, 40 * kSecond + 500 * kMillisecond);
  EXPECT_EQ(partitions_in(o.generations.back()), 6u);
}

TEST(AddPartitions, GrowingAnotherTopicLeavesTheGroupAlone) {
  std::string text = scenario("    metadata_max_age: 20s\n");
  text.replace(text.find("add_partitions: t"), 17, "add_partitions: other");
  auto o = run(load(text));
  EXPECT_EQ(after(o, 30 * kSecond), nullptr);
}

TEST(AddPartitions, ARefreshDuringAnotherRebalanceStillEndsWithEveryPartitionAssigned) {
  // A join at 40 s puts a rebalance around the members' refreshes (about 40.4-41.7 s): whether the
  // leader assigns from the old view or the new one, the group ends with all six partitions.
  for (int seed = 1; seed <= 6; ++seed) {
    for (const char* client : {"java", "librdkafka"}) {
      std::string text = scenario("    metadata_max_age: 20s\n", client);
      text.replace(text.find("seed: 3"), 7, "seed: " + std::to_string(seed));
      text += "  - {at: 40s, join: g}\n";
      auto o = run(load(text));
      ASSERT_FALSE(o.generations.empty());
      EXPECT_EQ(partitions_in(o.generations.back()), 6u) << client << " seed " << seed;
    }
  }
}
