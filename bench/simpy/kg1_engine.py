"""KG-1's SimPy model, part 1: constants, the member-id random stream, the event queue adapter,
partition logs and trace-driven production (mirroring sim/ and models/kafka/broker, producer)."""

import array
import bisect
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
