// Sharded sweeps: the K/N syntax, the unit split, merged shards byte-identical with the unsharded
// sweep whatever N and the order of the directories, re-runs of a shard byte-identical, and the
// merge refusing shards that are missing, duplicated or from another scenario, spec or version.
#include "analysis/experiments/shard.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "analysis/experiments/sweep_shard.hpp"
#include "analysis/output/output.hpp"
#include "models/common/error.hpp"
#include "small_sweep_scenario.hpp"

namespace an = cgsim::analysis;
namespace fs = std::filesystem;

namespace {

const std::string kScenario =
    cgsim::testing::small_sweep_scenario({"shard-small", 7, 30, 1500, 500});

const fs::path kRoot = fs::path(CGSIM_BINARY_DIR) / "shard_test";

std::string scenario_file(const std::string& name, const std::string& text = kScenario) {
  return cgsim::testing::write_file(kRoot / name, text);
}

using cgsim::testing::read_file;

an::SweepOptions options(const std::string& file) {
  an::SweepOptions o;
  o.scenario_file = file;
  o.axes = {an::parse_vary("groups.0.consumers.count=2,3,4")};
  o.seeds = 2;
  o.jobs = 2;
  return o;
}

/// Runs every shard of N into kRoot/<tag>_<k> and returns the directories.
std::vector<std::string> run_shards(const an::SweepOptions& o, std::size_t n, const std::string& tag) {
  std::vector<std::string> dirs;
  for (std::size_t k = 0; k < n; ++k) {
    double wall = 0;
    const std::string d = (kRoot / (tag + "_" + std::to_string(k))).string();
    fs::remove_all(d);
    an::write_shard_dir(d, an::run_sweep_shard(o, an::Shard{k, n}, wall), wall);
    dirs.push_back(d);
  }
  return dirs;
}

std::string merge_error(const std::vector<std::string>& dirs) {
  try {
    const auto shards = an::read_shard_dirs(dirs);
    an::check_shards(shards);
    an::merge_sweep_shards(shards);
  } catch (const cgsim::InputError& e) {
    EXPECT_EQ(e.exit_code(), cgsim::kExitInput);
    return e.what();
  }
  return "";
}

/// Rewrites a shard.json through @p edit.
template <typename F>
void edit_shard(const std::string& dir, F edit) {
  auto doc = nlohmann::json::parse(read_file(fs::path(dir) / "shard.json"));
  edit(doc);
  std::ofstream(fs::path(dir) / "shard.json") << doc.dump(1) << "\n";
}

}  // namespace

TEST(Shard, ParsesKOfN) {
  auto s = an::parse_shard("3/8");
  EXPECT_EQ(s.index, 3u);
  EXPECT_EQ(s.count, 8u);
  EXPECT_TRUE(s.covers(11));
  EXPECT_FALSE(s.covers(12));
  EXPECT_EQ(s.text(), "3/8");
  for (const char* bad : {"8/8", "1", "a/2", "-1/2", "0/0", "1/", "/3", "2/3/4", "0/2000000"}) {
    EXPECT_THROW(an::parse_shard(bad), cgsim::InputError) << bad;
  }
}

TEST(Shard, NumbersRoundTripExactly) {
  for (double v : {0.1, 1.0 / 3, 1e-300, 123456789.123456789, std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()}) {
    const auto j = nlohmann::json::parse(nlohmann::json::array({an::exact_number(v)}).dump());
    EXPECT_EQ(an::exact_number_from(j[0]), v);
  }
  EXPECT_TRUE(std::isnan(an::exact_number_from(an::exact_number(std::nan("")))));
  EXPECT_THROW(an::exact_number_from(nlohmann::json("x")), cgsim::InputError);
}

