// Differential test: cgsim's assignors against Apache Kafka's own (kafka-clients and
// kafka-group-coordinator 3.9.1) on seeded random cases. The Java side is the harness in
// tests/reference, built with Maven and run once for all cases through tests/reference/run.sh.
// Every case must produce the identical assignment (same partitions, same order for the client
// assignors; the same sets for the server assignors) or fail in both. The exact-match rate per
// assignor is printed. If the harness cannot be built or run, the test fails.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "models/kafka/assignors/all.hpp"
#include "models/kafka/assignors/tools/json_io.hpp"
#include "models/kafka/assignors/tools/random_cases.hpp"

using namespace cgsim::models;
using namespace cgsim::models::assignors;
using nlohmann::json;

namespace {

constexpr int kCasesPerAssignor = 500;
const std::vector<std::string> kAssignors{"range", "roundrobin", "sticky", "cooperative-sticky", "uniform", "server-range"};

struct Outcome {
  bool failed = false;
  std::string error;
  nlohmann::ordered_json assignment;
};

Outcome run_cgsim(const AssignCase& c) {
  Outcome o;
  const AssignorInfo* info = find_assignor_info(c.assignor, c.flavor);
  if (!info) {
    o.failed = true;
    o.error = "assignor not registered";
    return o;
  }
  try {
    AssignResult r = info->assign_detailed(c.cluster, c.members);
    o.assignment = assignment_to_json(r.assignment, c.members);
  } catch (const AssignorFailure& e) {
    o.failed = true;
    o.error = e.what();
  }
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(AssignorDifferential, MatchesKafka391OnRandomCases) {
  // 1. Seeded random cases, the same on every run.
  std::vector<AssignCase> cases;
  cgsim::sim::Rng rng(20240917, "assignor-differential");
  for (int i = 0; i < kCasesPerAssignor; ++i)
    for (const auto& a : kAssignors) {
      RandomCaseLimits limits;
      limits.conflicting_claims = a == "sticky" || a == "cooperative-sticky";
      cases.push_back(random_case(rng, a, limits));
    }
  ASSERT_GE(cases.size(), 1000u);

  // 2. Kafka's answers, from one run of the reference harness.
  const std::string dir = std::string(CGSIM_BINARY_DIR) + "/assignor_differential";
  std::filesystem::create_directories(dir);
  const std::string in_path = dir + "/cases.json", out_path = dir + "/kafka.json", err_path = dir + "/harness.log";
  {
    json all = json::array();
    for (const auto& c : cases) all.push_back(case_to_json(c));
    std::ofstream(in_path) << all.dump();
  }
  const std::string cmd = "bash '" + std::string(CGSIM_SOURCE_DIR) + "/tests/reference/run.sh' < '" + in_path + "' > '" +
                          out_path + "' 2> '" + err_path + "'";
  const int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << "The Kafka reference harness could not be built or run (Maven + Java 17 needed; .ci/run "
                      "installs them). Command: "
                   << cmd << "\n--- harness log ---\n"
                   << read_file(err_path);
  json kafka;
  try {
    kafka = json::parse(read_file(out_path));
  } catch (const std::exception& e) {
    FAIL() << "unreadable harness output: " << e.what() << "\n" << read_file(err_path);
  }
  ASSERT_TRUE(kafka.is_array());
  ASSERT_EQ(kafka.size(), cases.size());

  // 3. Compare.
  std::map<std::string, std::pair<int, int>> rate;  // assignor -> (matches, total)
  std::map<std::string, int> both_failed;            // cases where Kafka's assignor throws, and cgsim's too
  std::map<std::string, int> shown;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const AssignCase& c = cases[i];
    const Outcome ours = run_cgsim(c);
    const json& theirs = kafka[i];
    bool match;
    if (theirs.contains("error")) {
      match = ours.failed;
      both_failed[c.assignor] += match ? 1 : 0;
    }
    else
      match = !ours.failed && json::parse(ours.assignment.dump()) == theirs.at("assignment");
    auto& r = rate[c.assignor];
    r.second += 1;
    r.first += match ? 1 : 0;
    if (!match && shown[c.assignor] < 3) {
      ++shown[c.assignor];
      ADD_FAILURE() << "case " << i << " (" << c.assignor << ") differs from Kafka\ninput: " << case_to_json(c).dump()
                    << "\nkafka: " << theirs.dump() << "\ncgsim: "
                    << (ours.failed ? "error: " + ours.error : ours.assignment.dump());
    }
  }
  std::cout << "\nExact-match rate against Kafka 3.9.1 (" << cases.size() << " cases):\n";
  for (const auto& a : kAssignors) {
    const auto& [m, t] = rate[a];
    std::printf("  %-20s %5d / %5d  %6.2f%%  (of which %d fail in both)\n", a.c_str(), m, t, t ? 100.0 * m / t : 0.0,
                both_failed[a]);
  }
  for (const auto& [a, r] : rate) EXPECT_EQ(r.first, r.second) << a << " does not match Kafka on every case";
}
