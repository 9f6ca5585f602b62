#pragma once
/// @file consumer.hpp
/// A consumer client (the Java client's ConsumerImpl, or its multi-topics form on a partitioned
/// topic): it subscribes to the subscription on every partition, keeps a receiver queue and
/// processes one message at a time in arrival order.
///
/// Flow control: on subscribing it grants receiver_queue_size permits per partition (on a
/// partitioned topic at most maxTotalReceiverQueueSizeAcrossPartitions / partitions); each message
/// the application takes from the queue frees one, and once half the queue's worth is free the
/// client sends them in one flow request. Acknowledgements: individual after each message, or
/// cumulative (Exclusive and Failover), grouped as the client's acknowledgement tracker groups
/// them: collected per partition and sent together by a timer every ack_group_time (its phase
/// drawn from the consumer's own stream, as a real client's timer starts whenever the client
/// was built), or at once when 1000 individual ones wait on a partition; a message the broker
/// sends again while its acknowledgement waits is dropped by the client (isDuplicate). Ack timeout: a message the application took and has not
/// acknowledged ack_timeout later is asked for again. A failed message is negatively acknowledged
/// and asked for again negative_ack_redelivery_delay later. On Shared and Key_Shared the client
/// asks for those messages alone; with a dead-letter policy, a message whose redelivery count has
/// reached max_redeliveries is sent to the dead-letter topic and acknowledged instead. On
/// Exclusive and Failover it asks for everything unacknowledged: it clears its receiver queue,
/// starts a new epoch (deliveries of older epochs are dropped) and the broker rewinds.
///
/// Faults: crash stops the client at once, losing the acknowledgements not sent yet (the broker
/// drops it one latency later and sends those messages again); leave finishes the message in
/// hand, acknowledges it, sends the waiting acknowledgements and closes.
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "models/common/processing.hpp"
#include "models/pulsar/selectors/consumer_id.hpp"
#include "models/pulsar/signals.hpp"
#include "sim/callback.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models::pulsar {

class World;
class Dispatcher;
struct SubscriptionSpec;

/// The Java client's default maxTotalReceiverQueueSizeAcrossPartitions.
inline constexpr std::int32_t kMaxTotalReceiverQueueSize = 50000;
/// The Java client's default maxAcknowledgmentGroupSize: individual acknowledgements waiting on a
/// partition that make the tracker send them at once.
inline constexpr std::size_t kMaxAckGroupSize = 1000;

class Consumer {
 public:
  /// @param life how many clients carried this index before (names its random streams)
  Consumer(World& world, std::int32_t subscription, std::int32_t member, std::uint32_t life, ConsumerId id);
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  /// Subscribes on every partition (one request latency later) and grants the first permits.
  void start();
  void crash();
  /// Finishes the message in hand, then closes; @p on_closed runs once the close is sent.
  void leave(sim::Callback on_closed = nullptr);
  void slow(double factor, sim::Time until) { processing_.slow(factor, until); }

  /// A message from @p d: @p entry sent at @p sent with the client's epoch @p epoch at the broker.
  void on_message(Dispatcher* d, std::int64_t entry, sim::Time sent, std::uint32_t epoch, std::int32_t redelivery_count);

  ConsumerId id() const { return id_; }
  std::int32_t member() const { return member_; }
  const std::string& name() const { return name_; }
  std::int32_t priority_level() const { return priority_; }
  ConsumerState state() const { return state_; }
  bool stopped() const { return state_ == ConsumerState::Closed || state_ == ConsumerState::Crashed; }
  std::uint64_t processed() const { return processed_; }
  sim::Time busy_time() const { return busy_ns_; }
  std::size_t queued() const { return queue_.size(); }

 private:
  struct Held {
    Dispatcher* d;
    std::int64_t entry;
    sim::Time sent;
    std::uint32_t epoch;
    std::int32_t redelivery_count;
  };
  const SubscriptionSpec& spec() const;
  std::size_t slot(const Dispatcher* d) const;
  void set_state(ConsumerState s);
  void next();
  void finish();
  /// Frees one permit of partition @p p; sends a flow request once half the queue is free.
  void consumed(std::size_t p);
  /// Asks again for @p h (ack timeout or negative ack), or dead-letters it.
  void give_back(const Held& h, RedeliveryReason why);
  void close();
  /// Keeps the acknowledgement of @p entry on partition @p p for the next flush (or sends it now
  /// without grouping, or when the partition's group is full).
  void acknowledge(std::size_t p, std::int64_t entry);
  /// Sends the acknowledgements waiting on partition @p p (all partitions when p is npos).
  void flush(std::size_t p = static_cast<std::size_t>(-1));
  void schedule_flush(sim::Time after);
  /// Whether the acknowledgement of @p entry on partition @p p waits in the group.
  bool ack_waiting(std::size_t p, std::int64_t entry) const;
  /// Sends @p fn to the broker: it runs one request latency later.
  template <typename F>
  void request(F&& fn);

  World& world_;
  std::int32_t subscription_;
  std::int32_t member_;
  ConsumerId id_;
  std::string name_;
  std::int32_t priority_ = 0;
  std::int32_t queue_size_ = 0;  ///< receiver queue size per partition
  ConsumerState state_ = ConsumerState::Connecting;
  ProcessingTime processing_;
  sim::Rng failures_;
  std::vector<Dispatcher*> dispatchers_;   ///< one per partition
  std::vector<std::int32_t> freed_;        ///< permits freed and not yet sent, per partition
  std::vector<std::uint32_t> epochs_;      ///< per partition
  std::vector<std::set<std::int64_t>> acks_;  ///< individual acknowledgements waiting, per partition
  std::vector<std::int64_t> cumulative_;   ///< cumulative acknowledgement waiting per partition (-1: none)
  sim::Rng ack_phase_;
  sim::EventId flush_timer_ = 0;
  std::deque<Held> queue_;
  bool busy_ = false;
  Held current_{};
  sim::Time started_ = 0;
  sim::EventId done_timer_ = 0;
  sim::EventId ack_timer_ = 0;
  bool leaving_ = false;
  sim::Callback on_closed_;
  std::uint64_t processed_ = 0;
  sim::Time busy_ns_ = 0;
};

}  // namespace cgsim::models::pulsar
