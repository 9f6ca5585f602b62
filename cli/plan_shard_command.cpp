/// @file plan_shard_command.cpp
/// Plans run round by round on a cluster (docs/cluster.md, "Plans"): `plan --shard K/N
/// [--state plan-state.json] --out DIR` runs one shard of the next round, `cgsim merge` adds the
/// round's shards to the state and, once no round is left, writes the plan's outputs.
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "analysis/metrics/format.hpp"
#include "analysis/output/atomic_file.hpp"
#include "analysis/output/output.hpp"
#include "cli/option_flags.hpp"
#include "cli/plan_command.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace {

/// Everything of @p o that defines the plan's units and their figures (compared at merge).
nlohmann::json plan_spec(const PlanCommandOptions& o) {
  return {{"slo", o.slo},       {"vary", o.vary},   {"set", o.set},
          {"failures", o.failures}, {"partitions", o.partitions}, {"consumers", o.consumers},
          {"group", o.group},   {"seeds", o.seeds}, {"latency_under_failure", o.latency_under_failure}};
}

PlanCommandOptions options_from_spec(const std::string& file, const nlohmann::json& spec) {
  PlanCommandOptions o;
  o.file = file;
  o.slo = spec.at("slo").get<std::vector<std::string>>();
  o.vary = spec.at("vary").get<std::vector<std::string>>();
  o.set = spec.at("set").get<std::vector<std::string>>();
  o.failures = spec.at("failures").get<int>();
  o.partitions = spec.at("partitions").get<std::string>();
  o.consumers = spec.at("consumers").get<std::string>();
  o.group = spec.at("group").get<std::string>();
  o.seeds = spec.at("seeds").get<std::size_t>();
  o.latency_under_failure = spec.at("latency_under_failure").get<bool>();
  return o;
}

/// The units of --state, after checking that it belongs to this plan.
nlohmann::json read_state(const PlanCommandOptions& o) {
  std::ifstream in(o.state, std::ios::binary);
  if (!in) throw InputError("--state " + escape_bytes(o.state) + ": cannot read it");
  std::stringstream b;
  b << in.rdbuf();
  nlohmann::json s = nlohmann::json::parse(b.str(), nullptr, false);
  const std::string where = "--state " + escape_bytes(o.state);
  if (!s.is_object() || s.value("kind", "") != "cgsim-plan-state" || !s.contains("units") || !s["units"].is_object()) {
    throw InputError(where + ": not a plan state (expected plan-state.json written by cgsim merge)");
  }
  if (s.value("cgsim_version", "") != analysis::kCgsimVersion) {
    throw InputError(where + ": written by cgsim " + escape_bytes(s.value("cgsim_version", "?")) + ", this is cgsim " +
                     analysis::kCgsimVersion);
  }
  if (s.value("scenario_hash", "") != analysis::file_hash(o.file) || s.value("scenario_file", "") != o.file) {
    throw InputError(where + ": made for scenario " + escape_bytes(s.value("scenario_file", "?")) + " (" +
                     s.value("scenario_hash", "?") + "), not " + escape_bytes(o.file) + " (" + analysis::file_hash(o.file) + ")");
  }
  if (s.value("spec", nlohmann::json()) != plan_spec(o)) {
    throw InputError(where + ": made for other plan options: " + s.value("spec", nlohmann::json()).dump() + " vs " +
                     plan_spec(o).dump());
  }
  return s.at("units");
}

/// The hash of the merged rounds a shard starts from: a shard's shard.json carries it and
/// --check-state prints it, so that a driver can tell a shard of this state from a stale one.
std::string state_hash(const analysis::PlanRounds& rounds) { return analysis::text_hash(rounds.known.dump()); }

}  // namespace

int run_plan_shard(const PlanCommandOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.out.empty()) throw InputError("--shard: needs --out DIR for the partial result");
  if (o.report || !o.trace.empty() || o.json) {
    throw InputError("--shard: --report, --trace and --json are not written by a shard; give --report to cgsim merge");
  }
  analysis::PlanRounds rounds;
  rounds.shard = with_flag_names([&] { return analysis::parse_shard(o.shard); });
  const analysis::PlanOptions po = with_flag_names([&] { return any_plan_options(o); });
  if (!o.state.empty()) rounds.known = read_state(o);
  with_flag_names([&] { return run_any_plan(po, &rounds); });
  if (rounds.pending_round == 0) {
    throw InputError("--state " + escape_bytes(o.state) +
                     ": the plan is complete, no round is left to run (cgsim merge wrote its outputs)");
  }
  const nlohmann::json spec{{"plan", plan_spec(o)},
                            {"round", rounds.pending_round},
                            {"state_hash", state_hash(rounds)}};
  nlohmann::json doc;
  doc["manifest"] = analysis::shard_manifest("plan", o.file, spec, *rounds.shard, rounds.pending_units.size(), rounds.ran);
  doc["round_units"] = rounds.pending_units;
  doc["state"] = rounds.known;
  doc["units"] = rounds.ran_figures;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  analysis::write_shard_dir(o.out, doc, wall);
  if (!o.quiet) {
    std::cout << "plan round " << rounds.pending_round << ", shard " << rounds.shard->text() << ": " << rounds.ran.size()
              << " of " << rounds.pending_units.size() << " units in " << analysis::format_number(std::round(wall * 10) / 10)
              << " s; partial result written to " << o.out << "/shard.json\n";
  }
  return kExitOk;
}

