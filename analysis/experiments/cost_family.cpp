/// @file cost_family.cpp
/// The cost estimate of a RabbitMQ or Pulsar run (cost.hpp), from the same kind of terms as a
/// Kafka run's: messages published and processed, consumers, the backlog the broker keeps and the
/// samples. The per-unit costs are measured on the example scenarios (docs/performance.md, "Cost
/// estimate").
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <variant>

#include "analysis/experiments/cost.hpp"

namespace cgsim::analysis {

namespace {

constexpr double kBaseBytes = 12.5 * 1024 * 1024;  // the process, as for a Kafka run
constexpr double kGroupBytes = 1024 * 1024;         // latency histograms and accumulators
constexpr double kConsumerBytes = 4096;
constexpr double kMessageBytes = 96;                // a message kept by the broker (queue entry or ledger entry)
constexpr double kSampleBytes = 24;                 // a backlog sample of one group
constexpr double kEventsPerMessage = 6;             // publish, route, deliver, process, ack (+ redeliveries)
constexpr double kEventSeconds = 150e-9;
constexpr double kMessageSeconds = 25e-9;

double seconds(sim::Time t) { return static_cast<double>(t) / 1e9; }

/// Messages one producer instance publishes during the run.
double published(const models::RateSpec& rate, sim::Time start, sim::Time stop, double duration_s) {
  const double from = std::clamp(seconds(start), 0.0, duration_s);
  const double to = stop == sim::kNever ? duration_s : std::clamp(seconds(stop), 0.0, duration_s);
  if (to <= from) return 0;
  if (rate.kind != models::RateSpec::Kind::Steps) return rate.per_second * (to - from);
  double n = 0;
  for (std::size_t i = 0; i < rate.steps.size(); ++i) {
    const double a = std::max(from, seconds(rate.steps[i].first));
    const double b = std::min(to, i + 1 < rate.steps.size() ? seconds(rate.steps[i + 1].first) : to);
    if (b > a) n += rate.steps[i].second * (b - a);
  }
  return n;
}

std::string count_text(double n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, n < 1e6 ? "%.0f" : "%.2g", n);
  return buf;
}

/// A consumer group (or subscription) of @p n consumers of mean processing time @p mean reading
/// @p in messages over @p d seconds: the messages it processes, and those left in the broker.
std::pair<double, double> drained(double in, double n, double mean, double d) {
  const double capacity = mean > 0 && std::isfinite(mean) ? n * d / mean : std::isfinite(mean) ? INFINITY : 0;
  return {std::min(in, capacity), std::max(0.0, in - capacity)};
}

}  // namespace

CostEstimate estimate_cost(const FamilyScenario& fs) {
  double d = 0, records = 0, processed = 0, kept = 0, consumers = 0, groups = 0, samples = 0;
  if (const auto* sc = std::get_if<models::rabbitmq::Scenario>(&fs.scenario)) {
    d = seconds(sc->duration);
    for (const auto& p : sc->producers) records += published(p.rate, p.start, p.stop, d) * p.count;
    for (const auto& g : sc->consumers) {
      // Each group may receive every message (fanout); on the high side.
      const auto [done, left] = drained(records, g.count, g.processing_time.mean(), d);
      processed += done;
      kept = std::max(kept, left);
      consumers += g.count;
    }
    // Without a fanout or topic exchange, a message reaches one queue (dead-letter copies aside).
    bool copies = false;
    for (const auto& x : sc->exchanges)
      copies = copies || x.kind == models::rabbitmq::ExchangeSpec::Kind::Fanout ||
               x.kind == models::rabbitmq::ExchangeSpec::Kind::Topic;
    if (!copies) processed = std::min(processed, records * 1.1);
    kept = std::min(records, kept + records * 0.01);
    groups = static_cast<double>(sc->consumers.size());
    samples = sc->output.sample_interval > 0 ? d / seconds(sc->output.sample_interval) : 0;
  } else {
    const auto& ps = std::get<models::pulsar::ScenarioFile>(fs.scenario);
    d = seconds(ps.duration);
    for (const auto& p : ps.pulsar.producers) records += published(p.rate, p.start, p.stop, d) * p.count;
    for (const auto& s : ps.pulsar.subscriptions) {
      double in = 0;
      for (const auto& p : ps.pulsar.producers)
        if (p.topic == s.topic) in += published(p.rate, p.start, p.stop, d) * p.count;
      processed += drained(in, s.consumers.count, s.consumers.processing_time.mean(), d).first;
      consumers += s.consumers.count;
    }
    kept = records;  // a topic's ledger keeps its entries for redelivery
    groups = static_cast<double>(ps.pulsar.subscriptions.size());
    samples = ps.output.sample_interval > 0 ? d / seconds(ps.output.sample_interval) : 0;
  }
  for (const auto& f : std::visit([](const auto& s) -> const std::vector<models::FaultSpec>& { return s.faults; }, fs.scenario))
    if (f.kind == models::FaultSpec::Kind::Join) consumers += f.count;
  CostEstimate e;
  e.event_terms = {
      {"messages (" + count_text(records) + " published, " + count_text(processed) + " processed)",
       (records + processed) * kEventsPerMessage / 2},
      {"samples (duration / output.sample_interval)", samples},
  };
  for (const auto& t : e.event_terms) e.events += t.value;
  std::stable_sort(e.event_terms.begin(), e.event_terms.end(), [](const auto& a, const auto& b) { return a.value > b.value; });
  e.memory_terms = {
      {"the process", kBaseBytes + kGroupBytes * groups},
      {count_text(consumers) + " consumers", kConsumerBytes * consumers},
      {count_text(kept) + " messages kept by the broker", kMessageBytes * kept},
      {"backlog samples", kSampleBytes * samples * groups},
  };
  for (const auto& t : e.memory_terms) e.peak_bytes += t.value;
  std::stable_sort(e.memory_terms.begin(), e.memory_terms.end(), [](const auto& a, const auto& b) { return a.value > b.value; });
  e.cpu_seconds = e.events * kEventSeconds + records * kMessageSeconds;
  return e;
}

}  // namespace cgsim::analysis
