#pragma once
/// @file group.hpp
/// A consumer group under Kafka's classic group protocol with eager rebalancing: the group
/// coordinator (broker side) and the consumers (client side), talking through request/response
/// messages that take `broker.request_latency` each way.
///
/// Semantics follow the Java client and the broker's classic GroupCoordinator:
/// - Members join with JoinGroup; a new dynamic member first receives its member id
///   (MEMBER_ID_REQUIRED) and joins again with it.
/// - An empty group waits `group.initial.rebalance.delay.ms`, extended while new members keep
///   arriving, up to the rebalance timeout. Otherwise the join phase ends when every known member
///   has rejoined, or at the rebalance timeout (the largest max.poll.interval.ms), when members
///   that did not rejoin are removed.
/// - The leader computes the assignment with the group's assignor and sends it in SyncGroup.
/// - Members learn that a rebalance started from their next heartbeat response; a member busy
///   processing a batch only rejoins at its next poll. Before rejoining, an eager member commits
///   (auto-commit) and revokes everything.
/// - A crashed member is only removed when its session times out. A member whose processing
///   exceeds max.poll.interval.ms leaves the group from its heartbeat thread and loses its
///   partitions without committing.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/broker.hpp"
#include "models/kafka/coordinator/consumer_group.hpp"
#include "models/common/scenario.hpp"
#include "models/common/signals.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models {

class Group;

/// The number of elements of the sorted @p v below @p x: where @p x is or would go (what
/// std::lower_bound answers). A binary search whose steps depend only on the size of @p v, not on
/// the data, so it has no branch to mispredict: consumers look up the partitions of appends in an
/// order the processor cannot predict.
inline std::size_t lower_index(const std::vector<std::int32_t>& v, std::int32_t x) {
  if (v.empty()) return 0;
  const std::int32_t* base = v.data();
  for (std::size_t len = v.size(); len > 1;) {
    const std::size_t half = len / 2;
    base = base[half - 1] < x ? base + half : base;
    len -= half;
  }
  return static_cast<std::size_t>(base - v.data()) + static_cast<std::size_t>(*base < x);
}

/// Offsets state of one partition for one group.
struct GroupPartition {
  std::int64_t committed = -1;  ///< -1: no committed offset
  std::int64_t frontier = 0;    ///< one past the highest offset the group has processed
};

/// The broker-side coordinator of one group.
class Coordinator {
 public:
  explicit Coordinator(Group& group);

  /// Subscription metadata carried by JoinGroup.
  struct JoinRequest {
    std::string member_id;  ///< empty for a member that has none yet
    std::optional<std::string> instance_id;
    std::int32_t consumer = 0;
    std::uint32_t incarnation = 0;
    std::string client_id;
    sim::Time session_timeout = 0;
    sim::Time rebalance_timeout = 0;
    std::vector<std::string> topics;
    std::optional<std::string> rack;
    std::string reason;  ///< why the member (re)joins: for rebalance triggers
    /// Partitions the member owns as it joins (cooperative protocol; empty for eager members,
    /// which revoke everything first) and the generation it owned them in.
    std::vector<std::int32_t> owned;
    std::int32_t generation = -1;
  };
  enum class Error { None, RebalanceInProgress, UnknownMemberId, IllegalGeneration, MemberIdRequired };

  void on_join(const JoinRequest& req);
  void on_sync(const std::string& member_id, std::int32_t generation,
               std::optional<std::map<std::string, std::vector<std::int32_t>>> assignment,
               std::size_t withheld = 0);
  void on_heartbeat(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                    std::uint32_t incarnation);
  void on_leave(const std::string& member_id, const std::string& reason);
  void on_commit(const std::string& member_id, std::int32_t generation, std::int32_t consumer,
                 const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets);

  GroupState state() const { return state_; }
  std::int32_t generation() const { return generation_; }
  std::size_t member_count() const { return members_.size(); }
  /// Closes an open rebalance record at the end of a run (end stays -1).
  void finish_run();

 private:
  struct Member {
    JoinRequest meta;
    sim::Time last_heartbeat = 0;
    bool awaiting_join = false;
    bool awaiting_sync = false;
    std::uint64_t join_seq = 0;
    sim::EventId expiry = 0;
  };

