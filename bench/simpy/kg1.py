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
  * Auto-commit every 5 s at poll time, and synchronously before revoking (eager); an idle consumer
    wakes for a due commit. Heartbeats every 3 s; members learn of a rebalance from the heartbeat
    response; a crashed member is removed at session timeout (45 s); max.poll.interval timers.
  * Coordinator: MEMBER_ID_REQUIRED handshake, initial rebalance delay (extended while members keep
    arriving), join phase ending when all members rejoined, the leader computing the Java range
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

# Engine priorities (sim/engine.hpp): lower runs first at the same instant.
FAULT, NETWORK, COORDINATOR, CLIENT, PRODUCER = 0, 10, 20, 30, 40
NEVER = (1 << 63) - 1
FETCH_MAX_WAIT = 500_000_000  # fetch.max.wait.ms
MAX_PARTITION_FETCH_BYTES = 1 << 20

# Group and member states (models/common/signals.hpp).
EMPTY, PREPARING, COMPLETING, STABLE, DEAD = range(5)
UNJOINED, M_PREPARING, M_COMPLETING, M_STABLE, STOPPED = range(5)
# Coordinator errors.
E_NONE, E_REBALANCE_IN_PROGRESS, E_UNKNOWN_MEMBER_ID, E_ILLEGAL_GENERATION, E_MEMBER_ID_REQUIRED = range(5)

M64 = (1 << 64) - 1


# --------------------------------------------------------------------------------------------
# Random stream for member ids (sim/rng.cpp: FNV-1a name hash, SplitMix64 seeding, xoshiro256**)

def fnv1a64(s):
    h = 0xcbf29ce484222325
    for c in s.encode():
        h ^= c
        h = (h * 0x100000001b3) & M64
    return h


