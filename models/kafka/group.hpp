#pragma once
/// @file group.hpp
/// One Kafka consumer group: its configuration, the offsets it committed, its coordinator (the
/// classic group or the consumer group, by `protocol`) and its consumers.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "models/common/scenario.hpp"
#include "models/kafka/signals.hpp"
#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/broker.hpp"
#include "models/kafka/client/consumer.hpp"
#include "models/kafka/coordinator/classic_group.hpp"
#include "models/kafka/coordinator/consumer_group.hpp"
#include "sim/engine.hpp"

namespace cgsim::models {

/// Offsets state of one partition for one group.
struct GroupPartition {
  std::int64_t committed = -1;  ///< -1: no committed offset
  std::int64_t frontier = 0;    ///< one past the highest offset the group has processed
};

/// The rebalance protocol a group uses.
enum class Protocol { Eager, Cooperative, Consumer };

/// Everything one group needs: configuration, offsets, coordinator and consumers.
class Group {
 public:
  Group(sim::Engine& engine, Broker& broker, Signals& signals, const Scenario& scenario,
        const GroupSpec& spec, std::int32_t index);

  /// Adds a consumer with the next index and returns it (not started).
  Consumer& add_consumer();
  Consumer& consumer(std::int32_t index) { return *consumers_[static_cast<std::size_t>(index)]; }
  const std::vector<std::unique_ptr<Consumer>>& consumers() const { return consumers_; }
  /// Replaces consumer @p index by a fresh client with the same name (a restart).
  Consumer& restart_consumer(std::int32_t index);

  sim::Engine& engine() { return engine_; }
  Broker& broker() { return broker_; }
  Signals& signals() { return signals_; }
  const Scenario& scenario() const { return scenario_; }
  const GroupSpec& spec() const { return spec_; }
  std::int32_t index() const { return index_; }
  Protocol protocol() const { return protocol_; }
  ClassicGroupCoordinator& coordinator() { return coordinator_; }
  ConsumerGroupCoordinator& consumer_coordinator() { return consumer_coordinator_; }
  /// The current generation (classic) or group epoch (consumer protocol).
  std::int32_t generation() const;
  /// Ends the run for the group's coordinators (open rebalances are reported as open).
  void finish_run();
  /// The broker's metadata now: what the consumer protocol's coordinator assigns from.
  const assignors::ClusterMetadata& cluster() const { return clusters_.back(); }
  /// The metadata as of Broker::metadata_version() @p version: what a client whose last refresh
  /// saw that version assigns from (the classic protocol's leader).
  const assignors::ClusterMetadata& cluster_at(std::int32_t version) const {
    return clusters_[static_cast<std::size_t>(version)];
  }
  /// Topic @p topic has grown: records the broker's new metadata and tells the coordinator (when
  /// the group subscribes to it) and every client, which sees it at its next metadata refresh.
  void on_topic_grown(std::int32_t topic);
  /// The metadata version the classic protocol's last assignment was computed from.
  std::int32_t assigned_version() const { return assigned_version_; }
  void set_assigned_version(std::int32_t v) { assigned_version_ = v; }
  /// True when the group subscribes to topic @p topic.
  bool subscribes(std::int32_t topic) const;
  const assignors::AssignorInfo& assignor_info() const { return *assignor_; }
  GroupPartition& offsets(std::int32_t gid) { return offsets_[static_cast<std::size_t>(gid)]; }
  const GroupPartition& offsets(std::int32_t gid) const { return offsets_[static_cast<std::size_t>(gid)]; }
  /// Global ids of every partition of the subscribed topics, those reserved for an
  /// add_partitions fault included (their logs stay empty until the topic grows).
  const std::vector<std::int32_t>& partitions() const { return partitions_; }
  /// Records never delivered because a reset to "latest" skipped them.
  std::uint64_t skipped() const { return skipped_; }
  void add_skipped(std::uint64_t n) { skipped_ += n; }
  /// Records never processed because a commit covered them before they were processed
  /// (librdkafka's offset store hands them out first) and their consumer died.
  std::uint64_t lost() const { return lost_; }
  void add_lost(std::uint64_t n) { lost_ += n; }
  /// Records that nobody consumes partition @p gid from @p t (revoked, lost or its owner crashed).
  void mark_unowned(std::int32_t gid, sim::Time t);
  /// Hands partition @p gid out again at @p t; returns the partition-nanoseconds it stalled with
  /// records waiting (counted from the later of the stall's start and the first waiting record).
  std::int64_t mark_owned(std::int32_t gid, sim::Time t);
  /// When partition @p gid was last handed out after a stall (-1: never). A record appended
  /// before that and processed after it was caught in the stall.
  sim::Time handed_out_at(std::int32_t gid) const { return handed_out_at_[static_cast<std::size_t>(gid)]; }
  /// handed_out_at() of every global partition id, indexed by it.
  const std::vector<sim::Time>& handed_out_times() const { return handed_out_at_; }
  /// A fresh incarnation number for a client object (responses to older ones are ignored).
  std::uint32_t next_incarnation() { return ++incarnations_; }
  /// What the group's fetch views examined so far (every client, restarted ones included).
  FetchWork& fetch_work() { return fetch_work_; }
  const FetchWork& fetch_work() const { return fetch_work_; }
  /// How many clients have carried consumer index @p index so far (restarts included).
  std::uint32_t lives(std::int32_t index) const;
  /// Sends a message: runs @p fn after the one-way network delay.
  void send(sim::Callback fn);
  /// Global partition id of a topic partition of this cluster.
  std::int32_t gid(const TopicPartition& tp) const;

 private:
  sim::Engine& engine_;
  Broker& broker_;
  Signals& signals_;
  const Scenario& scenario_;
  const GroupSpec& spec_;
  std::int32_t index_;
  Protocol protocol_;
  std::vector<assignors::ClusterMetadata> clusters_;  // by Broker::metadata_version()
  std::int32_t assigned_version_ = 0;
  const assignors::AssignorInfo* assignor_;
  std::vector<GroupPartition> offsets_;
  std::vector<std::int32_t> partitions_;
  std::vector<std::unique_ptr<Consumer>> consumers_;
  std::vector<std::unique_ptr<Consumer>> retired_;  // replaced clients kept alive for pending events
  std::uint64_t skipped_ = 0;
  std::uint64_t lost_ = 0;
  std::uint32_t incarnations_ = 0;
  FetchWork fetch_work_;
  std::vector<sim::Time> unowned_since_;  // per gid; -1 while someone owns it
  std::vector<sim::Time> handed_out_at_;  // per gid; when its last stall ended, -1 before the first
  ClassicGroupCoordinator coordinator_;
  ConsumerGroupCoordinator consumer_coordinator_;
};

}  // namespace cgsim::models
