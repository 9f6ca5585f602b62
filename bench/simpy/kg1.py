#!/usr/bin/env python3
"""KG-1 in SimPy: the same consumer-group model as cgsim, at the same event granularity, driven by
the arrival trace cgsim's own run produced, timed side by side and checked record for record.

    kg1.py --driver build/bench/kg1_trace [--scenario bench/kg1.yaml] [--duration 600s]
           [--workdir DIR] [--json FILE] [--repeat N]

The driver (bench/kg1_trace.cpp) runs the scenario on cgsim, writes the trace of every appended
record (append time, partition), the model's parameters and cgsim's results, then runs cgsim again
replaying that trace (checked to give the same results). This script replays the trace through the
model below on SimPy's event queue, then prints the times and their ratios (like for like: both
replaying the trace; and cgsim generating its arrivals itself), and the check: events executed, records consumed and duplicated (in total and per consumer), the
exact integer sum of end-to-end latencies over first processings, and the rebalances (start, end,
generation, trigger), then the fetch view's work counts (and checks them against cgsim's when the
driver reports them). Exit status 1 when any of them differs, 2 on a usage or driver error; times
are reported, never asserted.

A run of cgsim takes about a second, SimPy's about a minute, and this machine's speed drifts over
minutes: cgsim is timed N times (--repeat, default 3) before the SimPy run and N times after it,
and its time is the median of those 2N runs, so that the ratio compares both at the same average
speed of the machine. The spread of the 2N runs is printed too.

What "the same model" means
---------------------------
The model is in kg1_engine.py (event queue, logs, production), kg1_coordinator.py (the classic
group coordinator, range assignment) and kg1_consumer.py (the consumer); this file runs and checks it.
A port of models/kafka/ (the classic group coordinator and the consumer client: Kafka's classic
group protocol, eager rebalancing, the Java consumer's poll loop) restricted to what KG-1 uses: one topic, one group, dynamic members, the range assignor,
auto-commit, a constant processing time, join and crash faults. Every engine event of cgsim is one
SimPy event here, scheduled in the same order with the same (time, priority) key, so SimPy's
(time, priority, insertion id) order equals cgsim's (time, priority, sequence) order:
  * Production: one event per produce tick (10 ms) appends the window's records to the partition
    logs and notifies the fetching consumer of each touched partition (Priority Producer). Here the
    window's records come from the trace instead of the Poisson generators and partitioner.
  * Network: every request and response arrives request_latency (500 us) after it was sent.
  * Fetch sessions: one fetch in flight per consumer; the broker holds it until a record past the
    client's buffer exists (fetch.min.bytes = 1), at most fetch.max.wait.ms (500 ms); an append to a
    held partition answers it at once. A poll returns up to max_poll_records from what responses
    already delivered, round-robin over partitions with max.partition.fetch.bytes chunks, and the
    next fetch goes out while the batch is processed. Polls and fetches work from the same
    incremental fetch view as cgsim's consumers (Consumer.end_cut and the rest: per partition, the
    log end at the client's cut, the first record past it, the first one past the position, and
    which partitions hold records in the buffer), so that neither searches every assigned
    partition's log on each poll and fetch; Work counts what they examine.
  * A batch is processed sequentially, one constant processing time per record; one event at its
    end. Latency per record = processing end - append time, exact.
  * Start-up: the initial consumers start at times drawn over the group's start_spread (joining
    consumers at their fault's time), then pay the Java client's bootstrap (a drawn 0.36-0.70 s
    client cost plus six round trips) before their first JoinGroup; both draws come from the
    client's stream consumer/<name>/start/<life>, as in cgsim.
  * Auto-commit every 5 s at poll time, and synchronously before revoking (eager); an idle consumer
    wakes for a due commit. Heartbeats every 3 s, restarted at each JoinGroup response, each one
    leaving up to retry.backoff.ms (100 ms) late (drawn from consumer/<name>/heartbeat/<life>);
    members learn of a rebalance from the heartbeat response; a crashed member is removed at
    session timeout (45 s); max.poll.interval timers.
  * Coordinator: MEMBER_ID_REQUIRED handshake (members given an id stay pending until they join
    with it), initial rebalance delay (extended while members keep arriving), join phase ending when all members rejoined, the leader computing the Java range
    assignment (members sorted by member id; member ids are client.id + "-" + a UUID drawn from the
    same xoshiro256** stream as cgsim), sync, generations, commits rejected while the group is
    completing a rebalance.
Consumed counts include duplicates: after the crash the new owner resumes from the last committed
offset, and records the group had already processed count as duplicates.

The SimPy model uses SimPy's Environment and Event objects with callbacks rather than generator
processes: resuming a process costs more than calling a callback, so this is SimPy's fast style and
the ratio is conservative. Both simulators replay the same arrivals for the headline ratio; the
second ratio times cgsim generating them (Poisson draws and the Java partitioner), which SimPy skips.
"""

