#pragma once
/// @file producer.hpp
/// Producers: arrival processes, record keys and partitioners feeding the broker's logs.
///
/// Production is generated in windows of `broker.produce_tick`: one engine event per window
/// creates every record whose append time falls in the next window, exactly timed, merged across
/// producers in time order and appended to the logs. Consumers see a record only once its append
/// time has passed, so per-record timing stays exact while the event count stays per window.
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "models/kafka/broker.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "models/common/scenario.hpp"
#include "models/common/workload.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"
#include "sim/signal.hpp"

namespace cgsim::models {

/// One appended record of an arrival trace: its append time and global partition id.
struct Arrival {
  sim::Time time;
  std::int32_t gid;
};

/// All producers of a scenario.
class Production {
 public:
  Production(sim::Engine& engine, Broker& broker, const Scenario& scenario);
  /// Appends the records of @p trace instead of generating them: each window appends, in trace
  /// order, the trace's records up to its end (a generated window holds append times up to its
  /// end too). @p trace must be sorted by time and name partitions of the scenario. For running
  /// the consumer side on recorded arrivals, as a benchmark does against another simulator
  /// driven by the same trace. Call before start().
  void replay(std::vector<Arrival> trace);
  /// Schedules the first production window at time 0.
  void start();
  /// Topic @p topic has grown: each producer of it routes to the new partitions from its next
  /// metadata refresh (every `metadata_max_age` from its start) on.
  void on_topic_grown(std::int32_t topic);
  /// Records created so far (including those whose append time is still ahead).
  std::uint64_t created() const { return created_; }

  /// Emitted after each window: (window start, window end, records appended).
  sim::Signal<sim::Time, sim::Time, std::uint64_t> window_done;

 private:
  static constexpr double kNoArrival = std::numeric_limits<double>::infinity();
  struct Instance {
    std::size_t spec;        // index into specs_
    double next_ns = 0;      // next arrival time
    sim::Rng arrivals;
    sim::Rng keys;
    partitioners::Partitioner partitioner;
    std::uint64_t sequence = 0;  // sequential keys
    /// A steady Poisson instance's next gaps, drawn from `arrivals` ahead in one call
    /// (gaps[gap_next..]); once its arrivals are steady nothing else draws from that stream, so
    /// drawing ahead does not change which number each gap gets.
    static constexpr std::size_t kGapBatch = 32;
    std::array<double, kGapBatch> gaps{};
    std::size_t gap_next = kGapBatch;
  };
  struct Spec {
    const ProducerSpec* spec;
    std::int32_t topic;
    std::unique_ptr<sim::ZipfSampler> zipf;
    /// When a key's partition depends on the key alone, the partition of a random key is drawn
    /// directly from the partitions' aggregated key probabilities: the same distribution at
    /// one small-table draw per record.
    std::unique_ptr<sim::AliasTable> partition_table;
    /// One rate throughout (constant or Poisson, positive): after the producer's start each
    /// arrival is one gap of mean gap_ns after the previous one.
    bool steady = false;
    bool poisson = false;
    double gap_ns = 0;
    double start_ns = 0;
    double stop_ns = 0;
  };
  /// A partition's records of the current window. They go straight to its log; each instance
  /// creates its records in time order, so they are out of order only when several instances hit
  /// the partition in the same window, and then the window's part of the log is sorted before
  /// anyone reads it.
  struct Staged {
    /// Smallest time appended in the window (-1: the partition is not touched yet) and the
    /// creation index (instances in index order, each in time order) of the first record with that
    /// time: the partition's place in the window's (time, instance) order of records.
    sim::Time first = -1;
    std::uint64_t first_index = 0;
    sim::Time last = 0;     ///< time of the last record appended in the window
    std::int64_t from = 0;  ///< the log's end offset before the window
    bool sorted = true;
  };
  /// A partition touched in the current window, with the key it is notified in order of.
  struct Touched {
    sim::Time first;
    std::uint64_t first_index;
    std::int32_t gid;
    bool operator<(const Touched& o) const {
      return first < o.first || (first == o.first && first_index < o.first_index);
    }
  };

  void window();
  /// Stages the window's records from the producers (returns how many).
  std::uint64_t generate(sim::Time start, sim::Time end);
  /// Appends the window's records from the replayed trace (returns how many).
  std::uint64_t append_replayed(sim::Time end);
  /// next_arrival with the steady case inline.
  double next_arrival(Instance& in, const Spec& s, double after_ns) {
    if (s.steady && after_ns >= s.start_ns) {
      const double t = after_ns + (s.poisson ? in.arrivals.exponential(s.gap_ns) : s.gap_ns);
      return t < s.stop_ns ? t : kNoArrival;
    }
    return models::next_arrival(in.arrivals, *s.spec, after_ns);
  }
  std::int32_t choose_partition(Instance& in, Spec& s, sim::Time t);
  /// Producer spec @p i's metadata refresh: its instances partition over the topic's partitions now.
  void refresh_partitions(std::size_t i);
  /// The partitions of producer @p p's keys by partitioner @p part over @p parts partitions, each
  /// weighted by its key's probability under @p zipf (every key alike without one), as a table to
  /// draw a record's partition from.
  std::unique_ptr<sim::AliasTable> key_partition_table(const ProducerSpec& p, const sim::ZipfSampler* zipf,
                                                       partitioners::Partitioner& part, std::int32_t parts);

  sim::Engine& engine_;
  Broker& broker_;
  const Scenario& scenario_;
  std::vector<Spec> specs_;
  std::vector<Instance> instances_;
  std::vector<Staged> staged_;  // per gid
  std::vector<Touched> touched_;
  std::vector<sim::Time> times_;     // one instance's arrivals in the current window
  std::vector<std::int32_t> parts_;  // and their partitions
  sim::Time window_start_ = 0;
  std::uint64_t created_ = 0;
  bool replaying_ = false;
  std::vector<Arrival> trace_;
  std::size_t trace_next_ = 0;
  std::string key_buf_;
};

}  // namespace cgsim::models
