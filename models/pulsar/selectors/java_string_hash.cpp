#include "models/pulsar/selectors/java_string_hash.hpp"

namespace cgsim::models::pulsar {

std::vector<char16_t> utf16_of_utf8(std::string_view s) {
  std::vector<char16_t> out;
  out.reserve(s.size());
  const auto byte = [&s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  std::size_t i = 0;
  while (i < s.size()) {
    const unsigned c = byte(i);
    if (c < 0x80) {
      out.push_back(static_cast<char16_t>(c));
      ++i;
      continue;
    }
    // Length and the allowed range of the second byte for each well-formed lead byte.
    std::size_t need = 0;
    unsigned lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    }
    if (need == 0) {  // a continuation byte or a byte that never starts a sequence
      out.push_back(u'\uFFFD');
      ++i;
      continue;
    }
    std::uint32_t cp = c & (need == 2 ? 0x1f : need == 3 ? 0x0f : 0x07);
    std::size_t k = 1;
    for (; k < need && i + k < s.size(); ++k) {
      const unsigned b = byte(i + k);
      const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xbf);
      if (!ok) break;
      cp = cp << 6 | (b & 0x3f);
    }
    if (k < need) {  // the maximal subpart i..i+k-1 becomes one replacement character
      out.push_back(u'\uFFFD');
      i += k;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += need;
  }
  return out;
}

std::int32_t java_string_hashcode(std::string_view utf8) {
  std::uint32_t h = 0;
  for (char16_t u : utf16_of_utf8(utf8)) h = 31 * h + u;
  return static_cast<std::int32_t>(h);
}

}  // namespace cgsim::models::pulsar
