// The planner: SLO parsing, the peak of a rate profile, the recovery definition, the analytic
// bracket, the search's answer, and cross-checks of the simulator against queueing theory.
//
// Cross-checks. With Poisson arrivals, exponential processing, one consumer per partition and
// no faults, each partition is an M/M/1 queue served FIFO, and end-to-end latency (append to
// processed) is its sojourn time. Two simulator details are set so that this holds:
//  * broker.request_latency: 0. The consumer fetches through a fetch session (one fetch in
//    flight, held at the broker until data arrives) and processes each batch sequentially. With a
//    one-way delay d > 0 a record that arrives at an idle consumer waits d for the held fetch's
//    response, and records that arrive during a batch wait for the pipelined fetch's round trip
//    (2d) when the batch is shorter than it: latency is the M/M/1 sojourn plus up to 2d. With d = 0
//    the consumer is work-conserving and FIFO, so the queue is exactly M/M/1.
//  * The producers start after the group has formed (initial_rebalance_delay 0, start 5 s), so
//    the initial join does not hold records back.
// Tolerance: the analytic value must lie within the 95% Student-t confidence interval of the
// per-seed estimates (8 seeds), widened by 2% of the analytic value for the biases that are not
// sampling noise (histogram buckets are 0.1% wide; the run starts from an empty queue). The tests
// also require the interval to be narrower than 5% of the value, so that they have power.
#include "analysis/experiments/plan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "analysis/metrics/queueing.hpp"
#include "analysis/metrics/stats.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "models/common/error.hpp"

namespace an = cgsim::analysis;
namespace q = cgsim::analysis::queueing;

namespace {

cgsim::models::Scenario load(const std::string& yaml) { return cgsim::scenarios::load_scenario_text(yaml, "test.yaml"); }

std::string queue_scenario(int partitions, double rate, const std::string& processing, const std::string& keys,
                           const std::string& duration = "300s") {
  return "name: queue\nseed: 11\nduration: " + duration +
         "\nbroker: {request_latency: 0, initial_rebalance_delay: 0}\n"
         "topics:\n  - {name: t, partitions: " + std::to_string(partitions) +
         "}\nproducers:\n  - topic: t\n    rate: {kind: poisson, per_second: " + std::to_string(rate) + "}\n" + keys +
         "    start: 5s\ngroups:\n  - id: g\n    topics: [t]\n    commit: {kind: auto, interval: 5s}\n"
         "    consumers: {count: " + std::to_string(partitions) + ", processing_time: " + processing + "}\n";
}

/// Mean and p99 latency (ms) over @p seeds replications.
struct Replicated {
  an::MeanCi mean, p99;
};
Replicated replicate(cgsim::models::Scenario sc, int seeds) {
  std::vector<double> means, p99s;
  const auto base = sc.seed;
  for (int i = 0; i < seeds; ++i) {
    sc.seed = base + static_cast<std::uint64_t>(i);
    auto s = an::simulate(sc);
    for (const auto& rb : s.rebalances) EXPECT_LT(rb.end_s, 5.0) << "the group must be formed before records arrive";
    means.push_back(s.latency_ms.mean);
    p99s.push_back(s.latency_ms.p99);
  }
  return {an::mean_ci95(means), an::mean_ci95(p99s)};
}

void expect_agrees(const an::MeanCi& sim, double analytic, const std::string& what) {
  std::printf("  %-14s simulated %.4f +/- %.4f ms (95%% CI, %zu seeds), analytic %.4f ms\n", what.c_str(), sim.mean,
              sim.half_width, sim.n, analytic);
  EXPECT_LE(std::fabs(sim.mean - analytic), sim.half_width + 0.02 * analytic)
      << what << ": simulated " << sim.mean << " +/- " << sim.half_width << " ms, analytic " << analytic << " ms";
  EXPECT_LT(sim.half_width, 0.05 * analytic) << what << ": confidence interval too wide to test anything";
}

}  // namespace

