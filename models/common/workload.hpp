#pragma once
/// @file workload.hpp
/// The workload every broker family's producers share: when records arrive (the scenario's rate
/// over time: constant or Poisson, in steps, between a producer's start and stop) and which key
/// each one carries (uniform, Zipf or sequential over the key space). How a record is routed is
/// the family's own (Kafka's partitioners, RabbitMQ's exchanges, Pulsar's routing modes).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "models/common/priorities.hpp"
#include "models/common/scenario.hpp"
#include "sim/engine.hpp"
#include "sim/rng.hpp"

namespace cgsim::models {

/// A family's producer spec @p p (RabbitMQ's, Pulsar's: any with rate, keys, message_bytes,
/// start and stop) as the draws below take it.
template <typename FamilySpec>
ProducerSpec workload_spec(const FamilySpec& p) {
  ProducerSpec s;
  s.rate = p.rate;
  s.keys = p.keys;
  s.record_bytes = p.message_bytes;
  s.start = p.start;
  s.stop = p.stop;
  return s;
}

/// Records per second producer @p p sends at @p t_ns (0 before its start and from its stop).
double rate_at(const ProducerSpec& p, double t_ns);

/// The first arrival of producer @p p after @p after_ns, drawn from @p arrivals. Times are
/// nanoseconds held in a double, so that gaps do not round. +infinity when no arrival comes
/// before the producer stops. A Poisson draw restarts at each rate boundary (exact, since the
/// process is memoryless); a constant rate restarts its spacing there.
double next_arrival(sim::Rng& arrivals, const ProducerSpec& p, double after_ns);

/// The next key of one producer instance by @p keys: uniform and Zipf keys are drawn from
/// @p rng (@p zipf: the producer's sampler, needed for Zipf only), sequential keys count
/// @p sequence up and wrap at the cardinality when one is set. Not for KeySpec::Kind::None.
std::uint64_t draw_key(const KeySpec& keys, const sim::ZipfSampler* zipf, std::uint64_t& sequence, sim::Rng& rng);

/// Schedules @p fire at arrival time @p t_ns (rounded up to the clock, never before now) when it
/// comes before the run's @p duration; an arrival at +infinity or later is dropped.
template <typename Fire>
void schedule_arrival(sim::Engine& engine, double t_ns, sim::Time duration, Fire&& fire) {
  if (!(t_ns < static_cast<double>(duration))) return;
  const auto at = std::max(static_cast<sim::Time>(std::ceil(t_ns)), engine.now());
  engine.schedule_at(at, priority::kProducer, std::forward<Fire>(fire));
}

/// Draws producer @p p's next arrival after @p after_ns from @p arrivals into @p next_ns and
/// schedules @p fire at it, as schedule_arrival does.
template <typename Fire>
void schedule_next_arrival(sim::Engine& engine, sim::Time duration, sim::Rng& arrivals, const ProducerSpec& p,
                           double after_ns, double& next_ns, Fire&& fire) {
  next_ns = next_arrival(arrivals, p, after_ns);
  schedule_arrival(engine, next_ns, duration, std::forward<Fire>(fire));
}

/// Writes the text of key number @p key (the spec's prefix, then the number) to @p out.
inline void key_text(const KeySpec& keys, std::uint64_t key, std::string& out) {
  out.assign(keys.prefix);
  out += std::to_string(key);
}

}  // namespace cgsim::models
