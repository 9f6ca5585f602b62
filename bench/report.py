#!/usr/bin/env python3
"""Writes bench/results.md from the raw outputs bench/run.sh collected (Google Benchmark JSON files,
the SimPy comparison's JSON, the commands). Standard library only."""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess

# (label, benchmark file, benchmark name, counter, comparison, target value, how the target reads)
TARGETS = [
    ("Engine, hold model, 1k pending", "engine", "BM_Hold/1000", "events_per_s", ">=", 20e6, ">= 20M events/s"),
    ("Engine, hold model, 1M pending", "engine", "BM_Hold/1000000", "events_per_s", ">=", 3e6, ">= 3M events/s"),
    ("KG-1 faster than real time", "kg1", "BM_KG1", "x_real_time", ">=", 600, ">= 600x"),
    ("Batched consumption, exact per-record latency", "consume", "BM_BatchedConsumption", "records_per_s", ">=",
     100e6, ">= 100M records/s"),
    ("Scale run peak RSS", "scale", "BM_Scale", "peak_rss_MiB", "<", 2048, "< 2 GiB"),
]
UNITS = {"events_per_s": " events/s", "x_real_time": "x", "records_per_s": " records/s", "peak_rss_MiB": " MiB"}


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def machine():
    cpu = "unknown"
    for line in read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = ""
    m = re.search(r"MemTotal:\s+(\d+) kB", read("/proc/meminfo"))
    if m:
        mem = "%.1f GiB" % (int(m.group(1)) / 1024 / 1024)
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "kernel": platform.release()}


