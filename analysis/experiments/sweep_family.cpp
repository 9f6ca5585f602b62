/// @file sweep_family.cpp
/// What a sweep measures on a RabbitMQ or Pulsar run beside the shared summary metrics: the
/// family's own counts (ordering violations, requeues or redeliveries, dead letters, drops).
#include <string>

#include "analysis/experiments/sweep.hpp"

namespace cgsim::analysis {

namespace {

/// The sum of the run's counts whose label is @p label, or starts with it when @p prefix.
double count_of(const FamilyRun& r, const std::string& label, bool prefix = false) {
  double v = 0;
  for (const auto& [k, n] : r.counts)
    if (prefix ? k.compare(0, label.size(), label) == 0 : k == label) v += static_cast<double>(n);
  return v;
}

}  // namespace

const std::vector<FamilyMetricDef>& family_metrics(const std::string& broker) {
  static const std::vector<FamilyMetricDef> none;
  static const std::vector<FamilyMetricDef> rabbitmq = {
      {"ordering_violations", "records", "processings (re-processings included) after a later record of their key",
       [](const FamilyRun& r) { return static_cast<double>(r.ordering_violations); }},
      {"redelivered", "records", "deliveries with the redelivered flag that were processed",
       [](const FamilyRun& r) { return count_of(r, "redelivered deliveries processed"); }},
      {"requeues", "count", "messages put back on their queue (nack, crash, cancel, consumer timeout)",
       [](const FamilyRun& r) { return count_of(r, "requeued (", true); }},
      {"dead_lettered", "records", "messages dead-lettered (rejected, expired, over a length limit)",
       [](const FamilyRun& r) { return count_of(r, "dead-lettered (", true); }},
      {"dropped", "records", "messages dropped without a dead-letter exchange",
       [](const FamilyRun& r) { return count_of(r, "dropped (", true); }},
      {"publish_rejected", "records", "publishes refused by a reject-publish queue",
       [](const FamilyRun& r) { return count_of(r, "publishes refused (reject-publish)"); }},
      {"unroutable", "records", "publishes no binding routed to a queue",
       [](const FamilyRun& r) { return count_of(r, "unroutable"); }},
  };
  static const std::vector<FamilyMetricDef> pulsar = {
      {"ordering_violations", "records", "processings (re-processings included) after a later record of their key",
       [](const FamilyRun& r) { return static_cast<double>(r.ordering_violations); }},
      {"redeliveries", "count", "messages redelivered (ack timeout, negative ack, consumer gone)",
       [](const FamilyRun& r) { return count_of(r, "redelivered (", true); }},
      {"dead_lettered", "records", "messages sent to the dead-letter topic after max redeliveries",
       [](const FamilyRun& r) { return count_of(r, "dead-lettered"); }},
      {"negative_acks", "records", "processings that ended in a negative acknowledgement",
       [](const FamilyRun& r) { return count_of(r, "failed (negative acks)"); }},
  };
  if (broker == "rabbitmq") return rabbitmq;
  if (broker == "pulsar") return pulsar;
  return none;
}

std::vector<std::pair<std::string, std::string>> sweep_metric_names(const std::string& broker) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : summary_metrics()) out.emplace_back(m.name, m.unit);
  for (const auto& m : family_metrics(broker)) out.emplace_back(m.name, m.unit);
  return out;
}

std::string sweep_metric_description(const std::string& broker, const std::string& name) {
  for (const auto& d : summary_metrics())
    if (d.name == name) return d.description;
  for (const auto& d : family_metrics(broker))
    if (d.name == name) return d.description;
  return {};
}

std::size_t SweepScenarios::size() const { return broker == "kafka" ? kafka.size() : family.size(); }

SweepRun run_sweep_unit(const SweepScenarios& points, std::size_t point, std::size_t k) {
  if (points.broker == "kafka") return run_sweep_unit(points.kafka[point], k);
  FamilyScenario sc = points.family[point];
  sc.set_seed(sc.seed() + static_cast<std::uint64_t>(k));
  const FamilyRun run = simulate_family(sc);
  SweepRun r;
  r.seed = sc.seed();
  for (const auto& m : summary_metrics()) r.values.push_back(m.get(run.summary));
  for (const auto& m : family_metrics(points.broker)) r.values.push_back(m.get(run));
  return r;
}

}  // namespace cgsim::analysis
