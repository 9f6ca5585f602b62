#pragma once
/// @file consumer_client.hpp
/// One live consumer: a thread with its own connection and channel consuming one queue with the
/// group's prefetch (basic.qos), ack mode, priority and processing time, as the model's consumer
/// (models/rabbitmq/consumer.hpp) does: one message at a time in delivery order, basic.ack after
/// each (or one multiple=true ack every n and whenever nothing more has arrived), a failed
/// message (reject_probability) nacked.
///
/// Faults, called from the scheduling thread: crash() shuts the socket down (no basic.cancel, no
/// close: the broker requeues every unacknowledged delivery with redelivered set) and drops the
/// message in hand; leave() asks for basic.cancel, the client finishes what reached it before
/// cancel-ok, acks and closes; slow() multiplies processing times for a while; finish() ends the
/// run: nothing more is processed and the connection closes, so unacknowledged messages return
/// to the queue and count in its final depth.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "live/rabbitmq/run_context.hpp"
#include "sim/rng.hpp"

namespace cgsim::live::rabbitmq {

class ConsumerClient {
 public:
  ConsumerClient(RunContext& ctx, std::int32_t group, std::int32_t member, std::uint32_t life);
  ~ConsumerClient();
  ConsumerClient(const ConsumerClient&) = delete;
  ConsumerClient& operator=(const ConsumerClient&) = delete;

  void start();
  void crash();
  void leave();
  void slow(double factor, std::int64_t until_ns);
  void finish();
  /// Waits for the thread to end.
  void join();
  /// The client has closed or crashed (its thread is ending or has ended).
  bool stopped() const { return stopped_.load(); }
  bool crashed() const { return crashed_.load(); }
  /// basic.consume has been answered (the broker has registered the consumer).
  bool registered() const { return registered_.load(); }
  std::int32_t member() const { return member_; }
  std::uint32_t life() const { return life_; }
  /// Deliveries received and not yet settled (the client's view of its unacknowledged ones).
  std::uint64_t unacked() const { return unacked_.load(); }

 private:
  void run();
  void loop(AmqpConnection& conn);
  /// Processes one delivery; false when the client crashed or the run ended meanwhile.
  bool handle(AmqpConnection& conn, const amqp_envelope_t& env);
  void flush_acks(AmqpConnection& conn);
  /// Sleeps until @p deadline unless the client crashes or the run ends; false if it did.
  bool wait_until(Clock::time_point deadline);

  RunContext& ctx_;
  const models::rabbitmq::ConsumerGroupSpec& spec_;
  std::int32_t group_, member_, queue_;
  std::uint32_t life_;
  std::string name_, tag_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  AmqpConnection* conn_ = nullptr;  ///< guarded by mu_, for crash()
  std::atomic<bool> crashed_{false}, leaving_{false}, ending_{false}, stopped_{false}, registered_{false};
  std::atomic<double> slow_factor_{1.0};
  std::atomic<std::int64_t> slow_until_{0};
  std::atomic<std::uint64_t> unacked_{0};
  std::uint64_t pending_tag_ = 0;
  std::int32_t pending_count_ = 0;
  /// The planned end of the previous processing when a delivery was already waiting at its end
  /// (the next processing is planned from it); -1 otherwise.
  std::int64_t chain_end_ns_ = -1;
  /// The previous processing's end and how late it was against its plan (from its own start).
  std::int64_t last_done_ns_ = -1, last_lateness_ns_ = 0;
  /// When the client last finished a processing and sent its ack with nothing left to process
  /// (it idles until the next delivery); -1 otherwise.
  std::int64_t idle_done_ns_ = -1, idle_ack_ns_ = -1;
  sim::Rng processing_rng_, reject_rng_;
};

}  // namespace cgsim::live::rabbitmq
