#include "models/pulsar/consumer.hpp"

#include <algorithm>

#include "models/common/priorities.hpp"
#include "models/pulsar/dispatcher.hpp"
#include "models/pulsar/world.hpp"

namespace cgsim::models::pulsar {

namespace {
std::string stream(std::int32_t sub, std::int32_t member, std::uint32_t life, const char* what) {
  return "pulsar/consumer/" + std::to_string(sub) + "/" + std::to_string(member) + "/" + std::to_string(life) + "/" + what;
}
}  // namespace

Consumer::Consumer(World& world, std::int32_t subscription, std::int32_t member, std::uint32_t life, ConsumerId id)
    : world_(world), subscription_(subscription), member_(member), id_(id),
      processing_(world.scenario().pulsar.subscriptions[static_cast<std::size_t>(subscription)].consumers.processing_time,
                  sim::Rng(world.scenario().seed, stream(subscription, member, life, "processing"))),
      failures_(world.scenario().seed, stream(subscription, member, life, "failures")),
      ack_phase_(world.scenario().seed, stream(subscription, member, life, "ack_group")) {
  const SubscriptionSpec& s = spec();
  const auto m = static_cast<std::size_t>(member);
  name_ = m < s.consumers.names.size() ? s.consumers.names[m] : s.name + "-" + std::to_string(member);
  if (m < s.consumers.priority_levels.size()) priority_ = s.consumers.priority_levels[m];
  dispatchers_ = world.dispatchers(subscription);
  queue_size_ = s.consumers.receiver_queue_size;
  if (!dispatchers_.empty() && dispatchers_.front()->topic().partitioned())
    queue_size_ = std::max(1, std::min(queue_size_, kMaxTotalReceiverQueueSize / static_cast<std::int32_t>(dispatchers_.size())));
  freed_.assign(dispatchers_.size(), 0);
  epochs_.assign(dispatchers_.size(), 0);
  acks_.assign(dispatchers_.size(), {});
  cumulative_.assign(dispatchers_.size(), -1);
}

const SubscriptionSpec& Consumer::spec() const {
  return world_.scenario().pulsar.subscriptions[static_cast<std::size_t>(subscription_)];
}

std::size_t Consumer::slot(const Dispatcher* d) const {
  return static_cast<std::size_t>(std::find(dispatchers_.begin(), dispatchers_.end(), d) - dispatchers_.begin());
}

template <typename F>
void Consumer::request(F&& fn) {
  world_.engine().schedule_after(world_.scenario().pulsar.broker.request_latency, models::priority::kNetwork,
                                 std::forward<F>(fn));
}

void Consumer::set_state(ConsumerState s) {
  if (s == state_) return;
  const ConsumerState from = state_;
  state_ = s;
  world_.signals().consumer_state.emit(subscription_, member_, from, s, world_.engine().now());
  if (s == ConsumerState::Connected || s == ConsumerState::Closed || s == ConsumerState::Crashed) {
    const models::ConsumerEvent e = s == ConsumerState::Connected ? models::ConsumerEvent::Joined
                                    : s == ConsumerState::Closed  ? models::ConsumerEvent::Left
                                                                  : models::ConsumerEvent::Crashed;
    world_.signals().consumer.emit(subscription_, member_, e, world_.engine().now());
  }
}

void Consumer::start() {
  const sim::Time group = spec().ack_group_time;
  if (group > 0) {
    // The tracker's timer runs every group time from when the client was built: any phase.
    const auto phase = static_cast<sim::Time>(ack_phase_.uniform() * static_cast<double>(group));
    schedule_flush(std::clamp<sim::Time>(phase, 1, group));
  }
  const std::int32_t permits = queue_size_;
  for (Dispatcher* d : dispatchers_) {
    request([this, d, permits] {
      if (stopped()) return;
      set_state(ConsumerState::Connected);
      d->add_consumer(this);
      d->flow(this, permits);
    });
  }
}

void Consumer::on_message(Dispatcher* d, std::int64_t entry, sim::Time sent, std::uint32_t epoch,
                          std::int32_t redelivery_count) {
  if (stopped() || leaving_) return;
  const std::size_t p = slot(d);
  // Sent before a redeliver-all, or already acknowledged in the waiting group: dropped, its
  // permit given back.
  if (epoch < epochs_[p] || ack_waiting(p, entry)) {
    consumed(p);
    return;
  }
  queue_.push_back(Held{d, entry, sent, epoch, redelivery_count});
  if (!busy_) next();
}

void Consumer::consumed(std::size_t p) {
  const std::int32_t threshold = std::max(1, queue_size_ / 2);
  if (++freed_[p] < threshold) return;
  const std::int32_t n = freed_[p];
  freed_[p] = 0;
  Dispatcher* d = dispatchers_[p];
  request([this, d, n] { d->flow(this, n); });
}

void Consumer::next() {
  if (stopped()) return;
  if (leaving_) {
    busy_ = false;
    close();
    return;
  }
  if (queue_.empty()) {
    busy_ = false;
    return;
  }
  busy_ = true;
  current_ = queue_.front();
  queue_.pop_front();
  consumed(slot(current_.d));
  const sim::Time now = world_.engine().now();
  started_ = now;
  done_timer_ = world_.engine().schedule_after(processing_.next(now), models::priority::kClient, [this] { finish(); });
  const sim::Time timeout = spec().ack_timeout;
  if (timeout > 0) {
    const Held h = current_;
    ack_timer_ = world_.engine().schedule_after(timeout, models::priority::kClient, [this, h] {
      ack_timer_ = 0;
      give_back(h, RedeliveryReason::AckTimeout);
    });
  }
}

void Consumer::finish() {
  done_timer_ = 0;
  world_.engine().cancel(ack_timer_);
  ack_timer_ = 0;
  const sim::Time now = world_.engine().now();
  busy_ns_ += now - started_;
  ++processed_;
  const Held h = current_;
  const double p_fail = world_.application(subscription_).negative_ack_probability;
  ProcessedMessage m;
  m.subscription = subscription_;
  m.partition = h.d->partition();
  m.consumer = member_;
  m.entry = h.entry;
  const Entry& e = h.d->topic().entry(h.d->partition(), h.entry);
  m.key = e.key;
  m.published = e.published;
  m.delivered = h.sent;
  m.done = now;
  m.redelivery_count = h.redelivery_count;
  m.failed = p_fail > 0 && failures_.uniform() < p_fail;
  h.d->record_processed(m);
  world_.signals().processed.emit(m);
  if (m.failed) {
    world_.engine().schedule_after(spec().negative_ack_redelivery_delay, models::priority::kClient, [this, h] {
      give_back(h, RedeliveryReason::NegativeAck);
    });
  } else {
    acknowledge(slot(h.d), h.entry);
  }
  next();
}

void Consumer::acknowledge(std::size_t p, std::int64_t entry) {
  const bool cumulative = spec().ack == AckMode::Cumulative;
  if (spec().ack_group_time == 0) {
    Dispatcher* d = dispatchers_[p];
    request([this, d, entry, cumulative] { d->ack(this, entry, cumulative); });
    return;
  }
  if (cumulative) {
    cumulative_[p] = std::max(cumulative_[p], entry);
    return;
  }
  acks_[p].insert(entry);
  if (acks_[p].size() >= kMaxAckGroupSize) flush(p);
}

bool Consumer::ack_waiting(std::size_t p, std::int64_t entry) const {
  if (entry <= cumulative_[p]) return true;
  return acks_[p].count(entry) != 0;
}

void Consumer::flush(std::size_t p) {
  for (std::size_t q = 0; q < dispatchers_.size(); ++q) {
    if (p != static_cast<std::size_t>(-1) && q != p) continue;
    Dispatcher* d = dispatchers_[q];
    if (cumulative_[q] >= 0) {
      const std::int64_t entry = cumulative_[q];
      cumulative_[q] = -1;
      request([this, d, entry] { d->ack(this, entry, true); });
    }
    if (!acks_[q].empty()) {
      std::vector<std::int64_t> entries(acks_[q].begin(), acks_[q].end());  // in position order, as sent
      acks_[q].clear();
      request([this, d, entries = std::move(entries)] { d->ack(this, entries); });
    }
  }
}

void Consumer::schedule_flush(sim::Time after) {
  flush_timer_ = world_.engine().schedule_after(after, models::priority::kClient, [this] {
    flush_timer_ = 0;
    if (stopped()) return;
    flush();
    schedule_flush(spec().ack_group_time);
  });
}

void Consumer::give_back(const Held& h, RedeliveryReason why) {
  if (stopped()) return;
  const SubscriptionSpec& s = spec();
  Dispatcher* d = h.d;
  const std::int64_t entry = h.entry;
  if (s.type == SubscriptionType::Shared || s.type == SubscriptionType::KeyShared) {
    if (s.dead_letter_max_redeliveries && h.redelivery_count >= *s.dead_letter_max_redeliveries) {
      world_.signals().dead_lettered.emit(subscription_, d->partition(), entry, world_.engine().now());
      request([this, d, entry] { d->dead_letter(this, entry); });
      return;
    }
    request([this, d, entry, why] { d->redeliver(this, std::vector<std::int64_t>{entry}, why); });
    return;
  }
  // Exclusive and Failover: everything unacknowledged comes again, in order.
  const std::size_t p = slot(d);
  const std::uint32_t epoch = ++epochs_[p];
  std::size_t cleared = 0;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->d == d) {
      it = queue_.erase(it);
      ++cleared;
    } else {
      ++it;
    }
  }
  for (std::size_t k = 0; k < cleared; ++k) consumed(p);
  request([this, d, epoch] { d->redeliver_all(this, epoch); });
}

