/// @file assign_command.cpp
/// `cgsim assign`: run a partition assignor on a JSON description of a group and report the
/// assignment with its balance, moves and withheld partitions; with `--churn N` replay N random
/// membership changes and compare every assignor with the optimum at each step.
#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/budget_flags.hpp"
#include "cli/commands.hpp"
#include "cli/flag_checks.hpp"
#include "models/kafka/assignors/tools/churn.hpp"
#include "models/kafka/assignors/tools/json_io.hpp"
#include "models/kafka/assignors/tools/optimum.hpp"
#include "models/kafka/assignors/tools/random_cases.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace {

using nlohmann::ordered_json;
using namespace cgsim::models;
using namespace cgsim::models::assignors;

struct AssignArgs {
  std::string file;
  std::string assignor;
  std::string client;
  int churn = -1;
  std::uint64_t seed = 1;
  bool compact = false;
  BudgetFlags budget;
};

std::string read_input(const std::string& file) {
  if (file.empty() || file == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw cgsim::InputError(file + ": is a directory, expected an assignment input file (JSON)");
  }
  std::ifstream in(file);
  if (!in) throw cgsim::InputError(file + ": cannot open the assignment input");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json parse_json(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of range (1e999)
    throw cgsim::InputError(source + ": invalid JSON: " + e.what());
  }
}

void apply_overrides(nlohmann::json& j, const AssignArgs& args) {
  if (!j.is_object()) return;
  if (!args.assignor.empty()) j["assignor"] = args.assignor;
  if (!args.client.empty()) j["client"] = args.client;
}

ordered_json partitions_json(const std::vector<TopicPartition>& list) {
  ordered_json out = ordered_json::array();
  for (const auto& tp : list) out.push_back(partition_name(tp));
  return out;
}

/// One case: the assignment and its metrics.
ordered_json run_case(const AssignCase& c) {
  const AssignorInfo* info = find_assignor_info(c.assignor, c.flavor);
  ordered_json out;
  out["assignor"] = c.assignor;
  out["client"] = c.flavor == ClientFlavor::Librdkafka ? "librdkafka" : "java";
  std::map<TopicPartition, std::string> owners;
  for (const auto& m : c.members)
    for (const auto& tp : m.owned) owners.emplace(tp, m.member_id);
  try {
    const AssignResult r = info->assign_detailed(c.cluster, c.members);
    out["assignment"] = assignment_to_json(r.assignment, c.members);
    if (info->cooperative) out["withheld"] = partitions_json(r.withheld);
    ordered_json metrics;
    metrics["balance"] = balance_of(c.cluster, c.members, r.assignment);
    metrics["moved"] = count_moves(owners, r.assignment);
    if (info->cooperative) metrics["withheld"] = r.withheld.size();
    std::size_t total = 0;
    for (const auto& [m, l] : r.assignment) total += l.size();
    metrics["assigned"] = total;
    out["metrics"] = std::move(metrics);
  } catch (const AssignorNonTermination& e) {
    out["error"] = e.what();
    out["terminates"] = false;
  } catch (const AssignorFailure& e) {
    out["error"] = e.what();
  }
  return out;
}

ordered_json churn_json(const AssignCase& initial, const ChurnReport& r, const AssignArgs& args) {
  ordered_json out;
  out["client"] = initial.flavor == ClientFlavor::Librdkafka ? "librdkafka" : "java";
  out["seed"] = args.seed;
  out["steps"] = args.churn;
  out["initial"] = case_to_json(initial);
  out["assignors"] = r.assignors;
  ordered_json steps = ordered_json::array();
  for (const auto& s : r.steps) {
    ordered_json sj;
    sj["step"] = s.step;
    sj["change"] = s.change;
    if (!s.member.empty()) sj["member"] = s.member;
    sj["members"] = s.members;
    ordered_json results;
    for (std::size_t a = 0; a < r.assignors.size(); ++a) {
      const auto& m = s.results[a];
      ordered_json mj;
      mj["balance"] = m.balance;
      mj["moves"] = m.moves;
      mj["rounds"] = m.rounds;
      mj["withheld"] = m.withheld;
      mj["optimum_balance"] = m.optimum_balance;
      mj["optimum_moves"] = m.optimum_moves;
      mj["excess_moves"] = m.moves - m.optimum_moves;
      if (m.error) mj["error"] = *m.error;
      if (m.unterminated) mj["case"] = case_to_json(*m.unterminated);  // replays with `cgsim assign`
      results[r.assignors[a]] = std::move(mj);
    }
    sj["results"] = std::move(results);
    steps.push_back(std::move(sj));
  }
  out["per_step"] = std::move(steps);
  ordered_json total;
  for (std::size_t a = 0; a < r.assignors.size(); ++a) {
    const auto& t = r.totals[a];
    ordered_json tj;
    tj["moves"] = t.moves;
    tj["optimum_moves"] = t.optimum_moves;
    tj["excess_moves"] = t.moves - t.optimum_moves;
    tj["rounds"] = t.rounds;
    tj["withheld"] = t.withheld;
    tj["mean_balance"] = t.mean_balance;
    tj["max_balance"] = t.max_balance;
    tj["failures"] = t.failures;
    total[r.assignors[a]] = std::move(tj);
  }
  out["total"] = std::move(total);
  return out;
}