TEST(ShardedSweep, MergeIsByteIdenticalToTheUnshardedSweep) {
  const auto o = options(scenario_file("merge.yaml"));
  const auto full = an::run_sweep(o);
  const fs::path ref = kRoot / "full";
  an::write_sweep_outputs(ref.string(), full);
  // 6 units: one shard, an uneven split, and more shards than units (some shards run nothing).
  for (std::size_t n : {1u, 4u, 8u}) {
    auto dirs = run_shards(o, n, "n" + std::to_string(n));
    std::reverse(dirs.begin(), dirs.end());  // the order of the directories does not matter
    const auto shards = an::read_shard_dirs(dirs);
    an::check_shards(shards);
    const fs::path out = kRoot / ("merged_" + std::to_string(n));
    an::write_sweep_outputs(out.string(), an::merge_sweep_shards(shards));
    for (const char* f : {"sweep.json", "sweep.csv", "runs.csv"}) EXPECT_EQ(read_file(ref / f), read_file(out / f)) << n << " " << f;
  }
}

TEST(ShardedSweep, ARerunShardWritesTheSameBytes) {
  const auto o = options(scenario_file("rerun.yaml"));
  const auto a = run_shards(o, 3, "rerun_a");
  auto o2 = o;
  o2.jobs = 1;
  const auto b = run_shards(o2, 3, "rerun_b");
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(read_file(fs::path(a[k]) / "shard.json"), read_file(fs::path(b[k]) / "shard.json"));
  const auto m = nlohmann::json::parse(read_file(fs::path(a[1]) / "shard.json")).at("manifest");
  EXPECT_EQ(an::covered_units(m), (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(m.at("units").at("total"), 6);
  EXPECT_EQ(m.at("cgsim_version"), an::kCgsimVersion);
  EXPECT_EQ(m.at("scenario_hash").get<std::string>().rfind("fnv1a64:", 0), 0u);
}

TEST(ShardedSweep, MergeRefusesMissingAndDuplicatedShards) {
  const auto o = options(scenario_file("refuse.yaml"));
  const auto dirs = run_shards(o, 3, "refuse");
  EXPECT_NE(merge_error({dirs[0], dirs[2]}).find("missing shard 1/3"), std::string::npos) << merge_error({dirs[0], dirs[2]});
  const auto dup = merge_error({dirs[0], dirs[1], dirs[2], dirs[1]});
  EXPECT_NE(dup.find("shard 1/3 is given twice"), std::string::npos) << dup;
  EXPECT_NE(merge_error({(kRoot / "nowhere").string()}).find("shard.json"), std::string::npos);

  // A shard that claims a unit of another: unit 4 covered twice, then unit 4 covered by none.
  const auto forged = run_shards(o, 3, "forged");
  edit_shard(forged[0], [](nlohmann::json& d) { d["manifest"]["units"]["covered"].push_back(4); });
  const auto twice = merge_error(forged);
  EXPECT_NE(twice.find("unit 4 is covered twice"), std::string::npos) << twice;
  edit_shard(forged[0], [](nlohmann::json& d) { d["manifest"]["units"]["covered"] = {0}; });
  edit_shard(forged[1], [](nlohmann::json& d) { d["manifest"]["units"]["covered"] = {1}; });
  const auto none = merge_error(forged);
  EXPECT_NE(none.find("units 3, 4 covered by no shard"), std::string::npos) << none;
}

TEST(ShardedSweep, MergeRefusesShardsOfAnotherScenarioSpecOrVersion) {
  const auto o = options(scenario_file("mixed.yaml"));
  const auto dirs = run_shards(o, 2, "mixed");

  // The same path, edited between shards.
  std::string text = kScenario;
  text.replace(text.find("seed: 7"), 7, "seed: 8");
  scenario_file("mixed.yaml", text);
  const auto other = run_shards(o, 2, "mixed_other");
  const auto scen = merge_error({dirs[0], other[1]});
  EXPECT_NE(scen.find("ran different scenarios"), std::string::npos) << scen;

  auto o2 = o;
  o2.seeds = 3;
  scenario_file("mixed.yaml");
  const auto spec_dirs = run_shards(o2, 2, "mixed_spec");
  const auto spec = merge_error({dirs[0], spec_dirs[1]});
  EXPECT_NE(spec.find("ran different commands"), std::string::npos) << spec;

  edit_shard(dirs[1], [](nlohmann::json& d) { d["manifest"]["cgsim_version"] = "0.0.1"; });
  const auto ver = merge_error(dirs);
  EXPECT_NE(ver.find("written by cgsim 0.0.1"), std::string::npos) << ver;
}
