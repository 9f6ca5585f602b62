#pragma once
/// @file consistent_hash.hpp
/// The consistent-hash exchange (rabbitmq_consistent_hash_exchange, as shipped with RabbitMQ
/// 3.10): its hash ring of weighted bindings and its choice of bucket, bit-exact.
///
/// The plugin keeps, per exchange, a map from bucket numbers 0..n-1 to queues. Adding a binding
/// of weight w (the binding key, a positive integer) appends w buckets for its queue at the end;
/// a second binding to a queue that is already on the ring is ignored. Removing a queue's
/// binding deletes its buckets and renumbers the buckets after them down by the count removed,
/// keeping their order. A message goes to the queue of bucket
/// jump_consistent_hash(phash2(routing key), n), where phash2 is Erlang's erlang:phash2/1 of the
/// routing key as a binary and the jump hash draws its uniforms from Erlang's rand module with
/// the exs1024 algorithm seeded {K, K, K}. tests/rabbitmq_consistent_hash_test.cpp checks this
/// against values computed by the Erlang/OTP 25 runtime that runs the broker.
#include <cstdint>
#include <string_view>
#include <vector>

namespace cgsim::models::rabbitmq {

/// erlang:phash2/1 of a binary: the runtime's make_hash2 (Bob Jenkins' lookup2 block hash with
/// the binary constant) reduced to its low 27 bits.
std::uint32_t erlang_phash2_binary(std::string_view bytes);

/// The plugin's jump_consistent_hash(Key, N) for an integer key: 0 when N is 1; otherwise the
/// jump hash with uniforms from rand:uniform_s on rand:seed_s(exs1024, {Key, Key, Key}).
std::int32_t jump_consistent_hash(std::uint64_t key, std::int32_t buckets);

/// One exchange's ring: queue index per bucket.
class HashRing {
 public:
  /// Adds @p weight buckets for @p queue at the end (no effect if @p queue is on the ring).
  void add_binding(std::int32_t queue, std::int32_t weight);
  /// Removes @p queue's buckets, moving later buckets down (no effect if it is not bound).
  void remove_binding(std::int32_t queue);
  /// Queue a message with routing key @p routing_key goes to, or -1 when the ring is empty.
  std::int32_t route(std::string_view routing_key) const {
    if (buckets_.empty()) return -1;
    return buckets_[static_cast<std::size_t>(
        jump_consistent_hash(erlang_phash2_binary(routing_key), static_cast<std::int32_t>(buckets_.size())))];
  }
  const std::vector<std::int32_t>& buckets() const { return buckets_; }

 private:
  std::vector<std::int32_t> buckets_;
};

}  // namespace cgsim::models::rabbitmq