class Rng:
    def __init__(self, seed, name):
        st = (seed ^ fnv1a64(name)) & M64
        self.s = []
        for _ in range(4):
            st = (st + 0x9e3779b97f4a7c15) & M64
            z = st
            z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
            z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next_u64(self):
        s = self.s
        result = (self._rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self._rotl(s[3], 45)
        return result


# --------------------------------------------------------------------------------------------
# The engine: SimPy's event queue, one Event per cgsim event

class Call(Event):
    """An event that runs fn when processed, unless cancelled first."""

    def __init__(self, env, fn, fire):
        self.env = env
        self.callbacks = [fire]
        self._value = None
        self._ok = True
        self.fn = fn
        self.live = True


class Engine:
    def __init__(self):
        self.env = simpy.Environment()
        self.executed = 0

    @property
    def now(self):
        return self.env._now

    def _fire(self, ev):
        if ev.live:
            ev.live = False
            self.executed += 1
            ev.fn()

    def at(self, t, priority, fn):
        ev = Call(self.env, fn, self._fire)
        self.env.schedule(ev, priority, t - self.env._now)
        return ev

    def after(self, delay, priority, fn):
        return self.at(self.env._now + delay, priority, fn)

    @staticmethod
    def cancel(ev):
        if ev is not None and ev.live:
            ev.live = False

    @staticmethod
    def pending(ev):
        return ev is not None and ev.live


# --------------------------------------------------------------------------------------------
# Broker

class PartitionLog:
    __slots__ = ("times", "listener")

    def __init__(self):
        self.times = array.array("q")
        self.listener = None

    def end_offset(self):
        return len(self.times)

    def end_at(self, t):
        """Offset one past the last record appended at or before t."""
        return bisect.bisect_right(self.times, t)


class GroupPartition:
    __slots__ = ("committed", "frontier")

    def __init__(self):
        self.committed = -1
        self.frontier = 0


class Production:
    """One event per produce tick appends the window's records, taken from the trace."""

    def __init__(self, eng, logs, times, gids, tick, duration):
        self.eng, self.logs, self.times, self.gids = eng, logs, times, gids
        self.tick, self.duration = tick, duration
        self.next = 0
        self.window_start = 0

    def start(self):
        self.window_start = 0
        self.eng.at(0, PRODUCER, self.window)

    def window(self):
        end = self.window_start + self.tick
        times, gids, logs = self.times, self.gids, self.logs
        i, n = self.next, len(times)
        # cgsim creates a window's records from the arrivals before its end, rounded up to whole
        # nanoseconds, so a window holds the append times in (start, end].
        first = {}
        while i < n and times[i] <= end:
            t, gid = times[i], gids[i]
            logs[gid].times.append(t)
            if gid not in first:
                first[gid] = t
            i += 1
        self.next = i
        for gid, t in first.items():
            listener = logs[gid].listener
            if listener is not None:
                listener.on_append(gid, t)
        self.window_start = end
        if end < self.duration:
            self.eng.at(end, PRODUCER, self.window)


# --------------------------------------------------------------------------------------------
# Group coordinator

class JoinRequest:
    __slots__ = ("member_id", "consumer", "incarnation", "client_id", "session_timeout",
                 "rebalance_timeout", "reason")

    def __init__(self, member_id, consumer, incarnation, client_id, session_timeout, rebalance_timeout, reason):
        self.member_id = member_id
        self.consumer = consumer
        self.incarnation = incarnation
        self.client_id = client_id
        self.session_timeout = session_timeout
        self.rebalance_timeout = rebalance_timeout
        self.reason = reason


class Member:
    __slots__ = ("meta", "last_heartbeat", "awaiting_join", "awaiting_sync", "join_seq", "expiry")

    def __init__(self, meta, join_seq):
        self.meta = meta
        self.last_heartbeat = 0
        self.awaiting_join = False
        self.awaiting_sync = False
        self.join_seq = join_seq
        self.expiry = None


class Coordinator:
    def __init__(self, group):
        self.g = group
        self.state = EMPTY
        self.generation = 0
        self.leader = ""
        self.members = {}          # member id -> Member; iterated in sorted order (std::map)
        self.pending_members = {}  # ids handed out, not yet joined -> time
        self.assignment = {}
        self.join_timer = None
        self.sync_timer = None
        self.initial_delay = False
        self.new_member_added = False
        self.initial_remaining = 0
        self.join_seq = 0
        self.open = None
        self.ids = Rng(group.p["seed"], "group/" + group.p["group"] + "/member-ids")

    def new_member_id(self, client_id):
        a, b = self.ids.next_u64(), self.ids.next_u64()
        a = (a & 0xffffffffffff0fff) | 0x0000000000004000
        b = (b & 0x3fffffffffffffff) | 0x8000000000000000
        return "%s-%08x-%04x-%04x-%04x-%012x" % (client_id, a >> 32, (a >> 16) & 0xffff, a & 0xffff, b >> 48,
                                                 b & 0xffffffffffff)

    def rebalance_timeout(self):
        t = 0
        for m in self.members.values():
            t = max(t, m.meta.rebalance_timeout)
        return t

    def sorted_members(self):
        return [(k, self.members[k]) for k in sorted(self.members)]

    def arm_expiry(self, m):
        eng = self.g.eng
        if eng.pending(m.expiry):
            return
        mid = m.meta.member_id
        m.expiry = eng.at(m.last_heartbeat + m.meta.session_timeout, COORDINATOR, lambda: self.on_expiry(mid))

    def on_expiry(self, member_id):
        m = self.members.get(member_id)
        if m is None:
            return
        m.expiry = None
        now = self.g.eng.now
        if m.awaiting_join or m.awaiting_sync or m.last_heartbeat + m.meta.session_timeout > now:
            if m.awaiting_join or m.awaiting_sync:
                m.last_heartbeat = now
            self.arm_expiry(m)
            return
        self.remove_member(member_id)
        if self.state == PREPARING:
            self.try_complete_join()
        elif self.state in (STABLE, COMPLETING):
            self.prepare_rebalance("session_timeout")

    def remove_member(self, member_id):
        m = self.members.pop(member_id, None)
        if m is None:
            return
        self.g.eng.cancel(m.expiry)
        if self.leader == member_id:
            self.leader = ""

    def on_join(self, req):
        g, eng = self.g, self.g.eng
        now = eng.now

        def respond_error(err, mid):
            c, inc = req.consumer, req.incarnation
            g.send(lambda: g.consumers[c].on_join_response(inc, err, mid, -1, "", []))

        mid = req.member_id
        if not mid:
            # KIP-394: hand out a member id and ask the member to join again with it.
            mid = self.new_member_id(req.client_id)
            self.pending_members[mid] = now
            respond_error(E_MEMBER_ID_REQUIRED, mid)
            return
        m = self.members.get(mid)
        is_new = False
        if m is None:
            if mid not in self.pending_members:
                respond_error(E_UNKNOWN_MEMBER_ID, "")
                return
            del self.pending_members[mid]
            req.member_id = mid
            m = Member(req, self.join_seq)
            self.join_seq += 1
            self.members[mid] = m
            is_new = True
        else:
            req.member_id = mid
            m.meta = req
        m.last_heartbeat = now
        m.awaiting_join = True
        m.awaiting_sync = False
        self.arm_expiry(m)
        if not self.leader:
            self.leader = mid

        if self.state in (EMPTY, DEAD):
            self.initial_delay = True
            self.new_member_added = False
            timeout = self.rebalance_timeout()
            delay = min(g.p["initial_rebalance_delay_ns"], timeout)
            self.initial_remaining = max(timeout - delay, 0)
            self.open = {"start_ns": now, "trigger": "initial" if self.generation == 0 else (req.reason or "join")}
            self.state = PREPARING
            self.join_timer = eng.after(delay, COORDINATOR, self.on_join_deadline)
        elif self.state == PREPARING:
            if is_new:
                self.new_member_added = True
            self.try_complete_join()
        else:  # COMPLETING or STABLE
            if is_new or mid == self.leader or self.state == COMPLETING:
                self.prepare_rebalance(req.reason or "join")
            else:
                m.awaiting_join = False
                c, inc, gen, leader = req.consumer, req.incarnation, self.generation, self.leader
                g.send(lambda: g.consumers[c].on_join_response(inc, E_NONE, mid, gen, leader, []))

    def prepare_rebalance(self, trigger):
        g, eng = self.g, self.g.eng
        if self.state == COMPLETING:
            for _, m in self.sorted_members():
                if m.awaiting_sync:
                    m.awaiting_sync = False
                    c, inc = m.meta.consumer, m.meta.incarnation
                    g.send(lambda c=c, inc=inc: g.consumers[c].on_sync_response(inc, E_REBALANCE_IN_PROGRESS, []))
            eng.cancel(self.sync_timer)
        if self.open is None:
            self.open = {"start_ns": eng.now, "trigger": trigger}
        self.initial_delay = False
        self.state = PREPARING
        eng.cancel(self.join_timer)
        self.join_timer = eng.after(self.rebalance_timeout(), COORDINATOR, self.on_join_deadline)
        self.try_complete_join()

    def try_complete_join(self):
        if self.state != PREPARING or self.initial_delay:
            return
        for m in self.members.values():
            if not m.awaiting_join:
                return
        now = self.g.eng.now
        for mid in sorted(self.pending_members):
            if self.pending_members[mid] + self.g.p["session_timeout_ns"] <= now:
                del self.pending_members[mid]
            else:
                return
        self.complete_join()

    def on_join_deadline(self):
        self.join_timer = None
        if self.state != PREPARING:
            return
        if self.initial_delay and self.new_member_added and self.initial_remaining > 0:
            self.new_member_added = False
            delay = min(self.g.p["initial_rebalance_delay_ns"], self.initial_remaining)
            self.initial_remaining = max(self.initial_remaining - delay, 0)
            self.join_timer = self.g.eng.after(delay, COORDINATOR, self.on_join_deadline)
            return
        self.initial_delay = False
        for mid in [k for k, m in self.sorted_members() if not m.awaiting_join]:
            self.remove_member(mid)
        self.pending_members.clear()
        self.complete_join()

    def complete_join(self):
        g, eng = self.g, self.g.eng
        eng.cancel(self.join_timer)
        self.join_timer = None
        self.generation += 1
        if not self.members:
            self.state = EMPTY
            self.assignment = {}
            if self.open is not None:
                self.open["end_ns"] = eng.now
                self.open["generation"] = self.generation
                g.rebalances.append(self.open)
                self.open = None
            return
        if not self.leader or self.leader not in self.members:
            self.leader = min(self.members.values(), key=lambda m: m.join_seq).meta.member_id
        self.state = COMPLETING
        subs = sorted(self.members)
        for mid, m in self.sorted_members():
            m.awaiting_join = False
            m.awaiting_sync = True
            c, inc, gen, leader = m.meta.consumer, m.meta.incarnation, self.generation, self.leader
            member_list = subs if mid == self.leader else []
            g.send(lambda c=c, inc=inc, mid=mid, gen=gen, leader=leader, ml=member_list:
                   g.consumers[c].on_join_response(inc, E_NONE, mid, gen, leader, ml))
        self.sync_timer = eng.after(self.rebalance_timeout(), COORDINATOR, self.on_sync_deadline)

    def on_sync_deadline(self):
        self.sync_timer = None
        if self.state != COMPLETING:
            return
        for mid in [k for k, m in self.sorted_members() if m.awaiting_sync]:
            self.members[mid].awaiting_sync = False
            self.remove_member(mid)
        self.prepare_rebalance("sync_timeout")

    def on_sync(self, member_id, generation, assignment):
        g = self.g
        m = self.members.get(member_id)

        def reply(c, inc, err, parts):
            g.send(lambda: g.consumers[c].on_sync_response(inc, err, parts))

        if m is None:
            return
        if generation != self.generation:
            reply(m.meta.consumer, m.meta.incarnation, E_ILLEGAL_GENERATION, [])
            return
        if self.state == PREPARING:
            reply(m.meta.consumer, m.meta.incarnation, E_REBALANCE_IN_PROGRESS, [])
        elif self.state == STABLE:
            reply(m.meta.consumer, m.meta.incarnation, E_NONE, self.assignment.get(member_id, []))
        elif self.state == COMPLETING:
            m.awaiting_sync = True
            m.last_heartbeat = g.eng.now
            if member_id == self.leader and assignment is not None:
                self.complete_sync(assignment)

    def complete_sync(self, assignment):
        g, eng = self.g, self.g.eng
        eng.cancel(self.sync_timer)
        self.sync_timer = None
        self.assignment = assignment
        self.state = STABLE
        for mid, m in self.sorted_members():
            parts = assignment.get(mid, [])
            if m.awaiting_sync:
                m.awaiting_sync = False
                c, inc = m.meta.consumer, m.meta.incarnation
                g.send(lambda c=c, inc=inc, parts=parts: g.consumers[c].on_sync_response(inc, E_NONE, parts))
        if self.open is not None:
            self.open["end_ns"] = eng.now
            self.open["generation"] = self.generation
            g.rebalances.append(self.open)
            self.open = None

    def on_heartbeat(self, member_id, generation, consumer, incarnation):
        g = self.g
        m = self.members.get(member_id)
        err = E_NONE
        if m is None:
            err = E_UNKNOWN_MEMBER_ID
        else:
            m.last_heartbeat = g.eng.now
            self.arm_expiry(m)
            if self.state == PREPARING:
                err = E_REBALANCE_IN_PROGRESS
            elif generation != self.generation:
                err = E_ILLEGAL_GENERATION
        g.send(lambda: g.consumers[consumer].on_heartbeat_response(incarnation, err))

    def on_leave(self, member_id, reason):
        if member_id not in self.members:
            return
        self.remove_member(member_id)
        if self.state == PREPARING:
            if not self.members:
                self.complete_join()
            else:
                self.try_complete_join()
        elif self.state in (COMPLETING, STABLE):
            self.prepare_rebalance(reason)

    def on_commit(self, member_id, generation, consumer, offsets):
        if member_id not in self.members or generation != self.generation or self.state == COMPLETING:
            return
        for gid, off in offsets:
            self.g.offsets[gid].committed = off

    def finish_run(self):
        if self.open is not None:
            self.open["end_ns"] = -1
            self.open["generation"] = 0
            self.g.rebalances.append(self.open)
            self.open = None


def range_assign(member_ids, partitions):
    """Java RangeAssignor for one topic and dynamic members: sorted by member id, contiguous ranges."""
    members = sorted(member_ids)
    n = len(members)
    quota, extra = divmod(partitions, n)
    out, start = {}, 0
    for i, mid in enumerate(members):
        k = quota + (1 if i < extra else 0)
        out[mid] = list(range(start, start + k))
        start += k
    return out


# --------------------------------------------------------------------------------------------
# Consumer

class Consumer:
    incarnations = 0

    def __init__(self, group, index):
        self.g = group
        self.eng = group.eng
        self.index = index
        self.client_id = group.p["group"] + "-" + str(index)
        Consumer.incarnations += 1
        self.incarnation = Consumer.incarnations
        self.state = UNJOINED
        self.member_id = ""
        self.generation = -1
        self.assigned = []
        self.position = []
        self.committed_pos = []
        self.rejoin_needed = False
        self.join_in_flight = False
        self.busy = False
        self.idle = False
        self.rejoin_reason = "join"
        self.batch = []  # (partition, offset, appended, done)
        self.batch_emitted = 0
        self.batch_event = None
        self.wake_event = None
        self.wake_at = NEVER
        self.heartbeat_event = None
        self.poll_timer = None
        self.last_poll = 0
        self.next_auto_commit = 0
        self.cut = -1
        # The fetch view (models/kafka/client/consumer.hpp): per assigned partition i, parallel to assigned and
        # derived from position, cut and the logs, kept current incrementally (a poll's advance, a
        # cut's advance, appends) so that polls and fetches do not search every partition's log:
        # - end_cut[i]: the log end at cut (what the client's buffer can hold);
        # - past_cut[i]: append time of the first record past end_cut[i], NEVER when none yet;
        # - fetch_next[i]: append time of the first record past both position[i] and end_cut[i]
        #   (the one a held fetch waits for), NEVER when none yet or the position is not known;
        # - bit i of ready: the buffer holds records at or past position[i] (position known).
        # Records appended at instant T carry times >= T, so ends at a cut in the past never change;
        # appends can only fill in a NEVER, or move an end when the cut is the current instant.
        self.end_cut = []
        self.past_cut = []
        self.fetch_next = []
        self.ready = 0
        self.ready_count = 0
        self.view_valid = False
        self.work = group.work
        self.fetch_in_flight = False
        self.fetch_at_broker = 0
        self.fetch_respond_at = NEVER
        self.fetch_epoch = 0
        self.fetch_event = None
        self.cursor = 0
        self.chunk_records = max(1, MAX_PARTITION_FETCH_BYTES // max(1, group.p["record_bytes"]))
        self.chunk_left = 0
        self.consumed = 0
        self.duplicates = 0
        self.latency_sum = 0

    def current(self, inc):
        return inc == self.incarnation and self.state != STOPPED

    def start(self):
        inc = self.incarnation
        self.eng.after(0, CLIENT, lambda: self.current(inc) and self.poll())

    def poll(self):
        now = self.eng.now
        self.idle = False
        self.last_poll = now
        if self.state == UNJOINED or self.rejoin_needed:
            if not self.join_in_flight:
                self.start_join(self.rejoin_reason)
            return
        if self.state != M_STABLE:
            return
        self.arm_poll_timer()
        if now >= self.next_auto_commit:
            self.commit()
            self.next_auto_commit = now + self.g.p["commit_interval_ns"]
        self.fetch_and_process()

    def start_join(self, reason):
        self.join_in_flight = True
        self.rejoin_needed = False
        delay = 0
        if self.generation >= 0 and self.member_id:
            # onJoinPrepare: a synchronous commit of the consumed positions before revoking.
            self.commit()
            delay = 2 * self.g.p["request_latency_ns"]
        self.revoke_all()
        self.state = M_PREPARING
        inc = self.incarnation
        self.eng.after(delay, CLIENT, lambda: self.current(inc) and self.send_join(reason))

    def send_join(self, reason):
        p = self.g.p
        req = JoinRequest(self.member_id, self.index, self.incarnation, self.client_id, p["session_timeout_ns"],
                          p["max_poll_interval_ns"], reason)
        coord = self.g.coordinator
        self.g.send(lambda: coord.on_join(req))

    def revoke_all(self):
        logs = self.g.logs
        for gid in self.assigned:
            if logs[gid].listener is self:
                logs[gid].listener = None
        self.assigned = []
        self.position = []
        self.committed_pos = []
        self.cursor = 0
        self.chunk_left = self.chunk_records
        self.reset_fetch()

    def on_join_response(self, inc, err, member_id, generation, leader, members):
        if not self.current(inc):
            return
        if err == E_MEMBER_ID_REQUIRED:
            self.member_id = member_id
            self.send_join(self.rejoin_reason)
            return
        if err != E_NONE:
            self.member_id = ""
            self.generation = -1
            self.join_in_flight = False
            self.state = UNJOINED
            self.poll()
            return
        self.member_id = member_id
        self.generation = generation
        self.state = M_COMPLETING
        self.schedule_heartbeat()
        plan = None
        if leader == member_id and members:
            plan = range_assign(members, self.g.p["partitions"])
        coord, mid, gen = self.g.coordinator, self.member_id, self.generation
        self.g.send(lambda: coord.on_sync(mid, gen, plan))

    def on_sync_response(self, inc, err, parts):
        if not self.current(inc):
            return
        self.join_in_flight = False
        if err != E_NONE:
            if err != E_REBALANCE_IN_PROGRESS:
                self.member_id = ""
                self.generation = -1
            self.rejoin_reason = "join"
            self.state = UNJOINED
            self.poll()
            return
        self.assigned = sorted(parts)
        self.view_valid = False
        self.position = [-1] * len(self.assigned)
        self.committed_pos = [-1] * len(self.assigned)
        for gid in self.assigned:
            self.g.logs[gid].listener = self
        self.state = M_STABLE
        self.next_auto_commit = self.eng.now + self.g.p["commit_interval_ns"]
        me = self.incarnation

        def offsets_fetched():
            # OffsetFetch for the new partitions: one round trip before the first fetch.
            if not self.current(me) or self.state != M_STABLE:
                return
            for i, gid in enumerate(self.assigned):
                if self.position[i] >= 0:
                    continue
                gp = self.g.offsets[gid]
                self.position[i] = gp.committed if gp.committed >= 0 else 0
                self.committed_pos[i] = gp.committed
            self.view_valid = False
            if not self.busy:
                self.poll()

        self.eng.after(2 * self.g.p["request_latency_ns"], CLIENT, offsets_fetched)

    def schedule_heartbeat(self):
        if self.eng.pending(self.heartbeat_event):
            return
        inc = self.incarnation
        self.heartbeat_event = self.eng.after(self.g.p["heartbeat_interval_ns"], CLIENT,
                                              lambda: self.current(inc) and self.heartbeat())

    def heartbeat(self):
        self.heartbeat_event = None
        if not self.member_id or self.state in (UNJOINED, M_PREPARING):
            return
        coord, mid, gen, c, inc = self.g.coordinator, self.member_id, self.generation, self.index, self.incarnation
        self.g.send(lambda: coord.on_heartbeat(mid, gen, c, inc))
        self.schedule_heartbeat()

    def on_heartbeat_response(self, inc, err):
        if not self.current(inc) or err == E_NONE:
            return
        if err in (E_UNKNOWN_MEMBER_ID, E_ILLEGAL_GENERATION):
            self.member_id = ""
            self.generation = -1
            self.state = UNJOINED
        if self.state in (M_STABLE, UNJOINED):
            self.rejoin_needed = True
            self.rejoin_reason = "join"
            if self.idle:
                self.poll()

    def arm_poll_timer(self):
        if self.eng.pending(self.poll_timer):
            return
        inc = self.incarnation
        self.poll_timer = self.eng.at(self.last_poll + self.g.p["max_poll_interval_ns"], CLIENT,
                                      lambda: self.current(inc) and self.on_poll_timer())

    def on_poll_timer(self):
        self.poll_timer = None
        now = self.eng.now
        if not self.busy:
            return
        if self.last_poll + self.g.p["max_poll_interval_ns"] > now:
            self.arm_poll_timer()
            return
        if not self.member_id:
            return
        coord, mid = self.g.coordinator, self.member_id
        self.g.send(lambda: coord.on_leave(mid, "max_poll_interval"))
        self.member_id = ""
        self.generation = -1
        self.state = UNJOINED
        self.rejoin_reason = "join"

    def commit(self):
        if not self.member_id or self.generation < 0:
            return
        offsets = []
        pos, cpos = self.position, self.committed_pos
        for i, gid in enumerate(self.assigned):
            if pos[i] >= 0 and pos[i] != cpos[i]:
                offsets.append((gid, pos[i]))
                cpos[i] = pos[i]
        if not offsets:
            return
        coord, mid, gen, c = self.g.coordinator, self.member_id, self.generation, self.index
        self.g.send(lambda: coord.on_commit(mid, gen, c, offsets))

    def fetch_and_process(self):
        eng = self.eng
        now = eng.now
        remaining = self.g.p["max_poll_records"]
        proc = self.g.p["processing_ns"]
        batch = self.batch = []
        self.batch_emitted = 0
        assigned, position, logs = self.assigned, self.position, self.g.logs
        n = len(assigned)
        work = self.work
        work.polls += 1
        # A poll returns what fetch responses already delivered to the client's buffer, going round
        # the partitions from the cursor: it takes up to one max.partition.fetch.bytes chunk from each
        # and visits each partition at most once. A visit to a partition with nothing in the buffer
        # only moves the cursor on and starts a new chunk, so those visits are taken in one step.
        self.ensure_view()
        end_cut = self.end_cut
        cursor = self.cursor
        if n > 0 and cursor >= n:
            cursor = 0
        t = now
        steps = n  # visits left in this poll
        if self.ready_count == 0 and steps > 0 and remaining > 0:
            # Nothing in the buffer: the visits go once round, leaving the cursor where it was (in
            # [1, n]) and a new chunk started; the loop below would take the same single step.
            if cursor == 0:
                cursor = n
            self.chunk_left = self.chunk_records
            steps = 0
        while steps > 0 and remaining > 0:
            if cursor >= n:
                cursor = 0
            skip = n
            if self.ready_count > 0:
                r = self.next_ready(cursor)
                skip = r - cursor if r >= cursor else r + n - cursor
            if skip >= steps:
                cursor += steps  # the last visit leaves the cursor one past it, in [1, n]
                if cursor > n:
                    cursor -= n
                self.chunk_left = self.chunk_records
                break
            if skip > 0:
                cursor += skip
                if cursor >= n:
                    cursor -= n
                self.chunk_left = self.chunk_records
                steps -= skip
            i = cursor
            steps -= 1
            work.poll_partitions += 1
            gid = assigned[i]
            times = logs[gid].times
            end = end_cut[i]
            pos = position[i]
            take = min(end - pos, remaining, self.chunk_left)
            for off in range(pos, pos + take):
                t += proc
                batch.append((gid, off, times[off], t))
            # The position stays within the buffer, so what the next fetch waits for does not change.
            position[i] = pos + take
            remaining -= take
            self.chunk_left -= take
            if pos + take >= end:
                self.set_ready(i, False)
            if self.chunk_left <= 0 or pos + take >= end:
                cursor = i + 1
                self.chunk_left = self.chunk_records
            else:
                break  # quota filled inside this partition: the next poll continues here
        self.cursor = cursor
        # The fetcher pipelines: the next fetch goes out while the application processes this batch.
        # As in cgsim, the batch's end is scheduled before the fetch's response.
        if not batch:
            if not self.fetch_in_flight:
                self.send_fetch()
            self.go_idle()
            return
        self.busy = True
        inc = self.incarnation
        self.batch_event = eng.at(t, CLIENT, lambda: self.current(inc) and self.batch_done())
        if not self.fetch_in_flight:
            self.send_fetch()

    def emit_until(self, until):
        batch = self.batch
        start = end = self.batch_emitted
        while end < len(batch) and batch[end][3] <= until:
            end += 1
        if end == start:
            return
        offsets = self.g.offsets
        dups = 0
        lat = 0
        for k in range(start, end):
            gid, off, appended, done = batch[k]
            gp = offsets[gid]
            if off < gp.frontier:
                dups += 1
            else:
                gp.frontier = off + 1
                lat += done - appended
        self.duplicates += dups
        self.latency_sum += lat
        self.consumed += end - start
        self.batch_emitted = end

    def batch_done(self):
        self.batch_event = None
        self.emit_until(self.eng.now)
        self.busy = False
        self.batch = []
        self.batch_emitted = 0
        self.poll()

    def go_idle(self):
        self.idle = True
        # Data arrives through the fetch in flight; the only other reason to wake is a due auto-commit.
        if self.position == self.committed_pos:
            return
        eng = self.eng
        at = max(self.next_auto_commit, eng.now)
        if eng.pending(self.wake_event) and self.wake_at == at:
            return
        eng.cancel(self.wake_event)
        self.wake_at = at
        inc = self.incarnation
        self.wake_event = eng.at(at, CLIENT, lambda: self.current(inc) and self.wake())

    def wake(self):
        self.wake_event = None
        if self.idle:
            self.poll()

    def reset_fetch(self):
        self.eng.cancel(self.fetch_event)
        self.fetch_event = None
        self.fetch_in_flight = False
        self.fetch_respond_at = NEVER
        self.fetch_epoch += 1
        self.cut = -1
        self.view_valid = False

    def send_fetch(self):
        if not self.assigned:
            return
        lat = self.g.p["request_latency_ns"]
        self.fetch_in_flight = True
        fab = self.fetch_at_broker = self.eng.now + lat
        self.work.fetches += 1
        # The broker answers at once when a record past the client's buffer is there, otherwise when
        # the first one arrives, at the latest after fetch.max.wait.ms.
        self.ensure_view()
        self.work.scanned += len(self.fetch_next)
        first = min(self.fetch_next)
        self.schedule_fetch_response(min(fab + FETCH_MAX_WAIT, max(fab, first)))

    def ensure_view(self):
        """Makes the fetch view current (a full rebuild when it was marked stale)."""
        if self.view_valid:
            return
        n = len(self.assigned)
        self.work.view_rebuilds += 1
        self.end_cut = [0] * n
        self.past_cut = [NEVER] * n
        self.fetch_next = [NEVER] * n
        self.ready = 0
        self.ready_count = 0
        for i in range(n):
            self.refresh_view(i)
        self.view_valid = True

    def refresh_view(self, i):
        """Recomputes the fetch view of assigned partition i from its log."""
        self.work.view_refreshes += 1
        times = self.g.logs[self.assigned[i]].times
        cut = self.cut
        end = bisect.bisect_right(times, cut)
        log_end = len(times)
        self.end_cut[i] = end
        self.past_cut[i] = times[end] if end < log_end else NEVER
        pos = self.position[i]
        nxt = max(pos, end)
        self.fetch_next[i] = times[nxt] if pos >= 0 and nxt < log_end else NEVER
        self.set_ready(i, pos >= 0 and end > pos)

    def advance_cut(self, cut):
        """Moves the cut forward: only partitions with a record past the old cut at or before the new
        one change."""
        if cut <= self.cut:
            return
        self.cut = cut
        if not self.view_valid:
            return
        past = self.past_cut
        self.work.scanned += len(past)
        for i in [i for i, p in enumerate(past) if p <= cut]:
            self.advance_cut_of(i, cut)

    def advance_cut_of(self, i, cut):
        """advance_cut for assigned partition i, which has a record past the old cut at or before the
        new one. The logs here are never truncated (KG-1 has no retention), so the old end is still
        in the log."""
        work = self.work
        work.cut_partitions += 1
        times = self.g.logs[self.assigned[i]].times
        log_end = len(times)
        end = self.end_cut[i] + 1
        past = NEVER
        while end < log_end:
            t = times[end]
            if t > cut:
                past = t
                break
            end += 1
        work.cut_entries += end - self.end_cut[i]
        self.end_cut[i] = end
        self.past_cut[i] = past
        pos = self.position[i]
        if pos < 0:  # position not known yet: nothing to fetch or read
            self.fetch_next[i] = NEVER
            self.set_ready(i, False)
            return
        self.fetch_next[i] = past if pos <= end else (times[pos] if pos < log_end else NEVER)
        self.set_ready(i, end > pos)

    def set_ready(self, i, ready):
        bit = 1 << i
        if bool(self.ready & bit) == ready:
            return
        self.ready ^= bit
        self.ready_count += 1 if ready else -1

    def next_ready(self, frm):
        """The first partition at or after frm, cyclically, with records in the buffer (requires
        ready_count > 0)."""
        bits = self.ready >> frm
        if bits:
            return frm + (bits & -bits).bit_length() - 1
        bits = self.ready
        return (bits & -bits).bit_length() - 1

    def schedule_fetch_response(self, respond_at):
        self.eng.cancel(self.fetch_event)
        self.fetch_respond_at = respond_at
        inc, epoch = self.incarnation, self.fetch_epoch
        self.fetch_event = self.eng.at(respond_at + self.g.p["request_latency_ns"], NETWORK,
                                       lambda: self.current(inc) and self.on_fetch_response(epoch))

    def on_fetch_response(self, epoch):
        self.fetch_event = None
        if epoch != self.fetch_epoch or not self.fetch_in_flight:
            return
        self.fetch_in_flight = False
        self.advance_cut(self.fetch_respond_at)
        self.fetch_respond_at = NEVER
        if self.idle and self.state == M_STABLE:
            self.poll()
        elif not self.busy and self.state == M_STABLE:
            self.send_fetch()

    def on_append(self, partition, first_time):
        if self.view_valid:
            assigned = self.assigned
            i = bisect.bisect_left(assigned, partition)
            if i < len(assigned) and assigned[i] == partition:
                past_cut, fetch_next = self.past_cut, self.fetch_next
                pos = self.position[i]
                if first_time > self.cut and past_cut[i] == NEVER and 0 <= pos <= self.end_cut[i]:
                    # Nothing was past the cut, so the end at the cut was the log's end: the first
                    # new record is the first one past the cut, and past the position too.
                    past_cut[i] = first_time
                    fetch_next[i] = first_time
                elif first_time <= self.cut or past_cut[i] == NEVER or fetch_next[i] == NEVER:
                    self.refresh_view(i)
        # A held fetch is answered as soon as a record arrives for one of its partitions.
        if not self.fetch_in_flight:
            return
        at = max(self.fetch_at_broker, first_time)
        if at < self.fetch_respond_at:
            self.schedule_fetch_response(at)

    def crash(self):
        if self.state == STOPPED:
            return
        self.emit_until(self.eng.now)
        for e in (self.batch_event, self.wake_event, self.heartbeat_event, self.poll_timer, self.fetch_event):
            self.eng.cancel(e)
        self.busy = False
        self.idle = False
        for gid in self.assigned:
            if self.g.logs[gid].listener is self:
                self.g.logs[gid].listener = None
        self.state = STOPPED

    def finish_run(self):
        if self.state != STOPPED:
            self.emit_until(self.eng.now)


# --------------------------------------------------------------------------------------------
# The world

class Work:
    """What the consumers' polls and fetches examine, summed over the group: the per-event work of
    the fetch view, for comparison with the same counts taken in cgsim's Consumer.
      polls, fetches   fetch_and_process and send_fetch calls (send_fetch with partitions assigned)
      view_rebuilds    full rebuilds of a consumer's fetch view (ensure_view on a stale view)
      view_refreshes   partitions whose view was recomputed from their log (refresh_view: one binary
                       search of the log each), in rebuilds and on appends
      cut_partitions   partitions whose end moved when a fetch response moved the cut (advance_cut_of)
      cut_entries      log entries advance_cut_of stepped over, up to the first one past the new cut
      poll_partitions  partitions a poll took records from
      scanned          view entries read by whole-view scans: each of a consumer's assigned
                       partitions once per send_fetch and once per advance_cut with a current view
    """
    FIELDS = ("polls", "fetches", "view_rebuilds", "view_refreshes", "cut_partitions", "cut_entries",
              "poll_partitions", "scanned")
    __slots__ = FIELDS

    def __init__(self):
        for f in self.FIELDS:
            setattr(self, f, 0)

    def as_dict(self):
        return {f: getattr(self, f) for f in self.FIELDS}


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
        c.start()
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
