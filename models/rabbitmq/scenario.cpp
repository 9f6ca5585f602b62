#include "models/rabbitmq/scenario.hpp"

namespace cgsim::models::rabbitmq {

namespace {
template <typename T>
std::int32_t find(const std::vector<T>& v, const std::string& name) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i].name == name) return static_cast<std::int32_t>(i);
  return -1;
}
}  // namespace

std::int32_t Scenario::queue_index(const std::string& n) const { return find(queues, n); }
std::int32_t Scenario::exchange_index(const std::string& n) const { return find(exchanges, n); }
std::int32_t Scenario::group_index(const std::string& n) const { return find(consumers, n); }

const char* to_string(ExchangeSpec::Kind kind) {
  switch (kind) {
    case ExchangeSpec::Kind::Direct: return "direct";
    case ExchangeSpec::Kind::Fanout: return "fanout";
    case ExchangeSpec::Kind::Topic: return "topic";
    case ExchangeSpec::Kind::ConsistentHash: return "x-consistent-hash";
  }
  return "?";
}

const char* to_string(QueueSpec::Type type) { return type == QueueSpec::Type::Quorum ? "quorum" : "classic"; }

}  // namespace cgsim::models::rabbitmq
