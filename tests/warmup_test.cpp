// Steady state vs start-up, and capacity in a user's words: the warm-up tracker, the warm-up of a
// run and of the planner, processing_time given as a capacity, the infeasible-SLO check, the
// schema's descriptions and the `assign` inputs shipped in examples/assign.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/experiments/plan.hpp"
#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/warmup.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"

namespace an = cgsim::analysis;
namespace fs = std::filesystem;

namespace {

cgsim::models::Scenario load(const std::string& yaml) { return cgsim::scenarios::load_scenario_text(yaml, "test.yaml"); }

std::string scenario(const std::string& processing, const std::string& extra = "", int consumers = 2) {
  return "name: w\nseed: 3\nduration: 120s\n" + extra +
         "topics:\n  - {name: t, partitions: 4}\nproducers:\n  - topic: t\n    rate: {kind: poisson, per_second: 2000}\n"
         "groups:\n  - id: g\n    topics: [t]\n    session_timeout: 10s\n"
         "    consumers: {count: " + std::to_string(consumers) + ", processing_time: " + processing + "}\n";
}

}  // namespace

TEST(Warmup, TrackerEndsWhenBacklogDrainsAfterAssignment) {
  an::WarmupTracker t(-1, 1.5);
  EXPECT_TRUE(t.sample(1'000'000'000, 1.0));  // before the first assignment: start-up however small
  t.assigned(3'000'000'000);
  EXPECT_TRUE(t.sample(4'000'000'000, 4.0));
  EXPECT_FALSE(t.sample(9'000'000'000, 1.2));  // drained: this sample is steady
  EXPECT_EQ(t.reason(), "drained");
  EXPECT_EQ(t.end_ns(), 9'000'000'000);
  EXPECT_TRUE(t.startup(8'999'999'999));
  EXPECT_FALSE(t.startup(9'000'000'000));
  t.fault(10'000'000'000);  // later faults do not move it
  EXPECT_EQ(t.end_ns(), 9'000'000'000);
}

// A poll returns what reached the consumer while it processed its previous batch: 1 / (1 - rho)
// records at utilisation rho, at most max_poll_records, and max_poll_records when it cannot keep up.
TEST(Warmup, SteadyBatchIsABusyPeriodCappedByMaxPollRecords) {
  EXPECT_DOUBLE_EQ(an::steady_batch_records(500, 0), 1);
  EXPECT_DOUBLE_EQ(an::steady_batch_records(500, 0.5), 2);
  EXPECT_DOUBLE_EQ(an::steady_batch_records(500, 0.9), 10);
  EXPECT_DOUBLE_EQ(an::steady_batch_records(5, 0.9), 5);
  EXPECT_DOUBLE_EQ(an::steady_batch_records(500, 1.0), 500);
  EXPECT_DOUBLE_EQ(an::steady_batch_records(500, 4.4), 500);
}

// scenarios/async_jobs_storm.yaml: 1 job/s over 3 consumers at 1.10 s a job (rho 0.37) gives a
// batch of 1.58 jobs, so the steady level is 1 + 1.58 x 1.10 = 2.74 s, not 1 + 500 x 1.10 s: the
// warm-up waits for the start-up backlog to drain instead of ending at the first sample.
TEST(Warmup, SlowJobsAtALowRateGetALowSteadyLevel) {
  const auto sc = cgsim::scenarios::load_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/async_jobs_storm.yaml");
  const double mean_s = sc.groups[0].consumers.processing_time.mean();
  const double rho = 1.0 / 3 * mean_s;
  EXPECT_NEAR(an::warmup_threshold_s(sc, 0), 1 + mean_s / (1 - rho), 1e-9);
  EXPECT_NEAR(an::warmup_threshold_s(sc, 0), 2.741, 0.001);
}

TEST(Warmup, FaultOrEndOfRunCloseAnUndrainedStartUp) {
  an::WarmupTracker f(-1, 1);
  f.assigned(0);
  f.sample(1'000'000'000, 5);
  f.fault(2'000'000'000);
  EXPECT_EQ(f.reason(), "fault");
  EXPECT_EQ(f.end_ns(), 2'000'000'000);
  an::WarmupTracker n(-1, 1);
  n.finish(7);
  EXPECT_EQ(n.reason(), "not_drained");
  an::WarmupTracker s(5'000'000'000, 1);
  EXPECT_EQ(s.reason(), "set");
  EXPECT_TRUE(s.startup(4'999'999'999));
}

TEST(Warmup, RunSplitsStartUpFromSteadyAndKeepsRawTotals) {
  auto sc = load(scenario("{kind: exponential, mean: 400us}"));
  auto s = an::simulate(sc);
  const auto& w = s.groups[0].warmup;
  EXPECT_EQ(w.reason, "drained");
  // The first assignment comes after the 3 s initial rebalance delay; at rho 0.4 the backlog drains
  // within seconds of it.
  EXPECT_GT(w.end_s, 3.0);
  EXPECT_LT(w.end_s, 15.0);
  EXPECT_EQ(w.startup_latency_ms.count + w.steady_latency_ms.count, s.groups[0].latency_ms.count);
  EXPECT_GT(w.startup_latency_ms.p99, 10 * w.steady_latency_ms.p99);
  EXPECT_LE(w.steady_max_lag, s.groups[0].max_lag);
  // Raw totals are not split: the same with a fixed warm-up.
  auto fixed = load(scenario("{kind: exponential, mean: 400us}", "output: {warmup: 30s}\n"));
  auto sf = an::simulate(fixed);
  EXPECT_EQ(sf.groups[0].warmup.reason, "set");
  EXPECT_DOUBLE_EQ(sf.groups[0].warmup.end_s, 30.0);
  EXPECT_EQ(sf.consumed, s.consumed);
  EXPECT_EQ(sf.duplicates, s.duplicates);
  EXPECT_EQ(sf.groups[0].latency_ms, s.groups[0].latency_ms);
}

TEST(Warmup, SummaryJsonRoundTripsTheWarmup) {
  auto s = an::simulate(load(scenario("{kind: exponential, mean: 400us}")));
  nlohmann::json j = an::to_json(s, false);
  ASSERT_TRUE(j["groups"][0].contains("warmup"));
  an::RunSummary back = j.get<an::RunSummary>();
  EXPECT_EQ(back.groups[0].warmup.reason, "drained");
  EXPECT_EQ(an::to_json(back, false).dump(), j.dump());
}

TEST(Capacity, ConvertsExactlyToEachShape) {
  using K = cgsim::sim::Distribution::Kind;
  auto pt = [](const std::string& p) { return load(scenario(p)).groups[0].consumers.processing_time; };
  // mean = 1 / 6000 s = 166.666... us for every shape
  auto c = pt("{capacity: 6k/s}");
  EXPECT_EQ(c.kind, K::Constant);
  EXPECT_DOUBLE_EQ(c.value, 1.0 / 6000);
  auto e = pt("{capacity: 6000, kind: exponential}");
  EXPECT_EQ(e.kind, K::Exponential);
  EXPECT_DOUBLE_EQ(e.mean(), 1.0 / 6000);
  auto l = pt("{capacity: 360k/min, kind: lognormal, sigma: 0.5}");
  EXPECT_EQ(l.kind, K::Lognormal);
  EXPECT_DOUBLE_EQ(l.value, 1.0 / 6000 * std::exp(-0.125));  // median = mean / exp(sigma^2 / 2)
  EXPECT_NEAR(l.mean(), 1.0 / 6000, 1e-18);
  auto p = pt("{capacity: 6k/s, kind: pareto, alpha: 2.5}");
  EXPECT_DOUBLE_EQ(p.value, 1.0 / 6000 * 1.5 / 2.5);  // scale = mean (alpha - 1) / alpha
  EXPECT_NEAR(p.mean(), 1.0 / 6000, 1e-18);
  EXPECT_DOUBLE_EQ(pt("{capacity: 1.5M/s}").value, 1.0 / 1.5e6);
}

TEST(Capacity, BadCapacitiesNameTheField) {
  for (const std::string& bad : {"{capacity: fast}", "{capacity: 0/s}", "{capacity: 6k/s, kind: uniform}",
                                 "{capacity: 6k/s, kind: pareto, alpha: 1}", "{capacity: 6k/s, kind: lognormal}",
                                 "{capacity: 6k/s, median: 1ms}"}) {
    try {
      load(scenario(bad));
      ADD_FAILURE() << bad << " was accepted";
    } catch (const cgsim::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("groups[0].consumers.processing_time"), std::string::npos) << e.what();
    }
  }
}

TEST(Plan, LagBelowSessionTimeoutWithACrashIsInfeasible) {
  auto sc = load(scenario("{capacity: 6k/s, kind: exponential}"));
  an::Peak peak = an::find_peak(sc, {"t"});
  an::PartitionSearch ps;
  ps.partitions = 4;
  ps.loads = an::partition_load_profile(sc, 0, peak);
  const auto slo = an::parse_slo("max_lag_seconds=5s");
  auto why = an::infeasible_slos(sc, 0, 1, {slo}, {ps});
  ASSERT_EQ(why.size(), 1u);
  EXPECT_NE(why[0].find("session_timeout 10 s"), std::string::npos) << why[0];
  EXPECT_TRUE(an::infeasible_slos(sc, 0, 0, {slo}, {ps}).empty()) << "no crash, no session timeout to wait for";
  EXPECT_TRUE(an::infeasible_slos(sc, 0, 1, {an::parse_slo("max_lag_seconds=30s")}, {ps}).empty());
}

TEST(Plan, InfeasibleSlosStopThePlanBeforeSimulating) {
  const fs::path f = fs::temp_directory_path() / "cgsim_warmup_infeasible.yaml";
  FILE* out = std::fopen(f.c_str(), "w");
  const std::string text = scenario("{capacity: 6k/s}") + "faults:\n  - {at: 60s, crash: g/0}\n";
  std::fputs(text.c_str(), out);
  std::fclose(out);
  an::PlanOptions o;
  o.scenario_file = f.string();
  o.slos = {an::parse_slo("max_lag_seconds=5s"), an::parse_slo("p99_latency=500ms")};
  const auto r = an::run_plan(o);
  fs::remove(f);
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.points.size(), 1u);
  EXPECT_EQ(r.points[0].infeasible.size(), 1u);
  for (const auto& s : r.points[0].searches) EXPECT_TRUE(s.candidates.empty());
  const std::string text_out = an::format_plan(r);
  EXPECT_NE(text_out.find("NO CONFIGURATION can meet every SLO (nothing simulated)"), std::string::npos) << text_out;
  EXPECT_TRUE(an::to_json(r)["points"][0].contains("infeasible"));
}

TEST(Plan, HottestPartitionBeyondOneConsumerIsInfeasible) {
  // 2000/s over 4 partitions at 1k/s per consumer: each partition alone needs rho 0.5; at 400/s
  // capacity rho 1.25 whatever the consumer count.
  auto sc = load(scenario("{capacity: 400/s}"));
  an::PartitionSearch ps;
  ps.partitions = 4;
  ps.loads = an::partition_load_profile(sc, 0, an::find_peak(sc, {"t"}));
  auto why = an::infeasible_slos(sc, 0, 0, {an::parse_slo("p99_latency=1s")}, {ps});
  ASSERT_EQ(why.size(), 1u);
  EXPECT_NE(why[0].find("hottest partition"), std::string::npos) << why[0];
}

TEST(Plan, SteadyLatencyDoesNotDependOnRunLength) {
  // The planner's SLO window starts after the warm-up, so doubling the run leaves p99 where it was
  // (within sampling noise) instead of diluting the start-up's backlog.
  auto figures = [](const std::string& duration) {
    an::PlanOptions o;
    const fs::path f = fs::temp_directory_path() / ("cgsim_warmup_plan_" + duration + ".yaml");
    std::string text = scenario("{capacity: 2.5k/s, kind: exponential}", "", 2);
    text.replace(text.find("120s"), 4, duration);
    FILE* out = std::fopen(f.c_str(), "w");
    std::fputs(text.c_str(), out);
    std::fclose(out);
    o.scenario_file = f.string();
    o.slos = {an::parse_slo("p99_latency=500ms")};
    o.consumers = {2};
    o.failures = 0;
    auto r = an::run_plan(o);
    fs::remove(f);
    return r.points[0].searches[0].candidates[0].figures.at("steady_p99_latency").max;
  };
  const double short_run = figures("120s"), long_run = figures("240s");
  EXPECT_NEAR(short_run, long_run, 0.25 * long_run);
}

TEST(AssignExamples, EveryShippedInputRuns) {
  const fs::path dir = fs::path(CGSIM_SOURCE_DIR) / "examples" / "assign";
  const fs::path bin = fs::path(CGSIM_BINARY_DIR) / "cli" / "cgsim";
  if (!fs::exists(bin)) GTEST_SKIP() << "cgsim not built";
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".json") continue;
    ++n;
    const std::string cmd = "'" + bin.string() + "' assign '" + e.path().string() + "' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    while (std::size_t k = std::fread(buf, 1, sizeof buf, p)) out.append(buf, k);
    const int rc = pclose(p);
    EXPECT_EQ(rc, 0) << e.path() << ": " << out;
    auto j = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << e.path() << ": " << out;
    const auto& first = j.is_array() ? j[0] : j;
    EXPECT_TRUE(first.contains("assignment")) << e.path();
  }
  EXPECT_GE(n, 2u);
}
