#include "live/rabbitmq/topology.hpp"

#include <chrono>
#include <memory>
#include <thread>

#include "models/common/error.hpp"

namespace cgsim::live::rabbitmq {

namespace rmq = models::rabbitmq;

Topology::Topology(const rmq::Scenario& sc, std::string prefix) : sc_(sc) {
  for (const auto& q : sc.queues) queues_.push_back(prefix + q.name);
  for (const auto& x : sc.exchanges) exchanges_.push_back(prefix + x.name);
}

void Topology::check_absent(AmqpConnection& admin) {
  std::string present;
  for (const auto& q : queues_)
    if (admin.queue_info(q)) present += (present.empty() ? "" : ", ") + ("queue " + q);
  for (const auto& x : exchanges_)
    if (admin.exchange_exists(x)) present += (present.empty() ? "" : ", ") + ("exchange " + x);
  if (!present.empty()) {
    throw InputError("the broker already has " + present +
                     "; the run touches only names it creates (choose another --run-id)");
  }
}

void Topology::declare(AmqpConnection& admin) {
  for (std::size_t i = 0; i < sc_.exchanges.size(); ++i) {
    const auto& x = sc_.exchanges[i];
    const char* type = x.kind == rmq::ExchangeSpec::Kind::Direct   ? "direct"
                       : x.kind == rmq::ExchangeSpec::Kind::Fanout ? "fanout"
                       : x.kind == rmq::ExchangeSpec::Kind::Topic  ? "topic"
                                                                   : "x-consistent-hash";
    created_exchanges_.push_back(i);
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
    created_queues_.push_back(i);
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
  for (auto i : created_exchanges_) out.push_back("exchange " + exchanges_[i]);
  for (auto i : created_queues_) out.push_back("queue " + queues_[i]);
  return out;
}

std::vector<std::string> Topology::remove(const AmqpAddress& address, double timeout_s, int attempts,
                                          std::vector<std::string>& leftovers) {
  std::vector<std::string> deleted;
  std::unique_ptr<AmqpConnection> conn;
  auto attempt = [&](const std::string& what, const std::string& remedy, auto&& op) {
    std::string last;
    for (int k = 0; k < attempts; ++k) {
      try {
        if (!conn || conn->broken()) conn = std::make_unique<AmqpConnection>(address, timeout_s, "cleanup");
        op(*conn);
        deleted.push_back(what);
        return;
      } catch (const Error& e) {
        last = e.what();
        conn.reset();  // a failed RPC may have closed the channel: start afresh
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * (k + 1)));
      }
    }
    leftovers.push_back(what + " (" + last + "); remove with: " + remedy);
  };
  // Queues first: deleting an exchange leaves its queues, deleting a queue removes its bindings.
  for (auto i : created_queues_) {
    const std::string name = queues_[i];
    attempt("queue " + name, "rabbitmqctl delete_queue '" + name + "'", [&](AmqpConnection& c) { c.delete_queue(name); });
  }
  for (auto i : created_exchanges_) {
    const std::string name = exchanges_[i];
    attempt("exchange " + name, "rabbitmqadmin delete exchange name='" + name + "'", [&](AmqpConnection& c) { c.delete_exchange(name); });
  }
  if (conn) conn->close();
  return deleted;
}

}  // namespace cgsim::live::rabbitmq
