// Every example scenario in scenarios/ is a regression test: it runs, conserves records, is
// deterministic, and matches its checked-in golden summary (scenarios/golden/<name>.json).
// Regenerate goldens on purpose only: CGSIM_UPDATE_GOLDEN=1 ctest -R scenario
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/experiments/simulate.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/pulsar_loader.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

std::vector<std::string> scenario_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(CGSIM_SOURCE_DIR) / "scenarios")) {
    if (e.path().extension() != ".yaml" && e.path().extension() != ".json") continue;
    // RabbitMQ scenarios have their own loader and tests (tests/rabbitmq_scenario_test.cpp).
    if (cgsim::scenarios::is_rabbitmq_scenario_text(read_text(e.path()))) continue;
    if (cgsim::scenarios::is_pulsar_scenario_text(read_text(e.path()))) continue;  // tests/pulsar_scenario_test.cpp
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The first line where two texts differ, for a readable failure message.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    bool ga = static_cast<bool>(std::getline(sa, la)), gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) return "identical";
    if (la != lb || ga != gb) return "line " + std::to_string(line) + ": \"" + la + "\" vs \"" + lb + "\"";
  }
}

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(ScenarioTest, ConservesRecordsIsDeterministicAndMatchesGolden) {
  const std::string path = GetParam();
  auto sc = cgsim::scenarios::load_scenario_file(path);
  auto a = cgsim::analysis::simulate(sc);
  ASSERT_GT(a.produced, 0u) << path;

  // Nothing lost: every produced record is processed, skipped by a reset, or still lagging.
  EXPECT_EQ(a.consumed - a.duplicates + a.skipped + a.lost, a.produced * a.groups.size() - a.final_lag) << path;
  for (const auto& g : a.groups) {
    EXPECT_EQ(g.consumed - g.duplicates + g.skipped + g.lost, g.produced - g.final_lag) << path << " group " << g.id;
    std::uint64_t per_consumer = 0, per_consumer_dups = 0;
    for (const auto& c : g.consumers) {
      per_consumer += c.consumed;
      per_consumer_dups += c.duplicates;
    }
    EXPECT_EQ(per_consumer, g.consumed) << path;
    EXPECT_EQ(per_consumer_dups, g.duplicates) << path;
  }

  // Same scenario and seed: byte-identical summary.
  auto b = cgsim::analysis::simulate(sc);
  const std::string ja = cgsim::analysis::to_json(a, false).dump(2) + "\n";
  const std::string jb = cgsim::analysis::to_json(b, false).dump(2) + "\n";
  EXPECT_TRUE(ja == jb) << path << " differs between two runs: " << first_difference(ja, jb);

  fs::path golden = fs::path(CGSIM_SOURCE_DIR) / "scenarios" / "golden" / (fs::path(path).stem().string() + ".json");
  if (std::getenv("CGSIM_UPDATE_GOLDEN")) {
    std::ofstream(golden) << ja;
    GTEST_SKIP() << "golden written: " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << "no golden summary " << golden
                                  << " (create it on purpose with CGSIM_UPDATE_GOLDEN=1)";
  const std::string want = read(golden);
  EXPECT_TRUE(ja == want) << "summary differs from " << golden << " at " << first_difference(ja, want)
                          << "; if the change is intended, regenerate with CGSIM_UPDATE_GOLDEN=1";
}

TEST_P(ScenarioTest, ConservesRecordsUnderLibrdkafkaSemantics) {
  // cgsim validate simulates every scenario with client: librdkafka: it must run and conserve too.
  auto sc = cgsim::scenarios::load_scenario_file(GetParam());
  sc.client = cgsim::models::ClientFlavor::Librdkafka;
  auto a = cgsim::analysis::simulate(sc);
  ASSERT_GT(a.produced, 0u);
  for (const auto& g : a.groups) {
    EXPECT_EQ(g.consumed - g.duplicates + g.skipped + g.lost, g.produced - g.final_lag) << GetParam() << " group " << g.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, ScenarioTest, ::testing::ValuesIn(scenario_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = fs::path(info.param).stem().string();
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });
