#include "models/pulsar/selectors/java_string_hash.hpp"

namespace cgsim::models::pulsar {

std::vector<char16_t> utf16_of_utf8(std::string_view s) {
  // Follows the replacement rules of Java 17's String(byte[], UTF_8), which differ from Unicode's
  // "maximal subpart" practice in places (an ED lead with a continuation byte outside 80..9F, a
  // sequence cut short by the end of the input).
  std::vector<char16_t> out;
  out.reserve(s.size());
  const std::size_t n = s.size();
  const auto at = [&s](std::size_t i) -> unsigned { return static_cast<unsigned char>(s[i]); };
  const auto cont = [](unsigned b) { return (b & 0xc0) == 0x80; };
  constexpr char16_t kRepl = u'\uFFFD';
  std::size_t i = 0;
  while (i < n) {
    const unsigned c = at(i++);
    if (c < 0x80) {
      out.push_back(static_cast<char16_t>(c));
    } else if (c >= 0xc2 && c <= 0xdf) {  // two bytes
      if (i >= n) {
        out.push_back(kRepl);
        break;
      }
      if (!cont(at(i))) {
        out.push_back(kRepl);  // the lead alone; the next byte starts afresh
      } else {
        out.push_back(static_cast<char16_t>((c & 0x1f) << 6 | (at(i) & 0x3f)));
        ++i;
      }
    } else if (c >= 0xe0 && c <= 0xef) {  // three bytes
      if (i + 1 < n) {
        const unsigned b2 = at(i), b3 = at(i + 1);
        const bool bad_second = (c == 0xe0 && (b2 & 0xe0) == 0x80) || !cont(b2);
        if (bad_second || !cont(b3)) {
          out.push_back(kRepl);
          i += bad_second ? 0 : 1;
        } else {
          const unsigned u = (c & 0x0f) << 12 | (b2 & 0x3f) << 6 | (b3 & 0x3f);
          out.push_back(u >= 0xd800 && u <= 0xdfff ? kRepl : static_cast<char16_t>(u));
          i += 2;
        }
        continue;
      }
      if (i < n && ((c == 0xe0 && (at(i) & 0xe0) == 0x80) || !cont(at(i)))) {
        out.push_back(kRepl);
        continue;
      }
      out.push_back(kRepl);  // cut short by the end: one replacement for the rest
      break;
    } else if (c >= 0xf0 && c <= 0xf7) {  // four bytes
      if (i + 2 < n) {
        const unsigned b2 = at(i), b3 = at(i + 1), b4 = at(i + 2);
        const std::uint32_t cp = (c & 0x07) << 18 | (b2 & 0x3f) << 12 | (b3 & 0x3f) << 6 | (b4 & 0x3f);
        if (!cont(b2) || !cont(b3) || !cont(b4) || cp < 0x10000 || cp > 0x10ffff) {
          out.push_back(kRepl);
          const bool bad_second =
              c > 0xf4 || (c == 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (c == 0xf4 && (b2 & 0xf0) != 0x80) || !cont(b2);
          i += bad_second ? 0 : !cont(b3) ? 1 : 2;
        } else {
          out.push_back(static_cast<char16_t>(0xd800 + ((cp - 0x10000) >> 10)));
          out.push_back(static_cast<char16_t>(0xdc00 + ((cp - 0x10000) & 0x3ff)));
          i += 3;
        }
        continue;
      }
      if (c > 0xf4 || (i < n && ((c == 0xf0 && (at(i) < 0x90 || at(i) > 0xbf)) ||
                                 (c == 0xf4 && (at(i) & 0xf0) != 0x80) || !cont(at(i))))) {
        out.push_back(kRepl);
        continue;
      }
      out.push_back(kRepl);
      ++i;  // skips the second byte
      if (i < n && !cont(at(i))) continue;
      break;
    } else {  // a continuation byte, C0, C1 or F8..FF
      out.push_back(kRepl);
    }
  }
  return out;
}

std::int32_t java_string_hashcode(std::string_view utf8) {
  std::uint32_t h = 0;
  for (char16_t u : utf16_of_utf8(utf8)) h = 31 * h + u;
  return static_cast<std::int32_t>(h);
}

}  // namespace cgsim::models::pulsar
