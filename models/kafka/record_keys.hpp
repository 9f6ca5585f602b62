#pragma once
/// @file record_keys.hpp
/// The key of a stored record, named after the fact.
///
/// Production draws a keyed record's partition from the partitions' aggregated key probabilities
/// and never the key itself (see Production), so logs hold append times only. When ordering needs
/// a record's key, this draws it from the key distribution conditioned on the record's partition,
/// with a random number that is a pure function of (seed, partition, offset): the same joint law
/// of (key, partition) as drawing the key first, the same key every time it is asked, and no cost
/// for records nobody asks about.
///
/// Keys can be named this way when every producer of a topic draws uniform or Zipf keys from one
/// key space through a partitioner whose keyed choice depends on the key alone. Otherwise (no
/// keys, sequential keys, mixed key spaces, a key space too large to aggregate) keyed() is false
/// and ordering is kept per partition.
#include <cstdint>
#include <memory>
#include <vector>

#include "models/common/scenario.hpp"
#include "models/kafka/broker.hpp"
#include "sim/rng.hpp"

namespace cgsim::models {

class RecordKeys {
 public:
  RecordKeys(const Scenario& scenario, const Broker& broker);
  ~RecordKeys();

  /// True when the records of global partition @p gid have keys key() can name.
  bool keyed(std::int32_t gid) const { return topic_keyed_[static_cast<std::size_t>(broker_.topic_of(gid))] != 0; }
  /// The key of the record at @p offset of @p gid (keyed(gid) must hold), numbered across the
  /// run's topics: its key index plus the key-space sizes of the keyed topics before its topic.
  std::uint64_t key(std::int32_t gid, std::int64_t offset);
  /// One past the largest number key() returns.
  std::uint64_t key_space() const { return key_space_; }

 private:
  /// A partition's keys and the table that picks one by its probability.
  struct PartitionKeys {
    std::vector<std::uint64_t> keys;
    std::unique_ptr<sim::AliasTable> table;  ///< null when every key is as likely
  };
  void build(std::int32_t topic);

  const Scenario& scenario_;
  const Broker& broker_;
  std::vector<const ProducerSpec*> topic_spec_;  ///< per topic: its producers' common spec
  std::vector<std::uint8_t> topic_keyed_;
  std::vector<std::uint8_t> topic_built_;
  std::vector<std::uint64_t> topic_base_;  ///< per topic: the first number of its keys
  std::uint64_t key_space_ = 0;
  std::vector<PartitionKeys> partitions_;  ///< per global partition id
};

}  // namespace cgsim::models