// ---- Cross-checks against queueing theory ------------------------------------------------------

TEST(CrossCheck, OnePartitionIsMM1AtModerateLoad) {
  // lambda = 500/s, mu = 1000/s: rho = 0.5, mean sojourn 2 ms, p99 = ln(100) * 2 ms.
  auto sc = load(queue_scenario(1, 500, "{kind: exponential, mean: 1ms}", ""));
  auto r = replicate(sc, 8);
  expect_agrees(r.mean, 1000 * q::mm1_mean_sojourn(500, 1000), "mean");
  expect_agrees(r.p99, 1000 * q::mm1_sojourn_quantile(500, 1000, 0.99), "p99");
}

TEST(CrossCheck, OnePartitionIsMM1AtHighLoad) {
  // rho = 0.8: mean sojourn 5 ms, p99 23.0 ms.
  auto sc = load(queue_scenario(1, 800, "{kind: exponential, mean: 1ms}", ""));
  auto r = replicate(sc, 8);
  expect_agrees(r.mean, 1000 * q::mm1_mean_sojourn(800, 1000), "mean");
  expect_agrees(r.p99, 1000 * q::mm1_sojourn_quantile(800, 1000, 0.99), "p99");
}

TEST(CrossCheck, KeyedPartitionsAreIndependentMM1Queues) {
  // Four partitions, one consumer each, uniformly drawn keys: each record picks a partition
  // independently with the partitioner's share, so each partition is Poisson with rate
  // lambda * share_i (thinning) and an M/M/1 queue. Latency is the mixture of their exponential
  // sojourns, weighted by share: mean sum_i s_i / (mu - lambda s_i), and the p99 solves
  // sum_i s_i exp(-(mu - lambda s_i) t) = 0.01.
  const double lambda = 3000, mu = 1000;
  auto sc = load(queue_scenario(4, lambda, "{kind: exponential, mean: 1ms}",
                                "    keys: {kind: uniform, cardinality: 10000}\n"));
  cgsim::models::partitioners::Partitioner part(cgsim::models::partitioners::Partitioner::Kind::Default,
                                                sc.client, 4, cgsim::sim::Rng(0));
  auto shares = q::partition_shares({q::KeyDistribution::Kind::Uniform, 10000, 0}, 4,
                                    [&](std::uint64_t k) { return part.keyed_partition("key-" + std::to_string(k)); });
  double mean = 0;
  for (double s : shares.share) mean += s * q::mm1_mean_sojourn(lambda * s, mu);
  auto tail = [&](double t) {
    double p = 0;
    for (double s : shares.share) p += s * std::exp(-(mu - lambda * s) * t);
    return p;
  };
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (tail(mid) > 0.01 ? lo : hi) = mid;
  }
  auto r = replicate(sc, 8);
  expect_agrees(r.mean, 1000 * mean, "mixture mean");
  expect_agrees(r.p99, 1000 * lo, "mixture p99");
}

TEST(CrossCheck, ConstantProcessingMatchesPollaczekKhinchine) {
  // M/D/1 at rho = 0.8: P-K gives the exact mean wait rho d / (2 (1 - rho)) = 2 ms, so the mean
  // sojourn is 3 ms; the p99 is the planner's M/G/1 approximation (documented within 2.5%).
  auto sc = load(queue_scenario(1, 800, "{kind: constant, value: 1ms}", ""));
  auto r = replicate(sc, 8);
  expect_agrees(r.mean, 1000 * q::mg1_mean_sojourn(800, 1e-3, 1e-6), "M/D/1 mean");
  const double p99 = 1000 * q::mg1_sojourn_quantile(800, 1e-3, 1e-6, 0.99);
  EXPECT_LE(std::fabs(r.p99.mean - p99), r.p99.half_width + 0.045 * p99)
      << "M/D/1 p99: simulated " << r.p99.mean << " +/- " << r.p99.half_width << ", approximation " << p99;
}

