#include "live/rabbitmq/topology.hpp"

#include <chrono>
#include <memory>

#include "models/common/error.hpp"

namespace cgsim::live::rabbitmq {

namespace rmq = models::rabbitmq;

namespace {

/// The run's queues and exchanges as OwnedResources sees them; a queue is deleted before the
/// exchanges (deleting an exchange leaves its queues, deleting a queue removes its bindings).
OwnedResource queue_resource(const std::string& name) {
  return {"queue", name, "rabbitmqctl delete_queue '" + name + "'", 0};
}
OwnedResource exchange_resource(const std::string& name) {
  return {"exchange", name, "rabbitmqadmin delete exchange name='" + name + "'", 1};
}

/// The broker side of OwnedResources over AMQP: existence is probed on the admin connection;
/// deletions run on a connection of their own, opened afresh after a failure (a failed RPC may
/// have closed the channel).
class AmqpResources final : public ResourceBroker {
 public:
  explicit AmqpResources(AmqpConnection& admin) : admin_(&admin) {}
  AmqpResources(const AmqpAddress& address, double timeout_s) : address_(address), timeout_s_(timeout_s) {}
  ~AmqpResources() override {
    if (conn_) conn_->close();
  }

  std::vector<std::string> existing(const std::vector<OwnedResource>& wanted) override {
    std::vector<std::string> present;
    for (const auto& r : wanted) {
      const bool exists = r.kind == "queue" ? admin_->queue_info(r.name).has_value() : admin_->exchange_exists(r.name);
      if (exists) present.push_back(r.kind + " " + r.name);
    }
    return present;
  }

  void remove(const OwnedResource& r) override {
    try {
      if (!conn_ || conn_->broken()) conn_ = std::make_unique<AmqpConnection>(address_, timeout_s_, "cleanup");
      if (r.kind == "queue") {
        conn_->delete_queue(r.name);
      } else {
        conn_->delete_exchange(r.name);
      }
    } catch (const Error&) {
      conn_.reset();
      throw;
    }
  }

 private:
  AmqpConnection* admin_ = nullptr;
  AmqpAddress address_;
  double timeout_s_ = 0;
  std::unique_ptr<AmqpConnection> conn_;
};

}  // namespace

Topology::Topology(const rmq::Scenario& sc, std::string prefix) : sc_(sc) {
  for (const auto& q : sc.queues) queues_.push_back(prefix + q.name);
  for (const auto& x : sc.exchanges) exchanges_.push_back(prefix + x.name);
}

void Topology::check_absent(AmqpConnection& admin) {
  std::vector<OwnedResource> wanted;
  for (const auto& q : queues_) wanted.push_back(queue_resource(q));
  for (const auto& x : exchanges_) wanted.push_back(exchange_resource(x));
  AmqpResources broker(admin);
  OwnedResources::refuse_existing(broker, wanted, "the run touches only names it creates (choose another --run-id)");
}

void Topology::declare(AmqpConnection& admin) {
  for (std::size_t i = 0; i < sc_.exchanges.size(); ++i) {
    const auto& x = sc_.exchanges[i];
    const char* type = x.kind == rmq::ExchangeSpec::Kind::Direct   ? "direct"
                       : x.kind == rmq::ExchangeSpec::Kind::Fanout ? "fanout"
                       : x.kind == rmq::ExchangeSpec::Kind::Topic  ? "topic"
                                                                   : "x-consistent-hash";
    owned_.own(exchange_resource(exchanges_[i]));
    admin.declare_exchange(exchanges_[i], type);
  }
  for (std::size_t i = 0; i < sc_.queues.size(); ++i) {
    const auto& q = sc_.queues[i];
    std::vector<AmqpArgument> args;
    auto arg_i = [&](const char* k, std::int64_t v) { args.push_back({k, AmqpArgument::Kind::Int, v, "", false}); };
    auto arg_s = [&](const char* k, const std::string& v) { args.push_back({k, AmqpArgument::Kind::String, 0, v, false}); };
    const bool quorum = q.type == rmq::QueueSpec::Type::Quorum;
    if (quorum) arg_s("x-queue-type", "quorum");
    if (q.max_length >= 0) arg_i("x-max-length", q.max_length);
    if (q.max_length_bytes >= 0) arg_i("x-max-length-bytes", q.max_length_bytes);
    if (q.max_length >= 0 || q.max_length_bytes >= 0)
      arg_s("x-overflow", q.overflow == rmq::QueueSpec::Overflow::DropHead ? "drop-head" : "reject-publish");
    if (q.message_ttl >= 0) arg_i("x-message-ttl", q.message_ttl / 1000000);
    if (q.dead_letter_exchange) {
      const std::int32_t x = sc_.exchange_index(*q.dead_letter_exchange);
      arg_s("x-dead-letter-exchange", x >= 0 ? exchanges_[static_cast<std::size_t>(x)] : *q.dead_letter_exchange);
    }
    if (q.dead_letter_routing_key) arg_s("x-dead-letter-routing-key", *q.dead_letter_routing_key);
    if (quorum && q.delivery_limit >= 0) arg_i("x-delivery-limit", q.delivery_limit);
    if (q.single_active_consumer) args.push_back({"x-single-active-consumer", AmqpArgument::Kind::Bool, 0, "", true});
    owned_.own(queue_resource(queues_[i]));
    admin.declare_queue(queues_[i], quorum, args);
  }
  for (const auto& b : sc_.bindings) {
    const auto q = static_cast<std::size_t>(sc_.queue_index(b.queue));
    const auto x = static_cast<std::size_t>(sc_.exchange_index(b.exchange));
    admin.bind(queues_[q], exchanges_[x], b.key);
  }
}

std::vector<std::string> Topology::created() const {
  std::vector<std::string> out;
  for (const auto& r : owned_.owned()) out.push_back(r.kind + " " + r.name);
  return out;
}

std::vector<std::string> Topology::remove(const AmqpAddress& address, double timeout_s, int attempts,
                                          std::vector<std::string>& leftovers) {
  Removal removal;
  {
    AmqpResources broker(address, timeout_s);
    removal = owned_.remove_all(broker, {attempts, std::chrono::milliseconds(200), {}});
  }
  std::vector<std::string> deleted;
  for (const auto& r : removal.deleted) deleted.push_back(r.kind + " " + r.name);
  for (const auto& l : removal.leftovers) {
    const OwnedResource& r = l.resource;
    leftovers.push_back(r.kind + " " + r.name + " (" + l.error + "); remove with: " + r.remove_command);
  }
  return deleted;
}

}  // namespace cgsim::live::rabbitmq
