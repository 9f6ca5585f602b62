#pragma once
/// @file producer.hpp
/// Producers: arrival processes, record keys and partitioners feeding the broker's logs.
///
/// Production is generated in windows of `broker.produce_tick`: one engine event per window
/// creates every record whose append time falls in the next window, exactly timed, merged across
/// producers in time order and appended to the logs. Consumers see a record only once its append
/// time has passed, so per-record timing stays exact while the event count stays per window.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "models/broker.hpp"
#include "models/partitioners/partitioner.hpp"
#include "models/scenario.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"
#include "sim/signal.hpp"

namespace cgsim::models {

/// All producers of a scenario.
class Production {
 public:
  Production(sim::Engine& engine, Broker& broker, const Scenario& scenario);
  /// Schedules the first production window at time 0.
  void start();
  /// Records created so far (including those whose append time is still ahead).
  std::uint64_t created() const { return created_; }

  /// Emitted after each window: (window start, window end, records appended).
  sim::Signal<sim::Time, sim::Time, std::uint64_t> window_done;

 private:
  struct Instance {
    std::size_t spec;        // index into specs_
    double next_ns = 0;      // next arrival time
    sim::Rng arrivals;
    sim::Rng keys;
    partitioners::Partitioner partitioner;
    std::uint64_t sequence = 0;  // sequential keys
  };
  struct Spec {
    const ProducerSpec* spec;
    std::int32_t topic;
    std::unique_ptr<sim::ZipfSampler> zipf;
    /// When a key's partition depends on the key alone, the partition of a random key is drawn
    /// directly from the partitions' aggregated key probabilities: the same distribution at
    /// one small-table draw per record.
    std::unique_ptr<sim::AliasTable> partition_table;
  };
  struct Pending {
    sim::Time time;
    std::uint32_t instance;
    std::int32_t gid;
    bool operator<(const Pending& o) const {
      return time < o.time || (time == o.time && instance < o.instance);
    }
  };

  void window();
  double rate_at(const ProducerSpec& p, double t_ns) const;
  /// Advances an instance's arrival clock past @p from with the rate in force; returns the
  /// next arrival time (ns) or +inf when none before @p until.
  double next_arrival(Instance& in, const ProducerSpec& p, double after_ns);
  std::int32_t choose_partition(Instance& in, Spec& s, sim::Time t);

  sim::Engine& engine_;
  Broker& broker_;
  const Scenario& scenario_;
  std::vector<Spec> specs_;
  std::vector<Instance> instances_;
  std::vector<Pending> pending_;
  std::vector<sim::Time> first_new_;  // per gid: first appended time in this window, or -1
  std::vector<std::int32_t> touched_;
  sim::Time window_start_ = 0;
  std::uint64_t created_ = 0;
  std::string key_buf_;
};

}  // namespace cgsim::models