// ---- SLOs --------------------------------------------------------------------------------------

TEST(Slo, ParsesDurationsAndNumbersInTheirUnits) {
  auto a = an::parse_slo("p99_latency=500ms");
  EXPECT_EQ(a.kind, an::Slo::Kind::Latency);
  EXPECT_DOUBLE_EQ(a.quantile, 0.99);
  EXPECT_DOUBLE_EQ(a.limit, 500);
  EXPECT_EQ(a.unit, "ms");
  EXPECT_DOUBLE_EQ(an::parse_slo("p99_latency=1.5s").limit, 1500);
  EXPECT_DOUBLE_EQ(an::parse_slo("p50_latency=20").limit, 20);
  EXPECT_DOUBLE_EQ(an::parse_slo("max_lag_seconds=30s").limit, 30);
  EXPECT_DOUBLE_EQ(an::parse_slo("max_lag_seconds=2m").limit, 120);
  EXPECT_DOUBLE_EQ(an::parse_slo("recovery=90").limit, 90);
  EXPECT_DOUBLE_EQ(an::parse_slo("max_lag=100000").limit, 100000);
  EXPECT_EQ(an::parse_slo("max_latency=2s").quantile, 1.0);
  auto o = an::parse_slo("ordering_violations=0");
  EXPECT_EQ(o.kind, an::Slo::Kind::Ordering);
  EXPECT_EQ(o.unit, "records");
  EXPECT_DOUBLE_EQ(o.limit, 0);
  EXPECT_DOUBLE_EQ(an::parse_slo("ordering_violations=25").limit, 25);
}

TEST(Slo, RejectsUnknownNamesAndBadValues) {
  EXPECT_THROW(an::parse_slo("p98_latency=1s"), cgsim::InputError);
  EXPECT_THROW(an::parse_slo("p99_latency"), cgsim::InputError);
  EXPECT_THROW(an::parse_slo("p99_latency=fast"), cgsim::InputError);
  EXPECT_THROW(an::parse_slo("max_lag=1.5"), cgsim::InputError);
  EXPECT_THROW(an::parse_slo("ordering_violations=1.5"), cgsim::InputError);
  EXPECT_THROW(an::parse_slo("ordering_violations=-1"), cgsim::InputError);
  try {
    an::parse_slo("recovery=soon");
    FAIL();
  } catch (const cgsim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("recovery"), std::string::npos);
    EXPECT_EQ(e.exit_code(), cgsim::kExitInput);
  }
}

// ---- Peak --------------------------------------------------------------------------------------

TEST(Peak, FindsTheHighestStepAcrossProducers) {
  auto sc = load(R"(name: p
duration: 10m
topics: [{name: t, partitions: 2}, {name: u, partitions: 1}]
producers:
  - {topic: t, rate: {kind: steps, steps: [[0s, 100], [2m, 400], [5m, 200]]}}
  - {topic: t, rate: {kind: constant, per_second: 50}, count: 2, start: 1m, stop: 4m}
  - {topic: u, rate: {kind: constant, per_second: 10000}}
groups:
  - {id: g, topics: [t], consumers: {count: 1, processing_time: {kind: constant, value: 1ms}}}
)");
  auto pk = an::find_peak(sc, {"t"});
  EXPECT_DOUBLE_EQ(pk.rate, 500);   // 400 + 2 x 50, topic u excluded
  EXPECT_DOUBLE_EQ(pk.start_s, 120);
  EXPECT_DOUBLE_EQ(pk.end_s, 240);  // the second producer stops
}

// ---- Recovery ----------------------------------------------------------------------------------

namespace {
std::vector<an::GroupLagSample> series(const std::vector<double>& lag_s) {
  std::vector<an::GroupLagSample> out;
  for (std::size_t i = 0; i < lag_s.size(); ++i)
    out.push_back({static_cast<double>(i + 1), 0, static_cast<std::int64_t>(lag_s[i] * 100), lag_s[i]});
  return out;
}
}  // namespace

