// `cgsim compare`'s figures: the crash's backlog and recovery from a backlog series, one row per
// scenario of any family, the same figures whatever the order the runs are made in.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "analysis/experiments/compare.hpp"
#include "analysis/output/compare_table.hpp"
#include "models/common/error.hpp"

namespace fs = std::filesystem;
using namespace cgsim::analysis;

namespace {

std::string scenario(const std::string& name) { return (fs::path(CGSIM_SOURCE_DIR) / "scenarios" / name).string(); }

double fig(const CompareRun& r, CompareFigure f) { return r.figures[static_cast<std::size_t>(f)]; }

}  // namespace

TEST(CompareBacklog, RecoveryIsTheFirstSampleAfterThePeakBackAtThePreCrashLevel) {
  // Pre-crash level 100 (largest in the 10 s before the crash at 20 s), peak 900 at 24 s, back at
  // or below 100 at 27 s: 7 s.
  const BacklogSeries s = {{5, 300}, {10, 50}, {15, 100}, {19, 80}, {20, 90}, {22, 500},
                           {24, 900}, {25, 400}, {26, 150}, {27, 100}, {28, 60}};
  const CrashBacklog b = crash_backlog(s, 20, 30);
  EXPECT_EQ(b.pre, 100);
  EXPECT_EQ(b.peak, 900);
  EXPECT_EQ(b.recovery_s, 7);
}

TEST(CompareBacklog, APeakWithinTwiceThePreCrashLevelIsNoRise) {
  const BacklogSeries s = {{15, 8}, {19, 6}, {20, 7}, {40, 14}, {60, 3}};
  const CrashBacklog b = crash_backlog(s, 20, 100);
  EXPECT_EQ(b.pre, 8);
  EXPECT_EQ(b.peak, 14);
  EXPECT_EQ(b.recovery_s, 0);
}

TEST(CompareBacklog, NotBackByTheEndIsMinusOne) {
  const BacklogSeries s = {{15, 100}, {20, 300}, {25, 900}, {30, 800}};
  EXPECT_EQ(crash_backlog(s, 20, 30).recovery_s, -1);
}

TEST(CompareBacklog, ThePeakIsTakenBeforeTheGroupsNextFault) {
  const BacklogSeries s = {{15, 100}, {20, 300}, {25, 50}, {30, 5000}, {40, 10}};
  const CrashBacklog b = crash_backlog(s, 20, 29);
  EXPECT_EQ(b.peak, 300);
  EXPECT_EQ(b.recovery_s, 5);
}

TEST(Compare, EveryFamilyGivesTheSameFiguresAndKafkaPaysForTheSessionTimeout) {
  const CostBudget budget;
  const CompareSubject kafka = load_compare_subject(scenario("compare_kafka_range.yaml"), budget);
  const CompareSubject rabbit = load_compare_subject(scenario("compare_rabbitmq_hash.yaml"), budget);
  const CompareSubject pulsar = load_compare_subject(scenario("compare_pulsar_key_shared.yaml"), budget);
  EXPECT_EQ(kafka.family, "kafka");
  EXPECT_EQ(rabbit.family, "rabbitmq");
  EXPECT_EQ(pulsar.family, "pulsar");
  for (const auto* s : {&kafka, &rabbit, &pulsar}) {
    EXPECT_TRUE(s->has_crash) << s->file;
    EXPECT_EQ(s->crash_at_s, 90) << s->file;
  }
  const CompareRun k = run_compare(kafka, kafka.seed);
  const CompareRun r = run_compare(rabbit, rabbit.seed);
  const CompareRun p = run_compare(pulsar, pulsar.seed);
  // The crash goes unnoticed for the 45 s session timeout: records of its partitions wait that long.
  EXPECT_GT(fig(k, CompareFigure::LatencyP99All), 30000);
  EXPECT_GT(fig(k, CompareFigure::CrashDuplicates), 0);
  EXPECT_GT(fig(k, CompareFigure::RecoveryS), 45);
  // Keyed dispatch with immediate crash detection keeps per-key order of first deliveries. RabbitMQ
  // acks each message at once; Pulsar's client groups acks for 100 ms, so a crash redelivers the
  // lost group's messages, and a key with two of them is re-processed behind its later record: only
  // re-processings can be out of order there.
  EXPECT_EQ(fig(r, CompareFigure::OutOfOrder), 0);
  EXPECT_LE(fig(p, CompareFigure::OutOfOrder), fig(p, CompareFigure::CrashDuplicates));
  EXPECT_LT(fig(r, CompareFigure::LatencyP99All), 1000);
  EXPECT_LT(fig(p, CompareFigure::LatencyP99All), 1000);
  for (const auto* run : {&k, &r, &p}) {
    for (std::size_t f = 0; f < kCompareFigures; ++f) EXPECT_FALSE(std::isnan(run->figures[f])) << f;
    EXPECT_LE(fig(*run, CompareFigure::ShareMin), fig(*run, CompareFigure::ShareMax));
  }
}

TEST(Compare, OneRowPerScenarioAndNoCrashIsNotApplicable) {
  const CostBudget budget;
  const CompareSubject hash = load_compare_subject(scenario("compare_rabbitmq_hash.yaml"), budget);
  // The same workload without its crash.
  CompareSubject fanout = load_compare_subject(scenario("compare_pulsar_key_shared.yaml"), budget);
  fanout.pulsar.faults.clear();
  fanout.has_crash = false;
  std::vector<CompareRow> rows;
  for (const CompareSubject* s : {&hash, static_cast<const CompareSubject*>(&fanout)})
    rows.push_back({s->file, s->family, s->scenario, s->assignment, s->has_crash, s->crash_at_s,
                    {run_compare(*s, s->seed), run_compare(*s, s->seed + 1)}});
  EXPECT_TRUE(std::isnan(fig(rows[1].runs[0], CompareFigure::CrashDuplicates)));
  const std::string text = format_compare_text(rows);
  EXPECT_NE(text.find("compare_rabbitmq_hash"), std::string::npos);
  EXPECT_NE(text.find("n/a (a)"), std::string::npos);
  EXPECT_NE(text.find("(a) the scenario crashes no consumer"), std::string::npos);
  const nlohmann::json j = compare_to_json(rows);
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["seeds"], 2);
  EXPECT_TRUE(j["rows"][1]["figures"]["crash_duplicates"]["median"].is_null());
  EXPECT_EQ(j["rows"][0]["figures"]["out_of_order"]["values"].size(), 2u);
}

TEST(Compare, AMissingFileIsAnInputError) {
  EXPECT_THROW(load_compare_subject(scenario("no_such_scenario.yaml"), CostBudget{}), cgsim::InputError);
}
