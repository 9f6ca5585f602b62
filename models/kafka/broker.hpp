#pragma once
/// @file broker.hpp
/// Partition logs held by the broker.
///
/// A log stores, per offset, the time the record was appended. Production is generated a short
/// window ahead (see Producer), so a log may hold records whose time is still in the future: they
/// exist but are not yet visible to fetches. Records below every group's committed offset are
/// dropped to bound memory, as retention would.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.hpp"

namespace cgsim::models {

/// Notified when records are appended to a partition it fetches from.
class AppendListener {
 public:
  virtual ~AppendListener() = default;
  /// @p first_time is the append time of the first new record.
  virtual void on_append(std::int32_t partition, sim::Time first_time) = 0;
};

/// One partition's log.
class PartitionLog {
 public:
  /// Appends a record appended at @p t. Times must be non-decreasing, except within a run of
  /// appends that sort_from() puts in order before anything reads the log.
  void append(sim::Time t) { times_.push_back(t); }
  /// Appends records appended at the times in [@p first, @p last), in that order (the same rule).
  void append(const sim::Time* first, const sim::Time* last) { times_.insert(times_.end(), first, last); }
  /// Sorts the records at offsets @p from and later by time (@p from must be stored or the end).
  void sort_from(std::int64_t from) {
    std::sort(times_.begin() + static_cast<std::ptrdiff_t>(head_ + static_cast<std::size_t>(from - base_)), times_.end());
  }
  /// Offset one past the last record (including records not yet visible).
  std::int64_t end_offset() const { return base_ + static_cast<std::int64_t>(times_.size() - head_); }
  /// First offset still stored.
  std::int64_t start_offset() const { return base_; }
  /// Offset one past the last record appended at or before @p t (the log-end offset at @p t).
  /// A cursor makes this O(distance from the previous call's answer).
  std::int64_t end_at(sim::Time t);
  /// Append time of the record at @p offset (must be stored).
  sim::Time time_at(std::int64_t offset) const { return times_[head_ + static_cast<std::size_t>(offset - base_)]; }
  /// Append times from @p offset on (must be stored), in offset order; valid until the next
  /// append or truncation.
  const sim::Time* times_from(std::int64_t offset) const { return times_.data() + head_ + static_cast<std::size_t>(offset - base_); }
  /// Drops records below @p offset.
  void truncate_before(std::int64_t offset);
  /// Registers a consumer of group @p group that holds this partition (no effect when it already
  /// is). Every holder is told of appends, a consumer that lost the partition without knowing it
  /// yet included, as the broker answers every fetch that waits on the partition.
  void add_listener(std::int32_t group, AppendListener* l);
  /// Unregisters @p l (no effect when it is not registered).
  void remove_listener(AppendListener* l);
  /// The registered listeners, ordered by group index, then by registration within a group.
  const std::vector<AppendListener*>& listeners() const { return listeners_; }

 private:
  std::int64_t base_ = 0;
  // Append times of offsets [base_, end): times_[head_ ..]. Dropped records advance head_; the
  // vector is compacted once more than half of it is dropped, so indexing stays a plain array access.
  std::vector<sim::Time> times_;
  std::size_t head_ = 0;
  std::int64_t visible_ = 0;  // cursor for end_at
  std::vector<AppendListener*> listeners_;
  std::vector<std::int32_t> listener_groups_;  // group index of each listener
};

/// A topic's place in the broker's flat partition table.
struct TopicInfo {
  std::string name;
  std::int32_t partitions = 0;  ///< partitions the topic has now
  /// Global ids first_gid .. first_gid + reserved - 1 belong to the topic: the partitions it has
  /// and those an add_partitions fault will create (empty logs until then), so that global ids
  /// stay put when the topic grows.
  std::int32_t reserved = 0;
  std::int32_t first_gid = 0;  ///< global id of partition 0
  std::int32_t record_bytes = 512;
};

/// The broker: every partition of every topic, addressed by a global partition id.
class Broker {
 public:
  /// Adds a topic and returns its index; @p reserved (at least @p partitions) is what it can
  /// grow to (TopicInfo::reserved).
  std::int32_t add_topic(const std::string& name, std::int32_t partitions, std::int32_t record_bytes,
                         std::int32_t reserved = 0);
  /// Gives topic @p index @p count more partitions (CreatePartitions), within its reserved ids.
  void grow_topic(std::int32_t index, std::int32_t count);
  /// How many times a topic has grown: a client's metadata is current when it has seen this.
  std::int32_t metadata_version() const { return metadata_version_; }
  std::int32_t topic_index(const std::string& name) const;
  const TopicInfo& topic(std::int32_t index) const { return topics_[static_cast<std::size_t>(index)]; }
  const std::vector<TopicInfo>& topics() const { return topics_; }
  PartitionLog& log(std::int32_t gid) { return logs_[static_cast<std::size_t>(gid)]; }
  const PartitionLog& log(std::int32_t gid) const { return logs_[static_cast<std::size_t>(gid)]; }
  std::int32_t partition_count() const { return static_cast<std::int32_t>(logs_.size()); }
  /// Topic index of a global partition id.
  std::int32_t topic_of(std::int32_t gid) const { return topic_of_[static_cast<std::size_t>(gid)]; }
  /// "topic-partition" name of a global partition id.
  std::string partition_name(std::int32_t gid) const;

 private:
  std::vector<TopicInfo> topics_;
  std::vector<PartitionLog> logs_;
  std::vector<std::int32_t> topic_of_;
  std::int32_t metadata_version_ = 0;
};

}  // namespace cgsim::models
