#pragma once
/// @file routing_hash.hpp
/// How the Pulsar client hashes a message key to pick a partition of a partitioned topic.
#include <cstdint>
#include <string_view>

namespace cgsim::models::pulsar {

/// The producer's hashingScheme.
enum class HashingScheme {
  JavaStringHash,  ///< the client's default
  Murmur3_32Hash,
};

/// Pulsar's MathUtils.signSafeMod: @p dividend mod @p divisor, in [0, divisor).
inline std::int32_t sign_safe_mod(std::int64_t dividend, std::int32_t divisor) {
  auto mod = static_cast<std::int32_t>(dividend % divisor);
  return mod < 0 ? mod + divisor : mod;
}

/// The hash of message key @p key (UTF-8) under @p scheme, in [0, 2^31). The key is a Java String
/// in the client, so Murmur3 hashes its UTF-8 re-encoding (identical for well-formed input).
std::int32_t routing_hash(HashingScheme scheme, std::string_view key);

/// The partition of a keyed message: signSafeMod(hash(key), partitions). Every routing mode sends
/// keyed messages here.
inline std::int32_t keyed_partition(HashingScheme scheme, std::string_view key, std::int32_t partitions) {
  return sign_safe_mod(routing_hash(scheme, key), partitions);
}

}  // namespace cgsim::models::pulsar
