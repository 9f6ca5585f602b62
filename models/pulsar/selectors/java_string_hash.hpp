#pragma once
/// @file java_string_hash.hpp
/// The Pulsar client's default hashing scheme for keyed messages, `JavaStringHash`: Java's
/// String.hashCode of the key with the sign bit cleared.
#include <cstdint>
#include <string_view>
#include <vector>

namespace cgsim::models::pulsar {

/// The UTF-16 code units Java 17's `new String(bytes, UTF_8)` holds for @p utf8, ill-formed input
/// included (replaced by U+FFFD exactly where Java replaces it).
std::vector<char16_t> utf16_of_utf8(std::string_view utf8);

/// Java's String.hashCode of the string whose UTF-8 bytes are @p utf8: s[0]*31^(n-1) + ... +
/// s[n-1] over its UTF-16 code units, in wrapping 32-bit arithmetic.
std::int32_t java_string_hashcode(std::string_view utf8);

/// JavaStringHash.makeHash: the String hash code with the sign bit cleared.
inline std::int32_t java_string_hash(std::string_view utf8) { return java_string_hashcode(utf8) & 0x7fffffff; }

}  // namespace cgsim::models::pulsar
