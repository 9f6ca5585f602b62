#pragma once
/// @file dispatchers.hpp
/// The dispatcher of each subscription type (see dispatcher.hpp for what they share).
#include <cstdint>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "models/pulsar/dispatcher.hpp"
#include "models/pulsar/selectors/consistent_hashing.hpp"
#include "models/pulsar/selectors/hash_range_auto_split.hpp"
#include "models/pulsar/selectors/hash_range_exclusive.hpp"
#include "sim/engine.hpp"

namespace cgsim::models::pulsar {

/// Exclusive and Failover (Pulsar's PersistentDispatcherSingleActiveConsumer): one active
/// consumer receives everything, in order. Exclusive's is the one consumer; Failover's is chosen
/// by the failover selector (priority level, name; per partition). When the active consumer
/// changes, Failover waits failover_delay before it rewinds the cursor to the first unsettled
/// message and dispatches to the new one (a change during the wait keeps the scheduled rewind);
/// Exclusive rewinds at once. A redelivery request from the active consumer rewinds the cursor
/// too (single messages are never redelivered alone, to keep the order); requests from others,
/// and during the wait, are ignored.
class SingleActiveDispatcher final : public Dispatcher {
 public:
  SingleActiveDispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition);
  void redeliver(Consumer* client, const std::vector<std::int64_t>& entries, RedeliveryReason why) override;
  void redeliver_all(Consumer* client, std::uint32_t epoch) override;
  ConsumerId active() const { return active_; }
  bool rewinding() const { return rewind_timer_ != 0; }

 protected:
  void dispatch() override;
  bool accept(const Attached& a) override;
  void consumers_changed(ConsumerId added, ConsumerId removed) override;

 private:
  void announce(sim::Time from);
  ConsumerId active_ = kNoConsumer;
  sim::EventId rewind_timer_ = 0;
  sim::Time rewind_at_ = 0;
};

/// Shared (PersistentDispatcherMultipleConsumers): messages go round-robin to the consumers with
/// permits, a consumer taking up to dispatcherMaxRoundRobinBatchSize (20) at a time; consumers of
/// the best (lowest) priority level with permits come first. Replayed messages go before new ones.
class SharedDispatcher final : public Dispatcher {
 public:
  using Dispatcher::Dispatcher;
  static constexpr std::int32_t kRoundRobinBatch = 20;

 protected:
  void dispatch() override;
  void consumers_changed(ConsumerId, ConsumerId) override {}

 private:
  Attached* next_consumer();
  std::size_t cursor_ = 0;
};

/// Key_Shared (PersistentStickyKeyDispatcherMultipleConsumers, Pulsar 4.2): the selector maps each
/// message's sticky-key hash to one consumer. Unless allowOutOfOrderDelivery:
/// - when the selector moves a hash to another consumer while the previous one still has
///   unacknowledged messages of that hash, the hash is draining: its messages wait until the
///   previous consumer has acknowledged (or lost) all of them (PIP-379);
/// - a new message waits while an older message of its hash waits for replay;
/// - among replayed messages, one that waits holds back the later ones of its hash.
/// A message whose consumer has no permits waits in the replay set. The replay set is kept by
/// consumer (a hash has one consumer), and a consumer's part is looked at again only when
/// something that could let it move happened: permits, a hash done draining, a message added.
class KeySharedDispatcher final : public Dispatcher {
 public:
  KeySharedDispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition);
  /// The consumer the selector gives hash slot @p hash, or kNoConsumer.
  ConsumerId select(std::int32_t hash) const;
  /// The sticky-key hash of @p entry in this selector's hash range.
  std::int32_t hash_of(std::int64_t entry);
  /// Hashes now draining.
  std::size_t draining() const { return draining_.size(); }
  /// Messages waiting for replay.
  std::size_t waiting() const { return where_.size(); }

 protected:
  void dispatch() override;
  bool accept(const Attached& a) override;
  void consumers_changed(ConsumerId added, ConsumerId removed) override;
  void released(std::int64_t entry, ConsumerId holder) override;
  void flowed(ConsumerId id) override { dirty_.insert(id); }
  void replay_add(std::int64_t entry) override;
  void replay_remove(std::int64_t entry) override;
  void replay_clear() override;

 private:
  struct Drain {
    ConsumerId holder = kNoConsumer;
    std::int64_t count = 0;  ///< the holder's unacknowledged messages of the hash
  };
  /// Tries to send @p entry of hash @p hash to @p a; false when it has to wait.
  bool try_send(Attached* a, std::int64_t entry, std::int32_t hash);
  /// Sends what consumer @p a's part of the replay set can send now.
  void drain_replay(Attached& a);
  /// Recomputes which hashes are draining after the selector changed.
  void recompute_draining();
  bool any_permits() const;
  /// New messages stop being read while this many wait for replay
  /// (keySharedLookAheadMsgInReplayThresholdPerSubscription).
  static constexpr std::size_t kLookAhead = 20000;

  std::variant<ConsistentHashingSelector, HashRangeAutoSplitSelector, HashRangeExclusiveSelector> selector_;
  KeyHashRange range_;
  bool ordered_;
  std::unordered_map<std::uint64_t, std::int32_t> key_hashes_;  ///< key index -> hash
  std::unordered_map<std::int32_t, Drain> draining_;
  std::unordered_map<ConsumerId, std::set<std::int64_t>> buckets_;  ///< replay set by consumer
  std::unordered_map<std::int64_t, ConsumerId> where_;              ///< entry -> its bucket
  std::unordered_map<std::int32_t, std::int32_t> waiting_hashes_;   ///< hash -> messages in replay
  std::unordered_set<ConsumerId> dirty_;                            ///< buckets worth a look
};

/// A dispatcher for subscription @p subscription's type on partition @p partition.
std::unique_ptr<Dispatcher> make_dispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition);

}  // namespace cgsim::models::pulsar
