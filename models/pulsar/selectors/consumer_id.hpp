#pragma once
/// @file consumer_id.hpp
/// How the selectors name consumers: by a unique id per connected consumer (the broker tells
/// consumers apart by identity, not by name; several may share a name).
#include <cstdint>

namespace cgsim::models::pulsar {

using ConsumerId = std::int64_t;
/// "No consumer": the selector has none, or no consumer covers the hash.
inline constexpr ConsumerId kNoConsumer = -1;

/// A hash range [start, end] (both inclusive) served by one consumer.
struct HashRangeOwner {
  std::int32_t start = 0;
  std::int32_t end = 0;
  ConsumerId consumer = kNoConsumer;
  bool operator==(const HashRangeOwner&) const = default;
};

}  // namespace cgsim::models::pulsar
