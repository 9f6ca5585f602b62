// contrib/k8s/cgsim-sweep-job.yaml, checked by structure (no cluster here): an Indexed Job whose
// completions equal the shard count its command passes to --shard, which takes the shard index
// from JOB_COMPLETION_INDEX and writes a directory per index on a mounted volume; and a merge Job
// that merges exactly those directories.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <regex>
#include <sstream>
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

// contrib/k8s/cgsim-plan-round-job.yaml: one plan round as a template (${ROUND}) that
// contrib/k8s/cgsim-plan-k8s.sh instantiates per round.
namespace {

const std::string kPlanManifest = std::string(CGSIM_SOURCE_DIR) + "/contrib/k8s/cgsim-plan-round-job.yaml";

YAML::Node plan_job(const std::string& role) {
  for (const auto& d : YAML::LoadAllFromFile(kPlanManifest))
    if (d["metadata"]["labels"]["role"].as<std::string>("") == role) return d;
  ADD_FAILURE() << "no Job with role " << role;
  return {};
}

}  // namespace

TEST(K8sPlanRound, IsTwoBatchJobsNamedByRound) {
  const auto docs = YAML::LoadAllFromFile(kPlanManifest);
  ASSERT_EQ(docs.size(), 2u);
  for (const auto& d : docs) {
    EXPECT_EQ(d["apiVersion"].as<std::string>(), "batch/v1");
    EXPECT_EQ(d["kind"].as<std::string>(), "Job");
    EXPECT_NE(d["metadata"]["name"].as<std::string>("").find("${ROUND}"), std::string::npos)
        << "each round's Jobs need their own names";
    const auto pod = d["spec"]["template"]["spec"];
    EXPECT_EQ(pod["restartPolicy"].as<std::string>(""), "Never");
    ASSERT_EQ(pod["containers"].size(), 1u);
    expect_volumes(d);
  }
}

TEST(K8sPlanRound, ShardJobRunsOneShardOfTheRoundAfterTheState) {
  const auto j = plan_job("plan-shard");
  EXPECT_EQ(j["spec"]["completionMode"].as<std::string>(""), "Indexed");
  const int completions = j["spec"]["completions"].as<int>(0);
  ASSERT_GE(completions, 1);
  const std::string s = script(j);
  EXPECT_NE(s.find("cgsim plan "), std::string::npos) << s;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"re(--shard "\$\{JOB_COMPLETION_INDEX\}/([0-9]+)")re"))) << s;
  EXPECT_EQ(std::stoi(m[1]), completions) << "--shard's N must equal completions";
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"re(--out "([^"]*)/\$\{ROUND\}/\$\{JOB_COMPLETION_INDEX\}")re"))) << s;
  const auto mount = j["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["mountPath"].as<std::string>();
  EXPECT_EQ(std::string(m[1]).rfind(mount, 0), 0u) << "shards must be written to the shared volume " << mount;
  // From round 2 on, the state the previous merges wrote.
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"re(\[ "\$\{ROUND\}" -gt 1 \]; then state="--state ([^"]+)")re"))) << s;
  EXPECT_EQ(std::string(m[1]).rfind(mount, 0), 0u);
  EXPECT_NE(s.find("$state"), std::string::npos) << s;
  for (const char* flag : {"--report", "--trace", "--json"}) EXPECT_EQ(s.find(flag), std::string::npos) << flag;
}

TEST(K8sPlanRound, MergeJobMergesTheRoundIntoTheStateTheShardsRead) {
  const int n = plan_job("plan-shard")["spec"]["completions"].as<int>(0);
  const std::string shard_script = script(plan_job("plan-shard"));
  const std::string s = script(plan_job("plan-merge"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"re(seq 0 ([0-9]+))re"))) << s;
  EXPECT_EQ(std::stoi(m[1]), n - 1) << "the merge must list shards 0..completions-1";
  std::smatch out, state, merged;
  ASSERT_TRUE(std::regex_search(shard_script, out, std::regex(R"re(--out "([^"]*/\$\{ROUND\}/)\$\{JOB_COMPLETION_INDEX\}")re")));
  EXPECT_NE(s.find(std::string(out[1]) + "$k"), std::string::npos) << "the merge reads the round's shard directories";
  ASSERT_TRUE(std::regex_search(shard_script, state, std::regex(R"re(--state ([^"]+)/plan-state\.json)re")));
  ASSERT_TRUE(std::regex_search(s, merged, std::regex(R"re(cgsim merge \$dirs --out ([^ ]+))re"))) << s;
  EXPECT_EQ(std::string(state[1]), std::string(merged[1])) << "the next round reads the state this merge writes";
  EXPECT_NE(s.find("cgsim-plan: complete"), std::string::npos) << "the driver reads completion from the log";
}

TEST(K8sPlanRound, DriverSubstitutesOnlyTheRound) {
  std::ifstream in(std::string(CGSIM_SOURCE_DIR) + "/contrib/k8s/cgsim-plan-k8s.sh");
  std::stringstream b;
  b << in.rdbuf();
  const std::string d = b.str();
  EXPECT_NE(d.find("envsubst '${ROUND}'"), std::string::npos) << "JOB_COMPLETION_INDEX must reach the pods unexpanded";
  EXPECT_NE(d.find("job/cgsim-plan-merge-$r"), std::string::npos);
  EXPECT_NE(d.find("cgsim-plan: complete"), std::string::npos);
}
