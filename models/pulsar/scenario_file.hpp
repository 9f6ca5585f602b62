#pragma once
/// @file scenario_file.hpp
/// A whole Pulsar scenario file: the run's name, seed and duration, the Pulsar part
/// (scenario.hpp), the application's failure behaviour per subscription, the faults and the
/// output settings. Faults name a subscription in `group` and a consumer index in `member`.
#include <cstdint>
#include <string>
#include <vector>

#include "models/common/scenario.hpp"
#include "models/pulsar/scenario.hpp"

namespace cgsim::models::pulsar {

/// What the application does with the messages of one subscription, beyond processing them.
struct ApplicationSpec {
  /// Share of messages whose processing fails: the consumer negatively acknowledges them.
  double negative_ack_probability = 0;
};

struct ScenarioFile {
  std::string name;
  std::string source_file;
  std::uint64_t seed = 1;
  sim::Time duration = sim::kMinute;
  PulsarScenario pulsar;
  std::vector<ApplicationSpec> applications;  ///< one per subscription, same order
  std::vector<models::FaultSpec> faults;
  models::OutputSpec output;

  /// Index of the subscription named @p name, or -1.
  std::int32_t subscription_index(const std::string& name) const {
    for (std::size_t i = 0; i < pulsar.subscriptions.size(); ++i)
      if (pulsar.subscriptions[i].name == name) return static_cast<std::int32_t>(i);
    return -1;
  }
  /// Index of the topic named @p name, or -1.
  std::int32_t topic_index(const std::string& name) const {
    for (std::size_t i = 0; i < pulsar.topics.size(); ++i)
      if (pulsar.topics[i].name == name) return static_cast<std::int32_t>(i);
    return -1;
  }
};

}  // namespace cgsim::models::pulsar
