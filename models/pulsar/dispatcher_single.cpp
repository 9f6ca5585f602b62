#include "models/common/priorities.hpp"
#include "models/pulsar/dispatchers.hpp"
#include "models/pulsar/selectors/failover.hpp"
#include "models/pulsar/world.hpp"

namespace cgsim::models::pulsar {

SingleActiveDispatcher::SingleActiveDispatcher(World& world, std::int32_t subscription, Topic& topic, std::int32_t partition)
    : Dispatcher(world, subscription, topic, partition) {}

bool SingleActiveDispatcher::accept(const Attached& /*a*/) {
  // Exclusive refuses a second consumer (ConsumerBusy).
  return spec().type != SubscriptionType::Exclusive || consumers_.empty();
}

void SingleActiveDispatcher::consumers_changed(ConsumerId /*added*/, ConsumerId /*removed*/) {
  ConsumerId next = kNoConsumer;
  if (spec().type == SubscriptionType::Exclusive) {
    if (!consumers_.empty()) next = consumers_.front().id;
  } else {
    std::vector<FailoverConsumer> list;
    list.reserve(consumers_.size());
    for (const Attached& a : consumers_) list.push_back({a.id, a.name, a.priority});
    const auto& broker = world_.scenario().pulsar.broker;
    next = failover_active_consumer(list, topic_.partitioned() ? partition_ : -1, topic_.partition_name(partition_),
                                    broker.failover_consistent_hashing);
  }
  if (next == active_) return;
  active_ = next;
  const sim::Time delay = world_.scenario().pulsar.broker.failover_delay;
  if (spec().type == SubscriptionType::Failover && delay > 0) {
    // A change while a rewind is scheduled keeps that rewind.
    if (rewind_timer_ == 0) {
      rewind_at_ = now() + delay;
      rewind_timer_ = world_.engine().schedule_at(rewind_at_, models::priority::kCoordinator, [this] {
        rewind_timer_ = 0;
        rewind();
        dispatch();
      });
    }
    announce(rewind_at_);
  } else {
    rewind();
    announce(now());
  }
}

void SingleActiveDispatcher::announce(sim::Time from) {
  const Attached* a = find(active_);
  world_.signals().active_consumer.emit(subscription_, partition_, a ? a->member : -1, now(), from);
}

void SingleActiveDispatcher::dispatch() {
  if (rewind_timer_ != 0) return;
  Attached* a = find(active_);
  if (!a) return;
  const std::int64_t size = ledger_size();
  while (a->permits > 0) {
    const std::int64_t e = next_new();
    if (e >= size) break;
    ++read_;
    send(*a, e);
  }
}

void SingleActiveDispatcher::redeliver(Consumer* client, const std::vector<std::int64_t>& /*entries*/,
                                       RedeliveryReason /*why*/) {
  const Attached* a = find(client);
  if (!a) return;
  redeliver_all(client, a->epoch);
}

void SingleActiveDispatcher::redeliver_all(Consumer* client, std::uint32_t epoch) {
  Attached* a = find(client);
  if (!a) return;
  if (epoch > a->epoch) a->epoch = epoch;
  // Only the active consumer may ask, and not while a failover rewind is scheduled.
  if (a->id != active_ || rewind_timer_ != 0) return;
  rewind();
  dispatch();
}

}  // namespace cgsim::models::pulsar
