// Rebalances, generations and hand-outs reconstructed from what a group's clients reported.
#include <gtest/gtest.h>

#include "analysis/metrics/rebalance_reconstruction.hpp"

namespace {

using namespace cgsim;
using analysis::MembershipLog;

constexpr std::int64_t ms = 1'000'000;
const std::vector<std::string> kNames{"a-0", "a-1", "a-2", "a-3"};

MembershipLog two_members(bool cooperative) {
  MembershipLog log;
  log.group = "g";
  log.cooperative = cooperative;
  log.starts = {0, 0};
  log.assigns.push_back({"g/0", 1, 100 * ms, {0, 1}});
  log.assigns.push_back({"g/1", 1, 100 * ms, {2, 3}});
  return log;
}

TEST(RebalanceReconstruction, ACrashIsASessionTimeoutRebalanceFromTheFirstRevocation) {
  MembershipLog log = two_members(false);
  log.faults.push_back({models::FaultSpec::Kind::Crash, 0, 2000 * ms});
  log.stops.push_back({"g/0", 2000 * ms, {0, 1}});
  log.revokes.push_back({"g/1", 5000 * ms, {2, 3}});
  log.assigns.push_back({"g/1", 2, 5100 * ms, {0, 1, 2, 3}});
  const auto r = analysis::reconstruct_rebalances(log, kNames, 10'000 * ms);
  ASSERT_EQ(r.generations.size(), 2u);
  EXPECT_EQ(r.generations[1].assignment.at("g/1"), (std::vector<std::string>{"a-0", "a-1", "a-2", "a-3"}));
  ASSERT_EQ(r.rebalances.size(), 2u);
  EXPECT_EQ(r.rebalances[0].trigger, "initial");
  EXPECT_DOUBLE_EQ(r.rebalances[0].start_s, 0.0);
  EXPECT_DOUBLE_EQ(r.rebalances[1].start_s, 5.0);
  EXPECT_DOUBLE_EQ(r.rebalances[1].end_s, 5.1);
  EXPECT_EQ(r.rebalances[1].trigger, "session_timeout");
  EXPECT_EQ(r.rebalances[1].partitions_moved, 2);
  EXPECT_EQ(r.rebalances[1].partitions_revoked, 4);  // eager: everything the generation held
  EXPECT_EQ(r.rebalances[1].protocol, "eager");
}

TEST(RebalanceReconstruction, TheIncrementalProtocolsFollowUpRoundBelongsToTheSameRebalance) {
  MembershipLog log = two_members(true);
  // g/2 joins: the first round takes a-1 from g/0 and hands it to nobody ...
  log.starts.push_back(2000 * ms);
  log.revokes.push_back({"g/0", 2300 * ms, {1}});
  log.assigns.push_back({"g/0", 2, 2301 * ms, {0}});
  log.assigns.push_back({"g/1", 2, 2302 * ms, {2, 3}});
  log.assigns.push_back({"g/2", 2, 2303 * ms, {}});
  // ... the second, after g/0 rejoins at once, gives it to g/2.
  log.assigns.push_back({"g/0", 3, 2500 * ms, {0}});
  log.assigns.push_back({"g/1", 3, 2501 * ms, {2, 3}});
  log.assigns.push_back({"g/2", 3, 2502 * ms, {1}});
  const auto s = analysis::reconstruct_rebalances(log, kNames, 10'000 * ms);
  ASSERT_EQ(s.generations.size(), 3u);
  EXPECT_EQ(s.generations[1].assignment.at("g/2"), std::vector<std::string>{});
  EXPECT_EQ(s.generations[2].assignment.at("g/2"), std::vector<std::string>{"a-1"});
  ASSERT_EQ(s.rebalances.size(), 2u);
  const auto& r = s.rebalances[1];
  EXPECT_EQ(r.rounds, 2);
  EXPECT_EQ(r.generation, 3);
  EXPECT_DOUBLE_EQ(r.start_s, 2.3);
  EXPECT_DOUBLE_EQ(r.end_s, 2.502);
  EXPECT_EQ(r.partitions_revoked, 1);
  EXPECT_EQ(r.partitions_moved, 1);
  EXPECT_EQ(r.protocol, "cooperative");

  // A member that leaves revokes everything as it closes; that calls for no follow-up round: the
  // next generation is a rebalance of its own.
  MembershipLog log2 = two_members(true);
  log2.revokes.push_back({"g/1", 2000 * ms, {2, 3}});
  log2.stops.push_back({"g/1", 2001 * ms, {}});
  log2.assigns.push_back({"g/0", 2, 2300 * ms, {0, 1, 2, 3}});
  log2.starts.push_back(4000 * ms);
  log2.assigns.push_back({"g/0", 3, 4300 * ms, {0, 1, 2, 3}});
  log2.assigns.push_back({"g/2", 3, 4301 * ms, {}});
  const auto s2 = analysis::reconstruct_rebalances(log2, kNames, 10'000 * ms);
  ASSERT_EQ(s2.rebalances.size(), 3u);
  EXPECT_EQ(s2.rebalances[1].rounds, 1);
  EXPECT_EQ(s2.rebalances[1].generation, 2);
  EXPECT_EQ(s2.rebalances[2].generation, 3);
}

TEST(RebalanceReconstruction, ConsumerProtocolEpochsSettleOnThePartitionsThatExistYet) {
  // Two partitions at the start, two more created at 10 s: the first state settles with two.
  MembershipLog log;
  log.group = "g";
  log.consumer_protocol = true;
  log.partitions = {0, 1, 2, 3};
  log.created = {{2, 10'000 * ms}, {3, 10'000 * ms}};
  log.starts = {0, 0};
  log.assigns.push_back({"g/0", 1, 100 * ms, {0}});
  log.assigns.push_back({"g/1", 1, 150 * ms, {1}});
  log.faults.push_back({models::FaultSpec::Kind::AddPartitions, -1, 10'000 * ms});
  log.assigns.push_back({"g/0", 2, 10'300 * ms, {0, 2}});
  log.assigns.push_back({"g/1", 2, 10'400 * ms, {1, 3}});
  const auto r = analysis::reconstruct_rebalances(log, kNames, 20'000 * ms);
  ASSERT_EQ(r.rebalances.size(), 2u);
  EXPECT_EQ(r.rebalances[0].trigger, "initial");
  EXPECT_DOUBLE_EQ(r.rebalances[0].end_s, 0.15);
  EXPECT_EQ(r.rebalances[1].trigger, "metadata");
  EXPECT_DOUBLE_EQ(r.rebalances[1].start_s, 10.3);  // the first new assignment
  EXPECT_DOUBLE_EQ(r.rebalances[1].end_s, 10.4);
}

TEST(RebalanceReconstruction, ARebalanceStillOpenAtTheEndIsReportedOpen) {
  MembershipLog log = two_members(false);
  log.faults.push_back({models::FaultSpec::Kind::Leave, 1, 8000 * ms});
  log.states.emplace_back(8001 * ms, "PreparingRebalance");
  const auto r = analysis::reconstruct_rebalances(log, kNames, 10'000 * ms);
  ASSERT_EQ(r.rebalances.size(), 2u);
  EXPECT_DOUBLE_EQ(r.rebalances[1].start_s, 8.001);
  EXPECT_DOUBLE_EQ(r.rebalances[1].end_s, -1);
  EXPECT_EQ(r.rebalances[1].generation, 2);
  EXPECT_EQ(r.rebalances[1].trigger, "leave");
}

TEST(RebalanceReconstruction, HandOutsCountOnlyPartitionsChangingHands) {
  MembershipLog log = two_members(false);
  // g/0 stops; at one instant the release is replayed before g/1's new assignment.
  log.stops.push_back({"g/0", 2000 * ms, {0, 1}});
  log.assigns.push_back({"g/1", 2, 2000 * ms, {0, 1, 2, 3}});
  // g/1 is assigned what it already holds: no hand-out.
  log.assigns.push_back({"g/1", 3, 3000 * ms, {0, 1, 2, 3}});
  const auto h = analysis::partition_hand_outs(log);
  EXPECT_EQ(h.at(0), (std::vector<std::int64_t>{100 * ms, 2000 * ms}));
  EXPECT_EQ(h.at(2), (std::vector<std::int64_t>{100 * ms}));
}

}  // namespace
