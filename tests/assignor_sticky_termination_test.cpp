// Kafka's StickyAssignor can go round forever in its reassignment loop. cgsim reports such a group
// instead of hanging with it. The group in tests/data/sticky_never_terminates.json (6 members over
// 4 topics, 5 of them owning partitions at generation 252, one new joiner with no generation)
// came out of `cgsim assign --churn 267 --assignor sticky --seed 3`. Kafka 3.9.1's own
// StickyAssignor and CooperativeStickyAssignor (one algorithm, AbstractStickyAssignor), run on
// it through tests/reference/run.sh, had not returned after 60 s, while the range assignor
// answered the same group at once.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/churn.hpp"
#include "models/kafka/assignors/tools/json_io.hpp"
#include "models/kafka/assignors/tools/random_cases.hpp"
#include "sim/rng.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;

namespace {

AssignCase looping_case() {
  std::ifstream in(std::string(CGSIM_SOURCE_DIR) + "/tests/data/sticky_never_terminates.json");
  std::stringstream text;
  text << in.rdbuf();
  return parse_case(nlohmann::json::parse(text.str()));
}

}  // namespace

TEST(StickyAssignorTermination, AGroupKafkasAssignorNeverFinishesIsReportedNotWaitedFor) {
  const AssignCase c = looping_case();
  for (const char* name : {"sticky", "cooperative-sticky"}) {
    const AssignorInfo* info = find_assignor_info(name, ClientFlavor::Java);
    ASSERT_NE(info, nullptr);
    try {
      info->assign_detailed(c.cluster, c.members);
      ADD_FAILURE() << name << ": expected the assignor to be reported as never terminating";
    } catch (const AssignorNonTermination& e) {
      EXPECT_NE(std::string(e.what()).find("does not terminate"), std::string::npos) << e.what();
      EXPECT_EQ(e.exit_code(), cgsim::kExitNonTermination);
    }
  }
}

TEST(StickyAssignorTermination, OtherAssignorsAnswerTheSameGroup) {
  const AssignCase c = looping_case();
  for (const char* name : {"range", "roundrobin"}) {
    const AssignorInfo* info = find_assignor_info(name, ClientFlavor::Java);
    ASSERT_NE(info, nullptr) << name;
    EXPECT_NO_THROW(info->assign_detailed(c.cluster, c.members)) << name;
  }
}

TEST(StickyAssignorTermination, ChurnRecordsTheFindingWithTheCaseThatReproducesIt) {
  cgsim::sim::Rng rng(3, "assign-churn-initial");
  AssignCase initial = random_case(rng, "sticky");
  for (auto& m : initial.members) {
    m.owned.clear();
    m.generation = -1;
  }
  ChurnOptions o;
  o.steps = 267;
  o.seed = 3;
  o.assignors = {"sticky"};
  const ChurnReport r = run_churn(initial, o);
  ASSERT_EQ(r.steps.size(), 268u);
  const ChurnMeasure& last = r.steps.back().results[0];
  ASSERT_TRUE(last.error.has_value());
  ASSERT_TRUE(last.unterminated.has_value());
  EXPECT_EQ(case_to_json(*last.unterminated), case_to_json(looping_case()));
  EXPECT_EQ(r.totals[0].failures, 1);
}
