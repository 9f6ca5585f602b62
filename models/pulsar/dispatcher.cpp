#include "models/pulsar/dispatcher.hpp"

#include <algorithm>

#include "models/common/priorities.hpp"
#include "models/pulsar/consumer.hpp"
#include "models/pulsar/world.hpp"

namespace cgsim::models::pulsar {

Dispatcher::Dispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition)
    : world_(world), subscription_(subscription), topic_(topic), partition_(partition) {
  if (!spec().earliest) {
    mark_delete_ = ledger_size();
    read_ = mark_delete_;
  }
}

const SubscriptionSpec& Dispatcher::spec() const {
  return world_.scenario().pulsar.subscriptions[static_cast<std::size_t>(subscription_)];
}
sim::Time Dispatcher::now() const { return world_.engine().now(); }

Attached* Dispatcher::find(ConsumerId id) {
  for (Attached& a : consumers_)
    if (a.id == id) return &a;
  return nullptr;
}
Attached* Dispatcher::find(Consumer* client) {
  for (Attached& a : consumers_)
    if (a.client == client) return &a;
  return nullptr;
}

void Dispatcher::add_consumer(Consumer* client) {
  if (find(client)) return;
  Attached a;
  a.client = client;
  a.id = client->id();
  a.member = client->member();
  a.name = client->name();
  a.priority = client->priority_level();
  if (!accept(a)) return;
  consumers_.push_back(a);
  consumers_changed(a.id, kNoConsumer);
  dispatch();
}

void Dispatcher::remove_consumer(Consumer* client) {
  auto it = std::find_if(consumers_.begin(), consumers_.end(), [client](const Attached& a) { return a.client == client; });
  if (it == consumers_.end()) return;
  const ConsumerId id = it->id;
  consumers_.erase(it);
  std::vector<std::int64_t> back;
  for (const auto& [entry, holder] : pending_)
    if (holder == id) back.push_back(entry);
  std::sort(back.begin(), back.end());
  for (std::int64_t e : back) {
    pending_.erase(e);
    released(e, id);
    replay(e, RedeliveryReason::ConsumerClosed);
  }
  consumers_changed(kNoConsumer, id);
  dispatch();
}

void Dispatcher::flow(Consumer* client, std::int32_t permits) {
  Attached* a = find(client);
  if (!a) return;
  a->permits += permits;
  flowed(a->id);
  dispatch();
}

void Dispatcher::settle(std::int64_t entry, std::uint8_t how) {
  if (entry < mark_delete_ || entry >= ledger_size()) return;
  const auto i = static_cast<std::size_t>(entry - mark_delete_);
  if (state_.size() <= i) state_.resize(i + 1, 0);
  if (state_[i] != 0) return;
  state_[i] = how;
  if (processings(entry) == 0) ++counters_.settled_unprocessed;
  if (how == 1) ++counters_.acked;
  else ++counters_.dead_lettered;
  while (!state_.empty() && state_.front() != 0) {
    state_.pop_front();
    ++mark_delete_;
  }
  replay_remove(entry);
  redeliveries_.erase(entry);
  auto p = pending_.find(entry);
  if (p != pending_.end()) {
    const ConsumerId holder = p->second;
    pending_.erase(p);
    released(entry, holder);
  }
}

void Dispatcher::ack(Consumer* /*client*/, std::int64_t entry, bool cumulative) {
  if (cumulative) {
    for (std::int64_t e = mark_delete_; e <= entry; ++e) settle(e, 1);
  } else {
    settle(entry, 1);
  }
  dispatch();
}

void Dispatcher::ack(Consumer* /*client*/, const std::vector<std::int64_t>& entries) {
  for (std::int64_t e : entries) settle(e, 1);
  dispatch();
}

void Dispatcher::dead_letter(Consumer* /*client*/, std::int64_t entry) {
  settle(entry, 2);
  dispatch();
}

void Dispatcher::replay(std::int64_t entry, RedeliveryReason why) {
  if (settled(entry)) return;
  replay_add(entry);
  why_[entry] = why;
  ++counters_.redeliveries;
  world_.signals().redelivered.emit(subscription_, partition_, entry, why, now());
}