  void set_state(GroupState s);
  /// Answers a JoinGroup with the current generation (no rebalance): the member then syncs and
  /// receives its current assignment.
  void respond_current_generation(const JoinRequest& req, const std::string& member_id);
  void prepare_rebalance(const std::string& trigger);
  void try_complete_join();
  void complete_join();
  void on_join_deadline();
  void on_sync_deadline();
  void arm_expiry(Member& m);
  void on_expiry(const std::string& member_id);
  void remove_member(const std::string& member_id);
  void complete_sync(std::map<std::string, std::vector<std::int32_t>> assignment, std::size_t withheld);
  std::string new_member_id(const std::string& client_id);
  sim::Time rebalance_timeout() const;

  Group& group_;
  GroupState state_ = GroupState::Empty;
  std::int32_t generation_ = 0;
  std::string leader_;
  std::map<std::string, Member> members_;
  std::map<std::string, std::string> static_members_;  // group.instance.id -> member id
  std::map<std::string, sim::Time> pending_members_;   // ids handed out, not yet joined
  std::map<std::string, std::vector<std::int32_t>> assignment_;  // member id -> gids
  std::map<std::int32_t, std::int32_t> owners_;  // gid -> consumer index, last stable generation
  sim::EventId join_timer_ = 0;
  sim::EventId sync_timer_ = 0;
  bool initial_delay_ = false;
  bool new_member_added_ = false;
  sim::Time initial_remaining_ = 0;
  std::uint64_t join_seq_ = 0;
  std::optional<RebalanceInfo> open_;
  /// A cooperative round withheld partitions: the follow-up round belongs to the same rebalance.
  bool awaiting_followup_ = false;
  sim::Rng ids_;
};

/// A consumer client: poll loop, heartbeat thread, commits, membership.
class Consumer : public AppendListener {
 public:
  Consumer(Group& group, std::int32_t index);
  /// Starts the client (first poll joins the group).
  void start();
  /// Stops at once, without leaving: the coordinator notices at session timeout.
  void crash();
  /// Closes cleanly after the batch in hand: commit (per policy), then LeaveGroup
  /// (a static member does not send LeaveGroup). @p then runs once closed.
  void close(std::function<void()> then = nullptr);
  /// Multiplies processing time by @p factor until @p until.
  void slow(double factor, sim::Time until);
  /// Accounts records finished by the end of the run; nothing is scheduled afterwards.
  void finish_run();

  // Responses delivered by the coordinator (after the network delay).
  void on_join_response(std::uint32_t incarnation, Coordinator::Error err, const std::string& member_id,
                        std::int32_t generation, const std::string& leader,
                        const std::vector<assignors::MemberSubscription>& members);
  void on_sync_response(std::uint32_t incarnation, Coordinator::Error err,
                        const std::vector<std::int32_t>& partitions);
  void on_heartbeat_response(std::uint32_t incarnation, Coordinator::Error err);
  /// A ConsumerGroupHeartbeat response (consumer protocol, KIP-848).
  void on_consumer_heartbeat_response(std::uint32_t incarnation, const ConsumerGroupCoordinator::Response& r);

  void on_append(std::int32_t partition, sim::Time first_time) override;

  std::int32_t index() const { return index_; }
  const std::string& name() const { return name_; }
  const std::string& client_id() const { return client_id_; }
  const std::string& member_id() const { return member_id_; }
  std::uint32_t incarnation() const { return incarnation_; }
  MemberState state() const { return state_; }
  const std::vector<std::int32_t>& assigned() const { return assigned_; }
  std::uint64_t consumed() const { return consumed_; }
  std::uint64_t duplicates() const { return duplicates_; }
  bool stopped() const { return state_ == MemberState::Stopped; }

