#pragma once
/// @file broker.hpp
/// The broker side of a RabbitMQ scenario: exchanges, queues, the message pool and one channel
/// per consumer connection, with the AMQP methods a client's frames invoke when they arrive
/// (basic.consume, basic.ack, basic.nack, basic.cancel, connection close or loss) and the
/// channel's consumer-timeout check.
///
/// Each channel tracks its unacknowledged deliveries in delivery-tag order. A consumer's credit is
/// its prefetch count minus its unacknowledged deliveries (unlimited with prefetch 0 or auto-ack).
/// While a channel has unacknowledged deliveries a tick runs every channel_tick; a tick that finds
/// the oldest one delivered more than consumer_timeout ago closes the channel (PRECONDITION_FAILED)
/// and requeues everything it held, as rabbit_channel's evaluate_consumer_timeout does.
#include <cstdint>
#include <deque>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "models/rabbitmq/exchange.hpp"
#include "models/rabbitmq/message.hpp"
#include "models/rabbitmq/queue.hpp"
#include "models/rabbitmq/scenario.hpp"
#include "models/rabbitmq/signals.hpp"
#include "sim/engine.hpp"

namespace cgsim::models::rabbitmq {

class Consumer;

/// A channel with one consumer on it.
struct Channel {
  struct Unacked {
    std::uint64_t tag;
    std::uint32_t slot;
    sim::Time delivered;
  };
  Consumer* client = nullptr;
  std::int32_t group = 0;
  std::int32_t member = 0;
  std::int32_t queue = 0;
  std::int32_t prefetch = 0;
  std::int32_t priority = 0;
  bool auto_ack = false;
  /// Auto-ack on a quorum queue: the queue checks deliveries out like any others (within a
  /// window of kQuorumAutoAckWindow) and the channel settles each as it reaches it.
  bool quorum_auto_ack = false;
  /// A quorum cancel sent to the queue's Raft log and not applied yet: the consumer is still
  /// served, and what it is delivered meanwhile is returned when the cancel applies.
  bool cancel_applying = false;
  bool open = false;
  bool consuming = false;   ///< registered at its queue (basic.consume, not cancelled)
  bool in_service = false;  ///< in its queue's service order
  std::deque<Unacked> unacked;
  std::uint64_t next_tag = 1;
  /// Deliveries from this tag on were returned to a quorum queue at basic.cancel (never reach
  /// the client).
  std::uint64_t returned_from_tag = ~std::uint64_t{0};
  sim::EventId tick = 0;

  bool returned(std::uint64_t tag) const { return tag >= returned_from_tag; }

  /// rabbit_quorum_queue checks a consumer out with its prefetch, 2000 for prefetch 0 (an
  /// auto-ack client sends no basic.qos).
  static constexpr std::size_t kQuorumAutoAckWindow = 2000;

  bool has_credit() const {
    if (quorum_auto_ack) return unacked.size() < kQuorumAutoAckWindow;
    return auto_ack || prefetch == 0 || unacked.size() < static_cast<std::size_t>(prefetch);
  }
};

class Broker {
 public:
  Broker(sim::Engine& engine, const Scenario& scenario, Signals& signals);
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  sim::Engine& engine() { return engine_; }
  const Scenario& scenario() const { return scenario_; }
  Signals& signals() { return signals_; }
  MessagePool& pool() { return pool_; }
  Exchanges& exchanges() { return exchanges_; }
  Queue& queue(std::int32_t i) { return *queues_[static_cast<std::size_t>(i)]; }
  const Queue& queue(std::int32_t i) const { return *queues_[static_cast<std::size_t>(i)]; }
  std::int32_t queue_count() const { return static_cast<std::int32_t>(queues_.size()); }
  Channel& channel(std::int32_t c) { return channels_[static_cast<std::size_t>(c)]; }
  std::int32_t channel_count() const { return static_cast<std::int32_t>(channels_.size()); }
  sim::Time latency() const { return scenario_.broker.network_latency; }

