#include "models/pulsar/selectors/murmur3_32.hpp"

namespace cgsim::models::pulsar {
namespace {

constexpr std::uint32_t kC1 = 0xcc9e2d51u;
constexpr std::uint32_t kC2 = 0x1b873593u;

std::uint32_t rotl(std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

std::uint32_t mix_k1(std::uint32_t k1) { return rotl(k1 * kC1, 15) * kC2; }

}  // namespace

std::int32_t murmur3_32_raw(const void* data, std::size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t h1 = 0;  // Pulsar's seed
  const std::size_t blocks = len / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    // Four bytes read little-endian whatever the host order.
    const std::uint32_t k1 = std::uint32_t{p[4 * i]} | std::uint32_t{p[4 * i + 1]} << 8 |
                             std::uint32_t{p[4 * i + 2]} << 16 | std::uint32_t{p[4 * i + 3]} << 24;
    h1 ^= mix_k1(k1);
    h1 = rotl(h1, 13) * 5 + 0xe6546b64u;
  }
  // The tail of 0-3 bytes. Pulsar mixes it in even when it is empty (mixing 0 yields 0, so the
  // result is the reference MurmurHash3 either way).
  std::uint32_t k1 = 0;
  for (std::size_t i = 0; i < len % 4; ++i) k1 ^= std::uint32_t{p[4 * blocks + i]} << (8 * i);
  h1 ^= mix_k1(k1);
  h1 ^= static_cast<std::uint32_t>(len);
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6bu;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35u;
  h1 ^= h1 >> 16;
  return static_cast<std::int32_t>(h1);
}

}  // namespace cgsim::models::pulsar
