#include <algorithm>

#include "models/pulsar/dispatchers.hpp"
#include "models/pulsar/world.hpp"

namespace cgsim::models::pulsar {

namespace {
using Selector = std::variant<ConsistentHashingSelector, HashRangeAutoSplitSelector, HashRangeExclusiveSelector>;

Selector make_selector(const PulsarBrokerSpec& broker, const SubscriptionSpec& s) {
  if (s.key_shared_mode == KeySharedMode::Sticky) return HashRangeExclusiveSelector();
  if (broker.key_shared_consistent_hashing) return ConsistentHashingSelector(broker.consistent_hashing_points);
  return HashRangeAutoSplitSelector();
}
}  // namespace

KeySharedDispatcher::KeySharedDispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition)
    : Dispatcher(world, subscription, topic, partition),
      selector_(make_selector(world.scenario().pulsar.broker,
                              world.scenario().pulsar.subscriptions[static_cast<std::size_t>(subscription)])),
      ordered_(!world.scenario().pulsar.subscriptions[static_cast<std::size_t>(subscription)].allow_out_of_order_delivery) {
  range_ = std::visit([](const auto& s) { return s.key_hash_range(); }, selector_);
}

ConsumerId KeySharedDispatcher::select(std::int32_t hash) const {
  return std::visit([hash](const auto& s) { return s.select(hash); }, selector_);
}

std::int32_t KeySharedDispatcher::hash_of(std::int64_t entry) {
  const Entry& m = topic_.entry(partition_, entry);
  // The sticky key is that of the first message of the batch (the entry the broker stores).
  if (m.batch_key != kNoKey) {
    auto it = key_hashes_.find(m.batch_key);
    if (it != key_hashes_.end()) return it->second;
    const std::int32_t h = sticky_key_hash(world_.sticky_key(m), range_);
    key_hashes_.emplace(m.batch_key, h);
    return h;
  }
  return sticky_key_hash(world_.sticky_key(m), range_);
}

bool KeySharedDispatcher::accept(const Attached& a) {
  if (auto* s = std::get_if<ConsistentHashingSelector>(&selector_)) {
    s->add(a.id, a.name);
    return true;
  }
  if (auto* s = std::get_if<HashRangeAutoSplitSelector>(&selector_)) return s->add(a.id);
  // STICKY: the consumer declares its ranges by its index in the subscription.
  const auto& ranges = spec().consumers.sticky_ranges;
  const auto m = static_cast<std::size_t>(a.member);
  static const std::vector<HashRange> kNone;
  return std::get<HashRangeExclusiveSelector>(selector_).add(a.id, m < ranges.size() ? ranges[m] : kNone).empty();
}

void KeySharedDispatcher::consumers_changed(ConsumerId /*added*/, ConsumerId removed) {
  if (removed != kNoConsumer) std::visit([removed](auto& s) { s.remove(removed); }, selector_);
  recompute_draining();
  // Hashes may have moved: sort the replay set into the consumers' parts again.
  std::vector<std::int64_t> all;
  all.reserve(where_.size());
  for (const auto& [entry, owner] : where_) all.push_back(entry);
  buckets_.clear();
  where_.clear();
  waiting_hashes_.clear();
  for (std::int64_t e : all) replay_add(e);
  for (const Attached& a : consumers_) dirty_.insert(a.id);
}

void KeySharedDispatcher::replay_add(std::int64_t entry) {
  if (where_.count(entry)) return;
  const std::int32_t h = hash_of(entry);
  const ConsumerId c = select(h);
  buckets_[c].insert(entry);
  where_.emplace(entry, c);
  ++waiting_hashes_[h];
  dirty_.insert(c);
}

void KeySharedDispatcher::replay_remove(std::int64_t entry) {
  auto it = where_.find(entry);
  if (it == where_.end()) return;
  auto b = buckets_.find(it->second);
  if (b != buckets_.end()) {
    b->second.erase(entry);
    if (b->second.empty()) buckets_.erase(b);
  }
  where_.erase(it);
  const std::int32_t h = hash_of(entry);
  auto w = waiting_hashes_.find(h);
  if (w != waiting_hashes_.end() && --w->second <= 0) waiting_hashes_.erase(w);
}

