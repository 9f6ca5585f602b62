/// @file slurm_emit.cpp
/// The Slurm batch scripts of `--emit slurm DIR` (slurm_emit.hpp). Every path and argument in them
/// is absolute and shell-quoted, so they run from any working directory on any node that sees DIR.
#include "cli/slurm_emit.hpp"

#include <filesystem>
#include <system_error>

#include "analysis/output/atomic_file.hpp"
#include "models/common/error.hpp"

namespace cgsim::cli {

namespace fs = std::filesystem;

namespace {

/// A path an #SBATCH line can hold as it is: sbatch reads those lines without a shell.
void check_sbatch_path(const std::string& flag, const std::string& path) {
  for (char c : path) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '"' || c == '\'' || c == '\\' || c == '$' || c == '`' || c == '%') {
      throw InputError(flag + " " + escape_bytes(path) +
                       ": the path appears in #SBATCH lines, which take no quoting; expected one without spaces, "
                       "quotes, backslashes, $, ` or %");
    }
  }
}

std::string join_quoted(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += shell_quote(a) + " ";
  return s;
}

std::string sbatch_header(const SlurmJob& job, const std::string& name, bool array, unsigned cpus,
                          const std::string& log) {
  std::string h = "#!/bin/bash\n#SBATCH --job-name=" + name + "\n";
  if (array) h += "#SBATCH --array=0-" + std::to_string(job.shards - 1) + "\n";
  h += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=" + std::to_string(cpus) + "\n";
  if (!log.empty()) h += "#SBATCH --output=" + log + "\n";
  for (const auto& s : job.sbatch) h += "#SBATCH " + s + "\n";
  return h;
}

std::string write_script(const std::string& path, const std::string& text, bool executable) {
  analysis::AtomicFile f(path);
  f << text;
  f.commit();
  if (executable) {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add, ec);
    if (ec) throw WriteError(escape_bytes(path) + ": cannot make it executable: " + ec.message());
  }
  return path;
}

void make_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WriteError(escape_bytes(dir) + ": cannot create the directory: " + ec.message());
}

std::string self_path() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw InputError("--emit: cannot find this cgsim binary's path (/proc/self/exe): " + ec.message());
  return p.string();
}

}  // namespace

