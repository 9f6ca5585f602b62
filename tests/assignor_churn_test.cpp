// The optimum that `cgsim assign --churn` compares assignors with (minimum-cost flow, Boost.Graph)
// and the churn replay itself.
#include <gtest/gtest.h>

#include <set>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/churn.hpp"
#include "models/kafka/assignors/tools/fixtures.hpp"
#include "models/kafka/assignors/tools/optimum.hpp"
#include "models/kafka/assignors/tools/random_cases.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using namespace cgsim::models::assignors::fixtures;

TEST(Optimum, EqualSubscriptionsArePerfectlyBalancedWithFewestMoves) {
  // c1 owns all 6 partitions, c2 and c3 join: the best keeps 2 with c1 and moves 4.
  const ClusterMetadata c{{{"t", 6, {}, {}}}};
  const std::vector<MemberSubscription> m{member("c1", {"t"}, {}, {}, parse_partitions("t-0, t-1, t-2, t-3, t-4, t-5"), 1),
                                          member("c2", {"t"}), member("c3", {"t"})};
  const Optimum o = optimal_assignment(c, m);
  EXPECT_EQ(o.spread, 0);
  EXPECT_EQ(o.moves, 4);
  EXPECT_EQ(o.lo, 2);
  EXPECT_EQ(o.hi, 2);
  std::set<TopicPartition> all;
  for (const auto& [id, l] : o.assignment) {
    EXPECT_EQ(l.size(), 2u) << id;
    all.insert(l.begin(), l.end());
  }
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(count_moves({{{"t", 0}, "c1"}, {{"t", 1}, "c1"}, {{"t", 2}, "c1"}, {{"t", 3}, "c1"}, {{"t", 4}, "c1"}, {{"t", 5}, "c1"}},
                        o.assignment),
            4);
}

TEST(Optimum, UnevenSubscriptionsGetTheTightestFeasibleBand) {
  // a can only take the single partition of x; b and c share y (9 partitions): loads 1, 4/5 or 5/4.
  const ClusterMetadata c{{{"x", 1, {}, {}}, {"y", 9, {}, {}}}};
  const std::vector<MemberSubscription> m{member("a", {"x"}), member("b", {"y"}), member("c", {"y"})};
  const Optimum o = optimal_assignment(c, m);
  EXPECT_EQ(o.spread, 4);
  EXPECT_EQ(o.assignment.at("a").size(), 1u);
  EXPECT_EQ(o.assignment.at("b").size() + o.assignment.at("c").size(), 9u);
  EXPECT_EQ(balance_of(c, m, o.assignment), 4);
}

TEST(Optimum, MembersWithoutPartitionsDoNotCount) {
  const ClusterMetadata c{{{"t", 4, {}, {}}}};
  const std::vector<MemberSubscription> m{member("a", {"t"}), member("b", {"t"}), member("idle", {"nothing"})};
  const Optimum o = optimal_assignment(c, m);
  EXPECT_EQ(o.spread, 0);
  EXPECT_TRUE(o.assignment.at("idle").empty());
  EXPECT_EQ(balance_of(c, m, o.assignment), 0);
}

TEST(Optimum, NeverWorseThanAnAssignorOnRandomGroups) {
  cgsim::sim::Rng rng(77, "optimum-vs-assignors");
  for (int i = 0; i < 60; ++i) {
    const AssignCase k = random_case(rng, "sticky");
    const Optimum o = optimal_assignment(k.cluster, k.members);
    std::map<TopicPartition, std::string> owners;
    for (const auto& m : k.members)
      for (const auto& tp : m.owned) owners.emplace(tp, m.member_id);
    for (const char* name : {"range", "roundrobin", "sticky", "cooperative-sticky", "uniform", "server-range"}) {
      const AssignorInfo* info = find_assignor_info(name, ClientFlavor::Java);
      AssignResult r;
      try {
        r = info->assign_detailed(k.cluster, k.members);
      } catch (const AssignorFailure&) {
        continue;
      }
      if (!r.withheld.empty()) continue;  // not a final assignment yet
      const std::int64_t balance = balance_of(k.cluster, k.members, r.assignment);
      EXPECT_LE(o.spread, balance) << name << " case " << i;
      if (balance <= o.spread) {
        EXPECT_LE(o.moves, count_moves(owners, r.assignment)) << name << " case " << i;
      }
    }
  }
}

TEST(Churn, IsDeterministicAndConsistent) {
  cgsim::sim::Rng rng(5, "churn-test");
  AssignCase initial = random_case(rng, "range");
  for (auto& m : initial.members) {
    m.owned.clear();
    m.generation = -1;
  }
  ChurnOptions o;
  o.steps = 15;
  o.seed = 11;
  const ChurnReport a = run_churn(initial, o);
  const ChurnReport b = run_churn(initial, o);
  ASSERT_EQ(a.steps.size(), 16u);
  ASSERT_EQ(a.assignors.size(), 6u);
  for (std::size_t s = 0; s < a.steps.size(); ++s) {
    EXPECT_EQ(a.steps[s].change, b.steps[s].change);
    for (std::size_t x = 0; x < a.assignors.size(); ++x) {
      const auto& r = a.steps[s].results[x];
      EXPECT_EQ(r.moves, b.steps[s].results[x].moves);
      EXPECT_EQ(r.balance, b.steps[s].results[x].balance);
      if (r.error) continue;
      EXPECT_LE(r.optimum_balance, r.balance) << a.assignors[x] << " step " << s;
      if (a.steps[s].change == "restart") EXPECT_EQ(r.rounds, 0);
      else EXPECT_GE(r.rounds, 1);
    }
  }
  // The cooperative assignor needs follow-up rounds whenever it withholds partitions.
  const auto coop = std::find(a.assignors.begin(), a.assignors.end(), "cooperative-sticky") - a.assignors.begin();
  for (const auto& s : a.steps)
    if (s.results[static_cast<std::size_t>(coop)].withheld > 0) {
      EXPECT_GE(s.results[static_cast<std::size_t>(coop)].rounds, 2);
    }
}
