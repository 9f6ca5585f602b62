#include "models/rabbitmq/queue.hpp"

#include <algorithm>

#include "models/common/priorities.hpp"
#include "models/rabbitmq/broker.hpp"

namespace cgsim::models::rabbitmq {

Queue::Queue(Broker& broker, const QueueSpec& spec, std::int32_t index)
    : broker_(broker), spec_(spec), index_(index) {}

bool Queue::over_limit() const {
  return (spec_.max_length >= 0 && ready() > static_cast<std::uint64_t>(spec_.max_length)) ||
         (spec_.max_length_bytes >= 0 && ready_bytes_ > static_cast<std::uint64_t>(spec_.max_length_bytes));
}

bool Queue::offer(std::uint32_t slot) {
  Message& m = broker_.pool()[slot];
  if (spec_.overflow == QueueSpec::Overflow::RejectPublish) {
    if (spec_.type == QueueSpec::Type::Classic) {
      // A classic queue refuses a publish that would take it past a limit.
      const bool full_len = spec_.max_length >= 0 && ready() + 1 > static_cast<std::uint64_t>(spec_.max_length);
      const bool full_bytes = spec_.max_length_bytes >= 0 &&
                              ready_bytes_ + static_cast<std::uint64_t>(m.bytes) > static_cast<std::uint64_t>(spec_.max_length_bytes);
      if (full_len || full_bytes) {
        ++counters_.publish_rejected;
        return false;
      }
    } else if (blocked_) {
      // A quorum queue blocks its publishers once over a limit and lets them go again when the
      // ready messages are back at 80% of it (rabbit_fifo's soft limit).
      ++counters_.publish_rejected;
      return false;
    }
  }
  m.queue = index_;
  m.seq = next_seq_++;
  m.expires = spec_.message_ttl >= 0 ? broker_.engine().now() + spec_.message_ttl : sim::kNever;
  ready_.push_back(slot);
  ready_bytes_ += static_cast<std::uint64_t>(m.bytes);
  ++counters_.enqueued;
  if (over_limit()) {
    if (spec_.overflow == QueueSpec::Overflow::DropHead) {
      while (over_limit()) {
        const std::uint32_t head = take_next();
        broker_.discard(head, DropReason::MaxLength);
      }
    } else if (spec_.type == QueueSpec::Type::Quorum) {
      blocked_ = true;
    }
  }
  if (ready() == 1) arm_expiry();
  dispatch();
  return true;
}

void Queue::insert_classic(std::uint32_t slot) {
  MessagePool& pool = broker_.pool();
  const std::uint64_t seq = pool[slot].seq;
  // Requeued messages are older than most ready ones: search from the front.
  auto it = std::partition_point(ready_.begin(), ready_.end(), [&](std::uint32_t s) { return pool[s].seq < seq; });
  ready_.insert(it, slot);
}

void Queue::requeue(std::uint32_t slot) {
  Message& m = broker_.pool()[slot];
  --unacked_;
  ++counters_.requeued;
  ++m.delivery_count;
  m.redelivered = true;
  if (spec_.type == QueueSpec::Type::Quorum) {
    if (spec_.delivery_limit >= 0 && m.delivery_count > spec_.delivery_limit) {
      broker_.discard(slot, DropReason::DeliveryLimit);
      return;
    }
    returns_.push_back(slot);
  } else {
    insert_classic(slot);
  }
  ready_bytes_ += static_cast<std::uint64_t>(m.bytes);
  arm_expiry();
}

std::uint32_t Queue::take_next() {
  std::uint32_t s;
  if (!returns_.empty()) {
    s = returns_.front();
    returns_.pop_front();
  } else {
    s = ready_.front();
    ready_.pop_front();
  }
  ready_bytes_ -= static_cast<std::uint64_t>(broker_.pool()[s].bytes);
  if (blocked_ && spec_.type == QueueSpec::Type::Quorum) {
    const bool len_ok = spec_.max_length < 0 ||
                        ready() <= static_cast<std::uint64_t>(static_cast<double>(spec_.max_length) * 0.8);
    const bool bytes_ok = spec_.max_length_bytes < 0 ||
                          ready_bytes_ <= static_cast<std::uint64_t>(static_cast<double>(spec_.max_length_bytes) * 0.8);
    if (len_ok && bytes_ok) blocked_ = false;
  }
  return s;
}

void Queue::expire_head() {
  if (spec_.message_ttl < 0) return;
  const sim::Time now = broker_.engine().now();
  while (ready() > 0 && broker_.pool()[peek_next()].expires <= now) {
    broker_.discard(take_next(), DropReason::Expired);
  }
  arm_expiry();
}

void Queue::arm_expiry() {
  if (spec_.message_ttl < 0) return;
  const sim::Time at = ready() > 0 ? broker_.pool()[peek_next()].expires : sim::kNever;
  if (at == expiry_at_ && broker_.engine().pending(expiry_timer_)) return;
  broker_.engine().cancel(expiry_timer_);
  expiry_at_ = at;
  expiry_timer_ = 0;
  if (at == sim::kNever) return;
  const sim::Time when = std::max(at, broker_.engine().now());
  expiry_timer_ = broker_.engine().schedule_at(when, models::priority::kCoordinator, [this] {
    expiry_at_ = sim::kNever;
    expire_head();
    dispatch();
  });
}

bool Queue::eligible(std::int32_t ch) const {
  const Channel& c = broker_.channel(ch);
  if (!c.open || !c.consuming || !c.has_credit()) return false;
  return !spec_.single_active_consumer || (!registered_.empty() && registered_.front() == ch);
}

void Queue::enter_service(std::int32_t ch) {
  Channel& c = broker_.channel(ch);
  if (c.in_service || !eligible(ch)) return;
  c.in_service = true;
  auto it = std::find_if(levels_.begin(), levels_.end(), [&](const Level& l) { return l.priority <= c.priority; });
  if (it == levels_.end() || it->priority != c.priority) it = levels_.insert(it, Level{c.priority, {}});
  it->channels.push_back(ch);
}

void Queue::leave_service(std::int32_t ch) {
  Channel& c = broker_.channel(ch);
  if (!c.in_service) return;
  c.in_service = false;
  for (Level& l : levels_) {
    auto it = std::find(l.channels.begin(), l.channels.end(), ch);
    if (it != l.channels.end()) {
      l.channels.erase(it);
      return;
    }
  }
}

std::int32_t Queue::next_consumer() {
  for (Level& l : levels_) {
    while (!l.channels.empty()) {
      const std::int32_t ch = l.channels.front();
      l.channels.pop_front();
      broker_.channel(ch).in_service = false;
      if (eligible(ch)) return ch;
    }
  }
  return -1;
}

void Queue::add_consumer(std::int32_t ch, std::int32_t) {
  registered_.push_back(ch);
  enter_service(ch);
  dispatch();
}

void Queue::remove_consumer(std::int32_t ch) {
  leave_service(ch);
  const bool was_active = !registered_.empty() && registered_.front() == ch;
  registered_.erase(std::remove(registered_.begin(), registered_.end(), ch), registered_.end());
  if (spec_.single_active_consumer && was_active && !registered_.empty()) enter_service(registered_.front());
}

void Queue::credit_returned(std::int32_t ch) { enter_service(ch); }

void Queue::dispatch() {
  if (spec_.message_ttl >= 0) expire_head();
  while (ready() > 0) {
    const std::int32_t ch = next_consumer();
    if (ch < 0) break;
    const std::uint32_t slot = take_next();
    ++unacked_;
    ++counters_.delivered;
    broker_.deliver(ch, slot);
    enter_service(ch);  // back of its priority, if it still has credit
  }
  if (spec_.message_ttl >= 0) arm_expiry();
}

}  // namespace cgsim::models::rabbitmq