  /// A publish arriving now from producer spec @p producer with key index @p key (kNoKey: none).
  void publish(std::int32_t exchange, std::string_view routing_key, std::int32_t producer, std::uint64_t key,
               std::int32_t bytes);
  /// Removes a message from its queue's accounting for @p reason: dead-letters it when the queue
  /// has a dead-letter exchange, drops it otherwise; frees its slot unless it is republished.
  void discard(std::uint32_t slot, DropReason reason);

  /// Opens a channel and registers a consumer on @p queue (channel.open, basic.qos,
  /// basic.consume arriving together). Returns the channel id.
  std::int32_t open_channel(Consumer* client, std::int32_t group, std::int32_t member, std::int32_t queue,
                            std::int32_t prefetch, std::int32_t priority, bool auto_ack);
  /// basic.ack of @p tag (with @p multiple, of every tag up to it).
  void ack(std::int32_t channel, std::uint64_t tag, bool multiple);
  /// basic.nack / basic.reject of @p tag.
  void nack(std::int32_t channel, std::uint64_t tag, bool requeue);
  /// basic.cancel: no more deliveries; the client hears cancel-ok one latency later. The
  /// consumer's unacknowledged deliveries stay with it (it may still ack them) until the channel
  /// closes. On a quorum queue, deliveries the queue made to the channel at the instant the
  /// cancel arrives (credit returned by acks sent with it, publishes) are returned to the queue
  /// and never reach the client: see the .cpp.
  void cancel(std::int32_t channel);
  /// The channel closes (client close, connection loss or consumer timeout): its consumer is
  /// deregistered and every unacknowledged delivery is requeued with the redelivered flag.
  void close(std::int32_t channel, RequeueReason why);

  /// Called by a queue: delivers @p slot to @p channel's consumer.
  void deliver(std::int32_t channel, std::uint32_t slot);

  std::uint64_t published() const { return published_; }
  std::uint64_t unroutable() const { return unroutable_; }
  /// Messages held by clients under auto-ack that were lost with their client.
  std::uint64_t lost_in_clients() const { return lost_in_clients_; }
  /// An auto-ack message of @p slot died unprocessed in its client; frees the slot.
  void lose_in_client(std::uint32_t slot);
  /// Messages of queue @p q not settled yet: {never processed, processed at least once} (a
  /// processed one waits for its ack to arrive, or was requeued to be processed again).
  std::pair<std::uint64_t, std::uint64_t> unsettled(std::int32_t q) const;

 private:
  /// Routes a copy of a message into the queues @p routing_key reaches from @p exchange; the
  /// copies take their fields from @p proto. Returns how many queues it reaches (a copy a queue
  /// refuses is signalled and counted there).
  std::size_t route(std::int32_t exchange, std::string_view routing_key, const Message& proto);
  /// Offers @p slot to queue @p q; a refused message is signalled and freed.
  void enqueue(std::int32_t q, std::uint32_t slot);
  void on_tick(std::int32_t channel);
  void arm_tick(std::int32_t channel);
  std::string routing_key_of(const Message& m) const;
  /// A quorum auto-ack delivery reached the channel: settled unless it was returned.
  void settle_on_arrival(std::int32_t channel, std::uint64_t tag);
  /// A quorum cancel applies: the consumer leaves the queue and what it was delivered since the
  /// cancel reached the channel goes back, in tag order.
  void apply_quorum_cancel(std::int32_t channel);

  sim::Engine& engine_;
  const Scenario& scenario_;
  Signals& signals_;
  MessagePool pool_;
  Exchanges exchanges_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::deque<Channel> channels_;  // a deque: Channel references stay valid as channels open
  std::vector<std::int32_t> route_buf_;
  std::vector<std::int32_t> dlx_;  // per queue: dead-letter exchange index, -2 for none
  std::uint64_t published_ = 0;
  std::uint64_t unroutable_ = 0;
  std::uint64_t lost_in_clients_ = 0;
};

}  // namespace cgsim::models::rabbitmq
