#pragma once
/// @file partitioner.hpp
/// Producer partitioners: which partition a record goes to.
///
/// Keyed records hash their key bytes; unkeyed records follow the client's strategy (sticky,
/// random or round-robin). The hash functions are bit-exact with Kafka's Utils.murmur2 and with
/// librdkafka's rd_murmur2, rd_crc32 and rd_fnv1a, so a simulated key lands on the partition a
/// real client would choose. docs/partitioners.md describes each strategy and its sources.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/common/types.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace cgsim::models::partitioners {

/// Kafka's Utils.murmur2 over @p data (seed 0x9747b28c), as a signed 32-bit value.
/// librdkafka's rd_murmur2 returns the same bits as an unsigned value.
std::int32_t murmur2(const void* data, std::size_t len);
/// Kafka's Utils.toPositive: clears the sign bit (a mask, not abs()).
inline std::int32_t to_positive(std::int32_t v) { return v & 0x7fffffff; }
/// The CRC-32 (ISO-HDLC, as zlib) that librdkafka's consistent partitioners use.
std::uint32_t crc32(const void* data, std::size_t len);
/// librdkafka's rd_fnv1a: 32-bit FNV-1a whose result, read as a signed value, is replaced by its
/// absolute value (wrapping for INT32_MIN), matching Sarama's hash partitioner.
std::uint32_t fnv1a32(const void* data, std::size_t len);

/// Bytes of the fixed header of a v2 record batch (DefaultRecordBatch.RECORD_BATCH_OVERHEAD).
inline constexpr std::int32_t kRecordBatchOverhead = 61;
/// Size in bytes of one uncompressed v2 record without headers (DefaultRecord.sizeInBytes):
/// the varint length prefix, one attributes byte, the varint offset and timestamp deltas, and the
/// varint-prefixed key and value (a length of -1 encodes a null key or value).
std::int32_t record_size_v2(std::int32_t offset_delta, std::int64_t timestamp_delta_ms,
                            std::int32_t key_bytes, std::int32_t value_bytes);

/// What the partitioner needs to know about one record.
struct RecordInfo {
  /// Key bytes; std::nullopt for a record without a key (a null key), which is not the same as
  /// an empty key.
  std::optional<std::string_view> key;
  std::int32_t value_bytes = 0;
  sim::Time now = 0;
};

/// A stateful partitioner instance for one producer and one topic.
/// One concrete class switching on its kind: no virtual call per record.
///
/// Kinds named after one client's partitioner (RoundRobin and UniformSticky for the Java client;
/// ConsistentRandom, Consistent, Murmur2Random, Fnv1a, Fnv1aRandom and Random for librdkafka)
/// follow that client's semantics whatever the scenario's flavour; Default and Murmur2 follow the
/// flavour.
///
/// For the Java strategies whose choice depends on the producer's record accumulator (the
/// built-in sticky partitioner and the custom partitioners that get a second call when a record
/// opens a new batch), the instance keeps its own model of the last batch of every partition:
/// batches fill up to batch.size bytes of v2 record format and are taken by the sender once
/// linger.ms has passed since they were opened, or as soon as they are full.
class Partitioner {
 public:
  enum class Kind {
    Default,            ///< the client's default (Java: murmur2 keyed / built-in sticky unkeyed;
                        ///< librdkafka: consistent_random)
    Murmur2,            ///< murmur2 of the key; unkeyed records as the client's murmur2 variant does
                        ///< (Java: the default's sticky; librdkafka "murmur2": the hash of no bytes)
    RoundRobin,         ///< Java RoundRobinPartitioner (keys ignored)
    UniformSticky,      ///< Java UniformStickyPartitioner (keys ignored)
    ConsistentRandom,   ///< librdkafka: CRC32 of the key; null or empty key -> sticky random
    Consistent,         ///< librdkafka: CRC32 of the key, null and empty keys included
    Murmur2Random,      ///< librdkafka: murmur2 of the key; null key -> sticky random
    Fnv1a,              ///< librdkafka: FNV-1a of the key, null and empty keys included
    Fnv1aRandom,        ///< librdkafka: FNV-1a of the key; null key -> sticky random
    Random,             ///< librdkafka: random per record; null key -> sticky random
  };

  /// @param kind            the strategy
  /// @param flavor          the client whose semantics Default and Murmur2 follow
  /// @param num_partitions  partitions of the topic (>= 1)
  /// @param rng             the stream every random choice is drawn from
  /// @param batch_size_bytes Java batch.size (default 16384)
  /// @param sticky_linger   librdkafka sticky.partitioning.linger.ms (default 10 ms, which is
  ///                        librdkafka's 2 x linger.ms with linger.ms at its 5 ms default);
  ///                        0 disables librdkafka's sticky partitioning
  /// @param java_linger     Java linger.ms (default 0, Kafka 3.9's default)
  /// @throws InputError if num_partitions < 1, batch_size_bytes < 1 or a linger is negative.
  Partitioner(Kind kind, ClientFlavor flavor, std::int32_t num_partitions, sim::Rng rng,
              std::int32_t batch_size_bytes = 16384, sim::Time sticky_linger = 10 * sim::kMillisecond,
              sim::Time java_linger = 0);

  /// The partition for one record. Records must be passed in non-decreasing time order.
  std::int32_t partition(const RecordInfo& record) {
    switch (mode_) {
      case Mode::JavaBuiltIn: return java_built_in(record);
      case Mode::JavaRoundRobin: return java_round_robin(record);
      case Mode::JavaUniformSticky: return java_uniform_sticky(record);
      default: return librdkafka(record);
    }
  }

