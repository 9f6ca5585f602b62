#pragma once
/// @file murmur3_32.hpp
/// The 32-bit MurmurHash3 that Pulsar uses on the broker (Key_Shared sticky-key hashes, the
/// consistent-hash rings) and, optionally, on the client (the `Murmur3_32Hash` hashing scheme).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cgsim::models::pulsar {

/// MurmurHash3 x86_32 of @p data with seed 0, as a signed 32-bit value: Pulsar's
/// org.apache.pulsar.common.util.Murmur3_32Hash before its sign bit is cleared.
std::int32_t murmur3_32_raw(const void* data, std::size_t len);

/// Pulsar's Murmur3_32Hash.makeHash: the raw hash with the sign bit cleared (a mask, not abs()),
/// so always in [0, 2^31).
inline std::int32_t murmur3_32(std::string_view bytes) {
  return murmur3_32_raw(bytes.data(), bytes.size()) & 0x7fffffff;
}

}  // namespace cgsim::models::pulsar