void KeySharedDispatcher::replay_clear() {
  buckets_.clear();
  where_.clear();
  waiting_hashes_.clear();
}

void KeySharedDispatcher::recompute_draining() {
  if (!ordered_) return;
  std::unordered_map<std::int32_t, Drain> before;
  before.swap(draining_);
  std::vector<std::pair<std::int64_t, ConsumerId>> pending(pending_.begin(), pending_.end());
  std::sort(pending.begin(), pending.end());  // the oldest message's holder owns a contested hash
  for (const auto& [entry, holder] : pending) {
    const std::int32_t h = hash_of(entry);
    if (select(h) == holder) continue;
    Drain& d = draining_[h];
    if (d.count == 0) d.holder = holder;
    if (d.holder == holder) ++d.count;
  }
  // Signals in hash order, so that runs are reproducible whatever the maps' order.
  std::vector<std::pair<std::int32_t, bool>> changes;
  for (const auto& [h, d] : draining_)
    if (!before.count(h)) changes.emplace_back(h, true);
  for (const auto& [h, d] : before)
    if (!draining_.count(h)) {
      changes.emplace_back(h, false);
      dirty_.insert(select(h));
    }
  std::sort(changes.begin(), changes.end());
  for (const auto& [h, on] : changes) world_.signals().draining.emit(subscription_, partition_, h, on, now());
}

void KeySharedDispatcher::released(std::int64_t entry, ConsumerId holder) {
  if (draining_.empty()) return;
  const std::int32_t h = hash_of(entry);
  auto it = draining_.find(h);
  if (it == draining_.end() || it->second.holder != holder) return;
  if (--it->second.count <= 0) {
    draining_.erase(it);
    dirty_.insert(select(h));
    world_.signals().draining.emit(subscription_, partition_, h, false, now());
  }
}

bool KeySharedDispatcher::any_permits() const {
  for (const Attached& a : consumers_)
    if (a.permits > 0) return true;
  return false;
}

bool KeySharedDispatcher::try_send(Attached* a, std::int64_t entry, std::int32_t hash) {
  if (!a || a->permits <= 0) return false;
  if (ordered_) {
    auto d = draining_.find(hash);
    if (d != draining_.end() && d->second.holder != a->id) return false;
  }
  send(*a, entry);
  return true;
}

void KeySharedDispatcher::drain_replay(Attached& a) {
  auto b = buckets_.find(a.id);
  if (b == buckets_.end()) return;
  std::unordered_set<std::int32_t> held;
  std::vector<std::int64_t> sent;
  for (std::int64_t e : b->second) {
    if (a.permits <= 0) break;
    const std::int32_t h = hash_of(e);
    if (ordered_ && held.count(h)) continue;
    if (try_send(&a, e, h)) sent.push_back(e);
    else held.insert(h);
  }
  for (std::int64_t e : sent) replay_remove(e);
}

void KeySharedDispatcher::dispatch() {
  if (!dirty_.empty()) {
    std::unordered_set<ConsumerId> look;
    look.swap(dirty_);
    for (Attached& a : consumers_)
      if (a.permits > 0 && look.count(a.id)) drain_replay(a);
  }
  const std::int64_t size = ledger_size();
  while (where_.size() < kLookAhead && any_permits()) {
    const std::int64_t e = next_new();
    if (e >= size) break;
    ++read_;
    const std::int32_t h = hash_of(e);
    Attached* a = find(select(h));
    if ((ordered_ && waiting_hashes_.count(h)) || !try_send(a, e, h)) replay_add(e);
  }
  // Messages just put aside wait for something to change, not for the next look.
  dirty_.clear();
}

std::unique_ptr<Dispatcher> make_dispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition) {
  switch (world.scenario().pulsar.subscriptions[static_cast<std::size_t>(subscription)].type) {
    case SubscriptionType::Exclusive:
    case SubscriptionType::Failover:
      return std::make_unique<SingleActiveDispatcher>(world, subscription, topic, partition);
    case SubscriptionType::Shared:
      return std::make_unique<SharedDispatcher>(world, subscription, topic, partition);
    case SubscriptionType::KeyShared:
      return std::make_unique<KeySharedDispatcher>(world, subscription, topic, partition);
  }
  return nullptr;
}

}  // namespace cgsim::models::pulsar
