#include "tests/fuzz/harness.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "analysis/output/report.hpp"
#include "models/common/error.hpp"
#include "models/kafka/assignors/tools/json_io.hpp"
#include "models/kafka/assignors/tools/optimum.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::fuzz {

namespace fs = std::filesystem;

namespace {

/// Runs @p body; an InputError (bad input, reported to the user) is the expected way to fail.
template <class F>
void expecting_input_errors(F&& body) {
  try {
    body();
  } catch (const InputError&) {
  }
}

/// The shipped scenarios (scenarios/*.yaml in name order), read once.
const std::vector<std::string>& shipped_scenarios() {
  static const std::vector<std::string> texts = [] {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(CGSIM_SOURCE_DIR) / "scenarios"))
      if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) {
      std::ifstream in(f);
      std::stringstream ss;
      ss << in.rdbuf();
      out.push_back(ss.str());
    }
    if (out.empty()) throw std::runtime_error("no scenarios/*.yaml under " CGSIM_SOURCE_DIR);
    return out;
  }();
  return texts;
}

/// Assignment cases larger than this are parsed but not assigned, so that one input cannot take
/// more than a fraction of a second (the assignors' own cost is measured by the benchmarks).
constexpr std::int64_t kMaxPartitionsToAssign = 2000;
constexpr std::size_t kMaxMembersToAssign = 200;

void assign_one(const nlohmann::json& j, const std::string& path) {
  using namespace models;
  using namespace models::assignors;
  const AssignCase c = parse_case(j, path);
  // What `assign` prints must read back as the same case.
  const AssignCase back = parse_case(case_to_json(c), path);
  if (case_to_json(back) != case_to_json(c)) throw std::logic_error("assign input: case_to_json does not round-trip");

  std::int64_t partitions = 0;
  for (const auto& t : c.cluster.topics) partitions += t.partitions;
  if (partitions > kMaxPartitionsToAssign || c.members.size() > kMaxMembersToAssign) return;
  const AssignorInfo* info = find_assignor_info(c.assignor, c.flavor);
  std::map<TopicPartition, std::string> owners;
  for (const auto& m : c.members)
    for (const auto& tp : m.owned) owners.emplace(tp, m.member_id);
  try {
    const AssignResult r = info->assign_detailed(c.cluster, c.members);
    (void)assignment_to_json(r.assignment, c.members);
    (void)balance_of(c.cluster, c.members, r.assignment);
    (void)count_moves(owners, r.assignment);
  } catch (const AssignorFailure&) {
    // The modelled assignor fails on this input as upstream does: `assign` reports it.
  }
}

/// A folder of this process for report_reader (in memory where possible), removed at exit.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    const char* base = std::getenv("TMPDIR");
    const fs::path root = fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::path(base && *base ? base : "/tmp");
    path = root / ("cgsim-fuzz-report-" + std::to_string(::getpid()));
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const fs::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path;
}

}  // namespace

void scenario_loader(std::string_view data) {
  expecting_input_errors([&] { (void)scenarios::load_scenario_text(std::string(data), "fuzz.yaml"); });
}

void set_overrides(std::string_view data) {
  const auto& texts = shipped_scenarios();
  std::size_t eol = data.find('\n');
  const std::string first(data.substr(0, eol));
  char* end = nullptr;
  const unsigned long n = std::strtoul(first.c_str(), &end, 10);
  const std::string& text = texts[(end != first.c_str() && *end == '\0' ? n : 0) % texts.size()];
  expecting_input_errors([&] {
    std::vector<scenarios::Override> overrides;
    while (eol != std::string_view::npos) {
      const std::size_t start = eol + 1;
      eol = data.find('\n', start);
      const std::string line(data.substr(start, eol == std::string_view::npos ? std::string_view::npos : eol - start));
      if (!line.empty()) overrides.push_back(scenarios::parse_override(line));
    }
    (void)scenarios::load_scenario_text(text, "scenario.yaml", overrides);
  });
}

void assign_input(std::string_view data) {
  expecting_input_errors([&] {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(data);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(std::string("invalid JSON: ") + e.what());  // as `assign` reports it
    }
    if (j.is_array()) {
      for (std::size_t i = 0; i < j.size(); ++i) assign_one(j[i], "[" + std::to_string(i) + "]");
    } else {
      assign_one(j, "");
    }
  });
}

void report_reader(std::string_view data) {
  static const char* const kFiles[] = {"summary.json", "lag.csv",   "group_lag.csv", "throughput.csv",
                                       "timeline.csv", "latency_cdf.csv", "sweep.json", "plan.json"};
  const fs::path& dir = scratch_dir();
  for (const auto& e : fs::directory_iterator(dir)) fs::remove_all(e.path());

  // Split at the "==> NAME <==" lines.
  std::map<std::string, std::string> files;
  std::string current = "summary.json";
  std::size_t pos = 0;
  while (pos <= data.size()) {
    std::size_t eol = data.find('\n', pos);
    const std::string_view line = data.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    if (line.size() > 8 && line.substr(0, 4) == "==> " && line.substr(line.size() - 4) == " <==") {
      current = std::string(line.substr(4, line.size() - 8));
      files[current];
    } else {
      std::string& f = files[current];
      f.append(line);
      if (eol != std::string_view::npos) f.push_back('\n');
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  for (const char* name : kFiles) {
    auto it = files.find(name);
    if (it == files.end()) continue;
    std::ofstream out(dir / name, std::ios::binary);
    out << it->second;
  }
  expecting_input_errors([&] {
    analysis::ReportOptions options;
    options.trace_file = (dir / "trace.json").string();
    (void)analysis::write_report(dir.string(), options);
  });
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all{{"scenario_loader", scenario_loader},
                                       {"set_overrides", set_overrides},
                                       {"assign_input", assign_input},
                                       {"report_reader", report_reader}};
  return all;
}

}  // namespace cgsim::fuzz
