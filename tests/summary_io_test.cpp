// summary.json has one writer and one reader (to_json/from_json beside the result types): what is
// written reads back equal, and every golden summary reads and writes back byte for byte.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "analysis/experiments/simulate.hpp"
#include "analysis/metrics/summary.hpp"
#include "analysis/metrics/summary_builder.hpp"
#include "analysis/output/output.hpp"
#include "analysis/output/report_family.hpp"
#include "models/common/error.hpp"
#include "scenarios/loader.hpp"

namespace {

using namespace cgsim;
namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

/// A summary with every field set to a value the writer keeps exactly (6 decimals or fewer).
analysis::RunSummary sample_summary() {
  analysis::RunSummary s;
  s.scenario = "round trip";
  s.backend = "kafka";
  s.seed = 18446744073709551615ull;
  s.simulated_seconds = 60.5;
  s.wall_seconds = 0.25;
  s.events = 123456789;
  s.produced = 1000;
  s.consumed = 990;
  s.duplicates = 7;
  s.skipped = 3;
  s.lost = 2;
  s.final_lag = 10;
  s.max_lag = 400;
  s.latency_ms = {1.5, 2.25, 9.125, 12.0625, 20, 3.5, 990};
  s.latency_steady_ms = {1.25, 2, 8, 11, 19, 3, 900};
  s.stalled = {90, 4.5, 5.75, 20};
  analysis::RebalanceRecord rb;
  rb.group = "g";
  rb.start_s = 1.5;
  rb.end_s = -1;
  rb.generation = 3;
  rb.trigger = "join";
  rb.protocol = "cooperative";
  rb.rounds = 2;
  rb.partitions_moved = 4;
  rb.partitions_revoked = 2;
  rb.partitions_assigned = 8;
  rb.stop_the_world_partition_s = 0.125;
  s.rebalances.push_back(rb);
  s.generations.push_back({"g", 3, 2.5, {{"g/0", {"t-0", "t-1"}}, {"g/1", {}}}});
  analysis::GroupSummary g;
  g.id = "g";
  g.produced = 1000;
  g.consumed = 990;
  g.duplicates = 7;
  g.skipped = 3;
  g.lost = 2;
  g.final_lag = 10;
  g.final_committed_lag = 12;
  g.max_lag = 400;
  g.max_lag_seconds = 4.75;
  g.latency_ms = s.latency_ms;
  g.latency_steady_ms = s.latency_steady_ms;
  g.stalled = s.stalled;
  g.generation = 3;
  g.consumers.push_back({"g/0", "member-0", 600, 4, {"t-0", "t-1"}, "Stable"});
  g.consumers.push_back({"g/1", "member-1", 390, 3, {}, "Stopped", 5});
  g.ordering = {"key", 6, 2, 4, 3};
  s.groups.push_back(g);
  s.ordering = g.ordering;
  analysis::FaultRecord f{"g", "crash", "g/1", 30.5, 5};
  f.duplicates_uncommitted = 4;
  f.duplicates_in_flight = 1;
  f.out_of_order = 6;
  f.overlapping = 2;
  f.keys_affected = 4;
  f.peak_lag = 400;
  f.peak_lag_seconds = 4.75;
  f.recovery_s = -1;
  f.rebalances = 1;
  f.partitions_moved = 4;
  f.stop_the_world_partition_s = 0.125;
  f.detected = false;
  s.faults.push_back(f);
  return s;
}

TEST(SummaryJson, WrittenSummaryReadsBackEqual) {
  const analysis::RunSummary s = sample_summary();
  const nlohmann::json j = s;
  EXPECT_EQ(j.get<analysis::RunSummary>(), s);
  // Through text, as summary.json is.
  EXPECT_EQ(nlohmann::json::parse(j.dump(2)).get<analysis::RunSummary>(), s);
}

// A RabbitMQ or Pulsar run's own fields are in the same field list: written beside the shared
// ones, read back equal, and required where the list says so.
TEST(SummaryJson, FamilyFieldsRoundTripAndAreRequired) {
  analysis::RunSummary s = sample_summary();
  s.wall_seconds = 0;
  analysis::FamilyFields f;
  f.broker = "rabbitmq";
  f.sources = {"queue q"};
  f.counts = {{"acknowledged", 5}, {"published", 9}};
  f.ordering_violations = 4;
  const nlohmann::json j = nlohmann::json::parse(analysis::to_json(s, f).dump(2));
  EXPECT_EQ(j.at("counts").at("published"), 9);
  analysis::RunSummary s2;
  analysis::FamilyFields f2;
  analysis::from_json(j, s2, f2);
  EXPECT_EQ(s2, s);
  EXPECT_EQ(f2, f);
  nlohmann::json missing = j;
  missing.erase("ordering_violations");
  try {
    analysis::from_json(missing, s2, f2);
    ADD_FAILURE() << "a summary without ordering_violations was read";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ordering_violations"), std::string::npos) << e.what();
  }
  // A Kafka run's summary has none of them.
  EXPECT_FALSE(nlohmann::json(s).contains("broker"));
}

TEST(SummaryJson, WithoutWallClockReadsBackWithZeroWallClock) {
  analysis::RunSummary s = sample_summary();
  const auto back = analysis::to_json(s, false).get<analysis::RunSummary>();
  s.wall_seconds = 0;
  EXPECT_EQ(back, s);
}

TEST(SummaryJson, EveryGoldenSummaryReadsAndWritesBackByteForByte) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(CGSIM_SOURCE_DIR) / "scenarios" / "golden")) {
    if (e.path().extension() != ".json") continue;
    const std::string text = read(e.path());
    // A RabbitMQ or Pulsar run's summary adds the family's own fields (tests/family_run_test.cpp).
    if (nlohmann::json::parse(text).contains("broker")) continue;
    ++n;
    const auto s = nlohmann::json::parse(text).get<analysis::RunSummary>();
    EXPECT_EQ(analysis::to_json(s, false).dump(2) + "\n", text) << e.path();
    EXPECT_EQ(nlohmann::json(s).get<analysis::RunSummary>(), s) << e.path();
  }
  EXPECT_GT(n, 0u);
}

