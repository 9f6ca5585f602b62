#pragma once
/// @file layout.hpp
/// The layout of a live run on the cluster: the scenario's topics and groups under the run's
/// prefix `cgsim.<run id>.`, with the global partition numbers the recorder uses, and the check
/// that none of those names is already taken.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "live/recorder.hpp"
#include "models/common/scenario.hpp"

namespace cgsim::live::kafka {

struct TopicLayout {
  std::string name;   ///< scenario name
  std::string kafka;  ///< prefixed name on the cluster
  std::int32_t first = 0;       ///< global number of its partition 0
  std::int32_t partitions = 0;  ///< at the start of the run
  /// Partitions it ends with, add_partitions faults included: global numbers are reserved for
  /// them from the start, as the simulator numbers them.
  std::int32_t reserved = 0;
};

struct Layout {
  std::vector<TopicLayout> topics;
  std::vector<std::string> partition_names;  ///< "topic-p" by global partition number
  std::map<std::string, std::size_t> by_kafka;
  std::vector<std::string> group_ids;  ///< prefixed, in the scenario's group order

  /// The topic with this cluster name; nullptr for a topic of no interest.
  const TopicLayout* kafka_topic(const char* name) const;
  /// The topic with this scenario name; throws Error when there is none.
  const TopicLayout& topic(const std::string& scenario_name) const;
};

/// True for a name Kafka accepts as a topic: 1-249 letters, digits, '.', '_' and '-'.
bool legal_topic_name(const std::string& name);

/// The layout of @p sc for run @p run_id. Throws InputError for a topic name Kafka refuses.
Layout build_layout(const models::Scenario& sc, const std::string& run_id);

/// What the recorder needs to know of each group: its partitions, protocol and membership kind.
std::vector<Recorder::GroupInfo> group_infos(const models::Scenario& sc, const Layout& layout);

/// Throws InputError (exit 2) when a topic or a consumer group of @p layout already exists on the
/// cluster, naming each one: live runs never reuse, and so never delete, what they did not create.
/// @p existing_topics: every topic on the cluster; @p existing_groups: those of the layout's group
/// ids that the coordinator knows (in any state but Dead).
void refuse_collisions(const Layout& layout, const std::map<std::string, int>& existing_topics,
                       const std::vector<std::string>& existing_groups);

}  // namespace cgsim::live::kafka
