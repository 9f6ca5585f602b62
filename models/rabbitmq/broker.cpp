#include "models/rabbitmq/broker.hpp"

#include <algorithm>
#include <iterator>
#include <string>

#include "models/common/priorities.hpp"
#include "models/rabbitmq/consumer.hpp"

namespace cgsim::models::rabbitmq {

namespace {
constexpr std::int32_t kNoDlx = -2;
/// A message dead-lettered this many times is dropped instead (RabbitMQ cuts dead-letter cycles).
constexpr std::int32_t kMaxDeadLetters = 16;
}  // namespace

Broker::Broker(sim::Engine& engine, const Scenario& scenario, Signals& signals)
    : engine_(engine), scenario_(scenario), signals_(signals), exchanges_(scenario) {
  for (std::size_t q = 0; q < scenario.queues.size(); ++q) {
    const QueueSpec& qs = scenario.queues[q];
    queues_.push_back(std::make_unique<Queue>(*this, qs, static_cast<std::int32_t>(q)));
    if (!qs.dead_letter_exchange) {
      dlx_.push_back(kNoDlx);
    } else if (qs.dead_letter_exchange->empty()) {
      dlx_.push_back(kDefaultExchange);
    } else {
      dlx_.push_back(scenario.exchange_index(*qs.dead_letter_exchange));
    }
  }
}

std::string Broker::routing_key_of(const Message& m) const {
  const ProducerSpec& p = scenario_.producers[static_cast<std::size_t>(m.producer)];
  if (m.key == kNoKey) return p.routing_key;
  return p.keys.prefix + std::to_string(m.key);
}

std::size_t Broker::route(std::int32_t exchange, std::string_view routing_key, const Message& proto) {
  exchanges_.route(exchange, routing_key, route_buf_);
  const std::vector<std::int32_t> targets = route_buf_;  // offers may route again (dead-letters)
  for (std::int32_t q : targets) {
    const std::uint32_t s = pool_.allocate();
    Message& m = pool_[s];
    const std::uint64_t id = m.id;
    m = proto;
    m.id = id;
    m.live = true;
    m.redelivered = false;
    m.delivery_count = 0;
    m.processed = 0;
    m.queue = q;
    if (queue(q).spec().type == QueueSpec::Type::Quorum && scenario_.broker.quorum_apply_time > 0) {
      // A quorum queue's enqueue is a command of its Raft log: the message is there to deliver
      // (or to refuse, over a limit) once the command applies.
      ++queue(q).counters().applying;
      engine_.schedule_after(scenario_.broker.quorum_apply_time, models::priority::kNetwork, [this, q, s] {
        --queue(q).counters().applying;
        enqueue(q, s);
      });
    } else {
      enqueue(q, s);
    }
  }
  return targets.size();
}

void Broker::enqueue(std::int32_t q, std::uint32_t slot) {
  if (queue(q).offer(slot)) return;
  signals_.publish_rejected.emit(q, engine_.now());
  pool_.release(slot);
}

void Broker::publish(std::int32_t exchange, std::string_view routing_key, std::int32_t producer, std::uint64_t key,
                     std::int32_t bytes) {
  ++published_;
  Message proto;
  proto.key = key;
  proto.published = engine_.now();
  proto.producer = producer;
  proto.bytes = bytes;
  if (route(exchange, routing_key, proto) == 0) {
    ++unroutable_;
    signals_.dropped.emit(-1, DropReason::Unroutable, false, engine_.now());
  }
}

void Broker::discard(std::uint32_t slot, DropReason reason) {
  // route() below allocates the dead-letter copies from the same pool, which may move its
  // messages: read what is needed from this one before that.
  const Message& m = pool_[slot];
  const std::int32_t q = m.queue;
  const bool unprocessed = m.processed == 0;
  Queue& source = queue(q);
  const std::int32_t dlx = dlx_[static_cast<std::size_t>(q)];
  bool dead_lettered = false;
  if (dlx != kNoDlx && m.dead_letters >= kMaxDeadLetters) reason = DropReason::DeadLetterCycle;
  if (dlx != kNoDlx && m.dead_letters < kMaxDeadLetters) {
    const QueueSpec& qs = source.spec();
    const std::string key = qs.dead_letter_routing_key ? *qs.dead_letter_routing_key : routing_key_of(m);
    Message proto = m;
    ++proto.dead_letters;
    // The copies routed on are new messages of their queues; an unroutable dead-letter is dropped.
    dead_lettered = route(dlx, key, proto) > 0;
  }
  if (unprocessed) ++source.counters().discarded_unprocessed;
  if (dead_lettered) {
    ++source.counters().dead_lettered;
  } else {
    ++source.counters().dropped;
  }
  signals_.dropped.emit(q, reason, dead_lettered, engine_.now());
  pool_.release(slot);
}

void Broker::lose_in_client(std::uint32_t slot) {
  ++lost_in_clients_;
  ++queue(pool_[slot].queue).counters().lost_in_clients;
  pool_.release(slot);
}

std::pair<std::uint64_t, std::uint64_t> Broker::unsettled(std::int32_t q) const {
  std::pair<std::uint64_t, std::uint64_t> n{0, 0};
  pool_.for_each_live([&](const Message& m) {
    if (m.queue != q) return;
    if (m.processed == 0) ++n.first;
    else ++n.second;
  });
  return n;
}

std::int32_t Broker::open_channel(Consumer* client, std::int32_t group, std::int32_t member, std::int32_t q,
                                  std::int32_t prefetch, std::int32_t priority, bool auto_ack) {
  const auto id = static_cast<std::int32_t>(channels_.size());
  Channel& c = channels_.emplace_back();
  c.client = client;
  c.group = group;
  c.member = member;
  c.queue = q;
  c.prefetch = prefetch;
  c.priority = priority;
  c.auto_ack = auto_ack;
  c.quorum_auto_ack = auto_ack && queue(q).spec().type == QueueSpec::Type::Quorum;
  c.open = true;
  c.consuming = true;
  queue(q).add_consumer(id, priority);
  return id;
}

void Broker::deliver(std::int32_t ch, std::uint32_t slot) {
  Channel& c = channel(ch);
  const std::uint64_t tag = c.next_tag++;
  Message& m = pool_[slot];
  const std::uint64_t id = m.id;
  if (c.quorum_auto_ack) {
    // rabbit_fifo_client settles an auto-ack delivery when it reaches the channel (same instant
    // here), unless the consumer tag is gone by then (a cancel): then it is returned.
    c.unacked.push_back(Channel::Unacked{tag, slot, engine_.now()});
    engine_.schedule_after(0, models::priority::kNetwork, [this, ch, tag] { settle_on_arrival(ch, tag); });
  } else if (c.auto_ack) {
    // Settled as it leaves: the broker forgets it; the client frees the slot when done with it.
    Queue& q = queue(c.queue);
    q.settled();
    ++q.counters().acked;
  } else {
    c.unacked.push_back(Channel::Unacked{tag, slot, engine_.now()});
    if (!engine_.pending(c.tick)) arm_tick(ch);
  }
  Consumer* client = c.client;
  engine_.schedule_after(scenario_.broker.dispatch_time + latency(), models::priority::kNetwork,
                         [client, ch, slot, id, tag] { client->on_delivery(ch, slot, id, tag); });
}

void Broker::settle_on_arrival(std::int32_t ch, std::uint64_t tag) {
  Channel& c = channel(ch);
  if (!c.open || c.returned(tag)) return;
  auto it = std::find_if(c.unacked.begin(), c.unacked.end(), [tag](const Channel::Unacked& u) { return u.tag == tag; });
  if (it == c.unacked.end()) return;
  c.unacked.erase(it);
  Queue& q = queue(c.queue);
  q.settled();
  ++q.counters().acked;  // the client frees the slot when done with it
  if (c.consuming) {
    q.credit_returned(ch);
    q.dispatch();
  }
}

void Broker::ack(std::int32_t ch, std::uint64_t tag, bool multiple) {
  Channel& c = channel(ch);
  if (!c.open) return;  // the channel closed first: the ack is lost, its messages were requeued
  Queue& q = queue(c.queue);
  bool any = false;
  while (!c.unacked.empty() && c.unacked.front().tag <= tag) {
    const Channel::Unacked u = c.unacked.front();
    if (!multiple && u.tag != tag) break;
    c.unacked.pop_front();
    q.settled();
    ++q.counters().acked;
    pool_.release(u.slot);
    any = true;
    if (!multiple) break;
  }
  if (!multiple && !any) {
    // A single ack of a tag behind an older unacked one.
    for (auto it = c.unacked.begin(); it != c.unacked.end(); ++it) {
      if (it->tag != tag) continue;
      q.settled();
      ++q.counters().acked;
      pool_.release(it->slot);
      c.unacked.erase(it);
      any = true;
      break;
    }
  }
  if (any) {
    if (c.unacked.empty()) engine_.cancel(c.tick);
    if (c.consuming) {
      q.credit_returned(ch);
      q.dispatch();
    }
  }
}

void Broker::nack(std::int32_t ch, std::uint64_t tag, bool requeue) {
  Channel& c = channel(ch);
  if (!c.open) return;
  Queue& q = queue(c.queue);
  auto it = std::find_if(c.unacked.begin(), c.unacked.end(), [tag](const Channel::Unacked& u) { return u.tag == tag; });
  if (it == c.unacked.end()) return;
  const std::uint32_t slot = it->slot;
  c.unacked.erase(it);
  if (requeue) {
    const std::uint64_t id = pool_[slot].id;
    q.requeue(slot);
    signals_.requeued.emit(c.queue, id, RequeueReason::Nack, engine_.now());
  } else {
    q.settled();
    discard(slot, DropReason::Rejected);
  }
  if (c.unacked.empty()) engine_.cancel(c.tick);
  if (c.consuming) q.credit_returned(ch);
  q.dispatch();
}

void Broker::cancel(std::int32_t ch) {
  Channel& c = channel(ch);
  if (!c.open || !c.consuming || c.cancel_applying) return;
  Queue& q = queue(c.queue);
  Consumer* client = c.client;
  if (q.spec().type == QueueSpec::Type::Quorum) {
    // RabbitMQ 3.10: the channel drops the consumer tag from its queue client, sends the cancel
    // to the queue's Raft log and answers cancel-ok without waiting for it to apply. Until it
    // applies the queue still serves the consumer (credit returned by acks, publishes);
    // deliveries that reach the channel meanwhile find no consumer tag and the client returns
    // them (rabbit_fifo_client's handle_delivery for an unknown tag), auto-ack ones included:
    // back on the returns list with the delivery count raised and the redelivered flag. The
    // deliveries made at the cancel's instant (the newest tags) are among them.
    const sim::Time now = engine_.now();
    auto first = c.unacked.end();
    while (first != c.unacked.begin() && std::prev(first)->delivered == now) --first;
    c.returned_from_tag = first != c.unacked.end() ? first->tag : c.next_tag;
    c.cancel_applying = true;
    if (scenario_.broker.quorum_apply_time > 0) {
      engine_.schedule_after(scenario_.broker.quorum_apply_time, models::priority::kNetwork,
                             [this, ch] { apply_quorum_cancel(ch); });
    } else {
      apply_quorum_cancel(ch);
    }
  } else {
    c.consuming = false;
    q.remove_consumer(ch);
    q.dispatch();  // a single active consumer's successor may take over
  }
  engine_.schedule_after(latency(), models::priority::kNetwork, [client, ch] { client->on_cancel_ok(ch); });
}

void Broker::apply_quorum_cancel(std::int32_t ch) {
  Channel& c = channel(ch);
  if (!c.open || !c.cancel_applying) return;  // the channel closed first and returned everything
  c.cancel_applying = false;
  c.consuming = false;
  Queue& q = queue(c.queue);
  q.remove_consumer(ch);
  auto first = std::find_if(c.unacked.begin(), c.unacked.end(),
                            [&c](const Channel::Unacked& u) { return c.returned(u.tag); });
  if (first != c.unacked.end()) {
    const sim::Time now = engine_.now();
    for (auto it = first; it != c.unacked.end(); ++it) {
      const std::uint64_t id = pool_[it->slot].id;
      q.requeue(it->slot);
      signals_.requeued.emit(c.queue, id, RequeueReason::Cancelled, now);
    }
    c.unacked.erase(first, c.unacked.end());
    if (c.unacked.empty()) engine_.cancel(c.tick);
  }
  q.dispatch();  // a single active consumer's successor may take over, returns go elsewhere
}

void Broker::close(std::int32_t ch, RequeueReason why) {
  Channel& c = channel(ch);
  if (!c.open) return;
  c.open = false;
  engine_.cancel(c.tick);
  Queue& q = queue(c.queue);
  if (c.consuming) {
    c.consuming = false;
    c.cancel_applying = false;
    q.remove_consumer(ch);
  }
  // Quorum auto-ack deliveries still on the channel go back and never reach the client.
  if (c.quorum_auto_ack && !c.unacked.empty()) c.returned_from_tag = std::min(c.returned_from_tag, c.unacked.front().tag);
  // Returned in delivery-tag order (rabbit_fifo's return_all sorts by message id).
  for (const Channel::Unacked& u : c.unacked) {
    const std::uint64_t id = pool_[u.slot].id;
    q.requeue(u.slot);
    signals_.requeued.emit(c.queue, id, why, engine_.now());
  }
  c.unacked.clear();
  q.dispatch();
}

void Broker::arm_tick(std::int32_t ch) {
  if (scenario_.broker.consumer_timeout == sim::kNever) return;
  channel(ch).tick =
      engine_.schedule_after(scenario_.broker.channel_tick, models::priority::kCoordinator, [this, ch] { on_tick(ch); });
}

void Broker::on_tick(std::int32_t ch) {
  Channel& c = channel(ch);
  c.tick = 0;
  if (!c.open || c.unacked.empty()) return;
  const sim::Time now = engine_.now();
  if (c.unacked.front().delivered < now - scenario_.broker.consumer_timeout) {
    signals_.consumer_timeout.emit(c.group, c.member, now);
    Consumer* client = c.client;
    close(ch, RequeueReason::ConsumerTimeout);
    engine_.schedule_after(latency(), models::priority::kNetwork, [client, ch] { client->on_channel_closed(ch); });
    return;
  }
  arm_tick(ch);
}

}  // namespace cgsim::models::rabbitmq