import argparse
import array
import bisect
import json
import os
import subprocess
import sys
import tempfile
import time

import simpy
from simpy.events import Event

from kg1_engine import Engine, FAULT, GroupPartition, NETWORK, PartitionLog, Production
from kg1_coordinator import Coordinator
from kg1_consumer import Consumer, Work


class Group:
    def __init__(self, eng, params, logs):
        self.eng = eng
        self.p = params
        self.logs = logs
        self.offsets = [GroupPartition() for _ in range(params["partitions"])]
        self.consumers = []
        self.rebalances = []
        self.coordinator = Coordinator(self)
        self.latency = params["request_latency_ns"]
        self.work = Work()

    def send(self, fn):
        self.eng.after(self.latency, NETWORK, fn)

    def add_consumer(self):
        c = Consumer(self, len(self.consumers))
        self.consumers.append(c)
        return c


def run_model(params, times, gids):
    """Builds and runs the model; returns (results, wall seconds, CPU seconds of the run)."""
    t0, c0 = time.perf_counter(), time.process_time()
    eng = Engine()
    logs = [PartitionLog() for _ in range(params["partitions"])]
    production = Production(eng, logs, times, gids, params["produce_tick_ns"], params["duration_ns"])
    group = Group(eng, params, logs)
    for _ in range(params["consumers"]):
        group.add_consumer()
    production.start()
    for c in group.consumers:
        c.start(params["start_spread_ns"])
    for f in params["faults"]:
        if f["kind"] == "join":
            def join(count=f["count"]):
                for _ in range(count):
                    group.add_consumer().start()
            eng.at(f["at_ns"], FAULT, join)
        else:
            eng.at(f["at_ns"], FAULT, lambda m=f["member"]: group.consumers[m].crash())
    eng.env.run(until=params["duration_ns"] + 1)
    eng.env._now = params["duration_ns"]  # cgsim's clock ends at the run's end
    for c in group.consumers:
        c.finish_run()
    group.coordinator.finish_run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    per = [{"consumed": c.consumed, "duplicates": c.duplicates, "latency_sum_ns": c.latency_sum}
           for c in group.consumers]
    res = {
        "events": eng.executed,
        "consumed": sum(c.consumed for c in group.consumers),
        "duplicates": sum(c.duplicates for c in group.consumers),
        "latency_sum_ns": sum(c.latency_sum for c in group.consumers),
        "per_consumer": per,
        "work": group.work.as_dict(),
        "rebalances": [{"start_ns": r["start_ns"], "end_ns": r["end_ns"], "generation": r["generation"],
                        "trigger": r["trigger"]} for r in group.rebalances],
    }
    return res, wall, cpu


def read_trace(path):
    with open(path, "rb") as f:
        if f.read(8) != b"CGTRACE1":
            raise SystemExit("kg1.py: %s is not a cgsim trace" % path)
        n = int.from_bytes(f.read(8), "little")
        times = array.array("q")
        times.frombytes(f.read(8 * n))
        gids = array.array("i")
        gids.frombytes(f.read(4 * n))
    if sys.byteorder != "little":
        times.byteswap()
        gids.byteswap()
    if len(times) != n or len(gids) != n:
        raise SystemExit("kg1.py: truncated trace %s" % path)
    return times, gids


