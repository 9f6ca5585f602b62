// Exchange routing, and the consistent-hash exchange checked bit for bit against values the
// Erlang/OTP 25 runtime of Debian's RabbitMQ 3.10.8 computes with the plugin's own functions
// (erlang:phash2/1 and the plugin's jump_consistent_hash/2 called on [RoutingKey]).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/rabbitmq/consistent_hash.hpp"
#include "models/rabbitmq/exchange.hpp"

namespace rmq = cgsim::models::rabbitmq;

namespace {
struct Vector {
  const char* key;
  std::uint32_t phash2;
  std::vector<std::int32_t> buckets;  // for 1, 2, 3, 5, 8, 10, 16, 100, 1000 buckets
};
const std::vector<std::int32_t> kSizes = {1, 2, 3, 5, 8, 10, 16, 100, 1000};
const std::vector<Vector> kVectors = {
    {"", 13708901, {0, 0, 0, 0, 6, 9, 9, 45, 161}},
    {"a", 112802447, {0, 1, 1, 1, 6, 6, 15, 47, 47}},
    {"ab", 127597802, {0, 1, 1, 1, 6, 6, 6, 79, 970}},
    {"abc", 98228475, {0, 1, 1, 4, 5, 5, 10, 88, 543}},
    {"abcd", 132321803, {0, 1, 1, 4, 5, 5, 5, 36, 208}},
    {"room-0", 110678968, {0, 0, 0, 0, 0, 0, 0, 80, 832}},
    {"room-1", 16994859, {0, 1, 1, 3, 3, 3, 3, 86, 834}},
    {"room-42", 26724658, {0, 0, 0, 0, 0, 0, 10, 73, 898}},
    {"key-123456", 55513138, {0, 1, 2, 2, 2, 2, 2, 21, 109}},
    {"hello world!", 25699699, {0, 0, 0, 0, 6, 6, 10, 42, 597}},
    {"0123456789abcdef0123456789", 41478414, {0, 0, 0, 4, 4, 4, 4, 23, 23}},
    {"user-7", 124010868, {0, 1, 1, 1, 6, 6, 6, 57, 427}},
};

rmq::Scenario scenario_with(rmq::ExchangeSpec::Kind kind, std::vector<rmq::BindingSpec> bindings) {
  rmq::Scenario sc;
  sc.exchanges.push_back({"x", kind});
  for (const char* q : {"q0", "q1", "q2"}) {
    rmq::QueueSpec qs;
    qs.name = q;
    sc.queues.push_back(qs);
  }
  sc.bindings = std::move(bindings);
  return sc;
}
}  // namespace

TEST(RabbitConsistentHash, Phash2OfBinariesMatchesErlang) {
  for (const auto& v : kVectors) EXPECT_EQ(rmq::erlang_phash2_binary(v.key), v.phash2) << v.key;
}

TEST(RabbitConsistentHash, JumpConsistentHashMatchesThePlugin) {
  for (const auto& v : kVectors)
    for (std::size_t i = 0; i < kSizes.size(); ++i)
      EXPECT_EQ(rmq::jump_consistent_hash(rmq::erlang_phash2_binary(v.key), kSizes[i]), v.buckets[i])
          << v.key << " over " << kSizes[i];
}

TEST(RabbitConsistentHash, BucketCountsOverManyKeysMatchThePlugin) {
  auto counts = [](std::int32_t n) {
    std::vector<int> c(static_cast<std::size_t>(n), 0);
    for (int i = 0; i < 1000; ++i)
      ++c[static_cast<std::size_t>(rmq::jump_consistent_hash(rmq::erlang_phash2_binary("room-" + std::to_string(i)), n))];
    return c;
  };
  EXPECT_EQ(counts(7), (std::vector<int>{155, 142, 159, 122, 146, 141, 135}));
  EXPECT_EQ(counts(12), (std::vector<int>{88, 81, 92, 66, 89, 85, 72, 82, 99, 99, 76, 71}));
  long long sum = 0;
  for (int i = 0; i < 10000; ++i)
    sum += static_cast<long long>(i + 1) * rmq::jump_consistent_hash(rmq::erlang_phash2_binary("room-" + std::to_string(i)), 37);
  EXPECT_EQ(sum, 900701329);
}