// A RabbitMQ or Pulsar summary: the shared summary plus the family's fields, read back as `report`
// reads a run directory (its backlog.csv left empty here) and written again.
TEST(SummaryJson, EveryFamilyGoldenSummaryReadsAndWritesBackByteForByte) {
  const fs::path dir = fs::temp_directory_path() / ("cgsim_summary_io_family_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(CGSIM_SOURCE_DIR) / "scenarios" / "golden")) {
    if (e.path().extension() != ".json") continue;
    const std::string text = read(e.path());
    if (!nlohmann::json::parse(text).contains("broker")) continue;
    ++n;
    std::ofstream(dir / "summary.json") << text;
    std::ofstream(dir / "backlog.csv") << "time_s,group,backlog\n";
    const auto back = analysis::report_parts::load_family_run_outputs(dir);
    ASSERT_TRUE(back.has_value()) << e.path();
    EXPECT_EQ(analysis::to_json(back->run).dump(2) + "\n", text) << e.path();
    analysis::RunSummary s;
    analysis::FamilyFields f;
    analysis::from_json(nlohmann::json::parse(text), s, f);
    EXPECT_EQ(analysis::to_json(s, f).dump(2) + "\n", text) << e.path();
  }
  fs::remove_all(dir);
  EXPECT_GT(n, 0u);
}

TEST(SummaryJson, RunOutputsReadBackAsWritten) {
  const auto sc = scenarios::load_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/game_platform.yaml");
  analysis::SimulateOptions so;
  so.series = true;
  const auto r = analysis::simulate_full(sc, so);
  const fs::path dir = fs::temp_directory_path() / ("cgsim_summary_io_" + std::to_string(::getpid()));
  analysis::write_run_outputs(dir.string(), r);
  const auto back = analysis::load_run_outputs(dir.string());
  EXPECT_EQ(analysis::to_json(back.summary, false), analysis::to_json(r.summary, false));
  EXPECT_EQ(back.group_lag.size(), r.group_lag.size());
  EXPECT_EQ(back.timeline.size(), r.timeline.size());
  fs::remove_all(dir);
}

TEST(SummaryBuilder, RollsUpGroupsConsumersAndFaults) {
  analysis::SummaryBuilder b({"a", "b"});
  b.fault(0, {"a", "crash", "a/1", 1.0, 0});
  const analysis::Processing a0[] = {{0, 5, 2'000'000, false, false}, {0, 4, 0, true, false}};
  const analysis::Processing a1[] = {{0, 6, 8'000'000, false, true}};
  const analysis::Processing b0[] = {{1, 0, 1'000'000, false, false}};
  b.processed(0, 0, a0, 2);
  b.processed(0, 1, a1, 1);
  b.processed(1, 0, b0, 1);
  b.lag_sample(0, 10, 0.5);
  b.lag_sample(0, 4, 1.5);
  std::vector<analysis::GroupEnd> ends(2);
  ends[0].consumers = {{"a/0", "m0", 0, 0, {}, "Stable"}, {"a/1", "m1", 0, 0, {}, "Stable"}};
  ends[1].consumers = {{"b/0", "m2", 0, 0, {}, "Stable"}};
  analysis::RunSummary h;
  h.scenario = "s";
  const auto s = b.finish(h, ends);
  ASSERT_EQ(s.groups.size(), 2u);
  EXPECT_EQ(s.consumed, 4u);
  EXPECT_EQ(s.duplicates, 1u);
  EXPECT_EQ(s.groups[0].consumers[0].consumed, 2u);
  EXPECT_EQ(s.groups[0].consumers[0].duplicates, 1u);
  EXPECT_EQ(s.groups[0].consumers[1].consumed, 1u);
  EXPECT_EQ(s.groups[0].max_lag, 10u);
  EXPECT_DOUBLE_EQ(s.groups[0].max_lag_seconds, 1.5);
  EXPECT_EQ(s.groups[0].stalled.records, 1u);
  EXPECT_EQ(s.groups[0].latency_ms.count, 2u);
  EXPECT_EQ(s.latency_ms.count, 3u);
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].duplicates, 1u);  // processed after the crash: charged to it
  EXPECT_EQ(s.faults[0].duplicates_uncommitted, 1u);
  EXPECT_EQ(s.groups[0].consumers[1].lost_work, 1u);  // the crashed consumer lost the work
  EXPECT_EQ(s.groups[0].consumers[0].lost_work, 0u);
}

}  // namespace
