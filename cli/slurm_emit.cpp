/// @file slurm_emit.cpp
/// The Slurm batch scripts of `--emit slurm DIR` (slurm_emit.hpp). Every path and argument in them
/// is absolute and shell-quoted, so they run from any working directory on any node that sees DIR.
#include "cli/slurm_emit.hpp"

#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

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

/// @p text with every placeholder of @p fill replaced by its value, in one pass (a value is never
/// scanned again).
std::string fill_placeholders(const std::string& text, const std::vector<std::pair<std::string, std::string>>& fill) {
  std::string s;
  for (std::size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [key, value] : fill) {
      if (text.compare(i, key.size(), key) == 0) {
        s += value;
        i += key.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) s += text[i++];
  }
  return s;
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

  // The round driver; @NAME@ placeholders are replaced below.
  std::string d = R"sh(#!/bin/bash
# Runs the plan on Slurm round by round: submits round R's array and waits for it, merges its
# shards into the output directory, and repeats until plan-state.json says the plan is complete;
# the last merge writes what the unsharded plan writes. Run it where sbatch works (a login node).
#   submit.sh [--resume] [--max-rounds R (100)] [--round-timeout SECONDS (86400)]
# Without --resume the plan starts afresh. --resume goes on from the rounds merged into
# plan-state.json (refused, exit 2, when it belongs to another plan): it waits for the next
# round's array if it is still queued or running, submits only the shards whose shard.json is
# missing or from another state, merges, and goes on; for a complete plan it submits nothing.
# Exit: the plan's status (0; 1 when some point has no configuration meeting the SLOs), 2 bad
# usage or a state of another plan, 3 a round's array failed or timed out (its logs:
# round-R-K.log here); after a failure or an interruption it prints the command that resumes.
set -euo pipefail
max_rounds=100 round_timeout=86400 resume=0
while (($#)); do
  case "$1" in
    --resume) resume=1; shift ;;
    --max-rounds) max_rounds="${2:?--max-rounds R}"; shift 2 ;;
    --round-timeout) round_timeout="${2:?--round-timeout SECONDS}"; shift 2 ;;
    *) echo "usage: $0 [--resume] [--max-rounds R] [--round-timeout SECONDS]" >&2; exit 2 ;;
  esac
done
if ! [[ "$max_rounds" =~ ^[0-9]+$ && "$round_timeout" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 [--resume] [--max-rounds R] [--round-timeout SECONDS]" >&2; exit 2
fi
stop() {  # stop STATUS MESSAGE: exits after naming the command that resumes
  echo "$2" >&2
  echo "resume with: bash $(printf '%q' @SELF@) --resume --max-rounds ${max_rounds} --round-timeout ${round_timeout}" >&2
  exit "$1"
}
trap 'stop 130 "interrupted (a submitted array keeps running)"' INT
trap 'stop 143 "terminated (a submitted array keeps running)"' TERM
# Round R's array is named cgsim-plan-TAG-rR, TAG a checksum of this directory, so the arrays of
# another plan directory never match.
tag="$(printf '%s' @DIR@ | cksum | cut -d ' ' -f 1)"
mkdir -p @OUT@
state=()
if ((resume)); then
  if [[ -e @OUT@/plan-state.json ]]; then state=(--state @OUT@/plan-state.json); fi
else
  rm -f @OUT@/plan-state.json
  rm -rf @DIR@/round-[0-9]*
fi
first=1 last=0
while :; do
  # Where the state leaves the plan: `next ROUND STATE_HASH` or `complete STATUS`.
  rc=0
  info="$(@CGSIM@ plan @ARGS@"${state[@]}" --check-state)" || rc=$?
  if ((rc != 0)); then
    if ((${#state[@]})); then echo "cannot go on from @OUTTEXT@/plan-state.json (above); start afresh without --resume" >&2; fi
    exit "$rc"
  fi
  read -r what r hash <<<"$info"
  if [[ "$what" == complete ]]; then
    if ((last)); then
      echo "plan complete after round ${last}: outputs in @OUTTEXT@" >&2
    else
      echo "the plan is already complete: outputs in @OUTTEXT@; nothing submitted" >&2
    fi
    exit "$r"  # the plan's status
  fi
  ((r <= max_rounds)) || stop 3 "no answer after ${max_rounds} rounds"
  name="cgsim-plan-${tag}-r${r}"
  start=$SECONDS
  if ((resume && first)); then
    while :; do
      queued="$(squeue -h -u "$(id -un)" -n "$name" -o %A)" || stop 3 "squeue failed"
      [[ -z "$queued" ]] && break
      ((SECONDS - start < round_timeout)) || stop 3 "round ${r}'s array ${name} still runs after ${round_timeout} s"
      echo "round ${r}: waiting for array job ${queued%%[[:space:]]*} (${name}), still queued or running" >&2
      sleep 5
    done
  fi
  first=0
  missing=()
  for ((k = 0; k < @N@; k++)); do
    f=@DIR@/round-"${r}"/shard-"${k}"/shard.json
    if ! { [[ -s "$f" ]] && grep -qx "   \"state_hash\": \"${hash}\"" "$f" && grep -qx "   \"round\": ${r}," "$f"; }; then
      missing+=("$k")
    fi
  done
  if ((${#missing[@]})); then
    echo "round ${r}: submitting ${#missing[@]} of @N@ tasks" >&2
    list="$(IFS=,; echo "${missing[*]}")"
    left=$((round_timeout - (SECONDS - start)))
    ((left > 0)) || left=1
    timeout "$left" sbatch --parsable --wait --array="$list" --job-name="$name" \
      --output=@DIR@/round-"${r}"-%a.log @DIR@/round.sbatch "$r" >/dev/null &
    if ! wait "$!"; then
      tail -n 5 @DIR@/round-"${r}"-*.log >&2 || true
      stop 3 "round ${r} failed or timed out; see @DIRTEXT@/round-${r}-*.log"
    fi
  else
    echo "round ${r}: every shard has its output" >&2
  fi
  dirs=()
  for ((k = 0; k < @N@; k++)); do dirs+=(@DIR@/round-"${r}"/shard-"${k}"); done
  rc=0
  @CGSIM@ merge "${dirs[@]}" --out @OUT@@REPORT@ --quiet || rc=$?
  ((rc <= 1)) || stop "$rc" "merging round ${r} failed (${rc})"
  state=(--state @OUT@/plan-state.json)
  last=$r
done
)sh";
  const std::vector<std::pair<std::string, std::string>> fill{
      {"@SELF@", shell_quote(job.dir + "/submit.sh")}, {"@DIRTEXT@", job.dir}, {"@OUTTEXT@", job.out},
      {"@DIR@", dir},   {"@OUT@", out},   {"@CGSIM@", cgsim},   {"@ARGS@", join_quoted(args)},
      {"@N@", N},       {"@REPORT@", job.report ? " --report" : ""}};
  d = fill_placeholders(d, fill);
  written.push_back(write_script(job.dir + "/submit.sh", d, true));
  return written;
}

}  // namespace cgsim::cli