TEST(RabbitConsistentHash, WeightsAppendBucketsAndRemovalRenumbersTheRest) {
  rmq::HashRing ring;
  ring.add_binding(0, 2);
  ring.add_binding(1, 3);
  ring.add_binding(2, 1);
  ring.add_binding(1, 5);  // a second binding to a queue on the ring is ignored
  EXPECT_EQ(ring.buckets(), (std::vector<std::int32_t>{0, 0, 1, 1, 1, 2}));
  ring.remove_binding(1);
  EXPECT_EQ(ring.buckets(), (std::vector<std::int32_t>{0, 0, 2}));
  // room-1 over 3 buckets is bucket 1: queue 0.
  EXPECT_EQ(ring.route("room-1"), 0);
}

TEST(RabbitConsistentHash, ExchangeRoutesByTheWeightedRing) {
  auto sc = scenario_with(rmq::ExchangeSpec::Kind::ConsistentHash, {{"x", "q0", "1"}, {"x", "q1", "2"}});
  rmq::Exchanges x(sc);
  std::vector<std::int32_t> out;
  // Three buckets: q0, q1, q1. "key-123456" is bucket 2 of 3, "room-0" bucket 0.
  x.route(0, "key-123456", out);
  EXPECT_EQ(out, (std::vector<std::int32_t>{1}));
  x.route(0, "room-0", out);
  EXPECT_EQ(out, (std::vector<std::int32_t>{0}));
}

TEST(RabbitExchange, DirectRoutesOnEqualKeysOncePerQueue) {
  auto sc = scenario_with(rmq::ExchangeSpec::Kind::Direct,
                          {{"x", "q0", "a"}, {"x", "q1", "b"}, {"x", "q2", "a"}, {"x", "q0", "a"}});
  rmq::Exchanges x(sc);
  std::vector<std::int32_t> out;
  x.route(0, "a", out);
  EXPECT_EQ(out, (std::vector<std::int32_t>{0, 2}));
  x.route(0, "c", out);
  EXPECT_TRUE(out.empty());
}

TEST(RabbitExchange, FanoutIgnoresTheKey) {
  auto sc = scenario_with(rmq::ExchangeSpec::Kind::Fanout, {{"x", "q0", ""}, {"x", "q2", "zzz"}});
  rmq::Exchanges x(sc);
  std::vector<std::int32_t> out;
  x.route(0, "anything", out);
  EXPECT_EQ(out, (std::vector<std::int32_t>{0, 2}));
}

TEST(RabbitExchange, TopicPatternsMatchWords) {
  EXPECT_TRUE(rmq::topic_matches("chat.*.msg", "chat.room1.msg"));
  EXPECT_FALSE(rmq::topic_matches("chat.*.msg", "chat.a.b.msg"));
  EXPECT_TRUE(rmq::topic_matches("chat.#", "chat"));
  EXPECT_TRUE(rmq::topic_matches("chat.#", "chat.a.b"));
  EXPECT_TRUE(rmq::topic_matches("#.msg", "msg"));
  EXPECT_TRUE(rmq::topic_matches("#", ""));
  EXPECT_TRUE(rmq::topic_matches("a.#.z", "a.z"));
  EXPECT_TRUE(rmq::topic_matches("a.#.z", "a.b.c.z"));
  EXPECT_FALSE(rmq::topic_matches("a.*", "a"));
  EXPECT_FALSE(rmq::topic_matches("a.b", "a.b.c"));
  auto sc = scenario_with(rmq::ExchangeSpec::Kind::Topic, {{"x", "q0", "mail.*"}, {"x", "q1", "#.urgent"}});
  rmq::Exchanges x(sc);
  std::vector<std::int32_t> out;
  x.route(0, "mail.urgent", out);
  EXPECT_EQ(out, (std::vector<std::int32_t>{0, 1}));
}

TEST(RabbitExchange, DefaultExchangeRoutesToTheQueueNamedByTheKey) {
  auto sc = scenario_with(rmq::ExchangeSpec::Kind::Direct, {});
  rmq::Exchanges x(sc);
  std::vector<std::int32_t> out;
  x.route(rmq::kDefaultExchange, "q1", out);
  EXPECT_EQ(out, (std::vector<std::int32_t>{1}));
  x.route(rmq::kDefaultExchange, "nope", out);
  EXPECT_TRUE(out.empty());
}
