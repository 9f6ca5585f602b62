#include "models/rabbitmq/consistent_hash.hpp"

#include <algorithm>
#include <array>

namespace cgsim::models::rabbitmq {

namespace {

// The 32-bit golden-ratio constant and the runtime's multiple of it that seeds binaries.
constexpr std::uint32_t kGolden = 0x9e3779b9u;
constexpr std::uint32_t kBinaryConstant = kGolden * 13u;

inline void mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  a -= b; a -= c; a ^= c >> 13;
  b -= c; b -= a; b ^= a << 8;
  c -= a; c -= b; c ^= b >> 13;
  a -= b; a -= c; a ^= c >> 12;
  b -= c; b -= a; b ^= a << 16;
  c -= a; c -= b; c ^= b >> 5;
  a -= b; a -= c; a ^= c >> 3;
  b -= c; b -= a; b ^= a << 10;
  c -= a; c -= b; c ^= b >> 15;
}

inline std::uint32_t le32(const unsigned char* k) {
  return static_cast<std::uint32_t>(k[0]) | static_cast<std::uint32_t>(k[1]) << 8 |
         static_cast<std::uint32_t>(k[2]) << 16 | static_cast<std::uint32_t>(k[3]) << 24;
}

std::uint32_t block_hash(const unsigned char* k, std::size_t length, std::uint32_t initval) {
  std::uint32_t a = kGolden, b = kGolden, c = initval;
  std::size_t len = length;
  while (len >= 12) {
    a += le32(k);
    b += le32(k + 4);
    c += le32(k + 8);
    mix(a, b, c);
    k += 12;
    len -= 12;
  }
  c += static_cast<std::uint32_t>(length);
  // The last bytes: c's lowest byte is taken by the length, so c gets bytes 8..10 from bit 8 up.
  switch (len) {
    case 11: c += static_cast<std::uint32_t>(k[10]) << 24; [[fallthrough]];
    case 10: c += static_cast<std::uint32_t>(k[9]) << 16; [[fallthrough]];
    case 9: c += static_cast<std::uint32_t>(k[8]) << 8; [[fallthrough]];
    case 8: b += static_cast<std::uint32_t>(k[7]) << 24; [[fallthrough]];
    case 7: b += static_cast<std::uint32_t>(k[6]) << 16; [[fallthrough]];
    case 6: b += static_cast<std::uint32_t>(k[5]) << 8; [[fallthrough]];
    case 5: b += k[4]; [[fallthrough]];
    case 4: a += static_cast<std::uint32_t>(k[3]) << 24; [[fallthrough]];
    case 3: a += static_cast<std::uint32_t>(k[2]) << 16; [[fallthrough]];
    case 2: a += static_cast<std::uint32_t>(k[1]) << 8; [[fallthrough]];
    case 1: a += k[0]; break;
    default: break;
  }
  mix(a, b, c);
  return c;
}

// Erlang's exs64 step (xorshift64*), used to fill the exs1024 state from the seed.
inline std::uint64_t exs64_next(std::uint64_t& r) {
  r ^= r >> 12;
  r ^= r << 25;
  r ^= r >> 27;
  return r * 2685821657736338717ull;
}

/// Erlang's exs1024 (xorshift1024*) state as the rand module keeps it: a list consumed from the
/// front, whose used heads are pushed onto a second list that becomes the new tail, reversed,
/// when the front runs down to one element. Kept here as a ring read in that same order.
class Exs1024 {
 public:
  explicit Exs1024(std::uint64_t key) {
    const std::uint64_t m = (1u << 21) - 1;
    const std::uint64_t k = key & m;
    const std::uint64_t b1 = ((k + 1) * 2097131u) & m;
    const std::uint64_t b2 = ((k + 1) * 2097133u) & m;
    const std::uint64_t b3 = ((k + 1) * 2097143u) & m;
    std::uint64_t r = b1 << 43 | b2 << 22 | b3 << 1 | 1;
    // The rand module prepends each generated word, so the list starts with the last one.
    for (int i = 15; i >= 0; --i) s_[static_cast<std::size_t>(i)] = exs64_next(r);
    p_ = 0;
  }
  /// rand:uniform_s for exs1024 (which has no bits field): V / 2^64 in double arithmetic.
  double uniform() { return static_cast<double>(next()) / 18446744073709551616.0; }

 private:
  std::uint64_t next() {
    // Front of the list is s_[p_], the next element s_[p_ + 1]; the consumed head moves to the
    // end of the ring, which is where the list/reversed-list pair puts it.
    const std::uint64_t s0 = s_[p_];
    std::uint64_t s1 = s_[(p_ + 1) & 15];
    s1 ^= s1 << 31;
    s1 ^= s1 >> 11;
    const std::uint64_t ns1 = (s0 ^ (s0 >> 30)) ^ s1;
    p_ = (p_ + 1) & 15;
    s_[p_] = ns1;
    return ns1 * 1181783497276652981ull;
  }
  std::array<std::uint64_t, 16> s_{};
  std::size_t p_ = 0;
};

}  // namespace

std::uint32_t erlang_phash2_binary(std::string_view bytes) {
  const std::uint32_t h = bytes.empty()
                              ? kBinaryConstant
                              : block_hash(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                                           kBinaryConstant);
  return h & ((1u << 27) - 1);
}

std::int32_t jump_consistent_hash(std::uint64_t key, std::int32_t buckets) {
  if (buckets == 1) return 0;
  Exs1024 rng(key);
  std::int64_t b = -1, j = 0;
  while (j < buckets) {
    b = j;
    const double r = rng.uniform();
    const double next = static_cast<double>(b + 1) / r;  // trunc() of a positive value
    if (!(next < static_cast<double>(buckets))) break;
    j = static_cast<std::int64_t>(next);
  }
  return static_cast<std::int32_t>(b);
}

void HashRing::add_binding(std::int32_t queue, std::int32_t weight) {
  if (std::find(buckets_.begin(), buckets_.end(), queue) != buckets_.end()) return;
  buckets_.insert(buckets_.end(), static_cast<std::size_t>(std::max(weight, 0)), queue);
}

void HashRing::remove_binding(std::int32_t queue) {
  buckets_.erase(std::remove(buckets_.begin(), buckets_.end(), queue), buckets_.end());
}

}  // namespace cgsim::models::rabbitmq
