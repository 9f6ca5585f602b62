// Sweeps: --vary parsing, the cross product, the seed derivation, statistics, determinism
// whatever the thread count, and the parallel runner's error handling.
#include "analysis/experiments/sweep.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/stats.hpp"
#include "analysis/output/output.hpp"
#include "models/common/error.hpp"
#include "small_sweep_scenario.hpp"

namespace an = cgsim::analysis;
namespace fs = std::filesystem;

namespace {


std::string scenario_file(const std::string& name) {
  return cgsim::testing::write_file(fs::path(CGSIM_BINARY_DIR) / name,
                                    cgsim::testing::small_sweep_scenario({"sweep-small", 40, 40, 2000, 1000}));
}

using cgsim::testing::read_file;

}  // namespace

TEST(Vary, SplitsValuesOutsideBracketsAndQuotes) {
  auto a = an::parse_vary("groups.0.consumers.count=2,4, 8");
  EXPECT_EQ(a.path, "groups.0.consumers.count");
  EXPECT_EQ(a.values, (std::vector<std::string>{"2", "4", "8"}));
  auto b = an::parse_vary("groups.0.consumers.processing_time={kind: constant, value: 1ms},{kind: exponential, mean: 1ms}");
  ASSERT_EQ(b.values.size(), 2u);
  EXPECT_EQ(b.values[0], "{kind: constant, value: 1ms}");
  auto c = an::parse_vary("name=\"a,b\",'c,d'");
  EXPECT_EQ(c.values, (std::vector<std::string>{"\"a,b\"", "'c,d'"}));
}

TEST(Vary, RejectsMalformedAxes) {
  EXPECT_THROW(an::parse_vary("groups.0.consumers.count"), cgsim::InputError);
  EXPECT_THROW(an::parse_vary("=1,2"), cgsim::InputError);
  EXPECT_THROW(an::parse_vary("x=1,,2"), cgsim::InputError);
  EXPECT_THROW(an::parse_vary("x=[1,2"), cgsim::InputError);
  EXPECT_THROW(an::cross_product({an::parse_vary("x=1"), an::parse_vary("x=2")}), cgsim::InputError);
}

TEST(Vary, CrossProductVariesTheFirstAxisSlowest) {
  auto cp = an::cross_product({an::parse_vary("a=1,2"), an::parse_vary("b=x,y,z")});
  ASSERT_EQ(cp.size(), 6u);
  EXPECT_EQ(cp[0][0].value, "1");
  EXPECT_EQ(cp[0][1].value, "x");
  EXPECT_EQ(cp[2][1].value, "z");
  EXPECT_EQ(cp[3][0].value, "2");
  EXPECT_EQ(an::cross_product({}).size(), 1u);
}