def compare(cg, py):
    """(label, cgsim value, SimPy value, equal) rows."""
    rows = []
    for key in ("events", "consumed", "duplicates", "latency_sum_ns"):
        rows.append((key, cg[key], py[key], cg[key] == py[key]))
    n = max(len(cg["per_consumer"]), len(py["per_consumer"]))
    pad = {"consumed": 0, "duplicates": 0, "latency_sum_ns": 0}
    bad = []
    for i in range(n):
        a = cg["per_consumer"][i] if i < len(cg["per_consumer"]) else pad
        b = py["per_consumer"][i] if i < len(py["per_consumer"]) else pad
        if a != b:
            bad.append(i)
    rows.append(("per-consumer consumed/duplicates/latency", "%d consumers" % len(cg["per_consumer"]),
                 "%d differ" % len(bad) if bad else "all equal", not bad))
    rb_equal = cg["rebalances"] == py["rebalances"]
    rows.append(("rebalances (start, end, generation, trigger)", len(cg["rebalances"]), len(py["rebalances"]), rb_equal))
    # The fetch view's work counts, when the driver reports cgsim's (same names as Work's fields).
    # A count one side has and the other lacks is a difference too.
    for key in sorted(set(cg.get("work", {})) | (set(py["work"]) if "work" in cg else set())):
        a, b = cg["work"].get(key), py["work"].get(key)
        rows.append(("work: " + key, a, b, a is not None and a == b))
    return rows


