#pragma once
/// @file slurm_emit.hpp
/// `sweep ... --emit slurm DIR --shards N` and `plan ... --emit slurm DIR --shards N`: instead of
/// running, write the Slurm batch scripts that run the command as N array tasks and merge them
/// (docs/cluster.md, "Slurm"). The scripts call this cgsim binary by its absolute path with the
/// command's arguments, each shell-quoted, the scenario path made absolute.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace cgsim::cli {

/// The flags --emit, --shards and --sbatch, as given.
struct EmitFlags {
  std::vector<std::string> emit;    ///< {"slurm", DIR}
  std::size_t shards = 0;           ///< N; 0 when not given
  std::vector<std::string> sbatch;  ///< extra #SBATCH options, e.g. --partition=batch
  bool given() const { return !emit.empty(); }
};

/// Adds --emit, --shards and --sbatch to @p cmd.
void add_emit_flags(CLI::App* cmd, EmitFlags& e);

/// What the scripts need, resolved from the flags and the command's own options.
struct SlurmJob {
  std::string dir;       ///< absolute: the scripts, the task logs and the shard directories
  std::string out;       ///< absolute: where the merge writes
  std::string cgsim;     ///< absolute path of this binary
  std::size_t shards = 1;
  unsigned jobs = 1;     ///< threads per task (= --cpus-per-task)
  bool report = false;   ///< the merge also writes the report
  std::vector<std::string> sbatch;
};

/// Checks the flags (--emit slurm DIR, --shards N given, no --shard) and resolves the paths.
/// Throws InputError naming the flag.
SlurmJob slurm_job(const EmitFlags& e, const std::string& out, unsigned jobs, bool report, const std::string& shard);

/// @p s quoted for bash: unchanged when it holds only characters the shell leaves alone, else in
/// double quotes with $ ` " and \ escaped by a backslash.
std::string shell_quote(const std::string& s);

/// The scenario path as the scripts give it: absolute, normalised.
std::string absolute_path(const std::string& path);

/// Writes DIR/sweep-array.sbatch (task K: `cgsim sweep ARGS --shard K/N --out DIR/shard-K`),
/// DIR/merge.sbatch (`cgsim merge DIR/shard-0 ... --out OUT`) and DIR/submit.sh, which submits
/// the array and then the merge with --dependency=afterok:<array>. @p args: the sweep's
/// arguments after `sweep` (scenario first). Returns the paths written.
std::vector<std::string> emit_slurm_sweep(const SlurmJob& job, const std::vector<std::string>& args);

/// Writes DIR/round.sbatch (argument R; task K: `cgsim plan ARGS [--state OUT/plan-state.json]
/// --shard K/N --out DIR/round-R/shard-K`) and DIR/submit.sh, the round driver: it submits round
/// R's array and waits for it, merges the round into OUT, and repeats until plan-state.json says
/// the plan is complete, then exits with the plan's status; `submit.sh --resume` goes on from the
/// rounds plan-state.json holds, submitting only the shards without output. Returns the paths
/// written.
std::vector<std::string> emit_slurm_plan(const SlurmJob& job, const std::vector<std::string>& args);

}  // namespace cgsim::cli
