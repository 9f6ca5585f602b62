#pragma once
/// @file exchange.hpp
/// Exchange routing: which queues a published message reaches.
///
/// - direct: the queues bound with a binding key equal to the routing key;
/// - fanout: every bound queue, whatever the key;
/// - topic: the queues whose binding pattern matches the routing key, words separated by '.',
///   '*' standing for exactly one word and '#' for zero or more;
/// - x-consistent-hash: one queue, chosen by the hash ring (consistent_hash.hpp);
/// - the default exchange (index kDefaultExchange, named ""): the queue named by the routing key.
/// A message reaches a queue once however many of its bindings match.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/rabbitmq/consistent_hash.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::models::rabbitmq {

inline constexpr std::int32_t kDefaultExchange = -1;

/// True when topic binding @p pattern matches routing key @p key.
bool topic_matches(std::string_view pattern, std::string_view key);

class Exchanges {
 public:
  /// The scenario's exchanges and bindings (names already checked by the loader).
  explicit Exchanges(const Scenario& scenario);

  /// Replaces @p out with the queues @p routing_key reaches from @p exchange, in binding order.
  void route(std::int32_t exchange, std::string_view routing_key, std::vector<std::int32_t>& out) const;
  /// Adds a binding (for a consistent-hash exchange @p key is the weight).
  void bind(std::int32_t exchange, std::int32_t queue, const std::string& key);
  /// Removes every binding from @p exchange to @p queue.
  void unbind(std::int32_t exchange, std::int32_t queue);
  const HashRing& ring(std::int32_t exchange) const { return x_[static_cast<std::size_t>(exchange)].ring; }

 private:
  struct Binding {
    std::int32_t queue;
    std::string key;
  };
  struct Exchange {
    ExchangeSpec::Kind kind;
    std::vector<Binding> bindings;
    HashRing ring;
  };
  std::vector<Exchange> x_;
  std::unordered_map<std::string, std::int32_t> queue_by_name_;
};

}  // namespace cgsim::models::rabbitmq