int run_assign(const AssignArgs& args) {
  ordered_json out;
  if (args.churn >= 0) {
    AssignCase initial;
    if (args.file.empty()) {
      cgsim::sim::Rng rng(args.seed, "assign-churn-initial");
      initial = random_case(rng, args.assignor.empty() ? "range" : args.assignor);
      if (args.client == "librdkafka") initial.flavor = ClientFlavor::Librdkafka;
      for (auto& m : initial.members) {
        m.owned.clear();
        m.generation = -1;
      }
    } else {
      nlohmann::json j = parse_json(read_input(args.file), args.file);
      if (!j.is_object()) throw cgsim::InputError(args.file + ": --churn needs a single case (a JSON object)");
      if (!j.contains("assignor")) j["assignor"] = args.assignor.empty() ? "range" : args.assignor;
      apply_overrides(j, args);
      initial = parse_case(j);
    }
    // Every step runs every assignor and the optimum and keeps its report: refuse a churn beyond
    // the budget before starting it.
    double partitions = 0;
    for (const auto& t : initial.cluster.topics) partitions += t.partitions;
    cgsim::analysis::check_budget(
        cgsim::analysis::estimate_churn_cost(args.churn, static_cast<double>(initial.members.size()), partitions),
        args.budget.budget, "--churn " + std::to_string(args.churn));
    ChurnOptions options;
    options.steps = args.churn;
    options.seed = args.seed;
    if (!args.assignor.empty()) options.assignors = {args.assignor};
    out = churn_json(initial, run_churn(initial, options), args);
  } else {
    const std::string source = args.file.empty() || args.file == "-" ? "<stdin>" : args.file;
    nlohmann::json j = parse_json(read_input(args.file), source);
    if (j.is_array()) {
      out = ordered_json::array();
      for (std::size_t i = 0; i < j.size(); ++i) {
        apply_overrides(j[i], args);
        out.push_back(run_case(parse_case(j[i], "[" + std::to_string(i) + "]")));
      }
    } else {
      apply_overrides(j, args);
      out = run_case(parse_case(j));
    }
  }
  std::cout << (args.compact ? out.dump() : out.dump(2)) << "\n";
  // An assignor that would never return is a finding with its own exit code, after the output.
  const auto loops = [](const ordered_json& c) { return c.is_object() && c.contains("terminates"); };
  bool any = args.churn < 0 && (out.is_array() ? std::any_of(out.begin(), out.end(), loops) : loops(out));
  return any ? cgsim::kExitNonTermination : cgsim::kExitOk;
}

}  // namespace

Command add_assign_command(CLI::App& app) {
  auto args = std::make_shared<AssignArgs>();
  CLI::App* sub = app.add_subcommand(
      "assign",
      "Run a partition assignor on a JSON group description (a case or an array of cases) and print the "
      "assignment with balance, moves and withheld partitions; with --churn, replay random membership changes "
      "and compare every assignor with the optimum");
  sub->add_option("file", args->file, "JSON input file; '-' or omitted reads stdin (with --churn: a random group)");
  sub->add_option("--assignor", args->assignor, "Assignor to use, overriding the input's \"assignor\"");
  sub->add_option("--client", args->client, "Client flavour, overriding the input's \"client\"")
      ->check(CLI::IsMember({"java", "librdkafka"}));
  sub->add_option("--churn", args->churn, "Apply this many random membership changes and report each rebalance")
      ->check(integer_in(0, INT_MAX));
  sub->add_option("--seed", args->seed, "Seed of the churn sequence (and of the random initial group)");
  sub->add_flag("--compact", args->compact, "Print the JSON on one line");
  add_budget_flags(sub, args->budget, false);
  return {sub, [args] { return run_assign(*args); }};
}

}  // namespace cgsim::cli
