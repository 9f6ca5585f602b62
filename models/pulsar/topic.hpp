#pragma once
/// @file topic.hpp
/// A Pulsar topic as its subscriptions see it: one ledger of messages per partition (a
/// non-partitioned topic has one), in the order the broker appended them. A producer batch is
/// appended as consecutive messages that share the batch's sticky key (the broker stores a batch
/// as one entry whose metadata carries the first message's key, or its producer name and sequence
/// id when it has none, and Key_Shared hashes that). Subscriptions attach to each partition and are told of every
/// append.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/pulsar/scenario.hpp"
#include "models/pulsar/signals.hpp"
#include "sim/time.hpp"

namespace cgsim::models::pulsar {

/// One message in a partition's ledger.
struct Entry {
  std::uint64_t key = kNoKey;    ///< key index (kNoKey: sent without a key)
  std::int32_t producer = 0;     ///< producer instance (names the sticky key of unkeyed messages)
  std::int64_t sequence = 0;     ///< the producer's sequence id
  sim::Time published = 0;       ///< when the broker appended it
  /// The first message of its batch (itself when sent alone): its key and sequence id name the
  /// sticky key Key_Shared dispatches the whole batch by.
  std::uint64_t batch_key = kNoKey;
  std::int64_t batch_sequence = 0;
};

class Topic {
 public:
  explicit Topic(const PulsarTopicSpec& spec);

  const PulsarTopicSpec& spec() const { return spec_; }
  /// Ledgers: 1 for a non-partitioned topic, else the partition count.
  std::int32_t ledgers() const { return static_cast<std::int32_t>(ledgers_.size()); }
  bool partitioned() const { return spec_.partitions > 0; }
  /// The broker's full name of partition @p p, e.g. persistent://public/default/orders-partition-3.
  const std::string& partition_name(std::int32_t p) const { return names_[static_cast<std::size_t>(p)]; }
  const std::vector<Entry>& ledger(std::int32_t p) const { return ledgers_[static_cast<std::size_t>(p)]; }
  const Entry& entry(std::int32_t p, std::int64_t e) const { return ledgers_[static_cast<std::size_t>(p)][static_cast<std::size_t>(e)]; }
  std::uint64_t published() const;

  /// Appends @p e to partition @p p and tells the listeners.
  void append(std::int32_t p, const Entry& e);
  /// Calls @p listener(partition) after each append.
  void listen(std::function<void(std::int32_t)> listener) { listeners_.push_back(std::move(listener)); }

 private:
  PulsarTopicSpec spec_;
  std::vector<std::vector<Entry>> ledgers_;
  std::vector<std::string> names_;
  std::vector<std::function<void(std::int32_t)>> listeners_;
};

}  // namespace cgsim::models::pulsar
