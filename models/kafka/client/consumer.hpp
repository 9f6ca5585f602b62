#pragma once
/// @file consumer.hpp
/// A Kafka consumer client: the application's poll loop and processing, the fetch session, the
/// offsets it commits, and its membership in the group, through the classic protocol
/// (classic_membership.cpp) or the consumer protocol (consumer_membership.cpp). Where the Java
/// client and librdkafka differ, its ClientPolicy says which way it goes.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/common/processing.hpp"
#include "models/kafka/signals.hpp"
#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/broker.hpp"
#include "models/kafka/client/client_policy.hpp"
#include "models/kafka/coordinator/classic_group.hpp"
#include "models/kafka/coordinator/consumer_group.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models {

class Group;

/// What a group's consumers examine on the poll and fetch path, summed over them: the work per
/// event of the fetch view. bench/simpy/kg1.py counts the same in its model, and bench/run.sh
/// checks that both do the same work.
struct FetchWork {
  std::uint64_t polls = 0;            ///< polls that looked for records (fetch_and_process)
  std::uint64_t fetches = 0;          ///< fetches sent with partitions assigned
  std::uint64_t view_rebuilds = 0;    ///< full rebuilds of a stale fetch view
  std::uint64_t view_refreshes = 0;   ///< partitions whose view was recomputed from their log
  std::uint64_t cut_partitions = 0;   ///< partitions whose end moved when a response moved the cut
  std::uint64_t cut_entries = 0;      ///< log entries stepped over to find those ends
  std::uint64_t poll_partitions = 0;  ///< partitions a poll took records from
  std::uint64_t scanned = 0;          ///< view entries read by whole-view scans (fetch, cut)
};

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

/// A consumer client: poll loop, heartbeat thread, commits, membership.
class Consumer : public AppendListener {
 public:
  Consumer(Group& group, std::int32_t index);
  /// Starts the client process at a time drawn from [now, now + @p spread); its first poll,
  /// which joins the group, follows the client's bootstrap (ClientPolicy).
  void start(sim::Time spread = 0);
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
  void on_join_response(std::uint32_t incarnation, ClassicGroupCoordinator::Error err, const std::string& member_id,
                        std::int32_t generation, const std::string& leader,
                        const std::vector<assignors::MemberSubscription>& members);
  void on_sync_response(std::uint32_t incarnation, ClassicGroupCoordinator::Error err,
                        const std::vector<std::int32_t>& partitions);
  /// @p sent_member and @p sent_generation are those the heartbeat was sent with.
  void on_heartbeat_response(std::uint32_t incarnation, ClassicGroupCoordinator::Error err,
                             const std::string& sent_member, std::int32_t sent_generation);
  /// A ConsumerGroupHeartbeat response (consumer protocol, KIP-848).
  void on_consumer_heartbeat_response(std::uint32_t incarnation, const ConsumerGroupCoordinator::Response& r);

  void on_append(std::int32_t partition, sim::Time first_time) override;
  /// A subscribed topic has grown: the client sees it at its next periodic metadata refresh
  /// (every `metadata_max_age` from its bootstrap) and, under the classic protocol, rejoins when
  /// its policy says so. The consumer protocol leaves this to the coordinator.
  void on_metadata_change();

  std::int32_t index() const { return index_; }
  const std::string& name() const { return name_; }
  const std::string& client_id() const { return client_id_; }
  const std::string& member_id() const { return member_id_; }
  std::uint32_t incarnation() const { return incarnation_; }
  MemberState state() const { return state_; }
  /// The generation (classic) or member epoch (consumer protocol) it last joined with; -1 while
  /// it knows itself out of the group.
  std::int32_t generation() const { return generation_; }
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
  bool current(std::uint32_t inc) const { return inc == incarnation_ && state_ != MemberState::Stopped; }
  bool cooperative() const;
  bool kip848() const;
  /// When record @p i of the batch in hand started processing.
  sim::Time record_start(std::size_t i) const;
  /// librdkafka: messages not yet handed to the application at @p t go back to the broker
  /// (a revocation purges the client's queue); returns true if anything was dropped.
  bool truncate_batch(sim::Time t);
  /// Offsets stored at @p t: what was handed to the application (librdkafka's offset store).
  std::vector<std::pair<std::int32_t, std::int64_t>> stored_offsets(sim::Time t) const;
  void schedule_auto_commit_timer();
  /// The Java application's poll() wakes the heartbeat thread when a heartbeat is due.
  void heartbeat_woken_by_poll();
  /// At a crash: the auto-commit the client still sends while it is torn down, if its timer is
  /// due within ClientPolicy::destroy_commit_grace.
  void commit_due_at_destroy();
  /// librdkafka: the first moment at or after @p t at which its main thread wakes up on a timer
  /// (heartbeats go out only then).
  sim::Time main_loop_wake(sim::Time t) const;
  /// librdkafka: the application handed the main thread an operation (a commit); a heartbeat
  /// that is due goes out now.
  void main_loop_woken();
  void send_consumer_heartbeat(std::int32_t epoch, const std::string& reason);
  /// Consumer protocol: a heartbeat sent at once (an acknowledgement of a reconciled
  /// assignment); the heartbeat interval runs again from it.
  void acknowledge_assignment();
  /// Consumer protocol: commits (auto-commit), then gives revoke_pending_ up once the commit is
  /// answered, without waiting for the application.
  void start_revocation();
  void finish_revocation();
  void init_positions_later();
  /// True while poll() may return records: a stable member, or a cooperative member that keeps
  /// consuming what it owns during a rebalance.
  bool consuming() const { return state_ == MemberState::Stable || consuming_in_rebalance(); }
  /// consuming() for a member that is not stable.
  bool consuming_in_rebalance() const;
  void drop_partitions(const std::vector<std::int32_t>& gids);
  /// The periodic metadata refresh that follows a topic's growth.
  void on_metadata_refresh();
  /// At the end of a join: whether the metadata changed in a way that calls for another one
  /// (Java: the leader's view differs from what it assigned from; librdkafka: a refresh during
  /// the join showed a change newer than what the generation was assigned from).
  bool metadata_changed_since_join() const;

