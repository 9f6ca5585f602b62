#include "models/kafka/assignors/java_order.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_set>

namespace cgsim::models::assignors::java {

namespace {

/// Decodes one code point starting at s[i] and advances i. Malformed sequences yield the byte value
/// itself (one unit per byte), which keeps the functions total on arbitrary input.
std::uint32_t decode(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const auto b = static_cast<unsigned char>(s[i + k]);
    return (b & 0xC0) == 0x80 ? (b & 0x3F) : -1;
  };
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if ((b0 & 0xE0) == 0xC0) {
    int c1 = cont(1);
    if (c1 >= 0) {
      i += 2;
      return ((b0 & 0x1Fu) << 6) | static_cast<std::uint32_t>(c1);
    }
  } else if ((b0 & 0xF0) == 0xE0) {
    int c1 = cont(1), c2 = c1 >= 0 ? cont(2) : -1;
    if (c2 >= 0) {
      i += 3;
      return ((b0 & 0x0Fu) << 12) | (static_cast<std::uint32_t>(c1) << 6) | static_cast<std::uint32_t>(c2);
    }
  } else if ((b0 & 0xF8) == 0xF0) {
    int c1 = cont(1), c2 = c1 >= 0 ? cont(2) : -1, c3 = c2 >= 0 ? cont(3) : -1;
    if (c3 >= 0) {
      i += 4;
      return ((b0 & 0x07u) << 18) | (static_cast<std::uint32_t>(c1) << 12) |
             (static_cast<std::uint32_t>(c2) << 6) | static_cast<std::uint32_t>(c3);
    }
  }
  ++i;
  return b0;
}

/// A key whose numeric order equals UTF-16 code unit order of the first unit(s) of the code point:
/// supplementary characters are encoded with surrogates (0xD800..0xDFFF), which sort below
/// U+E000..U+FFFF, so those BMP characters are lifted above every supplementary code point.
std::uint32_t utf16_rank(std::uint32_t cp) {
  return (cp >= 0xE000 && cp <= 0xFFFF) ? cp + 0x200000 : cp;
}

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

int compare(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t k = 0;
  while (k < n && a[k] == b[k]) ++k;
  if (k == n) return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
  const auto ca = static_cast<unsigned char>(a[k]), cb = static_cast<unsigned char>(b[k]);
  if (ca < 0x80 && cb < 0x80) return ca < cb ? -1 : 1;
  // Back up to the start of the character containing the first differing byte.
  while (k > 0 && (static_cast<unsigned char>(a[k]) & 0xC0) == 0x80) --k;
  std::size_t i = k, j = k;
  while (i < a.size() && j < b.size()) {
    const std::uint32_t x = utf16_rank(decode(a, i)), y = utf16_rank(decode(b, j));
    if (x != y) return x < y ? -1 : 1;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

std::int32_t hash(std::string_view s) {
  std::uint32_t h = 0;
  if (is_ascii(s)) {
    for (char c : s) h = 31u * h + static_cast<unsigned char>(c);
    return static_cast<std::int32_t>(h);
  }
  std::size_t i = 0;
  while (i < s.size()) {
    std::uint32_t cp = decode(s, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      h = 31u * h + (0xD800u + (cp >> 10));
      h = 31u * h + (0xDC00u + (cp & 0x3FFu));
    } else {
      h = 31u * h + cp;
    }
  }
  return static_cast<std::int32_t>(h);
}

std::size_t HashOrder::table_size_for(std::size_t n) {
  std::size_t cap = 1;
  while (cap < n) cap <<= 1;
  return cap;
}

std::size_t HashOrder::capacity_for_copy(std::size_t n) {
  // HashMap(Map) sizes its table for n / 0.75 + 1 entries, computed in float.
  const float ft = static_cast<float>(n) / 0.75f + 1.0f;
  return table_size_for(static_cast<std::size_t>(ft));
}

std::size_t HashOrder::capacity_for_collection(std::size_t n) {
  const auto requested = static_cast<std::size_t>(static_cast<float>(n) / 0.75f) + 1;
  return table_size_for(std::max<std::size_t>(requested, 16));
}

HashOrder::HashOrder(std::size_t initial_capacity)
    : capacity_(table_size_for(initial_capacity)), threshold_(capacity_ * 3 / 4) {
  if (capacity_ < 64) chain_.assign(capacity_, 0);
}

void HashOrder::resize() {
  capacity_ *= 2;
  threshold_ = capacity_ * 3 / 4;
  chain_.clear();
  if (capacity_ < 64) {
    chain_.assign(capacity_, 0);
    for (const Entry& e : entries_) ++chain_[bucket_of(e.hash)];
  }
}

void HashOrder::insert(std::size_t id, std::int32_t h) {
  const std::uint32_t sh = spread(h);
  entries_.push_back({id, sh, counter_++});
  if (capacity_ < 64) {
    // A chain reaching 9 entries in a table below 64 buckets makes the map grow instead of treeifying.
    if (++chain_[bucket_of(sh)] >= 9) resize();
  }
  if (entries_.size() > threshold_) resize();
}

void HashOrder::compute_if_absent(std::size_t id, std::int32_t h) {
  if (entries_.size() > threshold_) resize();
  const std::uint32_t sh = spread(h);
  entries_.push_back({id, sh, -(counter_++)});
  if (capacity_ < 64) {
    if (++chain_[bucket_of(sh)] >= 8) resize();
  }
}

void HashOrder::erase(std::size_t id, std::int32_t h) {
  const std::uint32_t sh = spread(h);
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->id == id && it->hash == sh) {
      if (capacity_ < 64) --chain_[bucket_of(sh)];
      entries_.erase(it);
      return;
    }
}

std::size_t HashOrder::first() const {
  if (entries_.empty()) return SIZE_MAX;
  const Entry* best = &entries_.front();
  for (const Entry& e : entries_) {
    const std::size_t b = bucket_of(e.hash), bb = bucket_of(best->hash);
    if (b < bb || (b == bb && e.rank < best->rank)) best = &e;
  }
  return best->id;
}

std::vector<std::size_t> HashOrder::order() const {
  std::vector<std::size_t> index(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) index[i] = i;
  std::sort(index.begin(), index.end(), [&](std::size_t a, std::size_t b) {
    const std::size_t ba = bucket_of(entries_[a].hash), bb = bucket_of(entries_[b].hash);
    return ba != bb ? ba < bb : entries_[a].rank < entries_[b].rank;
  });
  std::vector<std::size_t> out;
  out.reserve(entries_.size());
  for (std::size_t i : index) out.push_back(entries_[i].id);
  return out;
}

std::vector<std::size_t> put_order(const std::vector<std::int32_t>& hashes, std::size_t capacity) {
  capacity = HashOrder::table_size_for(capacity);
  const std::size_t n = hashes.size();
  bool simple = n <= capacity * 3 / 4;
  if (simple && capacity < 64 && n >= 9) {
    std::vector<std::uint32_t> chain(capacity, 0);
    for (std::int32_t h : hashes) simple = simple && ++chain[spread(h) & (capacity - 1)] < 9;
  }
  if (!simple) {
    HashOrder order(capacity);
    for (std::size_t i = 0; i < n; ++i) order.insert(i, hashes[i]);
    return order.order();
  }
  std::vector<std::size_t> index(n);
  for (std::size_t i = 0; i < n; ++i) index[i] = i;
  std::stable_sort(index.begin(), index.end(), [&](std::size_t a, std::size_t b) {
    return (spread(hashes[a]) & (capacity - 1)) < (spread(hashes[b]) & (capacity - 1));
  });
  return index;
}

std::vector<std::size_t> hash_order(const std::vector<std::string_view>& keys, std::size_t initial_capacity) {
  HashOrder order(initial_capacity);
  std::unordered_set<std::string_view> seen;
  seen.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (seen.insert(keys[i]).second) order.insert(i, hash(keys[i]));
  return order.order();
}

}  // namespace cgsim::models::assignors::java
