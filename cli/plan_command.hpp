#pragma once
/// @file plan_command.hpp
/// `cgsim plan`'s options and outputs, shared by the command, its sharded rounds
/// (plan_shard_command.cpp) and `cgsim merge`.
#include <string>
#include <vector>

#include "analysis/experiments/plan.hpp"
#include "analysis/experiments/shard.hpp"
#include "cli/budget_flags.hpp"
#include "cli/slurm_emit.hpp"

namespace cgsim::cli {

struct PlanCommandOptions {
  std::string file;
  std::vector<std::string> slo;
  std::vector<std::string> vary;
  std::vector<std::string> set;
  int failures = -1;
  std::string partitions;
  std::string consumers;
  std::string group;
  std::size_t seeds = 1;
  unsigned jobs = 0;
  std::string out;
  std::string trace;
  bool report = false;
  bool quiet = false;
  bool json = false;
  bool latency_under_failure = false;
  std::string shard;  ///< "K/N": run one shard of the next round
  std::string state;  ///< plan-state.json of the rounds run so far
  bool check_state = false;  ///< print where --state leaves the plan instead of running
  BudgetFlags budget;
  EmitFlags emit;
};

/// The analysis options of @p o; throws InputError naming the flags.
analysis::PlanOptions plan_options(const PlanCommandOptions& o);

/// plan_options() for a scenario of any broker family (RabbitMQ and Pulsar plans take their own SLOs).
analysis::PlanOptions any_plan_options(const PlanCommandOptions& o);

/// run_plan() or, for a RabbitMQ or Pulsar scenario, run_family_plan().
analysis::PlanResult run_any_plan(const analysis::PlanOptions& po, analysis::PlanRounds* rounds);

/// finish_plan() for a scenario of any broker family.
int finish_any_plan(const PlanCommandOptions& o, const analysis::PlanOptions& po, const analysis::PlanResult& r);

/// Writes what `cgsim plan` writes for the finished plan @p r (--out, --trace, --report, --json,
/// the table) and returns its exit code (1 when some point has no configuration meeting the SLOs).
int finish_plan(const PlanCommandOptions& o, const analysis::PlanOptions& po, const analysis::PlanResult& r);

/// `plan --shard K/N [--state FILE] --out DIR`: runs the shard's slice of the plan's next round.
int run_plan_shard(const PlanCommandOptions& o);

/// `plan [--state FILE] --check-state`: checks that FILE belongs to this plan (InputError otherwise)
/// and prints one line for a driver script: `next ROUND STATE_HASH` (the round a shard would run
/// and the state_hash its shard.json would carry) or `complete STATUS` (the plan's exit code).
int check_plan_state(const PlanCommandOptions& o);

/// `cgsim merge` of plan shards (after check_shards()): adds the round to the state and writes
/// OUT/plan-state.json; when the plan is then complete, also the outputs `cgsim plan --out OUT`
/// writes. Returns the exit code.
int merge_plan_shards(const std::vector<analysis::ShardDir>& shards, const std::string& out, bool report, bool quiet,
                      unsigned jobs);

}  // namespace cgsim::cli