int check_plan_state(const PlanCommandOptions& o) {
  if (!o.shard.empty() || o.emit.given() || !o.out.empty() || o.report || o.json || !o.trace.empty()) {
    throw InputError("--check-state: only checks --state and prints where it leaves the plan; leave out --shard, "
                     "--emit, --out, --report, --json and --trace");
  }
  analysis::PlanOptions po = with_flag_names([&] { return any_plan_options(o); });
  po.progress = false;
  analysis::PlanRounds rounds;
  if (!o.state.empty()) rounds.known = read_state(o);
  // Without a shard the replay runs nothing: it stops at the first round the state does not cover.
  const analysis::PlanResult r = with_flag_names([&] { return run_any_plan(po, &rounds); });
  if (rounds.pending_round == 0) {
    std::cout << "complete " << (r.ok() ? kExitOk : kExitMismatch) << "\n";
  } else {
    std::cout << "next " << rounds.pending_round << " " << state_hash(rounds) << "\n";
  }
  return kExitOk;
}

int merge_plan_shards(const std::vector<analysis::ShardDir>& shards, const std::string& out, bool report, bool quiet,
                      unsigned jobs) {
  const auto& first = shards.front().doc;
  const auto& m = first.at("manifest");
  PlanCommandOptions o;
  nlohmann::json known;
  int round = 0;
  try {
    o = options_from_spec(m.at("scenario_file").get<std::string>(), m.at("spec").at("plan"));
    round = m.at("spec").at("round").get<int>();
    known = first.at("state");
    const auto names = first.at("round_units").get<std::vector<std::string>>();
    for (const auto& s : shards) {
      for (std::size_t u : analysis::covered_units(s.doc.at("manifest"))) {
        if (u >= names.size() || !s.doc.at("units").contains(names[u])) throw InputError(s.dir);
        known[names[u]] = s.doc.at("units").at(names[u]);
      }
    }
  } catch (const std::exception& e) {
    throw InputError("merge: malformed plan shard (" + escape_bytes(e.what()) +
                     "): expected spec.plan, spec.round, round_units, state and one figure record per covered unit");
  }
  // The merge replays the plan from the scenario (the analytic bracket, the recommended run):
  // the file must still be the one the shards ran.
  if (analysis::file_hash(o.file) != m.at("scenario_hash").get<std::string>()) {
    throw InputError("merge: " + escape_bytes(o.file) + " has changed since the shards ran (" + analysis::file_hash(o.file) +
                     ", shards " + m.at("scenario_hash").get<std::string>() + "); a plan merge reads the scenario file");
  }
  o.out = out;
  o.report = report;
  o.quiet = quiet;
  o.jobs = jobs;
  analysis::PlanOptions po = with_flag_names([&] { return any_plan_options(o); });
  po.progress = false;
  // The shards checked the cost of the runs they started; the merge does not estimate again.
  po.budget.max_events = std::numeric_limits<double>::infinity();
  po.budget.max_bytes = std::numeric_limits<double>::infinity();
  analysis::PlanRounds rounds;
  rounds.known = known;
  const analysis::PlanResult r = with_flag_names([&] { return run_any_plan(po, &rounds); });
  if (rounds.pending_round != 0 && rounds.pending_round <= round) {
    throw InputError("merge: round " + std::to_string(rounds.pending_round) + " is incomplete after merging round " +
                     std::to_string(round) + " (the shards do not cover it)");
  }
  nlohmann::json state{{"kind", "cgsim-plan-state"},
                       {"cgsim_version", analysis::kCgsimVersion},
                       {"scenario_file", o.file},
                       {"scenario_hash", m.at("scenario_hash")},
                       {"spec", m.at("spec").at("plan")},
                       {"rounds_done", round},
                       {"complete", rounds.pending_round == 0},
                       {"next_round", rounds.pending_round},
                       {"next_round_units", rounds.pending_units.size()},
                       {"units", known}};
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw WriteError(escape_bytes(out) + ": cannot create output directory: " + ec.message());
  if (rounds.pending_round == 0) {
    // The plan's outputs first: a state that says complete has them beside it, and a merge stopped
    // before then is simply run again.
    const int status = finish_any_plan(o, po, r);
    analysis::write_file_atomically(out + "/plan-state.json", state.dump(1) + "\n");
    return status;
  }
  analysis::write_file_atomically(out + "/plan-state.json", state.dump(1) + "\n");
  if (!quiet) {
    std::cout << "plan round " << round << " merged from " << shards.size() << " shards; round " << rounds.pending_round
              << " has " << rounds.pending_units.size() << " units: run `cgsim plan ... --state " << out
              << "/plan-state.json --shard K/N --out DIR` for every K, then merge those directories\n";
  }
  return kExitOk;
}

}  // namespace cgsim::cli
