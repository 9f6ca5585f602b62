#pragma once
/// @file family_output.hpp
/// The text table of a RabbitMQ or Pulsar run: the same figures as a Kafka run's (produced,
/// consumed, duplicates, backlog, latency, per consumer, per fault), then the family's own counts
/// and the per-key ordering violations.
#include <string>

#include "analysis/experiments/family_runs.hpp"

namespace cgsim::analysis {

std::string format_family_text(const FamilyRun& run);

}  // namespace cgsim::analysis