void Dispatcher::redeliver(Consumer* client, const std::vector<std::int64_t>& entries, RedeliveryReason why) {
  const Attached* a = find(client);
  for (std::int64_t e : entries) {
    if (settled(e)) continue;
    auto p = pending_.find(e);
    // Only the consumer holding a message may hand it back.
    if (p == pending_.end() || !a || p->second != a->id) continue;
    pending_.erase(p);
    released(e, a->id);
    ++redeliveries_[e];
    replay(e, why);
  }
  dispatch();
}

void Dispatcher::redeliver_all(Consumer* client, std::uint32_t epoch) {
  Attached* a = find(client);
  if (!a) return;
  a->epoch = epoch;
  std::vector<std::int64_t> back;
  for (const auto& [entry, holder] : pending_)
    if (holder == a->id) back.push_back(entry);
  std::sort(back.begin(), back.end());
  for (std::int64_t e : back) {
    pending_.erase(e);
    released(e, a->id);
    ++redeliveries_[e];
    replay(e, RedeliveryReason::Rewind);
  }
  dispatch();
}

void Dispatcher::rewind() {
  std::vector<std::int64_t> back;
  for (const auto& [entry, holder] : pending_) {
    released(entry, holder);
    back.push_back(entry);
  }
  std::sort(back.begin(), back.end());
  for (std::int64_t e : back) {
    why_[e] = RedeliveryReason::Rewind;
    ++counters_.redeliveries;
    world_.signals().redelivered.emit(subscription_, partition_, e, RedeliveryReason::Rewind, now());
  }
  pending_.clear();
  replay_clear();
  read_ = mark_delete_;
}

std::int64_t Dispatcher::next_new() {
  const std::int64_t size = ledger_size();
  if (read_ < mark_delete_) read_ = mark_delete_;
  while (read_ < size && settled(read_)) ++read_;
  return read_;
}

void Dispatcher::send(Attached& a, std::int64_t entry) {
  --a.permits;
  pending_[entry] = a.id;
  Consumer* client = a.client;
  const std::uint32_t epoch = a.epoch;
  const std::int32_t count = redelivery_count(entry);
  const sim::Time sent = now();
  world_.engine().schedule_after(world_.scenario().pulsar.broker.request_latency, models::priority::kNetwork,
                                 [this, client, entry, epoch, count, sent] {
                                   client->on_message(this, entry, sent, epoch, count);
                                 });
}

std::int32_t Dispatcher::redelivery_count(std::int64_t entry) const {
  auto it = redeliveries_.find(entry);
  return it == redeliveries_.end() ? 0 : it->second;
}

std::uint64_t Dispatcher::backlog() const {
  std::uint64_t n = 0;
  const std::int64_t size = ledger_size();
  for (std::int64_t e = mark_delete_; e < size; ++e)
    if (state_at(e) == 0) ++n;
  return n;
}

std::uint32_t Dispatcher::processings(std::int64_t entry) const {
  const auto i = static_cast<std::size_t>(entry);
  return i < processed_.size() ? processed_[i] : 0;
}

std::pair<std::uint64_t, std::uint64_t> Dispatcher::unsettled() const {
  std::pair<std::uint64_t, std::uint64_t> n{0, 0};
  const std::int64_t size = ledger_size();
  for (std::int64_t e = mark_delete_; e < size; ++e) {
    if (state_at(e) != 0) continue;
    if (processings(e) == 0) ++n.first;
    else ++n.second;
  }
  return n;
}

void Dispatcher::record_processed(ProcessedMessage& m) {
  ++counters_.processed;
  if (auto w = why_.find(m.entry); w != why_.end()) {
    m.redelivered = true;
    m.redelivery_reason = w->second;
  }
  if (m.failed) return;  // a failed processing neither completes the message nor orders its key
  const auto i = static_cast<std::size_t>(m.entry);
  if (processed_.size() <= i) processed_.resize(std::max(i + 1, processed_.size() * 2), 0);
  m.duplicate = processed_[i] > 0;
  if (processed_[i] < 255) ++processed_[i];
  if (m.duplicate) ++counters_.duplicates;
  if (m.key != kNoKey && !m.duplicate) {
    auto [it, fresh] = latest_.try_emplace(m.key, m.entry);
    if (!fresh) {
      if (m.entry < it->second) {
        m.out_of_order = true;
        ++counters_.out_of_order;
      } else {
        it->second = m.entry;
      }
    }
  }
}

}  // namespace cgsim::models::pulsar
