#include "models/rabbitmq/exchange.hpp"

#include <algorithm>
#include <charconv>

namespace cgsim::models::rabbitmq {

namespace {
// Matches pattern words [pi..] against key words [ki..]; '#' tries every split.
bool match_words(const std::vector<std::string_view>& p, std::size_t pi, const std::vector<std::string_view>& k,
                 std::size_t ki) {
  while (pi < p.size()) {
    if (p[pi] == "#") {
      if (pi + 1 == p.size()) return true;
      for (std::size_t s = ki; s <= k.size(); ++s)
        if (match_words(p, pi + 1, k, s)) return true;
      return false;
    }
    if (ki == k.size()) return false;
    if (p[pi] != "*" && p[pi] != k[ki]) return false;
    ++pi;
    ++ki;
  }
  return ki == k.size();
}

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> w;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = s.find('.', start);
    w.push_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return w;
    start = dot + 1;
  }
}

std::int32_t weight_of(const std::string& key) {
  std::int32_t w = 0;
  auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), w);
  return ec == std::errc{} && p == key.data() + key.size() ? w : 0;
}
}  // namespace

bool topic_matches(std::string_view pattern, std::string_view key) {
  return match_words(words(pattern), 0, words(key), 0);
}

Exchanges::Exchanges(const Scenario& sc) {
  for (const ExchangeSpec& e : sc.exchanges) x_.push_back(Exchange{e.kind, {}, {}});
  for (std::size_t q = 0; q < sc.queues.size(); ++q) queue_by_name_[sc.queues[q].name] = static_cast<std::int32_t>(q);
  for (const BindingSpec& b : sc.bindings) bind(sc.exchange_index(b.exchange), sc.queue_index(b.queue), b.key);
}

void Exchanges::bind(std::int32_t exchange, std::int32_t queue, const std::string& key) {
  Exchange& x = x_[static_cast<std::size_t>(exchange)];
  x.bindings.push_back(Binding{queue, key});
  if (x.kind == ExchangeSpec::Kind::ConsistentHash) x.ring.add_binding(queue, weight_of(key));
}

void Exchanges::unbind(std::int32_t exchange, std::int32_t queue) {
  Exchange& x = x_[static_cast<std::size_t>(exchange)];
  x.bindings.erase(std::remove_if(x.bindings.begin(), x.bindings.end(), [&](const Binding& b) { return b.queue == queue; }),
                   x.bindings.end());
  if (x.kind == ExchangeSpec::Kind::ConsistentHash) x.ring.remove_binding(queue);
}

void Exchanges::route(std::int32_t exchange, std::string_view key, std::vector<std::int32_t>& out) const {
  out.clear();
  if (exchange == kDefaultExchange) {
    auto it = queue_by_name_.find(std::string(key));
    if (it != queue_by_name_.end()) out.push_back(it->second);
    return;
  }
  const Exchange& x = x_[static_cast<std::size_t>(exchange)];
  auto add = [&out](std::int32_t q) {
    if (std::find(out.begin(), out.end(), q) == out.end()) out.push_back(q);
  };
  switch (x.kind) {
    case ExchangeSpec::Kind::Direct:
      for (const Binding& b : x.bindings)
        if (b.key == key) add(b.queue);
      break;
    case ExchangeSpec::Kind::Fanout:
      for (const Binding& b : x.bindings) add(b.queue);
      break;
    case ExchangeSpec::Kind::Topic:
      for (const Binding& b : x.bindings)
        if (topic_matches(b.key, key)) add(b.queue);
      break;
    case ExchangeSpec::Kind::ConsistentHash: {
      const std::int32_t q = x.ring.route(key);
      if (q >= 0) out.push_back(q);
      break;
    }
  }
}

}  // namespace cgsim::models::rabbitmq