def git(*args):
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def source_commit(build):
    """The commit the build was configured from: a SNAPSHOT_COMMIT file in its source directory (an
    exported tree), else git in that directory."""
    m = re.search(r"CMAKE_HOME_DIRECTORY:INTERNAL=(.*)", read(os.path.join(build, "CMakeCache.txt")))
    src = m.group(1).strip() if m else "."
    snap = read(os.path.join(src, "SNAPSHOT_COMMIT")).strip()
    if snap:
        return snap + " (exported tree)"
    commit = git("-C", src, "rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown"
    # The reports themselves do not count: a previous run's report is rewritten by this one.
    status = git("-C", src, "status", "--porcelain", "--untracked-files=no") or ""
    dirty = [line for line in status.splitlines() if not line.split(None, 1)[-1].startswith("bench/results")]
    return commit + (" (with uncommitted changes)" if dirty else "")


def compiler(build):
    for root, _, files in os.walk(os.path.join(build, "CMakeFiles")):
        if "CMakeCXXCompiler.cmake" in files:
            text = read(os.path.join(root, "CMakeCXXCompiler.cmake"))
            cid = re.search(r'set\(CMAKE_CXX_COMPILER_ID "([^"]*)"\)', text)
            ver = re.search(r'set\(CMAKE_CXX_COMPILER_VERSION "([^"]*)"\)', text)
            return "%s %s" % (cid.group(1) if cid else "?", ver.group(1) if ver else "?")
    return "unknown"


def flags(build):
    """The optimisation flags of a Release build, with link-time optimisation when it is on."""
    cache = read(os.path.join(build, "CMakeCache.txt"))
    lto = re.search(r"^CGSIM_LTO:BOOL=(\w+)", cache, re.M)
    gnu = compiler(build).startswith("GNU")
    if lto and lto.group(1).upper() in ("ON", "TRUE", "1") and gnu:
        return "`-O2`, link-time optimisation (Release)"
    return "`-O2` (Release)"


def load_gb(raw, name):
    """{benchmark name: row}, preferring the median aggregate when repetitions ran."""
    text = read(os.path.join(raw, name + ".json"))
    if not text:
        return {}
    rows = {}
    for b in json.loads(text).get("benchmarks", []):
        base = b.get("run_name", b["name"])
        base = re.sub(r"/(iterations|repeats|min_time|manual_time|real_time)(:[^/]*)?", "", base)
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        if b.get("run_type") == "aggregate" or base not in rows:
            rows[base] = b
    return rows


def si(v, unit=""):
    if v is None:
        return "n/a"
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= factor:
            return "%.3g%s%s" % (v / factor, prefix, unit)
    return "%.3g%s" % (v, unit)


def find(rows, prefix):
    for name, row in rows.items():
        if name == prefix or name.startswith(prefix + "/") or name.startswith(prefix + "_"):
            return row
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", default="full")
    ap.add_argument("--build", default="build")
    ap.add_argument("--load-before", default="")
    ap.add_argument("--load-after", default="")
    ap.add_argument("--scale-duration", default="")
    a = ap.parse_args()

    gb = {n: load_gb(a.raw, n) for n in ("engine", "kg1", "consume", "scale")}
    simpy = json.loads(read(os.path.join(a.raw, "simpy.json"), "{}") or "{}")
    pypy = json.loads(read(os.path.join(a.raw, "simpy-pypy.json"), "{}") or "{}")
    # The SimPy model's runs, one per interpreter: (name, JSON).
    simpy_runs = [(r.get("python_implementation") or "Python " + r.get("python", "?"), r) for r in (simpy, pypy) if r]
    m = machine()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    L = []
    L.append("# Benchmark results")
    L.append("")
    if a.mode == "quick":
        L.append("**Quick run** (`bench/run.sh --quick`): every benchmark once with a tiny size, so that they "
                 "cannot rot. These figures are not measurements; see `bench/results.md` for those.")
        L.append("")
    L.append("Written by `bench/run.sh`. Rates are per CPU second of the (single-threaded) process, which equals "
             "the wall second on an idle machine and stays meaningful when other jobs share the cores; wall "
             "times are listed beside them. Medians of repetitions where stated.")
    L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append("| date | %s |" % now)
    L.append("| machine | %s cores (`nproc`), %s, %s RAM, Linux %s |" % (m["nproc"], m["cpu"], m["memory"], m["kernel"]))
    L.append("| load average (1, 5, 15 min) | before %s, after %s |" % (a.load_before, a.load_after))
    L.append("| commit | %s |" % source_commit(a.build))
    L.append("| compiler | %s, %s |" % (compiler(a.build), flags(a.build)))
    if simpy_runs:
        L.append("| SimPy | %s on %s |" % (simpy_runs[0][1].get("simpy_version", "?"), ", ".join(n for n, _ in simpy_runs)))
    L.append("")

    L.append("## Targets (issue 6)")
    L.append("")
    L.append("| target | required | measured | met | gap |")
    L.append("|---|---|---|---|---|")
    for label, f, name, counter, op, want, wanted in TARGETS:
        row = find(gb[f], name)
        v = row.get(counter) if row else None
        if v is None:
            L.append("| %s | %s | not run | | |" % (label, wanted))
            continue
        met = v >= want if op == ">=" else v < want
        gap = "" if met else ("needs %.1fx" % (want / v) if op == ">=" else "%.1fx over" % (v / want))
        extra = ""
        if f == "scale":
            extra = " (%.0f s simulated)" % row.get("simulated_s", 0)
            if met and row.get("simulated_s", 0) < 3600:
                # The target is for the hour: a shorter run says nothing certain about it.
                met = False
                gap = "not measured: the run was shorter than the hour"
        L.append("| %s | %s | %s%s%s | %s | %s |" % (label, wanted, si(v) if counter != "peak_rss_MiB" else "%.0f" % v,
                                                   UNITS[counter], extra, "yes" if met else "no", gap))
    for name, r in simpy_runs:
        # A figure, not a target: how much faster cgsim runs the same model than SimPy does.
        L.append("| KG-1 vs the SimPy model on %s (same events, checked: %s), both replaying the same arrival trace"
                 " | (reported) | %.1fx CPU (%.1fx wall), %s simulated; %.1fx CPU with cgsim generating its arrivals"
                 " | | |" % (name, "PASS" if r.get("check") else "FAIL", r.get("ratio_cpu", 0), r.get("ratio_wall", 0),
                             si(r.get("simulated_seconds"), " s"), r.get("ratio_cpu_generating", 0)))
    scale = find(gb["scale"], "BM_Scale")
    if scale and scale.get("simulated_s", 0) >= 3600:
        L.append("| Scale run, %.0f s simulated | (wall time reported) | %.1f wall minutes, %.1f CPU minutes | | |"
                 % (scale["simulated_s"], scale.get("wall_s", 0) / 60, scale.get("cpu_s", 0) / 60))
    elif scale and scale.get("simulated_s", 0) >= 30:
        hour = scale["cpu_s"] / scale["simulated_s"] * 3600
        L.append("| Scale run, 1 simulated hour | (wall time reported) | not run; about %.0f CPU minutes extrapolated"
                 " from %s simulated | | |" % (hour / 60, si(scale["simulated_s"], " s")))
    L.append("")

    L.append("## Engine (`engine_bench`)")
    L.append("")
    L.append("| benchmark | pending | events/s | time per event | allocations per event |")
    L.append("|---|---|---|---|---|")
    for name, row in gb["engine"].items():
        L.append("| %s | %s | %s | %.1f ns | %g |" % (name, si(row.get("pending")), si(row.get("events_per_s")),
                                                     row.get("s_per_event", 0) * 1e9, row.get("allocs_per_event", 0)))
    L.append("")

    L.append("## KG-1 (`kg1_bench`, `bench/kg1.yaml` through `analysis::simulate_full`)")
    L.append("")
    L.append("| run | events/s | simulated records/s | x real time | CPU ms | wall ms | peak RSS | events | consumed |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for name, row in gb["kg1"].items():
        L.append("| %s | %s | %s | %.0fx | %.0f | %.0f | %.1f MiB | %s | %s |" % (
            row.get("label", name), si(row.get("events_per_s")), si(row.get("records_per_s")), row.get("x_real_time", 0),
            row.get("cpu_time", 0), row.get("real_time", 0), row.get("peak_rss_MiB", 0), si(row.get("events")),
            si(row.get("consumed"))))
    L.append("")

    if simpy_runs:
        L.append("## KG-1 in SimPy (`bench/simpy/kg1.py`)")
        L.append("")
        L.append("The same model on SimPy's event queue, with the same incremental fetch view as cgsim's consumers, "
                 "run under %s. Both simulators replay the arrival trace of cgsim's own run (cgsim checks that "
                 "replaying gives the same results as generating); both executed %s events and the check (events, "
                 "consumed, duplicates, exact latency sums, per consumer, rebalances) %s. The last row of each table "
                 "times cgsim generating the arrivals itself (Poisson draws, Java partitioner), which SimPy does not do."
                 % (" and ".join(n for n, _ in simpy_runs), si(simpy_runs[0][1].get("events")),
                    "passed" if all(r.get("check") for _, r in simpy_runs) else "FAILED"))
        for name, r in simpy_runs:
            L.append("")
            L.append("### %s" % name)
            runs = r.get("cgsim_cpu_s_runs")
            if runs:
                gen = r.get("cgsim_generating_cpu_s_runs") or [0]
                L.append("")
                L.append("cgsim's CPU seconds are the median of %d runs, half timed before the SimPy run and half after "
                         "it (replaying: %.3f to %.3f; generating: %.3f to %.3f), so that both are measured at the "
                         "machine's average speed over the comparison." % (len(runs), min(runs), max(runs), min(gen), max(gen)))
            L.append("")
            L.append("| | cgsim (World::run) | SimPy | SimPy / cgsim |")
            L.append("|---|---|---|---|")
            L.append("| CPU seconds, both replaying | %.3f | %.3f | %.1fx |" % (r["cgsim_cpu_s"], r["simpy_cpu_s"], r["ratio_cpu"]))
            L.append("| wall seconds, both replaying | %.3f | %.3f | %.1fx |" % (r["cgsim_wall_s"], r["simpy_wall_s"], r["ratio_wall"]))
            if "cgsim_generating_cpu_s" in r:
                L.append("| CPU seconds, cgsim generating its arrivals | %.3f | %.3f | %.1fx |"
                         % (r["cgsim_generating_cpu_s"], r["simpy_cpu_s"], r["ratio_cpu_generating"]))
        work = simpy_runs[0][1].get("work")
        if work:
            cg_work = simpy_runs[0][1].get("cgsim_work") or {}
            L.append("")
            L.append("What the consumers' polls and fetches examined (the fetch view's work; the field names are "
                     "described in `bench/simpy/kg1.py`, class Work):")
            L.append("")
            L.append("| count | SimPy model | cgsim |")
            L.append("|---|---|---|")
            for key, value in work.items():
                L.append("| %s | %d | %s |" % (key, value, cg_work[key] if key in cg_work else "not counted"))
        L.append("")

    L.append("## Batched consumption (`consume_bench`)")
    L.append("")
    L.append("| benchmark (partitions/consumers/records) | simulated records/s | records per event | events/s |")
    L.append("|---|---|---|---|")
    for name, row in gb["consume"].items():
        L.append("| %s | %s | %.0f | %s |" % (name, si(row.get("records_per_s")), row.get("records_per_event", 0),
                                             si(row.get("events_per_s"))))
    L.append("")

    L.append("## Scale (`scale_bench`)")
    L.append("")
    if scale:
        L.append("| | |")
        L.append("|---|---|")
        L.append("| scenario | %s, 1M records/s in total, %.0f s simulated |" % (scale.get("label", ""), scale.get("simulated_s", 0)))
        L.append("| wall / CPU seconds | %.1f / %.1f |" % (scale.get("wall_s", 0), scale.get("cpu_s", 0)))
        L.append("| x real time (per CPU second) | %.2fx |" % scale.get("x_real_time", 0))
        L.append("| events/s, consumed records/s | %s, %s |" % (si(scale.get("events_per_s")), si(scale.get("records_per_s"))))
        L.append("| peak RSS | %.0f MiB |" % scale.get("peak_rss_MiB", 0))
        L.append("| events, produced, consumed | %s, %s, %s |" % (si(scale.get("events")), si(scale.get("produced")),
                                                              si(scale.get("consumed"))))
    L.append("")

    L.append("## Commands")
    L.append("")
    L.append("```")
    L.append("bash bench/run.sh%s   # runs all of the below" % (" --quick" if a.mode == "quick" else ""))
    for line in read(os.path.join(a.raw, "commands.txt")).splitlines():
        # The machine-readable copies go to a temporary directory: not part of the command to rerun.
        line = re.sub(r" --benchmark_out=\S+| --benchmark_out_format=json| --json \S+", "", line).strip()
        if line:
            L.append(line)
    L.append("```")
    L.append("")
    L.append("Console output of each run:")
    L.append("")
    order = ["engine", "kg1", "consume", "scale"]
    extra = sorted(f[:-4] for f in os.listdir(a.raw)
                   if f.endswith(".txt") and f != "commands.txt" and f[:-4] not in order + ["simpy", "simpy-pypy"])
    for n in order + extra + ["simpy", "simpy-pypy"]:
        text = read(os.path.join(a.raw, n + ".txt")).rstrip()
        if text:
            L.append("```")
            L.append(text)
            L.append("```")
            L.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(L).rstrip() + "\n")


if __name__ == "__main__":
    main()