TEST(Recovery, MeasuresFromTheFailureToTheLastReturnIntoTheBand) {
  // Before the failure at t = 40 s the lag saws between 0 and 4 s: baseline 4 s, threshold
  // 4 + max(1, 0.25 * 4) = 5 s. It exceeds 5 s from t = 45, peaks, drops to 5 s or below at
  // t = 60 but rises again at 62, and is back for good from t = 64.
  std::vector<double> lag;
  for (int t = 1; t <= 40; ++t) lag.push_back((t - 1) % 5);
  for (int t = 41; t <= 100; ++t) {
    double v = (t - 1) % 5;
    if (t >= 45 && t < 60) v = 6 + (t - 45);
    if (t == 62 || t == 63) v = 7;
    lag.push_back(v);
  }
  auto r = an::measure_recovery(series(lag), 0, 40.0);
  EXPECT_DOUBLE_EQ(r.baseline_s, 4);
  EXPECT_DOUBLE_EQ(r.threshold_s, 5);
  EXPECT_TRUE(r.exceeded);
  EXPECT_TRUE(r.recovered);
  EXPECT_DOUBLE_EQ(r.recovery_s, 64 - 40);  // t = 64 starts a 10 s stretch within the band
  EXPECT_DOUBLE_EQ(r.peak_lag_s, 20);
}

TEST(Recovery, ZeroWhenTheBandIsNeverLeftAndInfiniteWhenNeverRecovered) {
  std::vector<double> calm(100, 2.0);
  auto a = an::measure_recovery(series(calm), 0, 50.0);
  EXPECT_FALSE(a.exceeded);
  EXPECT_DOUBLE_EQ(a.recovery_s, 0);
  std::vector<double> growing;
  for (int t = 1; t <= 100; ++t) growing.push_back(t <= 50 ? 2.0 : t - 48.0);
  auto b = an::measure_recovery(series(growing), 0, 50.0);
  EXPECT_TRUE(b.exceeded);
  EXPECT_FALSE(b.recovered);
  EXPECT_TRUE(std::isinf(b.recovery_s));
}

// ---- Analytic bracket --------------------------------------------------------------------------

TEST(Analytic, LoadProfileUsesThePartitionersKeyShares) {
  auto sc = load(R"(name: k
duration: 1m
topics: [{name: t, partitions: 6}]
producers:
  - {topic: t, rate: {kind: poisson, per_second: 1000}, keys: {kind: zipf, cardinality: 5000, exponent: 1.0}}
groups:
  - {id: g, topics: [t], consumers: {count: 2, processing_time: {kind: exponential, mean: 1ms}}}
)");
  an::Peak pk = an::find_peak(sc, {"t"});
  auto prof = an::partition_load_profile(sc, 0, pk);
  ASSERT_EQ(prof.rate.size(), 6u);
  double total = 0;
  for (double r : prof.rate) total += r;
  EXPECT_NEAR(total, 1000, 1e-9);
  cgsim::models::partitioners::Partitioner part(cgsim::models::partitioners::Partitioner::Kind::Default, sc.client, 6,
                                                cgsim::sim::Rng(0));
  auto shares = q::partition_shares({q::KeyDistribution::Kind::Zipf, 5000, 1.0}, 6,
                                    [&](std::uint64_t k) { return part.keyed_partition("key-" + std::to_string(k)); });
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(prof.rate[i], 1000 * shares.share[i], 1e-9);
  EXPECT_NEAR(prof.hottest_share, shares.hottest_share, 1e-12);
  EXPECT_TRUE(prof.keyed);
}

