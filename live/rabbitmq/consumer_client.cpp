#include "live/rabbitmq/consumer_client.hpp"

#include <sys/time.h>

#include <algorithm>
#include <cstring>

#include "live/rabbitmq/recorder.hpp"
#include "models/common/error.hpp"
#include "models/rabbitmq/message.hpp"

namespace cgsim::live::rabbitmq {

namespace {

/// The model's own stream names (models/rabbitmq/consumer.cpp): each client draws the processing
/// times and nack decisions its simulated counterpart draws, in the same order, so live and
/// simulated runs differ by what the broker and the clients do, not by independent samples (with
/// few, long, exponential processings the samples alone move a consumer's share by several pp).
std::string stream(std::int32_t g, std::int32_t m, std::uint32_t life, const char* what) {
  return "rabbitmq/consumer/" + std::to_string(g) + "/" + std::to_string(m) + "/" + std::to_string(life) + "/" + what;
}

/// How long one wait for a delivery may block before the loop looks at its flags again.
constexpr suseconds_t kPollMicros = 20000;

}  // namespace

ConsumerClient::ConsumerClient(RunContext& ctx, std::int32_t group, std::int32_t member, std::uint32_t life)
    : ctx_(ctx),
      spec_(ctx.scenario->consumers[static_cast<std::size_t>(group)]),
      group_(group),
      member_(member),
      queue_(ctx.scenario->queue_index(spec_.queue)),
      life_(life),
      name_(spec_.name + "/" + std::to_string(member)),
      tag_("cgsim-" + spec_.name + "-" + std::to_string(member) + "-" + std::to_string(life)),
      processing_rng_(ctx.scenario->seed, stream(group, member, life, "processing")),
      reject_rng_(ctx.scenario->seed, stream(group, member, life, "reject")) {}

ConsumerClient::~ConsumerClient() {
  crash();
  join();
}

void ConsumerClient::start() { thread_ = std::thread([this] { run(); }); }

void ConsumerClient::join() {
  if (thread_.joinable()) thread_.join();
}

void ConsumerClient::crash() {
  std::lock_guard lk(mu_);
  if (stopped_ || crashed_) return;
  crashed_ = true;
  if (conn_) conn_->abort();
  cv_.notify_all();
}

void ConsumerClient::leave() { leaving_ = true; }

void ConsumerClient::slow(double factor, std::int64_t until_ns) {
  slow_until_ = until_ns;
  slow_factor_ = factor;
}

void ConsumerClient::finish() {
  std::lock_guard lk(mu_);
  ending_ = true;
  cv_.notify_all();
}

bool ConsumerClient::wait_until(Clock::time_point deadline) {
  std::unique_lock lk(mu_);
  cv_.wait_until(lk, deadline, [this] { return crashed_.load() || ending_.load(); });
  return !crashed_ && !ending_;
}

void ConsumerClient::run() {
  try {
    AmqpConnection conn(ctx_.address, ctx_.connect_timeout_s, name_);
    {
      std::lock_guard lk(mu_);
      conn_ = &conn;
      if (crashed_) conn.abort();
    }
    try {
      loop(conn);
    } catch (const Error& e) {
      if (!crashed_ && !ending_) ctx_.fail(e.what());
    }
    std::lock_guard lk(mu_);
    conn_ = nullptr;
    stopped_ = true;
  } catch (const Error& e) {
    stopped_ = true;
    if (!crashed_ && !ending_) ctx_.fail(e.what());
  }
}

void ConsumerClient::loop(AmqpConnection& conn) {
  if (!spec_.ack.automatic && spec_.prefetch > 0) conn.qos(static_cast<std::uint16_t>(spec_.prefetch));
  conn.consume(ctx_.queue_names[static_cast<std::size_t>(queue_)], tag_, spec_.ack.automatic, spec_.priority);
  ctx_.recorder->consumer_state(group_, member_, "Consuming");
  registered_ = true;
  bool cancelled = false;
  for (;;) {
    if (crashed_) {
      ctx_.recorder->consumer_state(group_, member_, "Crashed");
      return;
    }
    if (ending_ || ctx_.abort) {
      // The run is over: close, so that what this client holds goes back to the queue.
      conn.close();
      return;
    }
    if (leaving_ && !cancelled) {
      // basic.cancel is a synchronous RPC: rabbitmq-c keeps the deliveries that arrive before
      // cancel-ok queued, and the loop below works them off before closing.
      conn.cancel(tag_);
      cancelled = true;
      ctx_.recorder->consumer_state(group_, member_, "Cancelling");
    }
    // Frames queued during an RPC (deliveries that arrived before cancel-ok) live in the
    // channel's pool: release it only when none are waiting.
    const bool queued = amqp_frames_enqueued(conn.state()) != 0;
    if (!queued) amqp_maybe_release_buffers(conn.state());
    // After cancel-ok, what was queued before it is processed; a delivery the broker sends
    // after cancel-ok is counted and left unacknowledged (the close requeues it), and the client
    // closes once none has come for one poll interval.
    const bool late = cancelled && !queued;
    amqp_envelope_t env;
    timeval tv{0, cancelled && !late ? 0 : kPollMicros};
    const amqp_rpc_reply_t r = amqp_consume_message(conn.state(), &env, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      if (late) {
        ctx_.recorder->count("deliveries after cancel-ok (requeued by the close)");
      } else {
        handle(conn, env);
      }
      amqp_destroy_envelope(&env);
      continue;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) {
      flush_acks(conn);
      if (cancelled) {
        conn.close();
        ctx_.recorder->consumer_state(group_, member_, "Closed");
        return;
      }
      continue;
    }
    if (crashed_) continue;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      // A method other than a delivery: acks of nothing we asked for, a broker-side cancel or a
      // channel closed by the broker (consumer timeout).
      amqp_frame_t frame;
      timeval zero{0, 0};
      if (amqp_simple_wait_frame_noblock(conn.state(), &frame, &zero) != AMQP_STATUS_OK) continue;
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      if (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD) {
        throw BrokerError("RabbitMQ " + name_ + ": the broker closed the channel");
      }
      if (frame.payload.method.id == AMQP_BASIC_CANCEL_METHOD) {
        throw BrokerError("RabbitMQ " + name_ + ": the broker cancelled the consumer");
      }
      continue;
    }
    conn.check(r, "waiting for deliveries");
  }
}

