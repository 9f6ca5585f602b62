#pragma once
/// @file java_order.hpp
/// Orderings of the Java runtime that Kafka's assignors depend on, reproduced in C++.
///
/// Kafka's client assignors sort member ids and topic names with `String.compareTo` (UTF-16 code
/// unit order) and iterate `java.util.HashMap`/`HashSet` instances whose iteration order follows the
/// keys' `String.hashCode()`. To produce the same assignment, in the same list order, cgsim has to
/// follow the same orders:
///
///  * java_compare()   : `String.compareTo` sign for UTF-8 input (equal to byte order for ASCII; for
///                       non-ASCII text UTF-16 places U+E000..U+FFFF after supplementary characters).
///  * java_hash()      : `String.hashCode()` over the UTF-16 code units of the UTF-8 input.
///  * HashOrder        : the iteration order of a `HashMap`/`HashSet` built by insertions and removals.
///                       Buckets are visited in index order. `put`/`add` append a new key to its
///                       bucket's chain and double the table when the size then exceeds 3/4 of the
///                       capacity; `computeIfAbsent`/`merge` put a new key at the head of the chain
///                       and double the table only before a later insertion finds the size above the
///                       threshold. A chain reaching the tree threshold while the table is below 64
///                       buckets doubles the table instead of building a tree bin. Resizing keeps
///                       the relative order of the keys that share a bucket.
///
/// Not reproduced: the order inside a tree bin (a bucket holding 9 or more keys of a table of at least
/// 64 buckets). The runtime then keeps a red-black tree whose root is moved to the head of the
/// bucket's list. With the 0.75 load factor the chance of any bucket reaching 9 keys is about 1e-8 per
/// bucket (Poisson with mean 0.5), so the difference is not observable at the group sizes cgsim models.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cgsim::models::assignors::java {

/// The sign of Java's `a.compareTo(b)` for UTF-8 encoded strings: negative, zero or positive.
int compare(std::string_view a, std::string_view b);

/// Strict weak ordering by `String.compareTo`.
struct Less {
  bool operator()(std::string_view a, std::string_view b) const { return compare(a, b) < 0; }
};

/// Java's `String.hashCode()` of a UTF-8 encoded string.
std::int32_t hash(std::string_view s);

/// Java's `Integer.hashCode()` is the value itself.
inline std::int32_t hash(std::int32_t v) { return v; }

/// The bucket spreading `HashMap` applies to every key hash: `h ^ (h >>> 16)`.
inline std::uint32_t spread(std::int32_t h) {
  auto u = static_cast<std::uint32_t>(h);
  return u ^ (u >> 16);
}

/// Simulates the bucket layout of a `java.util.HashMap` (or `HashSet`) filled by `insert` calls and
/// reports the order in which an iterator would visit the keys. Keys are identified by the caller's
/// index; the caller guarantees that inserted keys are distinct.
class HashOrder {
 public:
  /// @param initial_capacity capacity as passed to `new HashMap<>(n)`: rounded up to a power of two.
  ///        Use default_capacity for `new HashMap<>()`.
  explicit HashOrder(std::size_t initial_capacity = kDefaultCapacity);

  /// Capacity of `new HashMap<>(n)` for a requested n (tableSizeFor).
  static std::size_t table_size_for(std::size_t n);
  /// The capacity `new HashMap<>(Map)` chooses for a map of @p n entries.
  static std::size_t capacity_for_copy(std::size_t n);
  /// The capacity `new HashSet<>(Collection)` chooses for a collection of @p n elements.
  static std::size_t capacity_for_collection(std::size_t n);

  static constexpr std::size_t kDefaultCapacity = 16;

  /// Records `put(key)`/`add(key)` of a new key @p id whose `hashCode()` is @p h.
  void insert(std::size_t id, std::int32_t h);
  /// Records `computeIfAbsent(key, ...)` (or `merge`) creating the new key @p id.
  void compute_if_absent(std::size_t id, std::int32_t h);
  /// Records the removal of key @p id (hash @p h); the table never shrinks, as in Java.
  void erase(std::size_t id, std::int32_t h);
  /// The key an iterator would return first, or SIZE_MAX when empty.
  std::size_t first() const;
  bool empty() const { return entries_.empty(); }
  /// The ids in iteration order.
  std::vector<std::size_t> order() const;
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  /// A key, its spread hash, and its rank within its bucket: keys sharing a bucket at the final
  /// capacity shared it at every smaller capacity, and resizing keeps their relative order, so the
  /// order inside a bucket is insertion order for put (rank grows) and reverse insertion order for
  /// computeIfAbsent (rank shrinks).
  struct Entry {
    std::size_t id;
    std::uint32_t hash;
    std::int64_t rank;
  };
  std::size_t bucket_of(std::uint32_t hash) const { return hash & (capacity_ - 1); }
  void resize();
  std::vector<Entry> entries_;
  std::size_t capacity_;
  std::size_t threshold_;
  std::int64_t counter_ = 0;
  /// Chain lengths, kept while the table is below the tree-bin threshold of 64 buckets.
  std::vector<std::uint32_t> chain_;
};

/// Iteration order of distinct keys with hash codes @p hashes put, in that order, into a map or set
/// of capacity @p capacity: like HashOrder, but without allocating when no resize happens (at most
/// 3/4 of the capacity filled, no chain reaching the tree threshold). Returns indices into @p hashes.
std::vector<std::size_t> put_order(const std::vector<std::int32_t>& hashes, std::size_t capacity);

/// Iteration order of `new HashSet<String>()`/`new HashMap<String,...>()` after inserting @p keys in
/// the given order (duplicates are ignored as the collection would). Returns indices into @p keys of
/// the first occurrence of each distinct key.
std::vector<std::size_t> hash_order(const std::vector<std::string_view>& keys,
                                    std::size_t initial_capacity = HashOrder::kDefaultCapacity);

}  // namespace cgsim::models::assignors::java
