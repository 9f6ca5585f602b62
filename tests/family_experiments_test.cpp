/// RabbitMQ and Pulsar scenarios in the experiment drivers: overrides, sweeps (one code path with
/// Kafka's, deterministic whatever the thread count), the plan's SLOs and the cost estimate.
#include <gtest/gtest.h>

#include <string>

#include "analysis/experiments/cost.hpp"
#include "analysis/experiments/family_runs.hpp"
#include "analysis/experiments/plan_family.hpp"
#include "analysis/experiments/sweep.hpp"
#include "models/common/error.hpp"

namespace an = cgsim::analysis;

namespace {

std::string scenario(const std::string& name) { return std::string(CGSIM_SOURCE_DIR) + "/scenarios/" + name + ".yaml"; }

}  // namespace

TEST(FamilyExperiments, OverrideChangesTheConsumerCount) {
  const auto sc = an::load_family_scenario(scenario("mail_jobs_rabbitmq"), "rabbitmq", {{"consumers.0.count", "6"}});
  const an::FamilyRun r = an::simulate_family(sc);
  // Six, and the one the scenario's scale-out joins.
  EXPECT_EQ(r.summary.groups.at(0).consumers.size(), 7u);
  EXPECT_FALSE(r.backlog.empty());
}

TEST(FamilyExperiments, UnknownOverrideKeyIsAnInputErrorNamingTheOption) {
  try {
    an::load_family_scenario(scenario("chat_pulsar_failover"), "pulsar", {{"subscriptions.0.bogus", "1"}});
    FAIL() << "expected an InputError";
  } catch (const cgsim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--set subscriptions.0.bogus=1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("subscriptions[0].bogus"), std::string::npos) << e.what();
  }
}

TEST(FamilyExperiments, SweepMetricsAreTheSharedOnesThenTheFamilyCounts) {
  const auto names = an::sweep_metric_names("pulsar");
  ASSERT_EQ(names.size(), an::summary_metrics().size() + an::family_metrics("pulsar").size());
  EXPECT_EQ(names[an::summary_metrics().size()].first, "ordering_violations");
  EXPECT_EQ(an::sweep_metric_names("kafka").size(), an::summary_metrics().size());
}

TEST(FamilyExperiments, SweepIsIdenticalForOneAndTwoThreads) {
  an::SweepOptions o;
  o.scenario_file = scenario("chat_pulsar_failover");
  o.axes.push_back(an::parse_vary("subscriptions.0.consumers.receiver_queue_size=10,500"));
  o.seeds = 2;
  o.jobs = 1;
  const auto a = an::run_sweep(o);
  o.jobs = 2;
  const auto b = an::run_sweep(o);
  EXPECT_EQ(a.broker, "pulsar");
  EXPECT_EQ(an::to_json(a).dump(), an::to_json(b).dump());
  EXPECT_EQ(an::runs_csv(a), an::runs_csv(b));
  const auto back = an::sweep_from_json(an::to_json(a));
  EXPECT_EQ(back.broker, "pulsar");
  EXPECT_EQ(an::to_csv(back), an::to_csv(a));
}

TEST(FamilyExperiments, PlanSlosTakeDuplicatesAndRefuseRecovery) {
  const an::Slo d = an::parse_family_slo("duplicates=10");
  EXPECT_EQ(d.name, "duplicates");
  EXPECT_EQ(d.limit, 10);
  EXPECT_THROW(an::parse_family_slo("recovery=10s"), cgsim::InputError);
  EXPECT_THROW(an::parse_family_slo("duplicates=-1"), cgsim::InputError);
}

TEST(FamilyExperiments, CostEstimateIsOnTheHighSideWithinAFactorOfFour) {
  for (const char* name : {"mail_jobs_rabbitmq", "chat_pulsar_failover"}) {
    const std::string family = an::scenario_family(scenario(name));
    const auto sc = an::load_family_scenario(scenario(name), family);
    const an::CostEstimate e = an::estimate_cost(sc);
    const double events = static_cast<double>(an::simulate_family(sc).summary.events);
    EXPECT_GE(e.events, events) << name;
    EXPECT_LE(e.events, 4 * events) << name;
  }
}