  /// partition() for @p n records without a key and with @p value_bytes of value each, appended
  /// at @p times (non-decreasing): out[k] is the partition of the record at times[k].
  void partition_unkeyed(const sim::Time* times, std::size_t n, std::int32_t value_bytes, std::int32_t* out);

  Kind kind() const { return kind_; }
  ClientFlavor flavor() const { return flavor_; }
  std::int32_t num_partitions() const { return num_partitions_; }

  /// True when the partition of a record with a non-empty key depends only on its key (so
  /// callers may cache it). Caching skips the batch bookkeeping of the Java default's sticky
  /// partitioner; the only effect is that cached keyed records no longer delay its switches.
  bool keyed_is_pure() const;
  /// The partition of a record with non-empty key @p key, without touching any state;
  /// -1 when !keyed_is_pure().
  std::int32_t keyed_partition(std::string_view key) const;

  /// Parses a scenario name ("default", "murmur2", "round_robin", "uniform_sticky",
  /// "consistent_random", "consistent", "murmur2_random", "fnv1a", "fnv1a_random", "random");
  /// std::nullopt if unknown.
  static std::optional<Kind> parse(std::string_view name);
  /// Every name parse() accepts, in Kind order.
  static std::vector<std::string> names();
  /// The scenario name of @p kind.
  static std::string_view name(Kind kind);

 private:
  /// The model of one partition's last batch in the Java record accumulator.
  struct Batch {
    sim::Time opened = 0;          ///< when its first record was appended (its timestamp base)
    std::int32_t bytes = 0;        ///< estimated size in bytes, header included; 0 = no batch
    std::int32_t records = 0;
  };

  enum class Mode : std::uint8_t {
    JavaBuiltIn,     ///< murmur2 keyed, built-in sticky unkeyed
    JavaRoundRobin,
    JavaUniformSticky,
    RdkConsistent,
    RdkConsistentRandom,
    RdkMurmur2,
    RdkMurmur2Random,
    RdkFnv1a,
    RdkFnv1aRandom,
    RdkRandom,
  };

  std::int32_t java_built_in(const RecordInfo& record);
  std::int32_t java_built_in_unkeyed(const RecordInfo& record);
  std::int32_t java_round_robin(const RecordInfo& record);
  std::int32_t java_uniform_sticky(const RecordInfo& record);
  std::int32_t librdkafka(const RecordInfo& record);

  // Java record-accumulator model.
  /// True when batch @p b takes no more records at @p now: there is none, the sender took it
  /// (linger.ms passed), or it reached batch.size.
  static bool batch_closed(const Batch& b, sim::Time now, sim::Time linger, std::int32_t batch_size) {
    return b.bytes == 0 || now - b.opened > linger || b.bytes >= batch_size;
  }
  /// Bytes a record (key and value sizes, -1 for none) adds to the open batch @p b at @p now, or
  /// 0 when it does not fit or @p b is closed.
  static std::int32_t size_in_open_batch(const Batch& b, sim::Time now, std::int32_t key, std::int32_t value,
                                         sim::Time linger, std::int32_t batch_size);
  /// Appends a record to batch @p b: it joins the open batch when it fits, otherwise starts a new
  /// batch of @p first_size() bytes (header and first record, accepted whatever its size).
  /// Returns the bytes appended.
  template <typename FirstSize>
  static std::int32_t append_to(Batch& b, sim::Time now, std::int32_t key, std::int32_t value, sim::Time linger,
                                std::int32_t batch_size, FirstSize first_size) {
    const std::int32_t size = size_in_open_batch(b, now, key, value, linger, batch_size);
    if (size > 0) {
      b.bytes += size;
      ++b.records;
      return size;
    }
    b.opened = now;
    b.records = 1;
    b.bytes = first_size();
    return b.bytes;
  }
  /// Bytes the record adds to partition @p p's open batch, or 0 when it opens a new batch.
  std::int32_t open_batch_size(std::int32_t p, const RecordInfo& record) const;
  bool last_batch_full(std::int32_t p, sim::Time now) const;
  std::int32_t append(std::int32_t p, const RecordInfo& record);
  /// java_built_in_unkeyed for @p n keyless records appended at @p times, each of @p value_bytes.
  void java_built_in_unkeyed_run(const sim::Time* times, std::size_t n, std::int32_t value_bytes, std::int32_t* out);
  /// record_size_v2(0, 0, key_bytes, value_bytes): the size of a batch's first record.
  std::int32_t first_record_size(std::int32_t key_bytes, std::int32_t value_bytes);

  std::int32_t random_partition() { return static_cast<std::int32_t>(rng_.below(static_cast<std::uint64_t>(num_partitions_))); }
  std::int32_t random_partition_except(std::int32_t p);
  std::int32_t hash_partition(std::string_view key) const;

  Kind kind_;
  ClientFlavor flavor_;
  Mode mode_;
  std::int32_t num_partitions_;
  sim::Rng rng_;
  std::int32_t batch_size_bytes_;
  sim::Time sticky_linger_;
  sim::Time java_linger_;
  // State for sticky and round-robin strategies.
  std::int32_t sticky_partition_ = -1;
  std::int64_t sticky_bytes_ = 0;
  std::int64_t sticky_since_us_ = 0;
  std::uint32_t rr_counter_ = 0;
  std::vector<Batch> batches_;
  // The last first_record_size answer and its arguments (a producer's records mostly share one
  // key length and value size).
  std::int32_t first_size_key_ = -2;  // no key length is -2: nothing cached yet
  std::int32_t first_size_value_ = 0;
  std::int32_t first_size_ = 0;
};

}  // namespace cgsim::models::partitioners