def python_name():
    """The interpreter: "CPython 3.11.2", "PyPy 7.3.11 (Python 3.9.16)"."""
    impl = sys.implementation
    py = "%d.%d.%d" % sys.version_info[:3]
    if impl.name == "cpython":
        return "CPython " + py
    v = impl.version
    return "%s %d.%d.%d (Python %s)" % ("PyPy" if impl.name == "pypy" else impl.name, v.major, v.minor, v.micro, py)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--driver", required=True, help="path to the kg1_trace executable")
    ap.add_argument("--scenario", default=os.path.join(here, "..", "kg1.yaml"))
    ap.add_argument("--duration", help="override the scenario's duration, e.g. 30s")
    ap.add_argument("--workdir", help="where to keep the trace (default: a temporary directory)")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--repeat", type=int, default=3,
                    help="cgsim runs timed before the SimPy run, and again after it (default 3)")
    args = ap.parse_args()
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or tmp
        os.makedirs(work, exist_ok=True)
        trace, expect = os.path.join(work, "kg1.trace"), os.path.join(work, "kg1.json")
        after = os.path.join(work, "kg1-after.json")
        base = [args.driver, "--scenario", args.scenario, "--repeat", str(args.repeat)]
        if args.duration:
            base += ["--duration", args.duration]

        def drive(cmd, out):
            r = subprocess.run(cmd)
            if r.returncode != 0:
                print("kg1.py: %s failed with status %d" % (" ".join(cmd), r.returncode), file=sys.stderr)
                return None
            with open(out) as f:
                return json.load(f)

        cg = drive(base + ["--trace", trace, "--json", expect], expect)
        if cg is None:
            return 2
        times, gids = read_trace(trace)
        params = cg["params"]
        py, py_wall, py_cpu = run_model(params, times, gids)
        cg_after = drive(base + ["--json", after], after)
        if cg_after is None:
            return 2
        if cg_after["result"] != cg["result"]:
            print("kg1.py: the driver's second run gave different results", file=sys.stderr)
            return 1

    def median(v):
        v = sorted(v)
        n = len(v)
        return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2

    # Wall times are the driver's medians, before and after: the ratios use CPU time.
    cg_runs = cg["cpu_seconds_all"] + cg_after["cpu_seconds_all"]
    gen_runs = cg["generating_cpu_seconds_all"] + cg_after["generating_cpu_seconds_all"]
    cg_cpu, gen_cpu = median(cg_runs), median(gen_runs)
    cg_wall = (cg["wall_seconds"] + cg_after["wall_seconds"]) / 2
    gen_wall = (cg["generating_wall_seconds"] + cg_after["generating_wall_seconds"]) / 2
    rows = compare(cg["result"], py)
    ok = all(r[3] for r in rows)
    sim_s = params["duration_ns"] / 1e9
    print("KG-1 in SimPy %s (%s) vs cgsim: %s, %.0f simulated seconds, %d records"
          % (simpy.__version__, python_name(), cg["scenario"], sim_s, cg["records"]))
    print("  %-46s %20s %20s  %s" % ("check", "cgsim", "SimPy", "equal"))
    for label, a, b, eq in rows:
        print("  %-46s %20s %20s  %s" % (label, a, b, "yes" if eq else "NO"))
    print("  check: %s" % ("PASS (same events, consumed counts, duplicates and latency sums)" if ok else "FAIL"))

    def ratio(a, b):
        return a / b if b > 0 else float("inf")

    print("  cgsim CPU seconds: median of %d runs, %d before and %d after the SimPy run (replaying %.3f-%.3f, "
          "generating %.3f-%.3f)" % (len(cg_runs), args.repeat, args.repeat, min(cg_runs), max(cg_runs),
                                     min(gen_runs), max(gen_runs)))
    print("  both replaying the trace (like for like):")
    print("  %-14s %12s %12s %10s" % ("seconds", "cgsim", "SimPy", "SimPy/cgsim"))
    print("  %-14s %12.3f %12.3f %9.1fx" % ("CPU", cg_cpu, py_cpu, ratio(py_cpu, cg_cpu)))
    print("  %-14s %12.3f %12.3f %9.1fx" % ("wall", cg_wall, py_wall, ratio(py_wall, cg_wall)))
    print("  cgsim generating the arrivals itself (Poisson producers, Java partitioner), SimPy replaying:")
    print("  %-14s %12.3f %12.3f %9.1fx" % ("CPU", gen_cpu, py_cpu, ratio(py_cpu, gen_cpu)))
    print("  %-14s %12.3f %12.3f %9.1fx" % ("wall", gen_wall, py_wall, ratio(py_wall, gen_wall)))
    print("  events per CPU second: cgsim %.3gM replaying (%.3gM generating), SimPy %.3gM"
          % (ratio(py["events"], cg_cpu) / 1e6, ratio(py["events"], gen_cpu) / 1e6, ratio(py["events"], py_cpu) / 1e6))
    w = py["work"]
    print("  fetch view work (SimPy model): " + ", ".join("%s %d" % (k, w[k]) for k in Work.FIELDS))
    print("    per poll: %.2f partitions taken from; per fetch: %.2f partitions whose end moved, "
          "%.2f log entries stepped over; %.2f view refreshes per poll or fetch"
          % (ratio(w["poll_partitions"], w["polls"]), ratio(w["cut_partitions"], w["fetches"]),
             ratio(w["cut_entries"], w["fetches"]), ratio(w["view_refreshes"], w["polls"] + w["fetches"])))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scenario": cg["scenario"], "simulated_seconds": sim_s, "records": cg["records"],
                       "events": py["events"], "cgsim_wall_s": cg_wall, "simpy_wall_s": py_wall,
                       "cgsim_cpu_s": cg_cpu, "simpy_cpu_s": py_cpu, "ratio_cpu": ratio(py_cpu, cg_cpu),
                       "ratio_wall": ratio(py_wall, cg_wall), "cgsim_generating_cpu_s": gen_cpu,
                       "cgsim_generating_wall_s": gen_wall, "ratio_cpu_generating": ratio(py_cpu, gen_cpu),
                       "cgsim_cpu_s_runs": cg_runs, "cgsim_generating_cpu_s_runs": gen_runs,
                       "check": ok, "simpy_version": simpy.__version__,
                       "python": sys.version.split()[0], "python_implementation": python_name(),
                       "work": py["work"], "cgsim_work": cg["result"].get("work")}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
