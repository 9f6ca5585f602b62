#include "models/rabbitmq/world.hpp"

#include <algorithm>

#include "models/common/priorities.hpp"

namespace cgsim::models::rabbitmq {

World::World(sim::Engine& engine, const Scenario& scenario)
    : engine_(engine), scenario_(scenario), broker_(engine, scenario, signals_), producers_(engine, broker_, scenario) {
  groups_.resize(scenario.consumers.size());
  lives_.resize(scenario.consumers.size());
  for (std::size_t g = 0; g < scenario.consumers.size(); ++g)
    for (std::int32_t i = 0; i < scenario.consumers[g].count; ++i) add_consumer(static_cast<std::int32_t>(g));
}

Consumer& World::add_consumer(std::int32_t g) {
  auto& members = groups_[static_cast<std::size_t>(g)];
  const auto member = static_cast<std::int32_t>(members.size());
  lives_[static_cast<std::size_t>(g)].push_back(0);
  members.push_back(std::make_unique<Consumer>(*this, g, member, 0));
  return *members.back();
}

void World::restart_member(std::int32_t g, std::int32_t member) {
  auto& slot = groups_[static_cast<std::size_t>(g)][static_cast<std::size_t>(member)];
  const std::uint32_t life = ++lives_[static_cast<std::size_t>(g)][static_cast<std::size_t>(member)];
  retired_.push_back(std::move(slot));
  slot = std::make_unique<Consumer>(*this, g, member, life);
  slot->start();
}

void World::start() {
  producers_.start();
  for (auto& members : groups_)
    for (auto& c : members) c->start();
  models::schedule_faults(engine_, scenario_.faults, faults_, signals_.fault);
  if (scenario_.output.sample_interval > 0)
    engine_.schedule_at(0, models::priority::kSample, [this] { sample(); });
}

void World::sample() {
  for (std::int32_t q = 0; q < broker_.queue_count(); ++q)
    signals_.depth.emit(q, broker_.queue(q).ready(), broker_.queue(q).unacked(), engine_.now());
  const sim::Time next = engine_.now() + scenario_.output.sample_interval;
  if (next <= scenario_.duration) engine_.schedule_at(next, models::priority::kSample, [this] { sample(); });
}

void World::apply(const models::FaultSpec& f) { models::apply_fault(engine_, f, faults_); }

bool World::out_of_order(std::int32_t queue, std::uint64_t key, std::uint64_t seq) {
  if (key == kNoKey) return false;
  const std::uint64_t k = (static_cast<std::uint64_t>(queue) << 40) ^ key;
  auto [it, fresh] = latest_.try_emplace(k, seq);
  if (fresh) return false;
  if (seq < it->second) return true;
  it->second = seq;
  return false;
}

Totals World::totals() const {
  Totals t;
  t.published = broker_.published();
  t.unroutable = broker_.unroutable();
  t.lost_in_clients = broker_.lost_in_clients();
  for (std::int32_t q = 0; q < broker_.queue_count(); ++q) {
    const Queue& qu = broker_.queue(q);
    const QueueCounters& c = qu.counters();
    t.enqueued += c.enqueued;
    t.publish_rejected += c.publish_rejected;
    t.acked += c.acked;
    t.dropped += c.dropped;
    t.dead_lettered += c.dead_lettered;
    t.requeued += c.requeued;
    t.ready += qu.ready();
    t.unacked += qu.unacked();
  }
  return t;
}

void World::run() { engine_.run_until(scenario_.duration); }

}  // namespace cgsim::models::rabbitmq
