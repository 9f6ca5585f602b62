#include "models/kafka/world.hpp"

#include <algorithm>
#include <functional>
#include <memory>


namespace cgsim::models {

using sim::Time;

World::World(sim::Engine& engine, const Scenario& scenario) : engine_(engine), scenario_(scenario) {
  for (const auto& t : scenario.topics) {
    std::int32_t bytes = 0;
    for (const auto& p : scenario.producers)
      if (p.topic == t.name) bytes = std::max(bytes, p.record_bytes);
    std::int32_t reserved = t.partitions;
    for (const auto& f : scenario.faults)
      if (f.kind == FaultSpec::Kind::AddPartitions && f.topic == t.name) reserved += f.count;
    broker_.add_topic(t.name, t.partitions, bytes > 0 ? bytes : 512, reserved);
  }
  production_ = std::make_unique<Production>(engine, broker_, scenario);
  for (std::size_t i = 0; i < scenario.groups.size(); ++i) {
    groups_.push_back(std::make_unique<Group>(engine, broker_, signals_, scenario, scenario.groups[i],
                                              static_cast<std::int32_t>(i)));
    for (std::int32_t c = 0; c < scenario.groups[i].consumers.count; ++c) groups_.back()->add_consumer();
  }
}

void World::start() {
  production_->start();
  for (auto& g : groups_)
    for (auto& c : g->consumers()) c->start(g->spec().start_spread);
  schedule_faults(engine_, scenario_.faults, *this, signals_.fault);
}

std::int32_t World::fault_group(const std::string& id) const {
  std::int32_t found = -1;
  for (std::size_t i = 0; i < groups_.size(); ++i)
    if (groups_[i]->spec().id == id) found = static_cast<std::int32_t>(i);
  return found;
}

std::int32_t World::fault_members(std::int32_t g) const {
  return static_cast<std::int32_t>(groups_[static_cast<std::size_t>(g)]->consumers().size());
}

bool World::fault_member_stopped(std::int32_t g, std::int32_t m) const {
  return groups_[static_cast<std::size_t>(g)]->consumers()[static_cast<std::size_t>(m)]->stopped();
}

void World::crash_member(std::int32_t g, std::int32_t m) { group(static_cast<std::size_t>(g)).consumer(m).crash(); }

void World::leave_member(std::int32_t g, std::int32_t m, sim::Callback closed) {
  std::function<void()> then;
  if (closed) then = [c = std::make_shared<sim::Callback>(std::move(closed))] { (*c)(); };
  group(static_cast<std::size_t>(g)).consumer(m).close(std::move(then));
}

void World::join_member(std::int32_t g) { group(static_cast<std::size_t>(g)).add_consumer().start(); }

void World::slow_member(std::int32_t g, std::int32_t m, double factor, Time until) {
  group(static_cast<std::size_t>(g)).consumer(m).slow(factor, until);
}

void World::restart_member(std::int32_t g, std::int32_t m) {
  group(static_cast<std::size_t>(g)).restart_consumer(m).start();
}

void World::add_partitions(const std::string& topic, std::int32_t count) {
  const std::int32_t t = broker_.topic_index(topic);
  broker_.grow_topic(t, count);
  for (auto& g : groups_) g->on_topic_grown(t);
  production_->on_topic_grown(t);
}

void World::truncate_logs() {
  for (std::int32_t gid = 0; gid < broker_.partition_count(); ++gid) {
    std::int64_t keep = broker_.log(gid).end_offset();
    bool consumed_by_any = false;
    for (auto& g : groups_) {
      const auto& parts = g->partitions();
      if (!std::binary_search(parts.begin(), parts.end(), gid)) continue;
      consumed_by_any = true;
      std::int64_t c = g->offsets(gid).committed;
      if (c < 0) {
        keep = std::min(keep, g->spec().auto_offset_reset == "latest" ? g->offsets(gid).frontier : std::int64_t{0});
      } else {
        keep = std::min(keep, c);
      }
    }
    if (!consumed_by_any) keep = broker_.log(gid).end_at(engine_.now());
    // Records in a consumer's hand are below its position but above the committed offset, so
    // they are kept; everything older is unreachable.
    broker_.log(gid).truncate_before(keep);
  }
}

void World::run() {
  engine_.run_until(scenario_.duration);
  for (auto& g : groups_) {
    for (auto& c : g->consumers()) c->finish_run();
    g->finish_run();
  }
}

}  // namespace cgsim::models
