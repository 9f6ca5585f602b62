#pragma once
/// @file single_partition_router.hpp
/// The Pulsar producer's SinglePartition routing mode: Pulsar's SinglePartitionMessageRouterImpl.
#include <cstdint>
#include <optional>
#include <string_view>

#include "models/pulsar/selectors/routing_hash.hpp"

namespace cgsim::models::pulsar {

/// Keyed messages go to their key's partition; every unkeyed message goes to one partition, which
/// the client draws at random in [0, partitions) when the producer is created.
inline std::int32_t single_partition_route(HashingScheme scheme, std::int32_t chosen_partition,
                                           std::optional<std::string_view> key, std::int32_t partitions) {
  return key ? keyed_partition(scheme, *key, partitions) : chosen_partition;
}

}  // namespace cgsim::models::pulsar
