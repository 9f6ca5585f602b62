// contrib/k8s/cgsim-sweep-job.yaml, checked by structure (no cluster here): an Indexed Job whose
// completions equal the shard count its command passes to --shard, which takes the shard index
// from JOB_COMPLETION_INDEX and writes a directory per index on a mounted volume; and a merge Job
// that merges exactly those directories.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <string>
#include <vector>

namespace {

const std::string kManifest = std::string(CGSIM_SOURCE_DIR) + "/contrib/k8s/cgsim-sweep-job.yaml";

std::vector<YAML::Node> documents() { return YAML::LoadAllFromFile(kManifest); }

YAML::Node job(const std::string& role) {
  for (const auto& d : documents())
    if (d["metadata"]["labels"]["role"].as<std::string>("") == role) return d;
  ADD_FAILURE() << "no Job with role " << role;
  return {};
}

/// The shell text the container runs: command + args joined.
std::string script(const YAML::Node& j) {
  const auto c = j["spec"]["template"]["spec"]["containers"][0];
  std::string s;
  for (const auto& part : c["command"]) s += part.as<std::string>() + " ";
  for (const auto& part : c["args"]) s += part.as<std::string>() + " ";
  return s;
}

/// Every container mounts a volume the pod declares, with a shared claim.
void expect_volumes(const YAML::Node& j) {
  const auto pod = j["spec"]["template"]["spec"];
  ASSERT_TRUE(pod["volumes"].IsSequence());
  const auto mounts = pod["containers"][0]["volumeMounts"];
  ASSERT_TRUE(mounts.IsSequence());
  for (const auto& m : mounts) {
    bool declared = false;
    for (const auto& v : pod["volumes"])
      if (v["name"].as<std::string>() == m["name"].as<std::string>()) declared = v["persistentVolumeClaim"]["claimName"].IsDefined();
    EXPECT_TRUE(declared) << m["name"].as<std::string>();
  }
}

}  // namespace

TEST(K8sManifest, IsTwoBatchJobs) {
  const auto docs = documents();
  ASSERT_EQ(docs.size(), 2u);
  for (const auto& d : docs) {
    EXPECT_EQ(d["apiVersion"].as<std::string>(), "batch/v1");
    EXPECT_EQ(d["kind"].as<std::string>(), "Job");
    EXPECT_FALSE(d["metadata"]["name"].as<std::string>("").empty());
    const auto pod = d["spec"]["template"]["spec"];
    const std::string restart = pod["restartPolicy"].as<std::string>("");
    EXPECT_TRUE(restart == "Never" || restart == "OnFailure") << restart;
    ASSERT_TRUE(pod["containers"].IsSequence());
    ASSERT_EQ(pod["containers"].size(), 1u);
    EXPECT_FALSE(pod["containers"][0]["image"].as<std::string>("").empty());
    expect_volumes(d);
  }
}

TEST(K8sManifest, ShardJobIsIndexedWithOneCompletionPerShard) {
  const auto j = job("shard");
  const auto spec = j["spec"];
  EXPECT_EQ(spec["completionMode"].as<std::string>(""), "Indexed");
  const int completions = spec["completions"].as<int>(0);
  const int parallelism = spec["parallelism"].as<int>(0);
  ASSERT_GE(completions, 1);
  EXPECT_GE(parallelism, 1);
  EXPECT_LE(parallelism, completions);

  const std::string s = script(j);
  EXPECT_NE(s.find("cgsim sweep "), std::string::npos) << s;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"re(--shard "\$\{JOB_COMPLETION_INDEX\}/([0-9]+)")re"))) << s;
  EXPECT_EQ(std::stoi(m[1]), completions) << "--shard's N must equal completions";
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"re(--out "([^"]*)\$\{JOB_COMPLETION_INDEX\}")re"))) << s;
  const std::string shard_root = m[1];
  const auto mount = j["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["mountPath"].as<std::string>();
  EXPECT_EQ(shard_root.rfind(mount, 0), 0u) << "shards must be written to the shared volume " << mount;
  EXPECT_EQ(s.find("--report"), std::string::npos) << "a shard writes no report";
}

TEST(K8sManifest, MergeJobMergesEveryShardDirectory) {
  const auto shards = job("shard");
  const int n = shards["spec"]["completions"].as<int>(0);
  const auto j = job("merge");
  EXPECT_EQ(j["spec"]["completionMode"].as<std::string>("NonIndexed"), "NonIndexed");
  EXPECT_EQ(j["spec"]["completions"].as<int>(1), 1);
  const std::string s = script(j);
  EXPECT_NE(s.find("cgsim merge "), std::string::npos) << s;
  EXPECT_NE(s.find("--out "), std::string::npos) << s;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"re(seq 0 ([0-9]+))re"))) << s;
  EXPECT_EQ(std::stoi(m[1]), n - 1) << "the merge must list shards 0..completions-1";
  const std::string shard_script = script(shards);
  std::smatch out;
  ASSERT_TRUE(std::regex_search(shard_script, out, std::regex(R"re(--out "([^"]*)\$\{JOB_COMPLETION_INDEX\}")re")));
  EXPECT_NE(s.find(std::string(out[1]) + "$k"), std::string::npos) << "the merge reads the shards' directories";
}
