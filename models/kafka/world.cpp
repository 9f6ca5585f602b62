#include "models/kafka/world.hpp"

#include <algorithm>

#include "models/common/priorities.hpp"

namespace cgsim::models {

using sim::Time;

World::World(sim::Engine& engine, const Scenario& scenario) : engine_(engine), scenario_(scenario) {
  for (const auto& t : scenario.topics) {
    std::int32_t bytes = 0;
    for (const auto& p : scenario.producers)
      if (p.topic == t.name) bytes = std::max(bytes, p.record_bytes);
    broker_.add_topic(t.name, t.partitions, bytes > 0 ? bytes : 512);
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
  for (const FaultSpec& f : scenario_.faults) {
    engine_.schedule_at(f.at, models::priority::kFault, [this, &f] {
      signals_.fault.emit(f, engine_.now());
      apply(f);
    });
  }
}

void World::apply(const FaultSpec& f) {
  Group* g = nullptr;
  for (auto& gp : groups_)
    if (gp->spec().id == f.group) g = gp.get();
  if (!g) return;  // the loader guarantees the group exists
  switch (f.kind) {
    case FaultSpec::Kind::Crash:
      g->consumer(f.member).crash();
      break;
    case FaultSpec::Kind::Leave:
      g->consumer(f.member).close();
      break;
    case FaultSpec::Kind::Join:
      for (std::int32_t i = 0; i < f.count; ++i) g->add_consumer().start();
      break;
    case FaultSpec::Kind::Slow:
      g->consumer(f.member).slow(f.factor, engine_.now() + f.duration);
      break;
    case FaultSpec::Kind::Restart: {
      // A restart is a clean shutdown, the downtime, then a new client with the same name.
      std::int32_t idx = f.member;
      Time downtime = f.duration;
      g->consumer(idx).close([this, g, idx, downtime] {
        engine_.schedule_after(downtime, models::priority::kFault, [g, idx] { g->restart_consumer(idx).start(); });
      });
      break;
    }
    case FaultSpec::Kind::RollingRestart: {
      // Each member in turn: shut down, come back after the downtime, then the gap before the next.
      std::int32_t n = static_cast<std::int32_t>(g->consumers().size());
      Time step = f.duration + f.gap;
      for (std::int32_t idx = 0; idx < n; ++idx) {
        Time downtime = f.duration;
        engine_.schedule_after(step * idx, models::priority::kFault, [this, g, idx, downtime] {
          if (g->consumer(idx).stopped()) return;
          g->consumer(idx).close([this, g, idx, downtime] {
            engine_.schedule_after(downtime, models::priority::kFault, [g, idx] { g->restart_consumer(idx).start(); });
          });
        });
      }
      break;
    }
  }
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
