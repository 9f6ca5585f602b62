#pragma once
/// @file consumer.hpp
/// A consumer client: one connection with one channel consuming one queue, processing the
/// messages it is sent one at a time in delivery order and settling them.
///
/// Manual acknowledgement sends basic.ack after processing, one per message or, with
/// `multiple: n`, one ack with multiple=true for every n messages (and whenever the client runs
/// out of work, so nothing waits on an idle client). A failed message (reject_probability) is
/// nacked, with or without requeue. Under auto-ack the broker settled the message on delivery;
/// the client only processes it, and what it holds is lost if it crashes.
///
/// Faults: crash drops the connection without acks (the broker notices one latency later and
/// requeues every unacknowledged delivery); leave stops taking work once the message in hand is
/// done: it sends that message's ack and basic.cancel together (at once when idle), finishes the
/// deliveries that reach it before cancel-ok, acks them and closes; a channel closed by the
/// broker's consumer timeout drops the client's prefetched messages and reopens after
/// reconnect_delay.
#include <cstdint>
#include <deque>

#include "models/rabbitmq/scenario.hpp"
#include "models/rabbitmq/signals.hpp"
#include "sim/callback.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models::rabbitmq {

class World;
class Broker;

class Consumer {
 public:
  /// @param life how many clients carried this index before (names its random streams)
  Consumer(World& world, std::int32_t group, std::int32_t member, std::uint32_t life);
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  /// Connects: the channel opens and the consumer registers one latency later.
  void start();
  /// The process dies: nothing more is processed or acknowledged.
  void crash();
  /// basic.cancel, drain, ack, close; @p on_closed runs once the close is sent.
  void leave(sim::Callback on_closed = nullptr);
  /// Processing takes @p factor times longer until @p until.
  void slow(double factor, sim::Time until);

  ConsumerState state() const { return state_; }
  bool stopped() const { return state_ == ConsumerState::Crashed || (state_ == ConsumerState::Closed && leaving_); }
  std::int32_t group() const { return group_; }
  std::int32_t member() const { return member_; }
  std::uint64_t processed() const { return processed_; }
  /// Nanoseconds spent processing (for utilisation).
  sim::Time busy_time() const { return busy_ns_; }

  // Frames from the broker.
  void on_delivery(std::int32_t channel, std::uint32_t slot, std::uint64_t id, std::uint64_t tag);
  void on_cancel_ok(std::int32_t channel);
  void on_channel_closed(std::int32_t channel);

 private:
  struct Held {
    std::uint32_t slot;
    std::uint64_t id;
    std::uint64_t tag;
    std::uint64_t seq;
    std::uint64_t key;
    sim::Time published;
    sim::Time delivered;
    std::int32_t queue;
    bool redelivered;
  };
  void open();
  void start_next();
  void finish();
  void flush_acks();
  /// Sends the pending acks, then basic.cancel.
  void send_cancel();
  void maybe_close();
  void set_state(ConsumerState s);
  /// Frees what the client held under auto-ack (lost with it).
  void drop_held();

  World& world_;
  Broker& broker_;
  sim::Engine& engine_;
  const ConsumerGroupSpec& spec_;
  std::int32_t group_;
  std::int32_t member_;
  std::int32_t queue_;
  sim::Rng processing_rng_;
  sim::Rng reject_rng_;
  ConsumerState state_ = ConsumerState::Closed;
  std::int32_t channel_ = -1;  // the open channel, -1 while none
  std::deque<Held> buffer_;
  Held current_{};
  bool busy_ = false;
  sim::EventId done_event_ = 0;
  sim::Time started_at_ = 0;
  std::uint64_t pending_tag_ = 0;   // last processed, not yet acknowledged tag
  std::int32_t pending_count_ = 0;
  bool leaving_ = false;
  bool cancel_pending_ = false;  // leaving: basic.cancel goes out when the message in hand is done
  bool cancel_ok_ = false;
  sim::Callback on_closed_;
  double slow_factor_ = 1.0;
  sim::Time slow_until_ = 0;
  std::uint64_t processed_ = 0;
  sim::Time busy_ns_ = 0;
};

}  // namespace cgsim::models::rabbitmq
