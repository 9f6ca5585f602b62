#pragma once
/// @file sticky_key_hash.hpp
/// The slot a Key_Shared sticky key hashes to, as Pulsar's broker computes it for its selectors.
#include <cstdint>
#include <string_view>

#include "models/pulsar/selectors/murmur3_32.hpp"

namespace cgsim::models::pulsar {

/// Pulsar's default size of the Key_Shared hash space: 2^16 slots.
inline constexpr std::int32_t kDefaultRangeSize = 65536;

/// The hash range a selector works in: [start, end], both inclusive.
struct KeyHashRange {
  std::int32_t start = 0;
  std::int32_t end = kDefaultRangeSize - 1;
  std::int32_t size() const { return end - start + 1; }
};

/// The slot of sticky key @p key in @p range: Murmur3_32Hash(key) mod range size, offset by the
/// range's start. Slot 0 means "no hash" inside the broker's dispatchers, so a key whose slot
/// would be 0 takes slot 1 instead.
inline std::int32_t sticky_key_hash(std::string_view key, KeyHashRange range) {
  const std::int32_t h = murmur3_32(key) % range.size() + range.start;
  return h == 0 ? 1 : h;
}

}  // namespace cgsim::models::pulsar
