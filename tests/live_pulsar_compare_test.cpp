// The Pulsar checks of `cgsim validate` over live repetitions and simulator seeds, on synthetic
// runs (no broker): chat_pulsar_failover's topic (4 partitions, 2 consumers, a crash of
// consumer 0 at 1 m), with each run's duplicates after the crash, switch time and key placement
// chosen by the test.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "live/pulsar/compare.hpp"
#include "live/pulsar/run.hpp"
#include "models/common/error.hpp"
#include "models/pulsar/signals.hpp"
#include "scenarios/pulsar_loader.hpp"

namespace {

using namespace cgsim;
namespace lp = cgsim::live::pulsar;
namespace pl = cgsim::models::pulsar;

pl::ScenarioFile scenario(pl::SubscriptionType type = pl::SubscriptionType::Failover) {
  auto sc = scenarios::load_pulsar_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/chat_pulsar_failover.yaml");
  sc.pulsar.subscriptions[0].type = type;
  return sc;
}

/// What a synthetic run looks like.
struct Shape {
  int duplicates = 20;             ///< messages consumer 0 processed before the crash and consumer 1 again after it
  double switch_s = 1.0;           ///< from the crash to consumer 1's first processing of consumer 0's messages
  std::uint64_t moved_key = pl::kNoKey;  ///< Key_Shared: this key sits on the other consumer before the crash
};

/// A message every 10 ms, round-robin over the 4 partitions, keys 0..49 in turn. Failover:
/// consumer 0 serves the even partitions; Key_Shared: consumer 0 the even keys. After the crash
/// consumer 1 serves everything, from the switch on, and processes consumer 0's last
/// `duplicates` messages again.
lp::PulsarRun make_run(const pl::ScenarioFile& sc, const Shape& shape) {
  const bool by_key = sc.pulsar.subscriptions[0].type == pl::SubscriptionType::KeyShared;
  const std::int64_t crash = sc.faults.at(0).at;
  const std::int64_t sw = crash + static_cast<std::int64_t>(shape.switch_s * 1e9);
  std::vector<lp::Processed> v;
  std::vector<std::int64_t> next(4, 0);
  std::uint64_t published = 0;
  for (std::int64_t t = 0; t < sc.duration - 2'000'000'000; t += 10'000'000, ++published) {
    const auto p = static_cast<std::int32_t>(published % 4);
    const std::uint64_t key = published % 50;
    std::int32_t owner = by_key ? static_cast<std::int32_t>(key % 2) : p % 2;
    if (key == shape.moved_key) owner = 1 - owner;
    std::int64_t done = t + 1'000'000;
    if (owner == 0 && done >= crash) {
      owner = 1;
      done = std::max(done, sw);
    }
    lp::Processed m;
    m.consumer = owner;
    m.partition = p;
    m.position = next[static_cast<std::size_t>(p)]++;
    m.key = key;
    m.published_ns = t;
    m.done_ns = done;
    v.push_back(m);
  }
  std::vector<lp::Processed> again;
  for (auto it = v.rbegin(); it != v.rend() && static_cast<int>(again.size()) < shape.duplicates; ++it) {
    if (it->consumer != 0 || it->done_ns >= crash) continue;
    lp::Processed m = *it;
    m.consumer = 1;
    m.done_ns = sw + 1'000;
    again.push_back(m);
  }
  v.insert(v.end(), again.begin(), again.end());
  std::vector<lp::FaultAt> faults{{0, sc.faults[0], crash}};
  return lp::summarise(sc, std::move(v), std::move(faults), published, {lp::consumer_names(sc.pulsar.subscriptions[0], 2)});
}

std::vector<lp::PulsarRun> runs(const pl::ScenarioFile& sc, const std::vector<Shape>& shapes) {
  std::vector<lp::PulsarRun> out;
  for (const auto& s : shapes) out.push_back(make_run(sc, s));
  return out;
}

std::vector<Shape> duplicates(std::initializer_list<int> counts) {
  std::vector<Shape> out;
  for (int c : counts) out.push_back(Shape{c});
  return out;
}

lp::HostFigures idle_host() {
  lp::HostFigures h;
  h.scheduled = h.sent = 100;
  h.cpu_wait_max = h.cpu_wait_mean = 0.001;
  return h;
}

std::vector<const live::Check*> of_kind(const live::ValidationReport& rep, const std::string& kind) {
  std::vector<const live::Check*> out;
  for (const auto& c : rep.checks)
    if (c.kind == kind) out.push_back(&c);
  return out;
}

const live::Check& only(const live::ValidationReport& rep, const std::string& kind) {
  const auto cs = of_kind(rep, kind);
  EXPECT_EQ(cs.size(), 1u) << kind;
  return *cs.at(0);
}

TEST(LivePulsarCompare, DuplicatesPerFaultOnTheMediansWithinTenPercent) {
  const auto sc = scenario();
  std::vector<Shape> sim_shapes(20, Shape{20});
  const auto sims = runs(sc, sim_shapes);
  const std::vector<lp::HostFigures> host(3, idle_host());
  {
    const auto rep = lp::compare_pulsar_runs(sc, sims, runs(sc, duplicates({19, 21, 22})), host);
    const auto& c = only(rep, "fault_duplicates");
    EXPECT_TRUE(c.ok) << c.simulator << " vs " << c.live << " " << c.tolerance;
    EXPECT_EQ(c.simulator, "20 [20..20, n=20]");
    EXPECT_EQ(c.live, "21 [19..22, n=3]");
    EXPECT_EQ(rep.verdict(), live::Verdict::Pass);
  }
  {
    // Medians 20 and 23 with a live spread of 2/23: the tolerance stays 10 %, 2 messages.
    const auto rep = lp::compare_pulsar_runs(sc, sims, runs(sc, duplicates({22, 23, 24})), host);
    EXPECT_FALSE(only(rep, "fault_duplicates").ok);
    EXPECT_EQ(rep.verdict(), live::Verdict::Mismatch);
  }
}

TEST(LivePulsarCompare, DuplicatesToleranceWidensWithTheSpreadUpToAQuarter) {
  const auto sc = scenario();
  const auto sims = runs(sc, std::vector<Shape>(20, Shape{20}));
  const std::vector<lp::HostFigures> host(3, idle_host());
  // Live median 23, spread 7/23 (30 %): the tolerance is capped at 25 % of 20, 5 messages.
  const auto wide = lp::compare_pulsar_runs(sc, sims, runs(sc, duplicates({17, 23, 24})), host);
  EXPECT_TRUE(only(wide, "fault_duplicates").ok) << only(wide, "fault_duplicates").tolerance;
  EXPECT_NE(only(wide, "fault_duplicates").tolerance.find("25.0 %"), std::string::npos);
  // Median 26: 6 messages off, beyond the cap.
  const auto far = lp::compare_pulsar_runs(sc, sims, runs(sc, duplicates({10, 26, 30})), host);
  EXPECT_FALSE(only(far, "fault_duplicates").ok);
}

TEST(LivePulsarCompare, DuplicatesHaveNoAbsoluteFloor) {
  const auto sc = scenario();
  const auto off = lp::compare_pulsar_runs(sc, runs(sc, duplicates({2, 2, 2})), runs(sc, duplicates({3})), {idle_host()});
  EXPECT_FALSE(only(off, "fault_duplicates").ok);
  const auto none = lp::compare_pulsar_runs(sc, runs(sc, duplicates({0, 0})), runs(sc, duplicates({0})), {idle_host()});
  EXPECT_TRUE(only(none, "fault_duplicates").ok);
}

TEST(LivePulsarCompare, FailoverSwitchTimeOnTheMediansWithinTwentyPercent) {
  const auto sc = scenario();
  const auto sims = runs(sc, std::vector<Shape>(5, Shape{20, 1.0}));
  const std::vector<lp::HostFigures> host(3, idle_host());
  const auto near = lp::compare_pulsar_runs(sc, sims, runs(sc, {Shape{20, 1.1}, Shape{20, 1.15}, Shape{20, 1.6}}), host);
  EXPECT_TRUE(only(near, "failover_switch_s").ok) << only(near, "failover_switch_s").live;
  EXPECT_EQ(only(near, "failover_switch_s").live, "1.150 [1.100..1.600, n=3]");
  const auto slow = lp::compare_pulsar_runs(sc, sims, runs(sc, {Shape{20, 1.25}, Shape{20, 1.3}, Shape{20, 1.0}}), host);
  EXPECT_FALSE(only(slow, "failover_switch_s").ok);
}

TEST(LivePulsarCompare, SharesOnTheMedians) {
  const auto sc = scenario();
  const auto sims = runs(sc, std::vector<Shape>(4, Shape{}));
  const auto rep = lp::compare_pulsar_runs(sc, sims, runs(sc, {Shape{}, Shape{}}), std::vector<lp::HostFigures>(2, idle_host()));
  const auto shares = of_kind(rep, "share");
  ASSERT_EQ(shares.size(), 2u);
  for (const auto* c : shares) EXPECT_TRUE(c->ok) << c->subject;
  EXPECT_NE(shares[0]->simulator.find("n=4"), std::string::npos);
  EXPECT_NE(shares[0]->live.find("n=2"), std::string::npos);
}

TEST(LivePulsarCompare, AnyInconclusiveRepetitionMakesTheRunInconclusive) {
  const auto sc = scenario();
  const auto sims = runs(sc, std::vector<Shape>(3, Shape{}));
  std::vector<lp::HostFigures> host(3, idle_host());
  host[1].cpu_wait_max = 0.05;
  const auto rep = lp::compare_pulsar_runs(sc, sims, runs(sc, std::vector<Shape>(3, Shape{})), host);
  EXPECT_EQ(rep.verdict(), live::Verdict::Inconclusive);
  const auto waits = of_kind(rep, "host_cpu_wait");
  ASSERT_EQ(waits.size(), 3u);
  EXPECT_TRUE(waits[0]->ok);
  EXPECT_FALSE(waits[1]->ok);
  EXPECT_NE(waits[1]->subject.find("repetition 2"), std::string::npos);
  EXPECT_EQ(waits[1]->live, "0.0500");
  EXPECT_THROW(lp::compare_pulsar_runs(sc, sims, runs(sc, std::vector<Shape>(3, Shape{})), {idle_host()}), cgsim::Error);
}

TEST(LivePulsarCompare, KeyMappingExactInEveryRepetition) {
  const auto sc = scenario(pl::SubscriptionType::KeyShared);
  const auto sims = runs(sc, std::vector<Shape>(3, Shape{}));
  Shape moved;
  moved.moved_key = 7;
  const auto lives = runs(sc, {Shape{}, moved, Shape{}});
  const auto rep = lp::compare_pulsar_runs(sc, sims, lives, std::vector<lp::HostFigures>(3, idle_host()));
  const auto maps = of_kind(rep, "key_mapping");
  // Two settled periods (before the crash, after it) for each of three repetitions.
  ASSERT_EQ(maps.size(), 6u);
  int failed = 0;
  for (const auto* c : maps) {
    if (c->ok) continue;
    ++failed;
    EXPECT_NE(c->subject.find("repetition 2"), std::string::npos) << c->subject;
    EXPECT_EQ(c->simulator, "49/50 keys");
    EXPECT_EQ(c->live, "0/2 consumers' key sets equal");
  }
  EXPECT_EQ(failed, 1);
  for (const auto* c : of_kind(rep, "key_mapping_seeds")) EXPECT_TRUE(c->ok) << c->subject;
  EXPECT_EQ(of_kind(rep, "key_mapping_seeds").size(), 2u);
}

TEST(LivePulsarCompare, KeyMappingMustNotDependOnTheSeed) {
  const auto sc = scenario(pl::SubscriptionType::KeyShared);
  Shape moved;
  moved.moved_key = 3;
  const auto sims = runs(sc, {Shape{}, Shape{}, moved});
  const auto rep = lp::compare_pulsar_runs(sc, sims, runs(sc, {Shape{}}), {idle_host()});
  const auto seeds = of_kind(rep, "key_mapping_seeds");
  ASSERT_EQ(seeds.size(), 2u);
  EXPECT_FALSE(seeds[0]->ok);
  EXPECT_EQ(seeds[0]->simulator, "1/2 seeds as the first");
  EXPECT_TRUE(seeds[1]->ok);
}

TEST(LivePulsarCompare, PublishedAgainstTheScenariosSeed) {
  const auto sc = scenario();
  auto sims = runs(sc, std::vector<Shape>(3, Shape{}));
  // Other seeds draw other arrivals: their counts are shown, not compared.
  sims[1].family.summary.produced += 1000;
  sims[2].family.summary.produced += 2000;
  const auto rep = lp::compare_pulsar_runs(sc, sims, runs(sc, {Shape{}}), {idle_host()});
  EXPECT_TRUE(only(rep, "published").ok) << only(rep, "published").simulator;
  sims[0].family.summary.produced += 1000;
  EXPECT_FALSE(only(lp::compare_pulsar_runs(sc, sims, runs(sc, {Shape{}}), {idle_host()}), "published").ok);
}

TEST(LivePulsarCompare, OneRunAgainstOneRunIsTheSingleValueForm) {
  const auto sc = scenario();
  const auto rep = lp::compare_pulsar_runs(sc, make_run(sc, Shape{20}), make_run(sc, Shape{21}), idle_host());
  EXPECT_EQ(only(rep, "fault_duplicates").simulator, "20");
  EXPECT_EQ(only(rep, "fault_duplicates").live, "21");
  EXPECT_TRUE(only(rep, "fault_duplicates").ok);
  EXPECT_EQ(rep.verdict(), live::Verdict::Pass);
}

}  // namespace