TEST(Analytic, UtilisationFollowsTheAssignmentAndFailures) {
  // Unkeyed records spread evenly: 6 partitions at 200/s each, 1 ms per record. Range gives 3
  // consumers two partitions each (utilisation 0.4); after one crash two consumers take three
  // each (0.6). With one consumer the group is unstable (1.2).
  auto sc = load(R"(name: u
duration: 1m
topics: [{name: t, partitions: 6}]
producers: [{topic: t, rate: {kind: poisson, per_second: 1200}}]
groups:
  - {id: g, topics: [t], consumers: {count: 3, processing_time: {kind: exponential, mean: 1ms}}}
)");
  auto prof = an::partition_load_profile(sc, 0, an::find_peak(sc, {"t"}));
  std::vector<an::Slo> slos{an::parse_slo("p99_latency=50ms")};
  auto e = an::analytic_estimate(sc, 0, prof, 3, 1, slos);
  EXPECT_NEAR(e.max_utilisation, 0.4, 1e-9);
  EXPECT_NEAR(e.max_utilisation_failed, 0.6, 1e-9);
  EXPECT_TRUE(e.stable);
  // Each consumer is an M/M/1 server at 400/s with mu = 1000/s: p99 = ln(100) / 600 s.
  EXPECT_NEAR(e.latency_ms.at("p99_latency").first, 1000 * std::log(100.0) / 600, 1e-2);
  EXPECT_TRUE(e.plausible);
  auto one = an::analytic_estimate(sc, 0, prof, 1, 0, slos);
  EXPECT_NEAR(one.max_utilisation, 1.2, 1e-9);
  EXPECT_FALSE(one.stable);
  EXPECT_FALSE(one.plausible);
}

// ---- The search --------------------------------------------------------------------------------

namespace {
// 6 partitions at 3000 records/s of unkeyed traffic, 1 ms per record: 3 consumer-seconds per
// second of work. Short session timeout so that a crash is detected quickly.
const char* kSmall = R"(name: small
seed: 5
duration: 100s
broker: {initial_rebalance_delay: 1s}
topics: [{name: t, partitions: 6}]
producers:
  - {topic: t, rate: {kind: steps, steps: [[0s, 1500], [40s, 3000], [80s, 1500]]}}
groups:
  - id: g
    topics: [t]
    session_timeout: 6s
    heartbeat_interval: 2s
    commit: {kind: auto, interval: 2s}
    consumers: {count: 2, processing_time: {kind: exponential, mean: 1ms}}
)";

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = std::string(CGSIM_BINARY_DIR) + "/" + name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST(Plan, AnswerMeetsEverySloAndOneFewerDoesNot) {
  an::PlanOptions o;
  o.scenario_file = write_temp("plan_small.yaml", kSmall);
  o.slos = {an::parse_slo("p99_latency=200ms"), an::parse_slo("max_lag_seconds=20s"), an::parse_slo("recovery=30s")};
  o.failures = 1;
  o.jobs = 2;
  auto r = an::run_plan(o);
  ASSERT_EQ(r.points.size(), 1u);
  const auto& p = r.points[0];
  EXPECT_DOUBLE_EQ(p.peak.rate, 3000);
  EXPECT_DOUBLE_EQ(p.peak.start_s, 40);
  ASSERT_TRUE(r.ok());
  const auto& s = p.searches[0];
  // More than 3 consumers are needed for the work alone, one more to survive the crash.
  EXPECT_GE(s.answer, 4);
  EXPECT_GE(s.analytic_lower, 4);
  bool seen_answer = false, seen_below = false;
  for (const auto& c : s.candidates) {
    if (c.consumers == s.answer) {
      seen_answer = true;
      EXPECT_TRUE(c.meets);
      for (const auto& v : c.verdicts) EXPECT_LE(v.worst, v.limit) << v.slo;
      ASSERT_EQ(c.victims.size(), 1u);
      EXPECT_GE(c.failure_s, 40);  // at the start of the peak (or later, after warm-up)
    }
    if (c.consumers == s.answer - 1) {
      seen_below = true;
      EXPECT_FALSE(c.meets);
      ASSERT_FALSE(s.binding.empty());
      bool binding_failed = false;
      for (const auto& v : c.verdicts) binding_failed |= v.slo == s.binding.front() && !v.met;
      EXPECT_TRUE(binding_failed);
    }
  }
  EXPECT_TRUE(seen_answer);
  EXPECT_TRUE(seen_below);
  EXPECT_EQ(p.best_consumers, s.answer);
}

