#pragma once
/// @file producers.hpp
/// The producers of a live run: one thread and one librdkafka producer per producer instance of
/// the scenario, writing records at the scenario's arrival times with its keys, partitioner and
/// record size. Arrivals and Keys draw from the same kind of named streams as the simulator.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "live/kafka/layout.hpp"
#include "live/kafka/rdkafka_handles.hpp"
#include "live/kafka/run_state.hpp"
#include "models/common/scenario.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "sim/rng.hpp"

namespace cgsim::live::kafka {

/// Records arriving per one producer instance, as the scenario's rate specifies.
class Arrivals {
 public:
  Arrivals(const models::ProducerSpec& p, sim::Rng rng) : p_(p), rng_(rng) {}
  /// The first arrival at or after @p t (ns), or sim::kNever.
  std::int64_t next(std::int64_t t);

 private:
  std::int64_t next_boundary(std::int64_t t) const;
  const models::ProducerSpec& p_;
  sim::Rng rng_;
};

/// Draws record keys as the scenario's KeySpec says.
class Keys {
 public:
  Keys(const models::KeySpec& k, sim::Rng rng);
  /// The next key; std::nullopt for records without a key.
  std::optional<std::string> next();

 private:
  const models::KeySpec& k_;
  sim::Rng rng_;
  std::unique_ptr<sim::ZipfSampler> zipf_;
  std::uint64_t seq_ = 0;
};

/// librdkafka's `partitioner` property for a scenario partitioner it implements itself;
/// std::nullopt for the Java-only strategies, whose partition cgsim's model picks.
std::optional<std::string> librdkafka_partitioner(models::partitioners::Partitioner::Kind kind);

/// One producer instance: spec @p spec of the scenario, instance @p instance.
class ProducerWorker {
 public:
  ProducerWorker(Shared& sh, const Layout& layout, const models::Scenario& sc, std::size_t spec, std::int32_t instance);
  ~ProducerWorker() { join(); }
  ProducerWorker(const ProducerWorker&) = delete;
  ProducerWorker& operator=(const ProducerWorker&) = delete;

  void start() { thread_ = std::thread([this] { body(); }); }
  /// Stops producing; what is queued is still delivered (for up to 10 s).
  void stop() { stop_ = true; }
  /// Stops producing and drops what is queued.
  void abort() {
    aborted_ = true;
    stop_ = true;
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  /// With LiveOptions::record_placements: key -> partitions its records were written to.
  const std::map<std::string, std::set<std::int32_t>>& placements() const { return placements_; }
  const TopicLayout& topic() const { return topic_; }
  /// The topic now has @p total partitions and this producer's metadata refresh has come (the
  /// caller times it): its next record is routed over all of them.
  void grow(std::int32_t total) { grown_to_ = total; }

 private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void*);
  void body();
  void run();
  void produce_one();
  /// Fetches the grown topic's metadata and rebuilds the partitioner over @p total partitions.
  void refresh_partitions(std::int32_t total);

  Shared& sh_;
  const models::ProducerSpec& spec_;
  const TopicLayout& topic_;
  Arrivals arrivals_;
  Keys keys_;
  std::string value_;
  std::optional<models::partitioners::Partitioner> model_;
  models::partitioners::Partitioner::Kind kind_;
  models::ClientFlavor flavor_;
  std::uint64_t seed_;
  std::string stream_;  ///< prefix of this instance's random streams
  std::int32_t partitions_;
  std::atomic<std::int32_t> grown_to_{0};
  RkPtr rk_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> aborted_{false};
  std::map<std::string, std::set<std::int32_t>> placements_;
};

}  // namespace cgsim::live::kafka
