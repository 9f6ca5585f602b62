#include <algorithm>
#include <limits>

#include "models/pulsar/dispatchers.hpp"

namespace cgsim::models::pulsar {

Attached* SharedDispatcher::next_consumer() {
  std::int32_t best = std::numeric_limits<std::int32_t>::max();
  for (const Attached& a : consumers_)
    if (a.permits > 0) best = std::min(best, a.priority);
  if (best == std::numeric_limits<std::int32_t>::max()) return nullptr;
  const std::size_t n = consumers_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (cursor_ + k) % n;
    Attached& a = consumers_[i];
    if (a.permits > 0 && a.priority == best) {
      cursor_ = i + 1;
      return &a;
    }
  }
  return nullptr;
}

void SharedDispatcher::dispatch() {
  const std::int64_t size = ledger_size();
  for (;;) {
    if (replay_.empty() && next_new() >= size) return;
    Attached* a = next_consumer();
    if (!a) return;
    const std::int32_t n = std::min(a->permits, kRoundRobinBatch);
    std::int32_t sent = 0;
    while (sent < n) {
      std::int64_t e;
      if (!replay_.empty()) {
        e = *replay_.begin();
        replay_.erase(replay_.begin());
      } else {
        e = next_new();
        if (e >= size) break;
        ++read_;
      }
      send(*a, e);
      ++sent;
    }
    if (sent == 0) return;
  }
}

}  // namespace cgsim::models::pulsar
