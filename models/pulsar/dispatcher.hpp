#pragma once
/// @file dispatcher.hpp
/// One subscription on one partition: its cursor and the dispatcher that sends the partition's
/// messages to the subscription's consumers (Pulsar's PersistentSubscription with its
/// dispatcher). The cursor is the mark-delete position (every message before it is settled),
/// the individually settled messages after it, and the read position; messages to send again
/// wait in the replay set and go out before new ones, in position order.
///
/// The broker gives each consumer permits (the client's flow requests) and spends one per
/// message sent. A message sent to a consumer is pending on it until acknowledged; when the
/// consumer goes away its pending messages are replayed. Subclasses decide who gets what:
/// dispatcher_single (Exclusive, Failover), dispatcher_shared (Shared), dispatcher_key_shared
/// (Key_Shared).
#include <cstdint>
#include <deque>
#include <set>
#include <utility>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/pulsar/scenario.hpp"
#include "models/pulsar/selectors/consumer_id.hpp"
#include "models/pulsar/signals.hpp"
#include "models/pulsar/topic.hpp"
#include "sim/time.hpp"

namespace cgsim::models::pulsar {

class World;
class Consumer;

/// A consumer as the broker sees it on one partition.
struct Attached {
  Consumer* client = nullptr;
  ConsumerId id = kNoConsumer;
  std::int32_t member = 0;
  std::string name;
  std::int32_t priority = 0;
  std::int32_t permits = 0;
  std::uint32_t epoch = 0;   ///< the client's latest redelivery epoch; deliveries carry it
};

/// Counters of one partition's subscription.
struct CursorCounters {
  std::uint64_t acked = 0;          ///< messages settled by an acknowledgement
  std::uint64_t dead_lettered = 0;  ///< messages settled by the dead-letter policy
  std::uint64_t processed = 0;      ///< processings finished by consumers
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t redeliveries = 0;   ///< messages put back for dispatch
  /// Messages settled (acknowledged cumulatively past them, or dead-lettered) before any
  /// processing of them had completed.
  std::uint64_t settled_unprocessed = 0;
};

class Dispatcher {
 public:
  Dispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition);
  virtual ~Dispatcher() = default;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Requests from consumer clients (each arrives one request latency after it was sent).
  /// Subscribe: @p client joins this partition's subscription.
  void add_consumer(Consumer* client);
  /// The client closed or its connection dropped: its pending messages are replayed.
  void remove_consumer(Consumer* client);
  /// Flow: @p permits more messages may be sent to @p client.
  void flow(Consumer* client, std::int32_t permits);
  /// Acknowledges @p entry (with @p cumulative, every message up to it).
  void ack(Consumer* client, std::int64_t entry, bool cumulative);
  /// Acknowledges each of @p entries individually (one grouped acknowledgement request).
  void ack(Consumer* client, const std::vector<std::int64_t>& entries);
  /// The client asks for @p entries again (negative ack or ack timeout), raising their
  /// redelivery counts. Single-active dispatchers rewind instead, to keep the order.
  virtual void redeliver(Consumer* client, const std::vector<std::int64_t>& entries, RedeliveryReason why);
  /// The client asks for all its unacknowledged messages again from epoch @p epoch.
  virtual void redeliver_all(Consumer* client, std::uint32_t epoch);
  /// The client published @p entry to the dead-letter topic and acknowledges it.
  void dead_letter(Consumer* client, std::int64_t entry);
  /// The topic appended a message to this partition.
  void on_append() { dispatch(); }

  /// Records that a consumer finished processing @p entry; fills the duplicate and ordering flags.
  void record_processed(ProcessedMessage& m);

  std::int32_t redelivery_count(std::int64_t entry) const;
  bool settled(std::int64_t entry) const { return state_at(entry) != 0; }
  /// Messages not yet settled.
  std::uint64_t backlog() const;
  /// Messages not yet settled: {no processing completed, processed at least once} (a processed
  /// one waits for its ack to arrive, or was put back to be processed again).
  std::pair<std::uint64_t, std::uint64_t> unsettled() const;
  /// Messages sent to a consumer and not yet acknowledged.
  std::uint64_t unacked() const { return pending_.size(); }
  const CursorCounters& counters() const { return counters_; }
  std::int32_t partition() const { return partition_; }
  std::int32_t subscription() const { return subscription_; }
  const std::vector<Attached>& consumers() const { return consumers_; }
  const Topic& topic() const { return topic_; }

 protected:
  /// Sends what can be sent now.
  virtual void dispatch() = 0;
  /// Whether the broker takes consumer @p a (Exclusive takes one; Key_Shared's selector may refuse).
  virtual bool accept(const Attached& /*a*/) { return true; }
  /// The set of consumers changed (after the change).
  virtual void consumers_changed(ConsumerId added, ConsumerId removed) = 0;
  /// A pending message of @p holder was settled or released.
  virtual void released(std::int64_t /*entry*/, ConsumerId /*holder*/) {}
  /// Consumer @p id was granted more permits.
  virtual void flowed(ConsumerId /*id*/) {}
  /// The replay set: messages waiting to be sent again (Key_Shared keeps its own by consumer).
  virtual void replay_add(std::int64_t entry) { replay_.insert(entry); }
  virtual void replay_remove(std::int64_t entry) { replay_.erase(entry); }
  virtual void replay_clear() { replay_.clear(); }

  /// Sends @p entry to @p a: spends a permit, makes it pending on @p a, schedules the delivery.
  void send(Attached& a, std::int64_t entry);
  /// The first unsettled message at or after the read position (ledger size when none), moving
  /// the read position past settled ones.
  std::int64_t next_new();
  bool has_new() { return next_new() < ledger_size(); }
  std::int64_t ledger_size() const { return static_cast<std::int64_t>(topic_.ledger(partition_).size()); }
  /// Moves the read position back to the mark-delete position and forgets pending messages.
  void rewind();
  /// Puts @p entry back for dispatch.
  void replay(std::int64_t entry, RedeliveryReason why);
  Attached* find(ConsumerId id);
  Attached* find(Consumer* client);
  const SubscriptionSpec& spec() const;
  sim::Time now() const;

  World& world_;
  std::int32_t subscription_;
  Topic& topic_;
  std::int32_t partition_;
  std::vector<Attached> consumers_;  ///< in the order they subscribed
  std::set<std::int64_t> replay_;
  std::unordered_map<std::int64_t, ConsumerId> pending_;
  std::int64_t read_ = 0;

 private:
  std::uint8_t state_at(std::int64_t entry) const {
    if (entry < mark_delete_) return 1;
    const auto i = static_cast<std::size_t>(entry - mark_delete_);
    return i < state_.size() ? state_[i] : 0;
  }
  /// Completed processings of @p entry so far (saturating at 255).
  std::uint32_t processings(std::int64_t entry) const;
  /// Settles @p entry (1: acked, 2: dead-lettered).
  void settle(std::int64_t entry, std::uint8_t how);

  std::int64_t mark_delete_ = 0;     ///< every message before it is settled
  std::deque<std::uint8_t> state_;   ///< from mark_delete_: 0 open, 1 acked, 2 dead-lettered
  std::unordered_map<std::int64_t, std::int32_t> redeliveries_;
  std::vector<std::uint8_t> processed_;  ///< processings per message (saturating)
  std::unordered_map<std::uint64_t, std::int64_t> latest_;    ///< key -> latest message processed
  std::unordered_map<std::int64_t, RedeliveryReason> why_;     ///< message -> why it was last put back
  CursorCounters counters_;
};

}  // namespace cgsim::models::pulsar
