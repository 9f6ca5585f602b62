#include "models/kafka/broker.hpp"

#include <algorithm>
#include <stdexcept>

namespace cgsim::models {

std::int64_t PartitionLog::end_at(sim::Time t) {
  // Callers ask for nearby cuts (now, or a fetch's response time), so the cursor moves a few
  // records either way; records are time-ordered, so walking is exact.
  if (visible_ < base_) visible_ = base_;
  const std::int64_t end = end_offset();
  while (visible_ < end && time_at(visible_) <= t) ++visible_;
  while (visible_ > base_ && time_at(visible_ - 1) > t) --visible_;
  return visible_;
}

void PartitionLog::add_listener(std::int32_t group, AppendListener* l) {
  if (std::find(listeners_.begin(), listeners_.end(), l) != listeners_.end()) return;
  // Notifications schedule engine events, whose insertion order is part of the event order: keep
  // them in group order whatever the order of registration.
  const auto at = std::upper_bound(listener_groups_.begin(), listener_groups_.end(), group) - listener_groups_.begin();
  listeners_.insert(listeners_.begin() + at, l);
  listener_groups_.insert(listener_groups_.begin() + at, group);
}

void PartitionLog::remove_listener(AppendListener* l) {
  const auto it = std::find(listeners_.begin(), listeners_.end(), l);
  if (it == listeners_.end()) return;
  listener_groups_.erase(listener_groups_.begin() + (it - listeners_.begin()));
  listeners_.erase(it);
}

namespace {
/// Dropped records are removed once they are at least this many and more than half of the stored
/// ones: the copying stays amortised O(1) per record, and a log never holds more than twice its
/// live records (plus this constant), which matters with 100k partitions.
constexpr std::size_t kMinCompaction = 32;
}  // namespace

void PartitionLog::truncate_before(std::int64_t offset) {
  if (offset > end_offset()) offset = end_offset();
  if (offset <= base_) return;
  head_ += static_cast<std::size_t>(offset - base_);
  base_ = offset;
  if (head_ >= kMinCompaction && head_ * 2 > times_.size()) {
    times_.erase(times_.begin(), times_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

std::int32_t Broker::add_topic(const std::string& name, std::int32_t partitions, std::int32_t record_bytes,
                              std::int32_t reserved) {
  TopicInfo t;
  t.name = name;
  t.partitions = partitions;
  t.reserved = std::max(partitions, reserved);
  t.first_gid = static_cast<std::int32_t>(logs_.size());
  t.record_bytes = record_bytes;
  topics_.push_back(t);
  logs_.resize(logs_.size() + static_cast<std::size_t>(t.reserved));
  topic_of_.resize(logs_.size(), static_cast<std::int32_t>(topics_.size() - 1));
  return static_cast<std::int32_t>(topics_.size() - 1);
}

void Broker::grow_topic(std::int32_t index, std::int32_t count) {
  TopicInfo& t = topics_[static_cast<std::size_t>(index)];
  if (count <= 0 || t.partitions + count > t.reserved)
    throw std::logic_error("topic " + t.name + " cannot grow by " + std::to_string(count) + " partitions");
  t.partitions += count;
  ++metadata_version_;
}

std::int32_t Broker::topic_index(const std::string& name) const {
  for (std::size_t i = 0; i < topics_.size(); ++i)
    if (topics_[i].name == name) return static_cast<std::int32_t>(i);
  throw std::out_of_range("unknown topic " + name);
}

std::string Broker::partition_name(std::int32_t gid) const {
  const TopicInfo& t = topics_[static_cast<std::size_t>(topic_of(gid))];
  return t.name + "-" + std::to_string(gid - t.first_gid);
}

}  // namespace cgsim::models