 private:
  void set_state(MemberState s);
  void poll();
  void start_join(const std::string& reason);
  void send_join(const std::string& reason);
  void revoke_all();
  void fetch_and_process();
  void batch_done();
  void emit_until(sim::Time t);
  void go_idle();
  void wake();
  void send_fetch();
  /// Marks the fetch view stale: call after changing assigned_, a position outside a poll's
  /// advance through the buffer, or cut_ other than by advancing it.
  void invalidate_view() { view_valid_ = false; }
  /// Makes the fetch view current (a full rebuild when it was marked stale).
  void ensure_view();
  /// Recomputes the fetch view of assigned partition @p i from its log.
  void refresh_view(std::size_t i);
  /// Moves the cut forward to @p cut: only partitions with a record past the old cut at or
  /// before the new one change.
  void advance_cut(sim::Time cut);
  /// advance_cut for assigned partition @p i, which has a record past the old cut at or before
  /// the new one.
  void advance_cut_of(std::size_t i, sim::Time cut);
  /// The index of @p gid in assigned_, or assigned_.size() when it is not assigned.
  std::size_t index_of(std::int32_t gid) const {
    const std::size_t i = lower_index(assigned_, gid);
    return i < assigned_.size() && assigned_[i] == gid ? i : assigned_.size();
  }
  /// The first partition at or after @p from, cyclically, with records in the buffer
  /// (requires ready_count_ > 0).
  std::size_t next_ready(std::size_t from) const;
  void set_ready(std::size_t i, bool ready) {
    std::uint64_t& word = ready_[i >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (i & 63);
    if (((word & bit) != 0) == ready) return;
    word ^= bit;
    if (ready) {
      ++ready_count_;
    } else {
      --ready_count_;
    }
  }
  void schedule_fetch_response(sim::Time respond_at);
  void on_fetch_response(std::uint32_t epoch);
  void reset_fetch();
  void schedule_heartbeat();
  void heartbeat();
  void arm_poll_timer();
  void on_poll_timer();
  void commit(bool sync);
  void do_close();
  sim::Time processing_time(sim::Time start);
  bool current(std::uint32_t inc) const { return inc == incarnation_ && state_ != MemberState::Stopped; }
  bool cooperative() const;
  bool kip848() const;
  /// librdkafka semantics: one message per poll, offsets stored when a message is handed to the
  /// application, auto-commit on a background timer, rebalances served without waiting for poll.
  bool rdk() const;
  /// When record @p i of the batch in hand started processing.
  sim::Time record_start(std::size_t i) const;
  /// librdkafka: messages not yet handed to the application at @p t go back to the broker
  /// (a revocation purges the client's queue); returns true if anything was dropped.
  bool truncate_batch(sim::Time t);
  /// Offsets stored at @p t: what was handed to the application (librdkafka's offset store).
  std::vector<std::pair<std::int32_t, std::int64_t>> stored_offsets(sim::Time t) const;
  void schedule_auto_commit_timer();
  /// librdkafka: the first moment at or after @p t at which its main thread wakes up on a timer
  /// (heartbeats go out only then).
  sim::Time main_loop_wake(sim::Time t) const;
  /// librdkafka: the application handed the main thread an operation (a commit); a heartbeat
  /// that is due goes out now.
  void main_loop_woken();
  void send_consumer_heartbeat(std::int32_t epoch, const std::string& reason);
  void finish_revocation();
  void init_positions_later();
  /// True while poll() may return records: a stable member, or a cooperative member that keeps
  /// consuming what it owns during a rebalance.
  bool consuming() const;
  void drop_partitions(const std::vector<std::int32_t>& gids);

  Group& g_;
  std::int32_t index_;
  std::string name_;
  std::string client_id_;
  std::optional<std::string> instance_id_;
  MemberState state_ = MemberState::Unjoined;
  std::string member_id_;
  std::int32_t generation_ = -1;
  std::uint32_t incarnation_ = 0;
  std::vector<std::int32_t> assigned_;  // sorted; call invalidate_view() after changing it
  std::vector<std::int64_t> position_;
  std::vector<std::int64_t> committed_pos_;  // positions at the last commit sent
  bool rejoin_needed_ = false;
  bool join_in_flight_ = false;
  bool busy_ = false;
  bool idle_ = false;
  bool close_requested_ = false;
  std::function<void()> on_closed_;
  std::string rejoin_reason_ = "join";
  std::vector<std::int32_t> revoke_pending_;  // consumer protocol: partitions to give up at the next poll
  sim::Time batch_start_ = 0;
  sim::EventId commit_timer_ = 0;
  /// The records of the batch in hand. A poll writes them through a pointer into room it asked
  /// for once (a vector would check its capacity per record, and reload its end after each
  /// store, which could alias it); the buffer grows and never shrinks.
  class Batch {
   public:
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    ProcessedRecord* data() { return data_.get(); }
    ProcessedRecord& operator[](std::size_t i) { return data_[i]; }
    const ProcessedRecord& operator[](std::size_t i) const { return data_[i]; }
    ProcessedRecord& front() { return data_[0]; }
    ProcessedRecord& back() { return data_[size_ - 1]; }
    void clear() { size_ = 0; }
    /// Keeps the first @p n records (@p n <= size()).
    void truncate(std::size_t n) { size_ = n; }
    /// Room for @p n records after the last: where to write them before commit(n).
    ProcessedRecord* room(std::size_t n) {
      if (cap_ - size_ < n) grow(size_ + n);
      return data_.get() + size_;
    }
    /// Takes the @p n records written into room(n).
    void commit(std::size_t n) { size_ += n; }

   private:
    void grow(std::size_t need);
    std::unique_ptr<ProcessedRecord[]> data_;
    std::size_t size_ = 0;
    std::size_t cap_ = 0;
  };
  Batch batch_;
  std::size_t batch_emitted_ = 0;
  sim::EventId batch_event_ = 0;
  sim::EventId wake_event_ = 0;
  sim::Time wake_at_ = sim::kNever;
  sim::EventId heartbeat_event_ = 0;
  sim::EventId poll_timer_ = 0;
  sim::Time last_poll_ = 0;
  sim::Time next_auto_commit_ = 0;
  sim::Time created_at_ = 0;     // when start() ran: librdkafka's timers run from here
  sim::Time assigned_at_ = -1;   // last assignment (librdkafka restarts its max-poll check timer)
  sim::Time heartbeat_due_ = 0;  // when the scheduled heartbeat became due
  bool ran_dry_ = true;          // the last poll found no records (the next batch follows an idle wait)
  double slow_factor_ = 1.0;
  sim::Time slow_until_ = 0;
  // Fetch session: one fetch in flight at a time; the broker holds it until a record is
  // available (fetch.min.bytes = 1) or fetch.max.wait.ms passes. cut_ is the broker time of the
  // last response received: records appended by then are in the client's buffer.
  sim::Time cut_ = -1;
  // The fetch view: what the buffer holds and what the next fetch waits for, per assigned
  // partition i (parallel to assigned_), derived from position_, cut_ and the logs and kept
  // current incrementally (a poll's advance, a cut's advance, appends) so that the hot path does
  // not visit every partition's log:
  // - end_cut_[i]: the log end at cut_ (what the client's buffer can hold);
  // - past_cut_[i]: append time of the first record past end_cut_[i], sim::kNever when none yet;
  // - fetch_next_[i]: append time of the first record past both position_[i] and end_cut_[i] (the
  //   one a held fetch waits for), sim::kNever when none yet or the position is not known;
  // - bit i of ready_: the buffer holds records at or past position_[i] (position known).
  // Records appended at instant T carry times >= T, so ends at a cut in the past never change;
  // appends can only fill in a kNever, or move an end when the cut is the current instant.
  // past_cut_ and fetch_next_ are padded with kNever to a multiple of kViewLanes, the width their
  // scans take at a time.
  static constexpr std::size_t kViewLanes = 4;
  static_assert(kViewLanes == 4, "advance_cut() and send_fetch() spell out four lanes per step");
  std::vector<std::int64_t> end_cut_;
  std::vector<sim::Time> past_cut_;
  std::vector<sim::Time> fetch_next_;
  std::vector<std::uint64_t> ready_;
  std::size_t ready_count_ = 0;
  bool view_valid_ = false;
  bool fetch_in_flight_ = false;
  sim::Time fetch_at_broker_ = 0;
  sim::Time fetch_respond_at_ = sim::kNever;
  std::uint32_t fetch_epoch_ = 0;
  sim::EventId fetch_event_ = 0;
  std::size_t cursor_ = 0;
  std::int64_t chunk_left_ = 0;
  std::int64_t chunk_records_ = 0;
  std::uint64_t consumed_ = 0;
  std::uint64_t duplicates_ = 0;
  sim::Rng processing_rng_;
  sim::Time constant_processing_ = -1;  // a constant processing time (ns), else -1
};

/// The rebalance protocol a group uses.
enum class Protocol { Eager, Cooperative, Consumer };

/// Everything one group needs: configuration, offsets, coordinator and consumers.
class Group {
 public:
  Group(sim::Engine& engine, Broker& broker, Signals& signals, const Scenario& scenario,
        const GroupSpec& spec, std::int32_t index);