TEST(Stats, MetricStatsAgreeWithTheSampleDefinitions) {
  auto s = an::metric_stats({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_DOUBLE_EQ(s.mean, 5);
  EXPECT_NEAR(s.sd, std::sqrt(32.0 / 7), 1e-12);
  EXPECT_DOUBLE_EQ(s.min, 2);
  EXPECT_DOUBLE_EQ(s.max, 9);
  EXPECT_NEAR(s.ci95, an::student_t975(7) * s.sd / std::sqrt(8.0), 1e-12);
  auto one = an::metric_stats({3});
  EXPECT_DOUBLE_EQ(one.ci95, 0);
  EXPECT_EQ(one.n, 1u);
}

TEST(Parallel, RunsEveryIndexOnceAndRethrowsTheLowestFailure) {
  std::vector<std::atomic<int>> hits(200);
  an::parallel_for(hits.size(), 4, [&](std::size_t i) { ++hits[i]; });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
  try {
    an::parallel_for(50, 3, [](std::size_t i) {
      if (i == 7 || i == 30) throw std::runtime_error("task " + std::to_string(i));
    });
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    // Index 30 may or may not have started; 7 always has and is the lowest.
    EXPECT_STREQ(e.what(), "task 7");
  }
}

TEST(Progress, FormatsCountRateAndTimeLeft) {
  const std::string s = an::ProgressBar::format("runs", 10, 40, 5.0, 20);
  EXPECT_NE(s.find("[#####---------------]"), std::string::npos) << s;
  EXPECT_NE(s.find("10/40 runs"), std::string::npos) << s;
  EXPECT_NE(s.find("2.0/s"), std::string::npos) << s;
  EXPECT_NE(s.find("ETA 15s"), std::string::npos) << s;  // 30 left at 2 per second
  EXPECT_NE(an::ProgressBar::format("runs", 0, 40, 1.0).find("ETA ?"), std::string::npos);
}

TEST(Sweep, OutputIsIdenticalWhateverTheThreadCount) {
  an::SweepOptions o;
  o.scenario_file = scenario_file("sweep_small.yaml");
  o.axes = {an::parse_vary("groups.0.consumers.count=2,3"), an::parse_vary("groups.0.session_timeout=6s,10s")};
  o.seeds = 3;
  o.jobs = 1;
  auto a = an::run_sweep(o);
  o.jobs = 4;
  auto b = an::run_sweep(o);
  EXPECT_EQ(an::to_json(a).dump(), an::to_json(b).dump());
  EXPECT_EQ(an::to_csv(a), an::to_csv(b));
  EXPECT_EQ(an::runs_csv(a), an::runs_csv(b));
  ASSERT_EQ(a.points.size(), 4u);

  const fs::path d1 = fs::path(CGSIM_BINARY_DIR) / "sweep_out_1", d2 = fs::path(CGSIM_BINARY_DIR) / "sweep_out_4";
  an::write_sweep_outputs(d1.string(), a);
  an::write_sweep_outputs(d2.string(), b);
  for (const char* f : {"sweep.json", "sweep.csv", "runs.csv"}) EXPECT_EQ(read_file(d1 / f), read_file(d2 / f)) << f;
  EXPECT_TRUE(fs::exists(d1 / "timing.json"));
  EXPECT_EQ(read_file(d1 / "sweep.json").find("wall"), std::string::npos);
}

TEST(Sweep, RunIUsesTheScenarioSeedPlusIAndMatchesASingleRun) {
  an::SweepOptions o;
  o.scenario_file = scenario_file("sweep_seed.yaml");
  o.axes = {an::parse_vary("groups.0.consumers.count=3")};
  o.seeds = 2;
  auto r = an::run_sweep(o);
  ASSERT_EQ(r.points.size(), 1u);
  ASSERT_EQ(r.points[0].runs.size(), 2u);
  EXPECT_EQ(r.points[0].runs[0].seed, 40u);
  EXPECT_EQ(r.points[0].runs[1].seed, 41u);
  // The second replication is exactly `cgsim run --set groups.0.consumers.count=3 --seed 41`.
  auto sc = cgsim::scenarios::load_scenario_file(o.scenario_file, {{"groups.0.consumers.count", "3"}});
  sc.seed = 41;
  auto s = an::simulate(sc);
  const auto& m = an::summary_metrics();
  for (std::size_t k = 0; k < m.size(); ++k) EXPECT_DOUBLE_EQ(r.points[0].runs[1].values[k], m[k].get(s)) << m[k].name;
  // Statistics are those of the per-seed values.
  for (std::size_t k = 0; k < m.size(); ++k) {
    auto st = an::metric_stats({r.points[0].runs[0].values[k], r.points[0].runs[1].values[k]});
    EXPECT_DOUBLE_EQ(r.points[0].stats[k].mean, st.mean) << m[k].name;
  }
}

TEST(Sweep, ConservesRecordsAtEveryPoint) {
  an::SweepOptions o;
  o.scenario_file = scenario_file("sweep_conserve.yaml");
  o.axes = {an::parse_vary("groups.0.consumers.count=2,4")};
  auto r = an::run_sweep(o);
  auto idx = [&](const std::string& n) {
    for (std::size_t k = 0; k < r.metrics.size(); ++k)
      if (r.metrics[k] == n) return k;
    ADD_FAILURE() << n;
    return std::size_t{0};
  };
  for (const auto& p : r.points) {
    const auto& v = p.runs[0].values;
    EXPECT_EQ(v[idx("consumed")] - v[idx("duplicates")] + v[idx("skipped")], v[idx("produced")] - v[idx("final_lag")]);
    EXPECT_GT(v[idx("duplicates")], 0) << "the crash at 20 s reprocesses uncommitted records";
  }
}

TEST(Sweep, JsonRoundTrips) {
  an::SweepOptions o;
  o.scenario_file = scenario_file("sweep_roundtrip.yaml");
  o.axes = {an::parse_vary("groups.0.consumers.count=2,3")};
  o.seeds = 2;
  auto r = an::run_sweep(o);
  auto back = an::sweep_from_json(an::to_json(r));
  EXPECT_EQ(an::to_json(back).dump(), an::to_json(r).dump());
  EXPECT_THROW(an::sweep_from_json(nlohmann::json::object()), cgsim::InputError);
}

TEST(Sweep, BadPathOrValueIsAnInputErrorNamingIt) {
  an::SweepOptions o;
  o.scenario_file = scenario_file("sweep_bad.yaml");
  o.axes = {an::parse_vary("groups.3.consumers.count=2")};
  try {
    an::run_sweep(o);
    FAIL();
  } catch (const cgsim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("groups.3"), std::string::npos) << e.what();
  }
  o.axes = {an::parse_vary("groups.0.consumers.count=two")};
  try {
    an::run_sweep(o);
    FAIL();
  } catch (const cgsim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("groups[0].consumers.count"), std::string::npos) << e.what();
  }
  o.axes = {};
  o.seeds = 0;
  EXPECT_THROW(an::run_sweep(o), cgsim::InputError);
}

// The ordering columns come after every other column of the text table, so that the earlier
// columns of each line keep their place.
TEST(SweepTable, OrderingColumnsComeLast) {
  an::SweepResult r;
  for (const auto& m : an::summary_metrics()) r.metrics.push_back(m.name);
  an::SweepPoint p;
  p.stats.resize(r.metrics.size());
  for (std::size_t m = 0; m < r.metrics.size(); ++m) {
    p.stats[m].mean = r.metrics[m] == "out_of_order" ? 1208 : 1;
    p.stats[m].n = 1;
  }
  r.points.push_back(p);
  const std::string t = an::format_sweep_table(r);
  const std::string head = t.substr(0, t.find('\n'));
  EXPECT_NE(head.find("warmup_s  out_of_order  overlapping"), std::string::npos) << head;
  EXPECT_EQ(head.rfind("overlapping"), head.size() - std::string("overlapping").size()) << head;
  const std::string row = t.substr(t.find('\n') + 1);
  EXPECT_NE(row.find("1208            1\n"), std::string::npos) << t;
}
