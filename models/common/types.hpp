#pragma once
/// @file types.hpp
/// Vocabulary types shared by the Kafka models, assignors and the live backend.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace cgsim::models {

/// Which client library's defaults and algorithm flavours a scenario follows.
enum class ClientFlavor { Java, Librdkafka };

/// A topic partition named by topic name and index, as Kafka's TopicPartition.
struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  bool operator==(const TopicPartition&) const = default;
};

inline std::string to_string(const TopicPartition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

}  // namespace cgsim::models
