// Partitioner tests: hash functions against the upstream clients' own test vectors, and the
// stateful strategies against behaviour derived by hand from the clients' rules.
#include "models/kafka/partitioners/partitioner.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "models/common/error.hpp"

namespace {

using cgsim::models::ClientFlavor;
using cgsim::models::partitioners::crc32;
using cgsim::models::partitioners::fnv1a32;
using cgsim::models::partitioners::kRecordBatchOverhead;
using cgsim::models::partitioners::murmur2;
using cgsim::models::partitioners::Partitioner;
using cgsim::models::partitioners::record_size_v2;
using cgsim::models::partitioners::RecordInfo;
using cgsim::models::partitioners::to_positive;
using cgsim::sim::kMillisecond;
using cgsim::sim::Rng;
using Kind = Partitioner::Kind;

std::int32_t murmur2_str(const char* s) { return murmur2(s, s ? std::strlen(s) : 0); }
std::uint32_t crc32_str(const char* s) { return crc32(s, std::strlen(s)); }

RecordInfo unkeyed(cgsim::sim::Time now, std::int32_t value_bytes = 1000) {
  RecordInfo r;
  r.now = now;
  r.value_bytes = value_bytes;
  return r;
}

// ---- hash functions ----------------------------------------------------------------------------

// Kafka: clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
TEST(partitioner, Murmur2KafkaUtilsTestTestMurmur2) {
  EXPECT_EQ(murmur2_str("21"), -973932308);
  EXPECT_EQ(murmur2_str("foobar"), -790332482);
  EXPECT_EQ(murmur2_str("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(murmur2_str("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(murmur2_str("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  const unsigned char abc[] = {'a', 'b', 'c'};
  EXPECT_EQ(murmur2(abc, 3), 479470107);
}

// librdkafka: src/rdmurmur2.c, unittest_murmur2 (hashes computed with the Java client), including
// inputs at every alignment.
TEST(partitioner, Murmur2LibrdkafkaUnittestMurmur2) {
  const char* short_unaligned = "1234";
  const char* unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs";
  struct Case {
    const char* key;
    std::uint32_t expected;
  };
  const Case cases[] = {
      {"kafka", 0xd067cf64u},           {"giberish123456789", 0x8f552b0cu},
      {short_unaligned, 0x9fc97b14u},   {short_unaligned + 1, 0xe7c009cau},
      {short_unaligned + 2, 0x873930dau}, {short_unaligned + 3, 0x5a4b5ca1u},
      {unaligned, 0x78424f1cu},         {unaligned + 1, 0x4a62b377u},
      {unaligned + 2, 0xe0e4e09eu},     {unaligned + 3, 0x62b8b43fu},
      {"", 0x106e08d9u},                {nullptr, 0x106e08d9u},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(static_cast<std::uint32_t>(murmur2_str(c.key)), c.expected) << (c.key ? c.key : "(null)");
  }
}

TEST(partitioner, Murmur2ToPositiveIsAMaskNotAbs) {
  EXPECT_EQ(to_positive(-1), 0x7fffffff);
  EXPECT_EQ(to_positive(INT32_MIN), 0);
  EXPECT_EQ(to_positive(-973932308), -973932308 & 0x7fffffff);
  EXPECT_EQ(to_positive(12345), 12345);
}

TEST(partitioner, Crc32CheckValue) {
  // The CRC-32/ISO-HDLC check value: CRC of the ASCII digits "123456789".
  EXPECT_EQ(crc32_str("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(nullptr, 0), 0u);
}

// librdkafka: tests/0048-partitioner.c, do_test_partitioners (CRC constants for its keys).
TEST(partitioner, Crc32Librdkafka0048Constants) {
  EXPECT_EQ(crc32_str("23456"), 0xb1b451d7u);
  EXPECT_EQ(crc32_str("this is another string with more length to it perhaps"), 0xb0150df7u);
  EXPECT_EQ(crc32_str("hejsan"), 0xd077037eu);
}

// librdkafka: src/rdfnv1a.c, unittest_fnv1a (hashes computed with Go's hash/fnv).
TEST(partitioner, Fnv1aLibrdkafkaUnittestFnv1a) {
  const char* short_unaligned = "1234";
  const char* unaligned = "PreAmbleWillBeRemoved,ThePrePartThatIs";
  struct Case {
    const char* key;
    std::uint32_t expected;
  };
  const Case cases[] = {
      {"kafka", 0x0d33c4e1u},           {"giberish123456789", 0x77a58295u},
      {short_unaligned, 0x023bdd03u},   {short_unaligned + 1, 0x2dea3cd2u},
      {short_unaligned + 2, 0x740fa83eu}, {short_unaligned + 3, 0x310ca263u},
      {unaligned, 0x65cbd69cu},         {unaligned + 1, 0x6e49c79au},
      {unaligned + 2, 0x69eed356u},     {unaligned + 3, 0x6abcc023u},
      {"", 0x7ee3623bu},                {nullptr, 0x7ee3623bu},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(fnv1a32(c.key, c.key ? std::strlen(c.key) : 0), c.expected) << (c.key ? c.key : "(null)");
  }
}

// ---- librdkafka partitioners -------------------------------------------------------------------

// librdkafka: tests/0048-partitioner.c, do_test_partitioners: five messages with keys NULL, "",
// "23456", a long string and "hejsan", produced with sticky.partitioning.linger.ms=0 to topics of
// 7 and 17 partitions; -1 means "random".
TEST(partitioner, LibrdkafkaTest0048ExpectedPartitions) {
  const char* unaligned = "123456";
  const char* keys[5] = {nullptr, "", unaligned + 1, "this is another string with more length to it perhaps",
                         "hejsan"};
  for (std::int64_t cnt : {7, 17}) {
    struct Case {
      const char* name;
      std::int64_t exp[5];
    };
    const Case cases[] = {
        {"random", {-1, -1, -1, -1, -1}},
        {"consistent", {0x0 % cnt, 0x0 % cnt, 0xb1b451d7 % cnt, 0xb0150df7 % cnt, 0xd077037e % cnt}},
        {"consistent_random", {-1, -1, 0xb1b451d7 % cnt, 0xb0150df7 % cnt, 0xd077037e % cnt}},
        {"murmur2", {0x106e08d9 % cnt, 0x106e08d9 % cnt, 0x058d780f % cnt, 0x4f7703da % cnt, 0x5ec19395 % cnt}},
        {"murmur2_random", {-1, 0x106e08d9 % cnt, 0x058d780f % cnt, 0x4f7703da % cnt, 0x5ec19395 % cnt}},
        {"fnv1a", {0x7ee3623b % cnt, 0x7ee3623b % cnt, 0x27e6f469 % cnt, 0x155e3e5f % cnt, 0x17b1e27a % cnt}},
        {"fnv1a_random", {-1, 0x7ee3623b % cnt, 0x27e6f469 % cnt, 0x155e3e5f % cnt, 0x17b1e27a % cnt}},
        // librdkafka's default partitioner is consistent_random.
        {"default", {-1, -1, 0xb1b451d7 % cnt, 0xb0150df7 % cnt, 0xd077037e % cnt}},
    };
    for (const auto& c : cases) {
      auto kind = Partitioner::parse(c.name);
      ASSERT_TRUE(kind) << c.name;
      Partitioner part(*kind, ClientFlavor::Librdkafka, static_cast<std::int32_t>(cnt), Rng(7), 16384, 0);
      for (int i = 0; i < 5; ++i) {
        RecordInfo r;
        if (keys[i]) r.key = std::string_view(keys[i]);
        r.now = i * kMillisecond;
        const std::int32_t got = part.partition(r);
        if (c.exp[i] < 0) {
          EXPECT_GE(got, 0);
          EXPECT_LT(got, cnt);
        } else {
          EXPECT_EQ(got, c.exp[i]) << c.name << " key #" << i << " partitions " << cnt;
        }
      }
    }
  }
}

TEST(partitioner, LibrdkafkaRandomPartitionersSpreadWhenStickyIsOff) {
  // With sticky partitioning off, unkeyed records are placed at random per record.
  Partitioner part(Kind::ConsistentRandom, ClientFlavor::Librdkafka, 8, Rng(3), 16384, 0);
  std::vector<int> seen(8, 0);
  for (int i = 0; i < 800; ++i) ++seen[static_cast<std::size_t>(part.partition(unkeyed(i * kMillisecond)))];
  for (int c : seen) EXPECT_GT(c, 50);
}

// librdkafka 2.0.2: rd_kafka_msg_sticky_partition. Null keys stay on one random partition until
// strictly more than sticky.partitioning.linger.ms has passed since the last pick.
TEST(partitioner, LibrdkafkaStickyLingerKeepsNullKeysOnOnePartition) {
  const std::int32_t n = 1000;
  Partitioner part(Kind::Default, ClientFlavor::Librdkafka, n, Rng(11), 16384, 10 * kMillisecond);
  Rng ref(11);
  // Picks happen at 0 ms, then at 11 ms (the first record more than 10 ms later), 22 ms, 33 ms.
  std::int32_t expected = -1;
  for (int ms = 0; ms <= 40; ++ms) {
    if (ms % 11 == 0) expected = static_cast<std::int32_t>(ref.below(n));
    EXPECT_EQ(part.partition(unkeyed(ms * kMillisecond)), expected) << "at " << ms << " ms";
  }
}

TEST(partitioner, LibrdkafkaStickyAppliesToEmptyKeysOnlyUnderConsistentRandom) {
  const std::int32_t n = 1000;
  RecordInfo empty;
  empty.key = std::string_view("");
  {
    // consistent_random: an empty key is sticky like a null key.
    Partitioner part(Kind::ConsistentRandom, ClientFlavor::Librdkafka, n, Rng(5));
    Rng ref(5);
    const auto first = static_cast<std::int32_t>(ref.below(n));
    for (int ms = 0; ms <= 10; ++ms) {
      empty.now = ms * kMillisecond;
      EXPECT_EQ(part.partition(empty), first);
    }
  }
  {
    // murmur2_random hashes an empty (non-null) key; only a null key is sticky.
    Partitioner part(Kind::Murmur2Random, ClientFlavor::Librdkafka, n, Rng(5));
    empty.now = 0;
    EXPECT_EQ(part.partition(empty), static_cast<std::int32_t>(0x106e08d9u % n));
  }
  {
    // murmur2 (not the _random variant) never sticks: a null key hashes like no bytes.
    Partitioner part(Kind::Murmur2, ClientFlavor::Librdkafka, n, Rng(5));
    EXPECT_EQ(part.partition(unkeyed(0)), static_cast<std::int32_t>(0x106e08d9u % n));
  }
}

TEST(partitioner, LibrdkafkaKeyedRecordsAreNeverSticky) {
  Partitioner part(Kind::Default, ClientFlavor::Librdkafka, 17, Rng(1));
  RecordInfo r;
  r.key = std::string_view("hejsan");
  for (int i = 0; i < 5; ++i) {
    r.now = i;
    EXPECT_EQ(part.partition(r), static_cast<std::int32_t>(0xd077037eu % 17));
  }
}

// ---- Java partitioners -------------------------------------------------------------------------

// BuiltInPartitioner.partitionForKey = toPositive(murmur2(key)) % numPartitions, applied to the
// UtilsTest.testMurmur2 hashes.
TEST(partitioner, JavaKeyedRecordsUseMurmur2) {
  struct Case {
    const char* key;
    std::int32_t hash;
  };
  const Case cases[] = {{"21", -973932308},
                        {"foobar", -790332482},
                        {"a-little-bit-long-string", -985981536},
                        {"a-little-bit-longer-string", -1486304829},
                        {"abc", 479470107}};
  for (Kind kind : {Kind::Default, Kind::Murmur2}) {
    for (std::int32_t n : {1, 3, 12, 100}) {
      Partitioner part(kind, ClientFlavor::Java, n, Rng(1));
      for (const auto& c : cases) {
        RecordInfo r;
        r.key = std::string_view(c.key);
        EXPECT_EQ(part.partition(r), (c.hash & 0x7fffffff) % n) << c.key;
        EXPECT_EQ(part.keyed_partition(c.key), (c.hash & 0x7fffffff) % n);
      }
    }
  }
}

// DefaultRecord.sizeInBytes: varint length, attributes byte, zig-zag varint deltas and lengths.
TEST(partitioner, JavaRecordSizeV2FollowsTheRecordFormat) {
  // key "key", value "value": 1 + 1 + 1 + (1 + 3) + (1 + 5) + 1 = 14 body bytes, 1 length byte.
  EXPECT_EQ(record_size_v2(0, 0, 3, 5), 15);
  // Null key (-1 is one varint byte), 1000-byte value (zig-zag 2000 needs two bytes):
  // body 1 + 1 + 1 + 1 + (2 + 1000) + 1 = 1007, and 1007 needs a two-byte length.
  EXPECT_EQ(record_size_v2(0, 0, -1, 1000), 1009);
  // Offset delta 64 zig-zags to 128: two bytes.
  EXPECT_EQ(record_size_v2(64, 0, 3, 5), 16);
  // Timestamp delta 8192 ms zig-zags to 16384: three bytes.
  EXPECT_EQ(record_size_v2(0, 8192, 3, 5), 17);
  EXPECT_EQ(kRecordBatchOverhead, 61);
}

// Varint lengths at every byte-count boundary, against the byte-at-a-time encoding loop.
TEST(partitioner, JavaRecordSizeV2VarintBoundaries) {
  auto zigzag_size = [](std::int64_t v) {
    std::uint64_t u = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
    int n = 1;
    while (u >= 0x80) {
      u >>= 7;
      ++n;
    }
    return n;
  };
  std::vector<std::int64_t> values{0, 1, -1, 2, -2, INT32_MAX, INT32_MIN, INT32_MIN + 1};
  for (int bits = 6; bits < 63; ++bits) {
    const std::int64_t edge = std::int64_t{1} << bits;
    for (std::int64_t v : {edge - 1, edge, -edge, -edge - 1}) values.push_back(v);
  }
  values.push_back(INT64_MAX);
  values.push_back(INT64_MIN);
  for (std::int64_t v : values) {
    // Offset deltas and lengths are 32-bit varints, the timestamp delta a 64-bit varlong.
    const bool fits32 = v >= INT32_MIN && v <= INT32_MAX;
    if (fits32) {
      const auto v32 = static_cast<std::int32_t>(v);
      EXPECT_EQ(record_size_v2(v32, 0, 3, 5), 14 - 1 + zigzag_size(v32) + 1) << v;
      if (v32 >= 0 && v32 < (1 << 20)) {
        const int body = 1 + 1 + 1 + 1 + zigzag_size(v32) + v32 + 1;
        EXPECT_EQ(record_size_v2(0, 0, -1, v32), body + zigzag_size(body)) << v;
      }
    }
    const int body = 1 + 1 + zigzag_size(v) + (1 + 3) + (1 + 5) + 1;
    EXPECT_EQ(record_size_v2(0, v, 3, 5), body + zigzag_size(body)) << v;
  }
}

// With linger.ms=0 and records arriving at distinct instants, every record finds the previous
// batch sent and opens a new one of 61 + 1009 = 1070 bytes; BuiltInPartitioner switches after the
// append that reaches batch.size (16384): after 16 records (16 * 1070 = 17120).
TEST(partitioner, JavaStickySwitchesAfterBatchSizeBytes) {
  const std::int32_t n = 1000;
  Partitioner part(Kind::Default, ClientFlavor::Java, n, Rng(99));
  Rng ref(99);
  std::int32_t expected = -1;
  for (int i = 0; i < 64; ++i) {
    if (i % 16 == 0) expected = static_cast<std::int32_t>(ref.below(n));
    EXPECT_EQ(part.partition(unkeyed(i * kMillisecond)), expected) << "record " << i;
  }
}

// A burst at one instant keeps batches open: a batch takes 16 records (61 + 16 * 1009 = 16205;
// a 17th would exceed 16384). The 17th record opens a second batch (17275 bytes produced) but the
// switch is held back while the last batch is incomplete; the 33rd record opens a third batch and
// crosses 2 * batch.size (2 * 16205 + 1070 = 33480 >= 32768), which forces the switch.
TEST(partitioner, JavaStickySwitchIsDeferredUpToTwiceBatchSize) {
  const std::int32_t n = 1000;
  Partitioner part(Kind::Default, ClientFlavor::Java, n, Rng(4));
  Rng ref(4);
  std::int32_t expected = -1;
  for (int i = 0; i < 99; ++i) {
    if (i % 33 == 0) expected = static_cast<std::int32_t>(ref.below(n));
    EXPECT_EQ(part.partition(unkeyed(0)), expected) << "record " << i;
  }
}

// Kafka 3.9's RoundRobinPartitioner with linger.ms=0: each record needs a new batch, so the
// producer calls the partitioner twice and the first choice is skipped (KAFKA-9965): with four
// partitions only partitions 1 and 3 receive data.
TEST(partitioner, JavaRoundRobinSkipsWhenANewBatchIsNeeded) {
  Partitioner four(Kind::RoundRobin, ClientFlavor::Java, 4, Rng(1));
  for (int i = 0; i < 12; ++i) EXPECT_EQ(four.partition(unkeyed(i * kMillisecond)), i % 2 == 0 ? 1 : 3);
  // With three partitions the double step still visits all: 1, 0, 2, 1, 0, 2, ...
  Partitioner three(Kind::RoundRobin, ClientFlavor::Java, 3, Rng(1));
  const int seq[3] = {1, 0, 2};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(three.partition(unkeyed(i * kMillisecond)), seq[i % 3]);
}

// A burst at one instant: record 1 skips partition 0 for 1; record 2 skips 2 for 0; record 3 finds
// partition 1's batch open; record 4 skips 2 for 0's open batch; and so on: 1, 0, 1, 0, ...
// Keys are ignored.
TEST(partitioner, JavaRoundRobinWithOpenBatches) {
  Partitioner part(Kind::RoundRobin, ClientFlavor::Java, 3, Rng(1));
  RecordInfo keyed;
  keyed.key = std::string_view("key");
  keyed.value_bytes = 10;
  for (int i = 0; i < 40; ++i) {
    const std::int32_t p = i % 2 == 0 ? part.partition(unkeyed(0, 10)) : part.partition(keyed);
    EXPECT_EQ(p, i % 2 == 0 ? 1 : 0) << "record " << i;
  }
}

// UniformStickyPartitioner: the first record's sticky partition has no batch, so onNewBatch moves
// it to another partition at once; then it stays until that partition needs a new batch (16
// records of 1009 bytes fill one), and each move goes to a different partition.
TEST(partitioner, JavaUniformStickyMovesOnNewBatch) {
  const std::int32_t n = 5;
  Partitioner part(Kind::UniformSticky, ClientFlavor::Java, n, Rng(8));
  std::vector<std::int32_t> got;
  for (int i = 0; i < 160; ++i) got.push_back(part.partition(unkeyed(0)));
  for (int i = 0; i < 160; ++i) {
    if (i % 16 != 0) {
      EXPECT_EQ(got[static_cast<std::size_t>(i)], got[static_cast<std::size_t>(i - 1)]) << i;
    } else if (i > 0) {
      EXPECT_NE(got[static_cast<std::size_t>(i)], got[static_cast<std::size_t>(i - 1)]) << i;
    }
  }
  // Records at distinct instants with linger.ms=0 each need a new batch: no two in a row match.
  Partitioner spaced(Kind::UniformSticky, ClientFlavor::Java, n, Rng(8));
  std::int32_t prev = -1;
  for (int i = 0; i < 50; ++i) {
    const std::int32_t p = spaced.partition(unkeyed(i * kMillisecond));
    EXPECT_NE(p, prev);
    prev = p;
  }
}

// ---- common ------------------------------------------------------------------------------------

TEST(partitioner, SameSeedSameSequence) {
  for (Kind kind : {Kind::Default, Kind::UniformSticky, Kind::Random}) {
    for (ClientFlavor flavor : {ClientFlavor::Java, ClientFlavor::Librdkafka}) {
      Partitioner a(kind, flavor, 50, Rng(1234, "p"));
      Partitioner b(kind, flavor, 50, Rng(1234, "p"));
      Partitioner c(kind, flavor, 50, Rng(4321, "p"));
      bool differs = false;
      for (int i = 0; i < 2000; ++i) {
        RecordInfo r = unkeyed(i * 20 * kMillisecond, 3000);
        const std::int32_t pa = a.partition(r);
        EXPECT_EQ(pa, b.partition(r));
        differs |= pa != c.partition(r);
      }
      EXPECT_TRUE(differs) << Partitioner::name(kind);
    }
  }
}

TEST(partitioner, NamesRoundTrip) {
  const auto names = Partitioner::names();
  EXPECT_EQ(names.size(), 10u);
  for (const auto& n : names) {
    auto kind = Partitioner::parse(n);
    ASSERT_TRUE(kind) << n;
    EXPECT_EQ(Partitioner::name(*kind), n);
  }
  EXPECT_FALSE(Partitioner::parse("sticky"));
  EXPECT_FALSE(Partitioner::parse(""));
}

TEST(partitioner, KeyedPartitionAgreesWithPartitionWhenPure) {
  for (const auto& name : Partitioner::names()) {
    for (ClientFlavor flavor : {ClientFlavor::Java, ClientFlavor::Librdkafka}) {
      Partitioner part(*Partitioner::parse(name), flavor, 13, Rng(2));
      if (!part.keyed_is_pure()) {
        EXPECT_EQ(part.keyed_partition("k"), -1);
        continue;
      }
      for (int i = 0; i < 200; ++i) {
        const std::string key = "key-" + std::to_string(i);
        RecordInfo r;
        r.key = std::string_view(key);
        r.now = i * kMillisecond;
        EXPECT_EQ(part.partition(r), part.keyed_partition(key)) << name;
      }
    }
  }
}

// partition_unkeyed is partition() once per record, for every strategy, with switches held back
// by open batches (linger.ms > 0, several records per instant), small batches and batches one
// record fills, across calls.
TEST(partitioner, PartitionUnkeyedEqualsPartitionPerRecord) {
  std::vector<cgsim::sim::Time> times;
  Rng gaps(5);
  cgsim::sim::Time t = 0;
  for (int i = 0; i < 5000; ++i) {
    if (gaps.below(3) != 0) t += static_cast<cgsim::sim::Time>(gaps.below(3 * kMillisecond));
    times.push_back(t);
  }
  for (const auto& name : Partitioner::names()) {
    for (ClientFlavor flavor : {ClientFlavor::Java, ClientFlavor::Librdkafka}) {
      for (cgsim::sim::Time linger : {cgsim::sim::Time{0}, 2 * kMillisecond}) {
        for (std::int32_t batch : {16384, 3000, 500, 0}) {  // 500: a record's batch is full on its own
          for (std::int32_t value : {512, 1000}) {
            // 0: batch.size is exactly five one-record batches, so a switch falls on the boundary
            const std::int32_t bs = batch != 0 ? batch : 5 * (kRecordBatchOverhead + record_size_v2(0, 0, -1, value));
            Partitioner one(*Partitioner::parse(name), flavor, 7, Rng(9), bs, 10 * kMillisecond, linger);
            Partitioner run = one;
            std::vector<std::int32_t> out(times.size(), -1);
            // Two runs: the sticky state carries over from one to the next.
            const std::size_t half = times.size() / 2;
            run.partition_unkeyed(times.data(), half, value, out.data());
            run.partition_unkeyed(times.data() + half, times.size() - half, value, out.data() + half);
            for (std::size_t k = 0; k < times.size(); ++k) {
              RecordInfo r;
              r.value_bytes = value;
              r.now = times[k];
              ASSERT_EQ(one.partition(r), out[k]) << name << " record " << k;
            }
          }
        }
      }
    }
  }
}

TEST(partitioner, RejectsBadConfiguration) {
  EXPECT_THROW(Partitioner(Kind::Default, ClientFlavor::Java, 0, Rng(1)), cgsim::InputError);
  EXPECT_THROW(Partitioner(Kind::Default, ClientFlavor::Java, 4, Rng(1), 0), cgsim::InputError);
  EXPECT_THROW(Partitioner(Kind::Default, ClientFlavor::Java, 4, Rng(1), 16384, -1), cgsim::InputError);
}

}  // namespace
