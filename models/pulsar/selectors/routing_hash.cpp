#include "models/pulsar/selectors/routing_hash.hpp"

#include <algorithm>
#include <string>

#include "models/pulsar/selectors/java_string_hash.hpp"
#include "models/pulsar/selectors/murmur3_32.hpp"

namespace cgsim::models::pulsar {
namespace {

/// UTF-8 of the Java String decoded from @p bytes (ill-formed parts become U+FFFD).
std::string java_utf8(std::string_view bytes) {
  const std::vector<char16_t> u = utf16_of_utf8(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  for (std::size_t i = 0; i < u.size(); ++i) {
    std::uint32_t cp = u[i];
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < u.size()) {  // decoding never leaves lone surrogates
      cp = 0x10000 + ((cp - 0xd800) << 10) + (u[i + 1] - 0xdc00);
      ++i;
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | cp >> 6);
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | cp >> 12);
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | cp >> 18);
      out += static_cast<char>(0x80 | (cp >> 12 & 0x3f));
      out += static_cast<char>(0x80 | (cp >> 6 & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  return out;
}

}  // namespace

std::int32_t routing_hash(HashingScheme scheme, std::string_view key) {
  if (scheme == HashingScheme::JavaStringHash) return java_string_hash(key);
  if (std::all_of(key.begin(), key.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
    return murmur3_32(key);
  return murmur3_32(java_utf8(key));
}

}  // namespace cgsim::models::pulsar