void Consumer::close() {
  flush();
  world_.engine().cancel(flush_timer_);
  flush_timer_ = 0;
  set_state(ConsumerState::Closed);
  queue_.clear();
  for (Dispatcher* d : dispatchers_) request([this, d] { d->remove_consumer(this); });
  if (on_closed_) {
    sim::Callback cb = std::move(on_closed_);
    on_closed_ = nullptr;
    cb();
  }
}

void Consumer::leave(sim::Callback on_closed) {
  if (stopped() || leaving_) return;
  leaving_ = true;
  on_closed_ = std::move(on_closed);
  set_state(ConsumerState::Closing);
  queue_.clear();
  if (!busy_) close();
}

void Consumer::crash() {
  if (stopped()) return;
  world_.engine().cancel(done_timer_);
  world_.engine().cancel(ack_timer_);
  world_.engine().cancel(flush_timer_);
  done_timer_ = ack_timer_ = flush_timer_ = 0;
  // Acknowledgements not sent yet die with the process.
  for (auto& a : acks_) a.clear();
  std::fill(cumulative_.begin(), cumulative_.end(), -1);
  if (busy_) busy_ns_ += world_.engine().now() - started_;
  busy_ = false;
  queue_.clear();
  set_state(ConsumerState::Crashed);
  for (Dispatcher* d : dispatchers_) request([this, d] { d->remove_consumer(this); });
}

}  // namespace cgsim::models::pulsar
