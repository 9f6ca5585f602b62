// Every shipped RabbitMQ and Pulsar scenario runs through `cgsim run`'s path (the family's model
// rolled up by the shared SummaryBuilder), is deterministic, conserves messages, and matches its
// checked-in golden summary (scenarios/golden/<name>.json). Regenerate goldens on purpose only:
// CGSIM_UPDATE_GOLDEN=1 ctest -R FamilyRun
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "analysis/experiments/family_runs.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace fs = std::filesystem;
using cgsim::analysis::FamilyRun;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> family_scenarios() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(CGSIM_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    const std::string text = read_text(e.path());
    if (cgsim::scenarios::is_rabbitmq_scenario_text(text) || cgsim::scenarios::is_pulsar_scenario_text(text))
      out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

FamilyRun run(const std::string& path) {
  if (cgsim::scenarios::is_rabbitmq_scenario_text(read_text(path)))
    return cgsim::analysis::simulate_rabbitmq(cgsim::scenarios::load_rabbitmq_scenario_file(path));
  return cgsim::analysis::simulate_pulsar(cgsim::scenarios::load_pulsar_scenario_file(path));
}

class FamilyRunTest : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(FamilyRunTest, ConservesIsDeterministicAndMatchesGolden) {
  const FamilyRun a = run(GetParam());
  const FamilyRun b = run(GetParam());
  const std::string ja = cgsim::analysis::to_json(a).dump(2) + "\n";
  ASSERT_EQ(ja, cgsim::analysis::to_json(b).dump(2) + "\n") << "not deterministic";
  // Every message produced is processed, still in the backlog (which holds processed messages
  // whose ack is on its way too), or settled without processing (dead-lettered, dropped);
  // duplicates are processings on top.
  std::uint64_t settled_unprocessed = 0;
  for (const auto& [what, n] : a.counts)
    if (what.rfind("dropped", 0) == 0 || what.rfind("dead-lettered", 0) == 0) settled_unprocessed += n;
  std::uint64_t unique = 0, backlog = 0, produced = 0;
  for (const auto& g : a.summary.groups) {
    ASSERT_GE(g.consumed, g.duplicates) << g.id;
    EXPECT_LE(g.consumed - g.duplicates, g.produced) << g.id;
    unique += g.consumed - g.duplicates;
    backlog += g.final_lag;
    produced += g.produced;
  }
  EXPECT_GE(unique + backlog + settled_unprocessed, produced);
  EXPECT_GT(a.summary.consumed, 0u);
  const fs::path golden = fs::path(CGSIM_SOURCE_DIR) / "scenarios" / "golden" / (fs::path(GetParam()).stem().string() + ".json");
  if (std::getenv("CGSIM_UPDATE_GOLDEN")) {
    std::ofstream(golden) << ja;
    GTEST_SKIP() << "golden written: " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << "no golden summary " << golden << " (create it on purpose with CGSIM_UPDATE_GOLDEN=1)";
  EXPECT_TRUE(ja == read_text(golden)) << "summary differs from " << golden
                                       << "; if the change is intended, regenerate with CGSIM_UPDATE_GOLDEN=1";
}

INSTANTIATE_TEST_SUITE_P(Shipped, FamilyRunTest, ::testing::ValuesIn(family_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return fs::path(i.param).stem().string(); });