  /// Adds a consumer with the next index and returns it (not started).
  Consumer& add_consumer();
  Consumer& consumer(std::int32_t index) { return *consumers_[static_cast<std::size_t>(index)]; }
  const std::vector<std::unique_ptr<Consumer>>& consumers() const { return consumers_; }
  /// Replaces consumer @p index by a fresh client with the same name (a restart).
  Consumer& restart_consumer(std::int32_t index);

  sim::Engine& engine() { return engine_; }
  Broker& broker() { return broker_; }
  Signals& signals() { return signals_; }
  const Scenario& scenario() const { return scenario_; }
  const GroupSpec& spec() const { return spec_; }
  std::int32_t index() const { return index_; }
  Protocol protocol() const { return protocol_; }
  Coordinator& coordinator() { return coordinator_; }
  ConsumerGroupCoordinator& consumer_coordinator() { return consumer_coordinator_; }
  /// The current generation (classic) or group epoch (consumer protocol).
  std::int32_t generation() const;
  /// Ends the run for the group's coordinators (open rebalances are reported as open).
  void finish_run();
  const assignors::ClusterMetadata& cluster() const { return cluster_; }
  const assignors::AssignorInfo& assignor_info() const { return *assignor_; }
  GroupPartition& offsets(std::int32_t gid) { return offsets_[static_cast<std::size_t>(gid)]; }
  const GroupPartition& offsets(std::int32_t gid) const { return offsets_[static_cast<std::size_t>(gid)]; }
  /// Global ids of every partition of the subscribed topics.
  const std::vector<std::int32_t>& partitions() const { return partitions_; }
  /// Records never delivered because a reset to "latest" skipped them.
  std::uint64_t skipped() const { return skipped_; }
  void add_skipped(std::uint64_t n) { skipped_ += n; }
  /// Records never processed because a commit covered them before they were processed
  /// (librdkafka's offset store hands them out first) and their consumer died.
  std::uint64_t lost() const { return lost_; }
  void add_lost(std::uint64_t n) { lost_ += n; }
  /// Records that nobody consumes partition @p gid from @p t (revoked, lost or its owner crashed).
  void mark_unowned(std::int32_t gid, sim::Time t);
  /// Hands partition @p gid out again at @p t; returns the partition-nanoseconds it stalled with
  /// records waiting (counted from the later of the stall's start and the first waiting record).
  std::int64_t mark_owned(std::int32_t gid, sim::Time t);
  /// When partition @p gid was last handed out after a stall (-1: never). A record appended
  /// before that and processed after it was caught in the stall.
  sim::Time handed_out_at(std::int32_t gid) const { return handed_out_at_[static_cast<std::size_t>(gid)]; }
  /// handed_out_at() of every global partition id, indexed by it.
  const std::vector<sim::Time>& handed_out_times() const { return handed_out_at_; }
  /// A fresh incarnation number for a client object (responses to older ones are ignored).
  std::uint32_t next_incarnation() { return ++incarnations_; }
  /// How many clients have carried consumer index @p index so far (restarts included).
  std::uint32_t lives(std::int32_t index) const;
  /// Sends a message: runs @p fn after the one-way network delay.
  void send(sim::Callback fn);
  /// Global partition id of a topic partition of this cluster.
  std::int32_t gid(const TopicPartition& tp) const;

 private:
  sim::Engine& engine_;
  Broker& broker_;
  Signals& signals_;
  const Scenario& scenario_;
  const GroupSpec& spec_;
  std::int32_t index_;
  Protocol protocol_;
  assignors::ClusterMetadata cluster_;
  const assignors::AssignorInfo* assignor_;
  std::vector<GroupPartition> offsets_;
  std::vector<std::int32_t> partitions_;
  std::vector<std::unique_ptr<Consumer>> consumers_;
  std::vector<std::unique_ptr<Consumer>> retired_;  // replaced clients kept alive for pending events
  std::uint64_t skipped_ = 0;
  std::uint64_t lost_ = 0;
  std::uint32_t incarnations_ = 0;
  std::vector<sim::Time> unowned_since_;  // per gid; -1 while someone owns it
  std::vector<sim::Time> handed_out_at_;  // per gid; when its last stall ended, -1 before the first
  Coordinator coordinator_;
  ConsumerGroupCoordinator consumer_coordinator_;
};

}  // namespace cgsim::models
