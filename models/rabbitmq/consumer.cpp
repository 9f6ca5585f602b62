#include "models/rabbitmq/consumer.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "models/common/priorities.hpp"
#include "models/rabbitmq/broker.hpp"
#include "models/rabbitmq/world.hpp"

namespace cgsim::models::rabbitmq {

namespace {
std::string stream_name(std::int32_t group, std::int32_t member, std::uint32_t life, const char* what) {
  return "rabbitmq/consumer/" + std::to_string(group) + "/" + std::to_string(member) + "/" + std::to_string(life) +
         "/" + what;
}
}  // namespace

Consumer::Consumer(World& world, std::int32_t group, std::int32_t member, std::uint32_t life)
    : world_(world),
      broker_(world.broker()),
      engine_(world.engine()),
      spec_(world.scenario().consumers[static_cast<std::size_t>(group)]),
      group_(group),
      member_(member),
      queue_(world.scenario().queue_index(spec_.queue)),
      processing_rng_(world.scenario().seed, stream_name(group, member, life, "processing")),
      reject_rng_(world.scenario().seed, stream_name(group, member, life, "reject")) {}

void Consumer::set_state(ConsumerState s) {
  if (s == state_) return;
  const ConsumerState from = state_;
  state_ = s;
  world_.signals().consumer_state.emit(group_, member_, from, s, engine_.now());
  // A channel the broker closed (consumer timeout) is neither a leave nor a crash.
  if (s == ConsumerState::Consuming) {
    world_.signals().consumer.emit(group_, member_, models::ConsumerEvent::Joined, engine_.now());
  } else if (s == ConsumerState::Crashed || (s == ConsumerState::Closed && leaving_)) {
    world_.signals().consumer.emit(group_, member_,
                                   s == ConsumerState::Crashed ? models::ConsumerEvent::Crashed : models::ConsumerEvent::Left,
                                   engine_.now());
  }
}

void Consumer::start() {
  set_state(ConsumerState::Consuming);
  engine_.schedule_after(broker_.latency(), models::priority::kNetwork, [this] { open(); });
}

void Consumer::open() {
  if (state_ != ConsumerState::Consuming) return;
  channel_ = broker_.open_channel(this, group_, member_, queue_, spec_.prefetch, spec_.priority, spec_.ack.automatic);
}

void Consumer::on_delivery(std::int32_t channel, std::uint32_t slot, std::uint64_t id, std::uint64_t tag) {
  MessagePool& pool = broker_.pool();
  // A quorum queue's delivery that met basic.cancel in the channel went back to the queue.
  if (broker_.channel(channel).returned(tag)) return;
  if (channel != channel_ || state_ == ConsumerState::Crashed) {
    // The channel is gone: under auto-ack the message was settled and dies here; otherwise the
    // broker requeued it when the channel closed.
    if (spec_.ack.automatic && pool.holds(slot, id)) broker_.lose_in_client(slot);
    return;
  }
  const Message& m = pool[slot];
  buffer_.push_back(Held{slot, id, tag, m.seq, m.key, m.published, engine_.now() - broker_.latency(), m.queue,
                         m.redelivered});
  if (!busy_) start_next();
}

void Consumer::start_next() {
  if (busy_ || buffer_.empty() || state_ == ConsumerState::Crashed) return;
  current_ = buffer_.front();
  buffer_.pop_front();
  busy_ = true;
  started_at_ = engine_.now();
  double secs = spec_.processing_time.sample(processing_rng_);
  if (slow_factor_ != 1.0 && engine_.now() < slow_until_) secs *= slow_factor_;
  const auto d = static_cast<sim::Time>(std::llround(secs * 1e9));
  done_event_ = engine_.schedule_after(d < 0 ? 0 : d, models::priority::kClient, [this] { finish(); });
}

void Consumer::finish() {
  busy_ = false;
  done_event_ = 0;
  busy_ns_ += engine_.now() - started_at_;
  ++processed_;
  MessagePool& pool = broker_.pool();
  const Held h = current_;
  ProcessedMessage rec;
  rec.queue = h.queue;
  rec.group = group_;
  rec.consumer = member_;
  rec.message = h.id;
  rec.key = h.key;
  rec.published = h.published;
  rec.delivered = h.delivered;
  rec.started = started_at_;
  rec.done = engine_.now();
  rec.redelivered = h.redelivered;
  if (pool.holds(h.slot, h.id)) {
    Message& m = pool[h.slot];
    rec.duplicate = m.processed > 0;
    ++m.processed;
  } else {
    rec.duplicate = true;  // settled by another consumer already
  }
  rec.out_of_order = world_.out_of_order(h.queue, h.key, h.seq);
  world_.signals().processed.emit(rec);

  if (spec_.ack.automatic) {
    if (pool.holds(h.slot, h.id)) pool.release(h.slot);
  } else if (channel_ >= 0) {
    const bool failed = spec_.ack.reject_probability > 0 && reject_rng_.uniform() < spec_.ack.reject_probability;
    if (failed) {
      flush_acks();
      const std::int32_t ch = channel_;
      const std::uint64_t tag = h.tag;
      const bool requeue = spec_.ack.reject_requeue;
      Broker* b = &broker_;
      engine_.schedule_after(broker_.latency(), models::priority::kNetwork,
                             [b, ch, tag, requeue] { b->nack(ch, tag, requeue); });
    } else {
      pending_tag_ = h.tag;
      if (++pending_count_ >= spec_.ack.multiple || buffer_.empty()) flush_acks();
    }
  }
  if (cancel_pending_) send_cancel();
  start_next();
  maybe_close();
}

void Consumer::flush_acks() {
  if (pending_count_ == 0 || channel_ < 0) return;
  const std::int32_t ch = channel_;
  const std::uint64_t tag = pending_tag_;
  const bool multiple = spec_.ack.multiple > 1;
  pending_count_ = 0;
  Broker* b = &broker_;
  engine_.schedule_after(broker_.latency(), models::priority::kNetwork, [b, ch, tag, multiple] { b->ack(ch, tag, multiple); });
}

void Consumer::crash() {
  if (state_ == ConsumerState::Crashed) return;
  engine_.cancel(done_event_);
  busy_ = false;
  cancel_pending_ = false;
  drop_held();
  pending_count_ = 0;
  const std::int32_t ch = channel_;
  channel_ = -1;
  set_state(ConsumerState::Crashed);
  if (ch >= 0) {
    Broker* b = &broker_;
    engine_.schedule_after(broker_.latency(), models::priority::kNetwork,
                           [b, ch] { b->close(ch, RequeueReason::ConnectionLost); });
  }
}

void Consumer::drop_held() {
  MessagePool& pool = broker_.pool();
  if (spec_.ack.automatic) {
    if (busy_ && pool.holds(current_.slot, current_.id)) broker_.lose_in_client(current_.slot);
    for (const Held& h : buffer_)
      if (pool.holds(h.slot, h.id)) broker_.lose_in_client(h.slot);
  }
  buffer_.clear();
}

void Consumer::leave(sim::Callback on_closed) {
  if (state_ == ConsumerState::Crashed || leaving_) return;
  leaving_ = true;
  on_closed_ = std::move(on_closed);
  if (channel_ < 0) {
    // No channel to cancel (not open yet, or closed by the broker): done.
    set_state(ConsumerState::Closed);
    if (on_closed_) on_closed_();
    return;
  }
  set_state(ConsumerState::Cancelling);
  if (busy_) {
    cancel_pending_ = true;
    return;
  }
  send_cancel();
}

void Consumer::send_cancel() {
  cancel_pending_ = false;
  if (channel_ < 0) return;  // the broker closed the channel meanwhile
  flush_acks();
  const std::int32_t ch = channel_;
  Broker* b = &broker_;
  engine_.schedule_after(broker_.latency(), models::priority::kNetwork, [b, ch] { b->cancel(ch); });
}

void Consumer::on_cancel_ok(std::int32_t channel) {
  if (channel != channel_) return;
  cancel_ok_ = true;
  maybe_close();
}

void Consumer::maybe_close() {
  if (!leaving_ || !cancel_ok_ || busy_ || !buffer_.empty() || channel_ < 0) return;
  flush_acks();
  const std::int32_t ch = channel_;
  channel_ = -1;
  Broker* b = &broker_;
  engine_.schedule_after(broker_.latency(), models::priority::kNetwork, [b, ch] { b->close(ch, RequeueReason::Cancelled); });
  set_state(ConsumerState::Closed);
  if (on_closed_) on_closed_();
}

void Consumer::on_channel_closed(std::int32_t channel) {
  if (channel != channel_) return;
  // The broker requeued everything the channel held; what is prefetched here is void, and the
  // message in hand is finished but its ack has nowhere to go.
  channel_ = -1;
  buffer_.clear();
  pending_count_ = 0;
  if (leaving_) {
    set_state(ConsumerState::Closed);
    if (on_closed_) on_closed_();
    return;
  }
  set_state(ConsumerState::Closed);
  if (spec_.reconnect_delay == sim::kNever) return;
  engine_.schedule_after(spec_.reconnect_delay, models::priority::kClient, [this] {
    if (state_ != ConsumerState::Closed || leaving_) return;
    start();
  });
}

void Consumer::slow(double factor, sim::Time until) {
  slow_factor_ = factor;
  slow_until_ = until;
}

}  // namespace cgsim::models::rabbitmq