namespace {
/// A delivery this soon after the previous processing ended came on the ack's round trip.
constexpr std::int64_t kPaybackNs = 1'000'000;
}  // namespace

bool ConsumerClient::handle(AmqpConnection& conn, const amqp_envelope_t& env) {
  ++unacked_;
  MessageHead head{};
  if (env.message.body.len >= sizeof head) std::memcpy(&head, env.message.body.bytes, sizeof head);
  const std::int64_t start = ctx_.now_ns();
  if (idle_ack_ns_ >= 0) ctx_.recorder->ack_to_delivery(start - idle_ack_ns_, start - idle_done_ns_);
  idle_ack_ns_ = -1;
  double secs = spec_.processing_time.sample(processing_rng_);
  if (slow_factor_ != 1.0 && start < slow_until_) secs *= slow_factor_;
  // Working off deliveries that were already waiting, a processing is planned to end its drawn
  // time after the previous one's planned end, not after its own start: the timer's lateness and
  // the client's own work per message (reading the frame, acking) are paid back within the busy
  // period, so a busy consumer serves at the scenario's rate, as the model's does. A delivery
  // that came within kPaybackNs of the previous end (the ack's round trip under a full prefetch
  // window: the lateness delayed it) pays back that processing's timer lateness only.
  std::int64_t begin = start;
  if (chain_end_ns_ >= 0 && chain_end_ns_ < start) {
    begin = chain_end_ns_;
  } else if (last_done_ns_ >= 0 && start - last_done_ns_ <= kPaybackNs) {
    begin = start - last_lateness_ns_;
  }
  const std::int64_t planned = begin + static_cast<std::int64_t>(secs * 1e9);
  chain_end_ns_ = -1;
  if (!wait_until(ctx_.at(planned))) return false;
  const std::int64_t done = ctx_.now_ns();
  const auto overshoot = done - planned;
  last_done_ns_ = done;
  last_lateness_ns_ = std::max<std::int64_t>(0, done - std::max(planned, start));
  if (ctx_.board) ctx_.board->add_consumed();
  ctx_.recorder->processed(LiveProcessing{group_, member_, queue_, head.id, head.key, head.published_ns, done,
                                          env.redelivered != 0, overshoot});
  const bool more = amqp_data_in_buffer(conn.state()) || amqp_frames_enqueued(conn.state());
  if (more) chain_end_ns_ = planned;
  if (spec_.ack.automatic) {
    --unacked_;
    return true;
  }
  const bool failed = spec_.ack.reject_probability > 0 && reject_rng_.uniform() < spec_.ack.reject_probability;
  if (failed) {
    flush_acks(conn);
    conn.nack(env.delivery_tag, spec_.ack.reject_requeue);
    --unacked_;
    ctx_.recorder->nacked(group_, queue_, head.id, spec_.ack.reject_requeue, done);
    return true;
  }
  pending_tag_ = env.delivery_tag;
  ++pending_count_;
  if (pending_count_ >= spec_.ack.multiple || !more) flush_acks(conn);
  if (!more) {
    idle_done_ns_ = done;
    idle_ack_ns_ = ctx_.now_ns();
  }
  return true;
}

void ConsumerClient::flush_acks(AmqpConnection& conn) {
  if (pending_count_ == 0) return;
  conn.ack(pending_tag_, spec_.ack.multiple > 1);
  unacked_ -= static_cast<std::uint64_t>(pending_count_);
  pending_count_ = 0;
}

}  // namespace cgsim::live::rabbitmq