  Group& g_;
  const ClientPolicy policy_;
  std::int32_t index_;
  std::string name_;
  std::string client_id_;
  std::optional<std::string> instance_id_;
  MemberState state_ = MemberState::Unjoined;
  std::string member_id_;
  std::int32_t generation_ = -1;
  std::uint32_t incarnation_ = 0;
  std::vector<std::int32_t> assigned_;  // sorted; call invalidate_view() after changing it
  /// The last assignment as received and its generation, kept for assignors that send them in
  /// their user data (AssignorInfo::remembers_assignment); survives eager revocation.
  std::vector<std::int32_t> last_assignment_;
  std::int32_t last_assignment_generation_ = -1;
  std::vector<std::int64_t> position_;
  std::vector<std::int64_t> committed_pos_;  // positions at the last commit sent
  bool rejoin_needed_ = false;
  bool join_in_flight_ = false;
  bool busy_ = false;
  bool idle_ = false;
  bool close_requested_ = false;
  std::function<void()> on_closed_;
  std::string rejoin_reason_ = "join";
  std::vector<std::int32_t> revoke_pending_;  // consumer protocol: partitions being given up
  sim::Time batch_start_ = 0;
  sim::EventId commit_timer_ = 0;
  sim::EventId revocation_event_ = 0;  // consumer protocol: a revocation waiting for its commit
  sim::EventId callback_event_ = 0;    // consumer protocol: a first assignment waiting for its callback
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
  sim::Time metadata_anchor_ = -1;       // bootstrap metadata; refreshes follow every metadata_max_age
  std::int32_t view_version_ = 0;        // Broker::metadata_version() at the last refresh
  std::int32_t assignment_version_ = -1;  // the leader's view when it assigned (-1: not the leader)
  bool metadata_refreshed_in_join_ = false;  // librdkafka: a refresh showed a change during a join
  sim::Time last_join_sent_ = -1;  // last JoinGroup sent (librdkafka spaces them: ClientPolicy::join_interval)
  bool join_deferred_ = false;     // a JoinGroup waits for the join interval
  sim::Time heartbeat_due_ = 0;  // when the scheduled heartbeat became due
  bool assigned_before_ = false;  // this client has run the assignor as leader (first_assignment_cost)
  bool reconciled_before_ = false;  // consumer protocol: this client has taken partitions (first_reconcile_cost)
  bool ran_dry_ = true;          // the last poll found no records (the next batch follows an idle wait)
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
  // A fetcher that leaves buffered partitions out of its fetches (ClientPolicy::fetch_on_response):
  // - bit i of left_out_: partition i is not in the fetch in flight (or the last one sent), so
  //   neither its appends answer that fetch nor its response brings its records;
  // - bit i of behind_: partition i's buffer ends at its own cut, own_cut_[i], older than cut_
  //   (it was left out of the fetch that last moved cut_).
  // All zero for the other fetchers.
  std::vector<std::uint64_t> left_out_;
  std::vector<std::uint64_t> behind_;
  std::vector<sim::Time> own_cut_;
  bool any_left_out_ = false;
  bool any_behind_ = false;
  static bool bit(const std::vector<std::uint64_t>& v, std::size_t i) { return (v[i >> 6] >> (i & 63)) & 1; }
  /// The cut that partition @p i's buffer ends at.
  sim::Time cut_of(std::size_t i) const { return any_behind_ && bit(behind_, i) ? own_cut_[i] : cut_; }
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
  ProcessingTime processing_;
  sim::Rng heartbeat_rng_;  // the heartbeat thread's lag (ClientPolicy::heartbeat_check_period)
};

}  // namespace cgsim::models
