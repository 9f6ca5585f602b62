#pragma once
/// @file producer.hpp
/// Pulsar producers: the scenario's arrival process and keys (models/common/workload.hpp), the
/// client's routing of each message to a partition (RoundRobinPartition or SinglePartition; keyed
/// messages by the hashing scheme) and its batching.
///
/// With batching, a partition's producer collects messages into a batch that is sent when it
/// holds batching_max_messages messages or batching_max_bytes bytes, or batching_max_publish_delay
/// after its first message, whichever comes first; without batching each message is sent alone.
/// The broker appends a batch one request latency after it is sent, as consecutive messages.
/// Each instance is named "<topic>-producer-<spec>-<instance>"; its sequence ids count from 0 per
/// partition, and an unkeyed message's sticky key is "<name>-<sequence id>" as the broker forms it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/common/scenario.hpp"
#include "models/pulsar/scenario_file.hpp"
#include "models/pulsar/selectors/round_robin_router.hpp"
#include "models/pulsar/topic.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models::pulsar {

class Producers {
 public:
  /// @p topics holds the scenario's topics in order; both must outlive this.
  Producers(sim::Engine& engine, const ScenarioFile& scenario, std::vector<std::unique_ptr<Topic>>& topics);
  void start();

  /// The name of producer instance @p instance.
  const std::string& name(std::int32_t instance) const { return instances_[static_cast<std::size_t>(instance)].name; }
  /// The producer spec (index into the scenario's producers) of instance @p instance.
  std::size_t spec_of(std::int32_t instance) const { return instances_[static_cast<std::size_t>(instance)].spec; }
  /// Messages handed to the client library so far (sent or waiting in a batch).
  std::uint64_t sent() const { return sent_; }

 private:
  struct Batch {
    std::vector<Entry> entries;
    std::int64_t bytes = 0;
    sim::EventId timer = 0;
    std::int64_t next_sequence = 0;
  };
  struct Instance {
    std::size_t spec;
    Topic* topic;
    std::string name;
    sim::Rng arrivals;
    sim::Rng keys;
    std::uint64_t key_sequence = 0;
    std::optional<RoundRobinRouter> round_robin;
    std::int32_t single_partition = 0;
    double next_ns = 0;
    std::vector<Batch> batches;  ///< per partition
  };

  /// Schedules instance @p i's next arrival after @p after_ns (its first: -1).
  void schedule(std::size_t i, double after_ns);
  void fire(std::size_t i);
  void flush(std::size_t i, std::int32_t partition);

  sim::Engine& engine_;
  const ScenarioFile& scenario_;
  std::vector<models::ProducerSpec> workload_;  ///< each spec's rate, keys, start and stop
  std::vector<std::unique_ptr<sim::ZipfSampler>> zipf_;
  std::vector<Instance> instances_;
  std::string key_buf_;
  std::uint64_t sent_ = 0;
};

}  // namespace cgsim::models::pulsar
