"""KG-1's SimPy model, part 2: the classic group coordinator and Kafka's range assignor (mirroring
models/kafka/coordinator/classic_group and models/kafka/assignors/range)."""

from kg1_engine import COMPLETING, COORDINATOR, DEAD, EMPTY, E_ILLEGAL_GENERATION, E_MEMBER_ID_REQUIRED, E_NONE, E_REBALANCE_IN_PROGRESS, E_UNKNOWN_MEMBER_ID, PREPARING, Rng, STABLE

# The upper bound of the coordinator timer's hand-off (kTimerHandoffMax), ns.
TIMER_HANDOFF_HIGH = 5_000_000


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
    __slots__ = ("meta", "last_heartbeat", "awaiting_join", "awaiting_sync", "pending_sync", "join_seq", "expiry")

    def __init__(self, meta, join_seq):
        self.meta = meta
        self.last_heartbeat = 0
        self.awaiting_join = False
        self.awaiting_sync = False  # its SyncGroup waits for the assignment
        self.pending_sync = False  # answered JoinGroup, SyncGroup not heard yet
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
        self.initial_last_delay = 0
        self.join_seq = 0
        self.open = None
        self.ids = Rng(group.p["seed"], "group/" + group.p["group"] + "/member-ids")
        self.timers = Rng(group.p["seed"], "group/" + group.p["group"] + "/coordinator-timers")

    def timer_handoff(self):
        # An expired initial-delay timer acts through the coordinator's event queue, 0-5 ms after
        # it is due (models/kafka/coordinator/classic_group.cpp), drawn from the group's own stream.
        return int(((self.timers.next_u64() >> 11) * 2.0 ** -53) * float(TIMER_HANDOFF_HIGH))

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
        m.pending_sync = False
        self.arm_expiry(m)
        if not self.leader:
            self.leader = mid

        if self.state in (EMPTY, DEAD):
            self.initial_delay = True
            self.new_member_added = False
            delay = g.p["initial_rebalance_delay_ns"]
            self.initial_remaining = max(self.rebalance_timeout() - delay, 0)
            self.initial_last_delay = delay
            self.open = {"start_ns": now, "trigger": "initial" if self.generation == 0 else (req.reason or "join")}
            self.state = PREPARING
            self.join_timer = eng.after(delay + self.timer_handoff(), COORDINATOR, self.on_join_deadline)
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
                m.pending_sync = False
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
            self.initial_remaining = max(self.initial_remaining - self.initial_last_delay, 0)
            self.initial_last_delay = delay
            self.join_timer = self.g.eng.after(delay + self.timer_handoff(), COORDINATOR, self.on_join_deadline)
            return
        self.initial_delay = False
        for mid in [k for k, m in self.sorted_members() if not m.awaiting_join]:
            self.remove_member(mid)
        # Members given an id but not yet joined with it stay pending.
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
            m.pending_sync = True
            m.last_heartbeat = eng.now  # the session runs again from the join's completion
            c, inc, gen, leader = m.meta.consumer, m.meta.incarnation, self.generation, self.leader
            member_list = subs if mid == self.leader else []
            g.send(lambda c=c, inc=inc, mid=mid, gen=gen, leader=leader, ml=member_list:
                   g.consumers[c].on_join_response(inc, E_NONE, mid, gen, leader, ml))
        self.sync_timer = eng.after(self.rebalance_timeout(), COORDINATOR, self.on_sync_deadline)

    def on_sync_deadline(self):
        self.sync_timer = None
        if self.state != COMPLETING:
            return
        for mid in [k for k, m in self.sorted_members() if m.pending_sync]:
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
        m.pending_sync = False
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
        g.send(lambda: g.consumers[consumer].on_heartbeat_response(incarnation, err, member_id, generation))

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
        m = self.members[member_id]  # an accepted commit counts as a heartbeat
        m.last_heartbeat = self.g.eng.now
        self.arm_expiry(m)
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
