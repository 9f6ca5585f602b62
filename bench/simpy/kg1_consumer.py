"""KG-1's SimPy model, part 3: the consumer client with its fetch session and incremental fetch view,
and the count of the view's work (mirroring models/kafka/client)."""

import bisect
from kg1_engine import Rng, CLIENT, E_ILLEGAL_GENERATION, E_MEMBER_ID_REQUIRED, E_NONE, E_REBALANCE_IN_PROGRESS, E_UNKNOWN_MEMBER_ID, FETCH_MAX_WAIT, MAX_PARTITION_FETCH_BYTES, M_COMPLETING, M_PREPARING, M_STABLE, NETWORK, NEVER, STOPPED, UNJOINED
from kg1_coordinator import JoinRequest, range_assign

# The Java heartbeat thread's look period, retry.backoff.ms (models/kafka/client/client_policy.hpp).
HEARTBEAT_CHECK_PERIOD = 100_000_000
FIRST_ASSIGNMENT_COST = 45_000_000  # ClientPolicy::first_assignment_cost (Java)


class Consumer:
    incarnations = 0

    def __init__(self, group, index):
        self.g = group
        self.eng = group.eng
        self.index = index
        self.client_id = group.p["group"] + "-" + str(index)
        Consumer.incarnations += 1
        self.incarnation = Consumer.incarnations
        self.heartbeat_rng = Rng(group.p["seed"], "consumer/" + group.p["group"] + "/" + str(index) + "/heartbeat/0")
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
        self.heartbeat_due = 0
        self.assigned_before = False
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

    def start(self, spread=0):
        # The process starts at a time drawn over the spread, then pays the Java client's bootstrap
        # (its own start-up cost and the round trips before its first JoinGroup), both drawn from
        # the client's own stream as in cgsim.
        p = self.g.p
        rng = Rng(p["seed"], "consumer/" + p["group"] + "/" + str(self.index) + "/start/0")
        at = (rng.next_u64() >> 11) * 2.0 ** -53
        cost = (rng.next_u64() >> 11) * 2.0 ** -53
        offset = int(at * float(spread))
        low, high = p["bootstrap_cost_low_ns"], p["bootstrap_cost_high_ns"]
        bootstrap = low + int(cost * float(high - low)) + p["bootstrap_round_trips"] * 2 * p["request_latency_ns"]
        inc = self.incarnation
        self.eng.after(offset + bootstrap, CLIENT, lambda: self.current(inc) and self.poll())

    def poll(self):
        now = self.eng.now
        self.idle = False
        self.last_poll = now
        if now >= self.heartbeat_due:
            self.heartbeat_woken_by_poll()
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
        # The Java heartbeat thread restarts its timer when the JoinGroup response arrives.
        self.eng.cancel(self.heartbeat_event)
        self.heartbeat_event = None
        self.schedule_heartbeat()
        plan = None
        if leader == member_id and members:
            plan = range_assign(members, self.g.p["partitions"])
        coord, mid, gen = self.g.coordinator, self.member_id, self.generation
        if plan is not None and not self.assigned_before:
            # The first assignor run of the process: code not run yet (first_assignment_cost).
            self.assigned_before = True
            self.eng.after(FIRST_ASSIGNMENT_COST, CLIENT,
                           lambda: self.current(inc) and self.g.send(lambda: coord.on_sync(mid, gen, plan)))
            return
        self.g.send(lambda: coord.on_sync(mid, gen, plan))

    def on_sync_response(self, inc, err, parts):
        if not self.current(inc):
            return
        self.join_in_flight = False
        if err != E_NONE:
            if err != E_REBALANCE_IN_PROGRESS:
                if err == E_UNKNOWN_MEMBER_ID:  # ILLEGAL_GENERATION keeps the member id
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
        # The heartbeat thread notices a due heartbeat up to retry.backoff.ms (100 ms) late,
        # unless the application is in poll() then or calls it first (poll() wakes the thread).
        lag = int(((self.heartbeat_rng.next_u64() >> 11) * 2.0 ** -53) * float(HEARTBEAT_CHECK_PERIOD))
        self.heartbeat_due = self.eng.now + self.g.p["heartbeat_interval_ns"]
        late = self.heartbeat_due + lag

        def due():
            if not self.current(inc):
                return
            if not self.busy:
                self.heartbeat()
                return
            self.heartbeat_event = self.eng.at(late, CLIENT, lambda: self.current(inc) and self.heartbeat())

        self.heartbeat_event = self.eng.at(self.heartbeat_due, CLIENT, due)

    def heartbeat_woken_by_poll(self):
        if self.eng.now < self.heartbeat_due or not self.eng.pending(self.heartbeat_event):
            return
        self.eng.cancel(self.heartbeat_event)
        self.heartbeat_event = None
        self.heartbeat()

    def heartbeat(self):
        self.heartbeat_event = None
        if not self.member_id or self.state in (UNJOINED, M_PREPARING):
            return
        coord, mid, gen, c, inc = self.g.coordinator, self.member_id, self.generation, self.index, self.incarnation
        self.g.send(lambda: coord.on_heartbeat(mid, gen, c, inc))
        self.schedule_heartbeat()

    def on_heartbeat_response(self, inc, err, sent_member, sent_generation):
        if not self.current(inc) or err == E_NONE:
            return
        # The Java client ignores an error about a generation or member id it has since left.
        if sent_generation != self.generation or sent_member != self.member_id:
            return
        if err in (E_UNKNOWN_MEMBER_ID, E_ILLEGAL_GENERATION):
            if err == E_UNKNOWN_MEMBER_ID:  # ILLEGAL_GENERATION keeps the member id
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
