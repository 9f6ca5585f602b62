#include "models/kafka/partitioners/partitioner.hpp"

#include <array>
#include <bit>

#include "models/common/error.hpp"

namespace cgsim::models::partitioners {

namespace {

// Byte length of an unsigned LEB128 varint: seven bits per byte, at least one byte.
int unsigned_varint_size(std::uint64_t v) { return (std::bit_width(v | 1u) + 6) / 7; }

// Kafka's zig-zag varint (32-bit) and varlong (64-bit) sizes.
int varint_size(std::int32_t v) {
  const std::uint32_t u = static_cast<std::uint32_t>(v);
  return unsigned_varint_size((u << 1) ^ static_cast<std::uint32_t>(v >> 31));
}
int varlong_size(std::int64_t v) {
  const std::uint64_t u = static_cast<std::uint64_t>(v);
  return unsigned_varint_size((u << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

// Table for the reflected CRC-32 polynomial 0xEDB88320, one entry per byte value.
constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? (0xEDB88320u ^ (c >> 1)) : (c >> 1);
    t[i] = c;
  }
  return t;
}
constexpr std::array<std::uint32_t, 256> kCrcTable = make_crc_table();

struct KindName {
  Partitioner::Kind kind;
  std::string_view name;
};
constexpr std::array<KindName, 10> kKindNames{{
    {Partitioner::Kind::Default, "default"},
    {Partitioner::Kind::Murmur2, "murmur2"},
    {Partitioner::Kind::RoundRobin, "round_robin"},
    {Partitioner::Kind::UniformSticky, "uniform_sticky"},
    {Partitioner::Kind::ConsistentRandom, "consistent_random"},
    {Partitioner::Kind::Consistent, "consistent"},
    {Partitioner::Kind::Murmur2Random, "murmur2_random"},
    {Partitioner::Kind::Fnv1a, "fnv1a"},
    {Partitioner::Kind::Fnv1aRandom, "fnv1a_random"},
    {Partitioner::Kind::Random, "random"},
}};

}  // namespace

std::int32_t murmur2(const void* data, std::size_t len) {
  constexpr std::uint32_t kSeed = 0x9747b28cu;
  constexpr std::uint32_t kM = 0x5bd1e995u;
  constexpr int kR = 24;
  const auto* bytes = static_cast<const unsigned char*>(data);
  // Kafka mixes the length in as a Java int; keys are far shorter than 2^31 bytes.
  std::uint32_t h = kSeed ^ static_cast<std::uint32_t>(len);
  const std::size_t blocks = len / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    const unsigned char* b = bytes + 4 * i;
    // Little-endian word regardless of host byte order or alignment.
    std::uint32_t k = static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
                      (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  // The 1 to 3 trailing bytes, each taken as an unsigned byte, then one multiply.
  const unsigned char* tail = bytes + 4 * blocks;
  const std::size_t rest = len % 4;
  if (rest >= 3) h ^= static_cast<std::uint32_t>(tail[2]) << 16;
  if (rest >= 2) h ^= static_cast<std::uint32_t>(tail[1]) << 8;
  if (rest >= 1) {
    h ^= static_cast<std::uint32_t>(tail[0]);
    h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<std::int32_t>(h);
}

std::uint32_t crc32(const void* data, std::size_t len) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < len; ++i) c = kCrcTable[(c ^ bytes[i]) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::uint32_t fnv1a32(const void* data, std::size_t len) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint32_t h = 0x811C9DC5u;
  for (std::size_t i = 0; i < len; ++i) {
    h ^= bytes[i];
    h *= 0x01000193u;
  }
  // Absolute value of the signed reading, in two's complement (INT32_MIN maps to itself).
  if (h & 0x80000000u) h = 0u - h;
  return h;
}

std::int32_t record_size_v2(std::int32_t offset_delta, std::int64_t timestamp_delta_ms,
                            std::int32_t key_bytes, std::int32_t value_bytes) {
  std::int32_t body = 1;  // attributes
  body += varint_size(offset_delta);
  body += varlong_size(timestamp_delta_ms);
  body += key_bytes < 0 ? 1 : varint_size(key_bytes) + key_bytes;
  body += value_bytes < 0 ? 1 : varint_size(value_bytes) + value_bytes;
  body += varint_size(0);  // header count
  return body + varint_size(body);
}

Partitioner::Partitioner(Kind kind, ClientFlavor flavor, std::int32_t num_partitions, sim::Rng rng,
                         std::int32_t batch_size_bytes, sim::Time sticky_linger, sim::Time java_linger)
    : kind_(kind),
      flavor_(flavor),
      mode_(Mode::JavaBuiltIn),
      num_partitions_(num_partitions),
      rng_(rng),
      batch_size_bytes_(batch_size_bytes),
      sticky_linger_(sticky_linger),
      java_linger_(java_linger) {
  if (num_partitions < 1) throw InputError("partitioner: a topic needs at least one partition");
  if (batch_size_bytes < 1) throw InputError("partitioner: batch.size must be at least 1 byte");
  if (sticky_linger < 0 || java_linger < 0) throw InputError("partitioner: linger must not be negative");
  const bool java = flavor == ClientFlavor::Java;
  switch (kind) {
    case Kind::Default: mode_ = java ? Mode::JavaBuiltIn : Mode::RdkConsistentRandom; break;
    case Kind::Murmur2: mode_ = java ? Mode::JavaBuiltIn : Mode::RdkMurmur2; break;
    case Kind::RoundRobin: mode_ = Mode::JavaRoundRobin; break;
    case Kind::UniformSticky: mode_ = Mode::JavaUniformSticky; break;
    case Kind::ConsistentRandom: mode_ = Mode::RdkConsistentRandom; break;
    case Kind::Consistent: mode_ = Mode::RdkConsistent; break;
    case Kind::Murmur2Random: mode_ = Mode::RdkMurmur2Random; break;
    case Kind::Fnv1a: mode_ = Mode::RdkFnv1a; break;
    case Kind::Fnv1aRandom: mode_ = Mode::RdkFnv1aRandom; break;
    case Kind::Random: mode_ = Mode::RdkRandom; break;
  }
  if (mode_ == Mode::JavaBuiltIn || mode_ == Mode::JavaRoundRobin || mode_ == Mode::JavaUniformSticky) {
    batches_.assign(static_cast<std::size_t>(num_partitions), Batch{});
  }
}

// ---- Java client -------------------------------------------------------------------------------

std::int32_t Partitioner::size_in_open_batch(const Batch& b, sim::Time now, std::int32_t key, std::int32_t value,
                                             sim::Time linger, std::int32_t batch_size) {
  if (batch_closed(b, now, linger, batch_size)) return 0;
  const std::int32_t size = record_size_v2(b.records, now / sim::kMillisecond - b.opened / sim::kMillisecond, key, value);
  return b.bytes + size <= batch_size ? size : 0;
}

std::int32_t Partitioner::open_batch_size(std::int32_t p, const RecordInfo& record) const {
  const std::int32_t key = record.key ? static_cast<std::int32_t>(record.key->size()) : -1;
  return size_in_open_batch(batches_[static_cast<std::size_t>(p)], record.now, key, record.value_bytes, java_linger_,
                            batch_size_bytes_);
}

bool Partitioner::last_batch_full(std::int32_t p, sim::Time now) const {
  // The accumulator's "all batches full": no batch left in the partition's queue (the sender
  // took it once linger.ms passed) or the last one has reached batch.size.
  return batch_closed(batches_[static_cast<std::size_t>(p)], now, java_linger_, batch_size_bytes_);
}

std::int32_t Partitioner::first_record_size(std::int32_t key_bytes, std::int32_t value_bytes) {
  if (key_bytes != first_size_key_ || value_bytes != first_size_value_) {
    first_size_key_ = key_bytes;
    first_size_value_ = value_bytes;
    first_size_ = record_size_v2(0, 0, key_bytes, value_bytes);
  }
  return first_size_;
}

// Inline: this is the per-record work of every Java strategy.
inline std::int32_t Partitioner::append(std::int32_t p, const RecordInfo& record) {
  const std::int32_t key = record.key ? static_cast<std::int32_t>(record.key->size()) : -1;
  return append_to(batches_[static_cast<std::size_t>(p)], record.now, key, record.value_bytes, java_linger_,
                   batch_size_bytes_,
                   [&] { return kRecordBatchOverhead + first_record_size(key, record.value_bytes); });
}

std::int32_t Partitioner::java_built_in(const RecordInfo& record) {
  if (record.key) {
    const std::int32_t p = hash_partition(*record.key);
    append(p, record);
    return p;
  }
  return java_built_in_unkeyed(record);
}

void Partitioner::java_built_in_unkeyed_run(const sim::Time* times, std::size_t n, std::int32_t value_bytes,
                                                   std::int32_t* out) {
  // Kafka's BuiltInPartitioner without adaptive partitioning: the sim has no broker queue sizes
  // to weight by, so every switch picks uniformly among all partitions (possibly the current
  // one again, as the client does). A switch is due once batch.size bytes were appended to the
  // sticky partition and its last batch is complete, or unconditionally at twice batch.size.
  // The sticky state and the settings are kept in locals for the run: the batch bookkeeping's
  // stores could otherwise alias the members and force reloads.
  const std::int32_t batch_size = batch_size_bytes_;
  const sim::Time linger = java_linger_;
  const std::int32_t first_size = kRecordBatchOverhead + first_record_size(-1, value_bytes);
  std::int32_t sticky = sticky_partition_;
  std::int64_t sticky_bytes = sticky_bytes_;
  Batch* batches = batches_.data();
  for (std::size_t k = 0; k < n; ++k) {
    const sim::Time now = times[k];
    if (sticky < 0) {
      sticky = random_partition();
      sticky_bytes = 0;
    }
    // Before appending, a switch that was held back by an incomplete batch is completed.
    if (sticky_bytes >= batch_size && batch_closed(batches[sticky], now, linger, batch_size)) {
      sticky = random_partition();
      sticky_bytes = 0;
    }
    Batch& b = batches[sticky];
    sticky_bytes += append_to(b, now, -1, value_bytes, linger, batch_size, [first_size] { return first_size; });
    out[k] = sticky;
    // last_batch_full after an append: the batch that took the record is open (less than
    // linger.ms old), so it is complete only once it has reached batch.size.
    if ((sticky_bytes >= batch_size && b.bytes >= batch_size) || sticky_bytes >= 2 * static_cast<std::int64_t>(batch_size)) {
      sticky = random_partition();
      sticky_bytes = 0;
      continue;
    }
    if (b.records == 1 && first_size < batch_size) {
      // The record opened a batch of first_size bytes. Each next record more than linger.ms after
      // it finds that batch closed and opens another, and while sticky_bytes stays below
      // batch.size neither switch test can pass (after an append sticky_bytes is below
      // 2 * batch.size, and the new batch below batch.size): those records go to the sticky
      // partition with no more bookkeeping than the count. This is the common case with
      // linger.ms = 0, where records at distinct instants never share a batch.
      sim::Time prev = now;
      while (k + 1 < n && sticky_bytes < batch_size && times[k + 1] - prev > linger) {
        prev = times[++k];
        out[k] = sticky;
        sticky_bytes += first_size;
      }
      b.opened = prev;
    }
  }
  sticky_partition_ = sticky;
  sticky_bytes_ = sticky_bytes;
}

std::int32_t Partitioner::java_built_in_unkeyed(const RecordInfo& record) {
  std::int32_t p = 0;
  java_built_in_unkeyed_run(&record.now, 1, record.value_bytes, &p);
  return p;
}

void Partitioner::partition_unkeyed(const sim::Time* times, std::size_t n, std::int32_t value_bytes,
                                    std::int32_t* out) {
  RecordInfo record;
  record.value_bytes = value_bytes;
  if (mode_ == Mode::JavaBuiltIn) {
    java_built_in_unkeyed_run(times, n, value_bytes, out);
    return;
  }
  for (std::size_t k = 0; k < n; ++k) {
    record.now = times[k];
    out[k] = partition(record);
  }
}

std::int32_t Partitioner::java_round_robin(const RecordInfo& record) {
  // Kafka 3.9 still calls a custom partitioner a second time when the partition it chose has no
  // batch that can take the record (KafkaProducer's abort-on-new-batch retry), and
  // RoundRobinPartitioner advances its counter on every call, so the first choice is skipped
  // (KAFKA-9965 is not fixed in 3.9). Keys are ignored.
  auto next = [this] {
    const std::int32_t v = to_positive(static_cast<std::int32_t>(rr_counter_++));
    return v % num_partitions_;
  };
  std::int32_t p = next();
  if (open_batch_size(p, record) == 0) p = next();
  append(p, record);
  return p;
}

std::int32_t Partitioner::java_uniform_sticky(const RecordInfo& record) {
  // UniformStickyPartitioner: one sticky partition for every record (keys ignored), replaced by
  // a different random partition through onNewBatch whenever the sticky partition needs a new
  // batch for the record.
  if (sticky_partition_ < 0) sticky_partition_ = num_partitions_ == 1 ? 0 : random_partition();
  std::int32_t p = sticky_partition_;
  if (open_batch_size(p, record) == 0) {
    sticky_partition_ = random_partition_except(p);
    p = sticky_partition_;
  }
  append(p, record);
  return p;
}

// ---- librdkafka --------------------------------------------------------------------------------

std::int32_t Partitioner::librdkafka(const RecordInfo& record) {
  const bool null_key = !record.key.has_value();
  const bool empty_key = null_key || record.key->empty();
  // Sticky partitioning is on for every partitioner except the three that map null keys to a
  // fixed partition, and only while sticky.partitioning.linger.ms > 0. It covers null keys, and
  // empty keys too under consistent_random.
  const bool sticky_capable = sticky_linger_ > 0 &&
                              (mode_ == Mode::RdkConsistentRandom || mode_ == Mode::RdkMurmur2Random ||
                               mode_ == Mode::RdkFnv1aRandom || mode_ == Mode::RdkRandom);
  if (sticky_capable && (null_key || (empty_key && mode_ == Mode::RdkConsistentRandom))) {
    // librdkafka's interval timer works on a microsecond clock and fires when strictly more than
    // the linger has passed since it last fired; the first record always picks a partition.
    const std::int64_t now_us = record.now / sim::kMicrosecond;
    const std::int64_t linger_us = sticky_linger_ / sim::kMicrosecond;
    if (sticky_partition_ < 0 || now_us - (sticky_since_us_ + linger_us) > 0) {
      sticky_partition_ = random_partition();
      sticky_since_us_ = now_us;
    }
    return sticky_partition_;
  }
  const std::string_view key = null_key ? std::string_view() : *record.key;
  const auto n = static_cast<std::uint32_t>(num_partitions_);
  switch (mode_) {
    case Mode::RdkConsistent: return static_cast<std::int32_t>(crc32(key.data(), key.size()) % n);
    case Mode::RdkConsistentRandom:
      if (empty_key) return random_partition();
      return static_cast<std::int32_t>(crc32(key.data(), key.size()) % n);
    case Mode::RdkMurmur2: return to_positive(murmur2(key.data(), key.size())) % num_partitions_;
    case Mode::RdkMurmur2Random:
      if (null_key) return random_partition();
      return to_positive(murmur2(key.data(), key.size())) % num_partitions_;
    case Mode::RdkFnv1a: return static_cast<std::int32_t>(fnv1a32(key.data(), key.size()) % n);
    case Mode::RdkFnv1aRandom:
      if (null_key) return random_partition();
      return static_cast<std::int32_t>(fnv1a32(key.data(), key.size()) % n);
    default: return random_partition();
  }
}

// ---- helpers -----------------------------------------------------------------------------------

std::int32_t Partitioner::random_partition_except(std::int32_t p) {
  if (num_partitions_ == 1) return p;
  auto q = static_cast<std::int32_t>(rng_.below(static_cast<std::uint64_t>(num_partitions_ - 1)));
  return q >= p ? q + 1 : q;
}

std::int32_t Partitioner::hash_partition(std::string_view key) const {
  return to_positive(murmur2(key.data(), key.size())) % num_partitions_;
}

bool Partitioner::keyed_is_pure() const {
  switch (mode_) {
    case Mode::JavaBuiltIn:
    case Mode::RdkConsistent:
    case Mode::RdkConsistentRandom:
    case Mode::RdkMurmur2:
    case Mode::RdkMurmur2Random:
    case Mode::RdkFnv1a:
    case Mode::RdkFnv1aRandom: return true;
    default: return false;
  }
}

std::int32_t Partitioner::keyed_partition(std::string_view key) const {
  const auto n = static_cast<std::uint32_t>(num_partitions_);
  switch (mode_) {
    case Mode::JavaBuiltIn:
    case Mode::RdkMurmur2:
    case Mode::RdkMurmur2Random: return hash_partition(key);
    case Mode::RdkConsistent:
    case Mode::RdkConsistentRandom: return static_cast<std::int32_t>(crc32(key.data(), key.size()) % n);
    case Mode::RdkFnv1a:
    case Mode::RdkFnv1aRandom: return static_cast<std::int32_t>(fnv1a32(key.data(), key.size()) % n);
    default: return -1;
  }
}

std::optional<Partitioner::Kind> Partitioner::parse(std::string_view name) {
  for (const auto& kn : kKindNames) {
    if (kn.name == name) return kn.kind;
  }
  return std::nullopt;
}

std::vector<std::string> Partitioner::names() {
  std::vector<std::string> out;
  out.reserve(kKindNames.size());
  for (const auto& kn : kKindNames) out.emplace_back(kn.name);
  return out;
}

std::string_view Partitioner::name(Kind kind) {
  for (const auto& kn : kKindNames) {
    if (kn.kind == kind) return kn.name;
  }
  return {};
}

}  // namespace cgsim::models::partitioners
