// One group: offsets, ownership stalls, and the clients it holds.
#include "models/kafka/group.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "models/common/priorities.hpp"

namespace cgsim::models {

using sim::Time;

Group::Group(sim::Engine& engine, Broker& broker, Signals& signals, const Scenario& scenario,
             const GroupSpec& spec, std::int32_t index)
    : engine_(engine),
      broker_(broker),
      signals_(signals),
      scenario_(scenario),
      spec_(spec),
      index_(index),
      protocol_(spec.protocol == "consumer"      ? Protocol::Consumer
                : spec.protocol == "cooperative" ? Protocol::Cooperative
                                                 : Protocol::Eager),
      assignor_(assignors::find_assignor_info(spec.assignor, scenario.client)),
      offsets_(static_cast<std::size_t>(broker.partition_count())),
      coordinator_(*this),
      consumer_coordinator_(*this) {
  if (!assignor_) throw std::invalid_argument("unknown assignor " + spec.assignor);
  clusters_.emplace_back();
  for (const auto& t : broker.topics()) clusters_.back().topics.push_back({t.name, t.partitions, {}, {}});
  std::set<std::int32_t> parts;
  for (const auto& tn : spec.topics) {
    const TopicInfo& t = broker.topic(broker.topic_index(tn));
    for (std::int32_t p = 0; p < t.reserved; ++p) parts.insert(t.first_gid + p);
  }
  partitions_.assign(parts.begin(), parts.end());
  unowned_since_.assign(static_cast<std::size_t>(broker.partition_count()), -1);
  for (std::int32_t gid : partitions_) unowned_since_[static_cast<std::size_t>(gid)] = 0;
  handed_out_at_.assign(static_cast<std::size_t>(broker.partition_count()), -1);
}

bool Group::subscribes(std::int32_t topic) const {
  const std::string& name = broker_.topic(topic).name;
  return std::find(spec_.topics.begin(), spec_.topics.end(), name) != spec_.topics.end();
}

void Group::on_topic_grown(std::int32_t topic) {
  assignors::ClusterMetadata next = clusters_.back();
  next.topics[static_cast<std::size_t>(topic)].partitions = broker_.topic(topic).partitions;
  clusters_.push_back(std::move(next));
  if (!subscribes(topic)) return;
  consumer_coordinator_.on_metadata_change();
  for (auto& c : consumers_) c->on_metadata_change();
}

Consumer& Group::add_consumer() {
  consumers_.push_back(std::make_unique<Consumer>(*this, static_cast<std::int32_t>(consumers_.size())));
  return *consumers_.back();
}

Consumer& Group::restart_consumer(std::int32_t index) {
  auto& slot = consumers_[static_cast<std::size_t>(index)];
  retired_.push_back(std::move(slot));
  slot = std::make_unique<Consumer>(*this, index);
  return *slot;
}

void Group::mark_unowned(std::int32_t gid, Time t) {
  auto& u = unowned_since_[static_cast<std::size_t>(gid)];
  if (u < 0) u = t;
}

std::int64_t Group::mark_owned(std::int32_t gid, Time t) {
  auto& u = unowned_since_[static_cast<std::size_t>(gid)];
  if (u < 0) return 0;
  Time from = u;
  u = -1;
  handed_out_at_[static_cast<std::size_t>(gid)] = t;
  const PartitionLog& log = broker_.log(gid);
  std::int64_t waiting = std::max(offsets(gid).frontier, log.start_offset());
  if (waiting >= log.end_offset()) return 0;
  Time first = log.time_at(waiting);
  if (first >= t) return 0;
  return t - std::max(from, first);
}

std::int32_t Group::generation() const {
  return protocol_ == Protocol::Consumer ? consumer_coordinator_.group_epoch() : coordinator_.generation();
}

void Group::finish_run() {
  coordinator_.finish_run();
  consumer_coordinator_.finish_run();
}

std::uint32_t Group::lives(std::int32_t index) const {
  std::uint32_t n = 0;
  for (const auto& c : retired_) n += c->index() == index ? 1 : 0;
  return n;
}

void Group::send(sim::Callback fn) {
  engine_.schedule_after(scenario_.broker.request_latency, models::priority::kNetwork, std::move(fn));
}

std::int32_t Group::gid(const TopicPartition& tp) const {
  return broker_.topic(broker_.topic_index(tp.topic)).first_gid + tp.partition;
}

}  // namespace cgsim::models
