#pragma once
/// @file topology.hpp
/// The run's exchanges, queues and bindings on the broker: declared under the run's prefix after
/// checking that none of the names exists, and deleted again (only what was declared) with
/// retries, by the rules of live/owned_resources.hpp.
#include <string>
#include <vector>

#include "live/owned_resources.hpp"
#include "live/rabbitmq/amqp_connection.hpp"
#include "models/rabbitmq/scenario.hpp"

namespace cgsim::live::rabbitmq {

class Topology {
 public:
  /// Names every scenario exchange and queue `<prefix><name>`.
  Topology(const models::rabbitmq::Scenario& sc, std::string prefix);

  const std::vector<std::string>& queue_names() const { return queues_; }
  const std::vector<std::string>& exchange_names() const { return exchanges_; }

  /// Throws InputError naming every one of the run's names that exists on the broker already.
  void check_absent(AmqpConnection& admin);
  /// Declares exchanges, queues (with their x- arguments) and bindings; what was declared is
  /// recorded as it goes, so a failure half way still deletes it.
  void declare(AmqpConnection& admin);
  /// Deletes what declare() created, retrying each up to @p attempts times on a new connection.
  /// Returns the deleted ones ("queue NAME"); @p leftovers gets those that could not be deleted,
  /// each with how to remove it.
  std::vector<std::string> remove(const AmqpAddress& address, double timeout_s, int attempts,
                                  std::vector<std::string>& leftovers);
  /// "queue NAME" / "exchange NAME", in declaration order.
  std::vector<std::string> created() const;

 private:
  const models::rabbitmq::Scenario& sc_;
  std::vector<std::string> queues_, exchanges_;
  OwnedResources owned_;
};

}  // namespace cgsim::live::rabbitmq