TEST(Plan, OutputDoesNotDependOnThreads) {
  an::PlanOptions o;
  o.scenario_file = write_temp("plan_small_threads.yaml", kSmall);
  o.slos = {an::parse_slo("p99_latency=200ms"), an::parse_slo("recovery=30s")};
  o.failures = 1;
  o.partitions = {6, 8};
  o.jobs = 1;
  const std::string a = an::to_json(an::run_plan(o)).dump();
  o.jobs = 3;
  const std::string b = an::to_json(an::run_plan(o)).dump();
  EXPECT_EQ(a, b);
}

TEST(Plan, ImpossibleSloMeansNoConfiguration) {
  an::PlanOptions o;
  o.scenario_file = write_temp("plan_small_impossible.yaml", kSmall);
  o.slos = {an::parse_slo("p99_latency=0.001ms")};
  o.failures = 0;
  o.consumers = {6, 7};
  auto r = an::run_plan(o);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.points[0].best_consumers, -1);
}

TEST(Plan, RejectsInconsistentOptions) {
  an::PlanOptions o;
  o.scenario_file = write_temp("plan_small_bad.yaml", kSmall);
  o.slos = {an::parse_slo("recovery=30s")};
  o.failures = 0;
  EXPECT_THROW(an::run_plan(o), cgsim::InputError);  // nothing to recover from
  o.failures = 1;
  o.group = "nope";
  EXPECT_THROW(an::run_plan(o), cgsim::InputError);
  o.group.clear();
  o.axes = {an::parse_vary("groups.0.consumers.count=2,3")};
  EXPECT_THROW(an::run_plan(o), cgsim::InputError);  // use --consumers
}

// Unkeyed records are ordered per partition: the failure-free runs reprocess nothing, while a crash
// makes the new owners reprocess what the victim had processed since its last commit, out of order.
TEST(Plan, OrderingSloCountsTheFailureRunsViolations) {
  an::PlanOptions o;
  o.scenario_file = write_temp("plan_small_ordering.yaml", kSmall);
  o.slos = {an::parse_slo("ordering_violations=0")};
  o.failures = 1;
  o.consumers = {5};
  o.jobs = 2;
  auto r = an::run_plan(o);
  ASSERT_EQ(r.points.size(), 1u);
  const auto& c = r.points[0].searches[0].candidates.at(0);
  ASSERT_EQ(c.verdicts.size(), 1u);
  EXPECT_EQ(c.verdicts[0].slo, "ordering_violations");
  EXPECT_EQ(c.verdicts[0].run, "steady+failure");
  EXPECT_GT(c.verdicts[0].worst, 0);
  EXPECT_FALSE(c.verdicts[0].met);
  EXPECT_DOUBLE_EQ(c.figures.at("steady_ordering_violations").max, 0);
  EXPECT_DOUBLE_EQ(c.figures.at("failure_ordering_violations").max, c.verdicts[0].worst);
  EXPECT_FALSE(r.ok());
  const std::string text = an::format_plan(r);
  EXPECT_NE(text.find("ordering_violations"), std::string::npos) << text;
  const auto j = an::to_json(r);
  EXPECT_NE(j.dump().find("failure_ordering_violations"), std::string::npos);

  // Without a failure nothing is reprocessed, so the SLO holds.
  o.failures = 0;
  auto steady = an::run_plan(o);
  const auto& s = steady.points[0].searches[0].candidates.at(0);
  ASSERT_EQ(s.verdicts.size(), 1u);
  EXPECT_EQ(s.verdicts[0].run, "steady");
  EXPECT_DOUBLE_EQ(s.verdicts[0].worst, 0);
  EXPECT_TRUE(s.verdicts[0].met);
}
