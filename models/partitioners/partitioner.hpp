#pragma once
/// @file partitioner.hpp
/// Producer partitioners: which partition a record goes to.
///
/// Keyed records hash their key bytes; unkeyed records follow the client's strategy (sticky,
/// random or round-robin). The hashing functions are bit-exact with Kafka's Utils.murmur2 and
/// librdkafka's CRC32-based partitioners.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/types.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace cgsim::models::partitioners {

/// Kafka's Utils.murmur2 over @p data (seed 0x9747b28c), as a signed 32-bit value.
std::int32_t murmur2(const void* data, std::size_t len);
/// Kafka's Utils.toPositive: clears the sign bit (a mask, not abs()).
inline std::int32_t to_positive(std::int32_t v) { return v & 0x7fffffff; }
/// The CRC-32 (ISO-HDLC, as zlib) that librdkafka's consistent partitioners use.
std::uint32_t crc32(const void* data, std::size_t len);

/// What the partitioner needs to know about one record.
struct RecordInfo {
  /// Key bytes; std::nullopt for a record without a key.
  std::optional<std::string_view> key;
  std::int32_t value_bytes = 0;
  sim::Time now = 0;
};

/// A stateful partitioner instance for one producer and one topic.
/// One concrete class switching on its kind: no virtual call per record.
class Partitioner {
 public:
  enum class Kind {
    Default,            ///< the client's default (Java: murmur2 keyed / built-in sticky unkeyed;
                        ///< librdkafka: consistent_random)
    Murmur2,            ///< murmur2 of the key; unkeyed records as the client's murmur2 variant does
    RoundRobin,         ///< Java RoundRobinPartitioner (keys ignored)
    UniformSticky,      ///< Java UniformStickyPartitioner (keys ignored)
    ConsistentRandom,   ///< librdkafka: CRC32 of the key; unkeyed -> random
  };

  Partitioner(Kind kind, ClientFlavor flavor, std::int32_t num_partitions, sim::Rng rng,
              std::int32_t batch_size_bytes = 16384, sim::Time sticky_linger = 10 * sim::kMillisecond);

  /// The partition for one record.
  std::int32_t partition(const RecordInfo& record);

  Kind kind() const { return kind_; }
  /// True when the partition of a keyed record depends only on its key (so callers may cache it).
  bool keyed_is_pure() const;

  /// Parses a scenario name ("default", "murmur2", "round_robin", "uniform_sticky",
  /// "consistent_random"); std::nullopt if unknown.
  static std::optional<Kind> parse(std::string_view name);
  static std::vector<std::string> names();

 private:
  Kind kind_;
  ClientFlavor flavor_;
  std::int32_t num_partitions_;
  sim::Rng rng_;
  std::int32_t batch_size_bytes_;
  sim::Time sticky_linger_;
  // State for sticky and round-robin strategies.
  std::int32_t sticky_partition_ = -1;
  std::int64_t sticky_bytes_ = 0;
  sim::Time sticky_since_ = 0;
  std::uint32_t rr_counter_ = 0;
};

}  // namespace cgsim::models::partitioners