void add_emit_flags(CLI::App* cmd, EmitFlags& e) {
  cmd->add_option("--emit", e.emit,
                  "Do not run: write Slurm batch scripts into DIR that run the command as --shards array tasks "
                  "and merge them into --out (`--emit slurm DIR`; docs/cluster.md)")
      ->expected(2)
      ->type_name("slurm DIR");
  cmd->add_option("--shards", e.shards, "With --emit: the number of array tasks (shards)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}));
  cmd->add_option("--sbatch", e.sbatch,
                  "With --emit: an extra #SBATCH option for every batch script, e.g. --sbatch=--partition=batch "
                  "(repeatable)");
}

std::string shell_quote(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                       "0123456789_@%+=:,./-") == std::string::npos;
  if (plain) return s;
  // Double quotes, in which only $ ` " \ keep a meaning: each is escaped with a backslash.
  std::string q = "\"";
  for (char c : s) {
    if (c == '$' || c == '`' || c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (ec) throw InputError(escape_bytes(path) + ": cannot make the path absolute: " + ec.message());
  return p.lexically_normal().string();
}

SlurmJob slurm_job(const EmitFlags& e, const std::string& out, unsigned jobs, bool report, const std::string& shard) {
  if (e.emit.size() != 2 || e.emit[0] != "slurm") {
    throw InputError("--emit: expected `--emit slurm DIR` (slurm is the one scheduler written for)");
  }
  if (e.shards == 0) throw InputError("--emit: needs --shards N, the number of array tasks");
  if (!shard.empty()) throw InputError("--emit: the scripts give each task its --shard; leave --shard out");
  if (out.empty()) throw InputError("--emit: needs --out DIR, where the merge writes");
  SlurmJob job;
  job.dir = absolute_path(e.emit[1]);
  job.out = absolute_path(out);
  while (job.dir.size() > 1 && job.dir.back() == '/') job.dir.pop_back();
  while (job.out.size() > 1 && job.out.back() == '/') job.out.pop_back();
  check_sbatch_path("--emit", job.dir);
  job.cgsim = self_path();
  job.shards = e.shards;
  job.jobs = jobs == 0 ? 1 : jobs;
  job.report = report;
  for (const auto& s : e.sbatch) {
    if (s.empty() || s[0] != '-' || s.find('\n') != std::string::npos) {
      throw InputError("--sbatch " + escape_bytes(s) + ": expected one sbatch option, e.g. --sbatch=--partition=batch");
    }
  }
  job.sbatch = e.sbatch;
  return job;
}

std::vector<std::string> emit_slurm_sweep(const SlurmJob& job, const std::vector<std::string>& args) {
  make_dir(job.dir);
  const std::string N = std::to_string(job.shards), J = std::to_string(job.jobs);
  const std::string dir = shell_quote(job.dir), cgsim = shell_quote(job.cgsim);
  std::vector<std::string> written;

  std::string array = sbatch_header(job, "cgsim-sweep", true, job.jobs, job.dir + "/shard-%a.log");
  array += "# Task K of the array runs shard K of " + N + " of the sweep (docs/cluster.md).\n";
  array += "set -euo pipefail\n";
  array += "k=\"${SLURM_ARRAY_TASK_ID:?not a Slurm array task}\"\n";
  array += "exec " + cgsim + " sweep " + join_quoted(args) + "--shard \"${k}/" + N + "\" --jobs " + J +
           " --quiet --out " + dir + "/shard-\"${k}\"\n";
  written.push_back(write_script(job.dir + "/sweep-array.sbatch", array, false));

  std::string merge = sbatch_header(job, "cgsim-merge", false, 1, job.dir + "/merge.log");
  merge += "# Merges the " + N + " shards into what the unsharded sweep writes.\n";
  merge += "set -euo pipefail\n";
  merge += "dirs=()\n";
  merge += "for ((k = 0; k < " + N + "; k++)); do dirs+=(" + dir + "/shard-\"${k}\"); done\n";
  merge += "exec " + cgsim + " merge \"${dirs[@]}\" --out " + shell_quote(job.out) + (job.report ? " --report" : "") +
           " --quiet\n";
  written.push_back(write_script(job.dir + "/merge.sbatch", merge, false));

  std::string submit = "#!/bin/bash\n";
  submit += "# Submits the sweep's array, then its merge, which starts once every task succeeded (a failed\n";
  submit += "# task cancels it). Prints both job ids. Arguments go to the merge's sbatch: --wait returns\n";
  submit += "# when the merge ends, with its status. Re-run a failed task K with\n";
  submit += "# `sbatch --array=K " + job.dir + "/sweep-array.sbatch`, then `sbatch " + job.dir + "/merge.sbatch`.\n";
  submit += "set -euo pipefail\n";
  submit += "array=\"$(sbatch --parsable " + dir + "/sweep-array.sbatch)\"\n";
  submit += "array=\"${array%%;*}\"\n";
  submit += "echo \"array job ${array}: " + N + " tasks\" >&2\n";
  submit += "merge=\"$(sbatch --parsable --kill-on-invalid-dep=yes --dependency=\"afterok:${array}\" \"$@\" " + dir +
            "/merge.sbatch)\"\n";
  submit += "echo \"${array} ${merge%%;*}\"\n";
  written.push_back(write_script(job.dir + "/submit.sh", submit, true));
  return written;
}

std::vector<std::string> emit_slurm_plan(const SlurmJob& job, const std::vector<std::string>& args) {
  make_dir(job.dir);
  const std::string N = std::to_string(job.shards), J = std::to_string(job.jobs);
  const std::string dir = shell_quote(job.dir), cgsim = shell_quote(job.cgsim), out = shell_quote(job.out);
  std::vector<std::string> written;

  std::string round = sbatch_header(job, "cgsim-plan", true, job.jobs, "");
  round += "# One round of the plan (docs/cluster.md, \"Plans\"): `sbatch round.sbatch R`; task K runs shard K\n";
  round += "# of " + N + " of round R, after the rounds merged into plan-state.json.\n";
  round += "set -euo pipefail\n";
  round += "r=\"${1:?usage: sbatch round.sbatch ROUND}\"\n";
  round += "k=\"${SLURM_ARRAY_TASK_ID:?not a Slurm array task}\"\n";
  round += "state=()\n";
  round += "if ((r > 1)); then state=(--state " + out + "/plan-state.json); fi\n";
  round += "exec " + cgsim + " plan " + join_quoted(args) + "\"${state[@]}\" --shard \"${k}/" + N + "\" --jobs " + J +
           " --quiet --out " + dir + "/round-\"${r}\"/shard-\"${k}\"\n";
  written.push_back(write_script(job.dir + "/round.sbatch", round, false));

  std::string d = "#!/bin/bash\n";
  d += "# Runs the plan on Slurm round by round: submits round R's array and waits for it, merges its\n";
  d += "# shards into the output directory, and repeats until plan-state.json says the plan is complete;\n";
  d += "# the last merge writes what the unsharded plan writes. Run it where sbatch works (a login node).\n";
  d += "#   submit.sh [--max-rounds R (100)] [--round-timeout SECONDS (86400)]\n";
  d += "# Exit: the plan's status (0; 1 when some point has no configuration meeting the SLOs), 2 bad\n";
  d += "# usage, 3 a round's array failed or timed out (its logs: round-R-K.log here).\n";
  d += "set -euo pipefail\n";
  d += "max_rounds=100 round_timeout=86400\n";
  d += "while (($#)); do\n";
  d += "  case \"$1\" in\n";
  d += "    --max-rounds) max_rounds=\"${2:?--max-rounds R}\"; shift 2 ;;\n";
  d += "    --round-timeout) round_timeout=\"${2:?--round-timeout SECONDS}\"; shift 2 ;;\n";
  d += "    *) echo \"usage: $0 [--max-rounds R] [--round-timeout SECONDS]\" >&2; exit 2 ;;\n";
  d += "  esac\n";
  d += "done\n";
  d += "mkdir -p " + out + "\n";
  d += "rm -f " + out + "/plan-state.json\n";
  d += "for ((r = 1; r <= max_rounds; r++)); do\n";
  d += "  echo \"round ${r}: submitting " + N + " tasks\" >&2\n";
  d += "  if ! timeout \"$round_timeout\" sbatch --parsable --wait --job-name=\"cgsim-plan-r${r}\" \\\n";
  d += "      --output=" + dir + "/round-\"${r}\"-%a.log " + dir + "/round.sbatch \"$r\" >/dev/null; then\n";
  d += "    tail -n 5 " + dir + "/round-\"${r}\"-*.log >&2 || true\n";
  d += "    echo \"round ${r} failed or timed out; see " + job.dir + "/round-${r}-*.log\" >&2\n";
  d += "    exit 3\n";
  d += "  fi\n";
  d += "  dirs=()\n";
  d += "  for ((k = 0; k < " + N + "; k++)); do dirs+=(" + dir + "/round-\"${r}\"/shard-\"${k}\"); done\n";
  d += "  rc=0\n";
  d += "  " + cgsim + " merge \"${dirs[@]}\" --out " + out + (job.report ? " --report" : "") + " --quiet || rc=$?\n";
  d += "  if grep -q '\"complete\": true' " + out + "/plan-state.json 2>/dev/null; then\n";
  d += "    echo \"plan complete after ${r} rounds: outputs in " + job.out + "\" >&2\n";
  d += "    exit \"$rc\"\n";
  d += "  fi\n";
  d += "  if ((rc != 0)); then echo \"merging round ${r} failed (${rc})\" >&2; exit \"$rc\"; fi\n";
  d += "done\n";
  d += "echo \"no answer after ${max_rounds} rounds\" >&2\n";
  d += "exit 3\n";
  written.push_back(write_script(job.dir + "/submit.sh", d, true));
  return written;
}

}  // namespace cgsim::cli
