#pragma once
/// @file queue.hpp
/// One queue: its ready messages, its consumers' service order and the dispatch loop.
///
/// Ready messages are served in FIFO order. Where a returned message goes depends on the queue
/// type, as in RabbitMQ 3.10:
/// - classic: back to its original position (ready messages stay ordered by enqueue sequence);
/// - quorum: onto the queue's returns list, which is served before any other ready message, in
///   the order the messages came back (rabbit_fifo's `returns`).
///
/// Consumers with credit wait in a service order by priority (x-priority, highest first) and,
/// within a priority, round-robin: a consumer that receives a message goes to the back of its
/// priority, one that runs out of credit leaves the order and rejoins at the back when credit
/// returns. With single active consumer only the earliest registered consumer still present is
/// served. The x-max-length / x-max-length-bytes limits count ready messages only.
#include <cstdint>
#include <deque>
#include <vector>

#include "models/rabbitmq/message.hpp"
#include "models/rabbitmq/scenario.hpp"
#include "sim/engine.hpp"

namespace cgsim::models::rabbitmq {

class Broker;

/// What happened to a queue's messages so far. In a consistent state
/// enqueued = acked + dropped + dead_lettered + ready + unacked (an auto-ack message is counted
/// acked on delivery).
struct QueueCounters {
  std::uint64_t enqueued = 0;          ///< copies accepted (published or dead-lettered into it)
  /// Quorum: copies routed to it whose enqueue has not applied yet (neither accepted nor refused).
  std::uint64_t applying = 0;
  std::uint64_t acked = 0;             ///< settled by an ack, or on delivery with auto-ack
  std::uint64_t dropped = 0;           ///< discarded (no dead-letter exchange, or unroutable there)
  std::uint64_t dead_lettered = 0;     ///< republished to the dead-letter exchange
  std::uint64_t publish_rejected = 0;  ///< refused by reject-publish (never enqueued)
  std::uint64_t requeued = 0;          ///< returns (each return of a message counts)
  std::uint64_t delivered = 0;         ///< deliveries, redeliveries included
  /// Of dropped and dead_lettered, the messages no consumer had finished processing.
  std::uint64_t discarded_unprocessed = 0;
  /// Auto-ack messages that died unprocessed in a client (a crash, a closed channel).
  std::uint64_t lost_in_clients = 0;
};

class Queue {
 public:
  Queue(Broker& broker, const QueueSpec& spec, std::int32_t index);

  const QueueSpec& spec() const { return spec_; }
  std::int32_t index() const { return index_; }
  /// Ready messages (returns included) and their bytes.
  std::uint64_t ready() const { return ready_.size() + returns_.size(); }
  std::uint64_t ready_bytes() const { return ready_bytes_; }
  /// Messages delivered and not yet settled.
  std::uint64_t unacked() const { return unacked_; }
  QueueCounters& counters() { return counters_; }
  const QueueCounters& counters() const { return counters_; }

  /// Offers a new message: returns false when reject-publish refuses it (the caller frees it).
  /// A drop-head overflow drops or dead-letters from the head after accepting it.
  bool offer(std::uint32_t slot);
  /// Puts a delivered, unsettled message back (nack with requeue, channel closed, cancelled).
  /// Quorum queues count the return and dead-letter the message past the delivery limit.
  void requeue(std::uint32_t slot);
  /// A delivered message left the consumer's hands for good (acked, rejected): unacked - 1.
  void settled() { --unacked_; }

  /// Registers a consumer's channel (basic.consume).
  void add_consumer(std::int32_t channel, std::int32_t priority);
  /// Deregisters it (basic.cancel or channel closed).
  void remove_consumer(std::int32_t channel);
  /// The channel has credit again: it rejoins the service order.
  void credit_returned(std::int32_t channel);
  /// Delivers ready messages while a consumer has credit.
  void dispatch();

 private:
  struct Level {
    std::int32_t priority;
    std::deque<std::int32_t> channels;
  };
  bool eligible(std::int32_t channel) const;
  void enter_service(std::int32_t channel);
  void leave_service(std::int32_t channel);
  std::int32_t next_consumer();
  std::uint32_t take_next();
  std::uint32_t peek_next() const { return returns_.empty() ? ready_.front() : returns_.front(); }
  void insert_classic(std::uint32_t slot);
  bool over_limit() const;
  /// Drops expired messages at the head and arms the timer for the next expiry.
  void expire_head();
  void arm_expiry();

  Broker& broker_;
  const QueueSpec& spec_;
  std::int32_t index_;
  std::deque<std::uint32_t> ready_;    // classic: by seq; quorum: enqueue order
  std::deque<std::uint32_t> returns_;  // quorum only
  std::uint64_t ready_bytes_ = 0;
  std::uint64_t unacked_ = 0;
  std::uint64_t next_seq_ = 0;
  bool blocked_ = false;  // quorum reject-publish: blocked until below the soft limit
  QueueCounters counters_;
  std::vector<Level> levels_;               // service order, highest priority first
  std::vector<std::int32_t> registered_;    // consumers in basic.consume order
  sim::EventId expiry_timer_ = 0;
  sim::Time expiry_at_ = sim::kNever;
};

}  // namespace cgsim::models::rabbitmq
