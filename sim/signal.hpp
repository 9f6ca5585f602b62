#pragma once
/// @file signal.hpp
/// A minimal synchronous signal: models emit, observers (analysis, tests) subscribe.
/// Models never format output; they only emit facts through signals.
#include <functional>
#include <utility>
#include <vector>

namespace cgsim::sim {

/// A list of subscribers called in subscription order.
template <typename... Args>
class Signal {
 public:
  using Slot = std::function<void(Args...)>;
  /// Adds a subscriber.
  void connect(Slot s) { slots_.push_back(std::move(s)); }
  /// Calls every subscriber.
  void emit(Args... args) const {
    for (const auto& s : slots_) s(args...);
  }
  bool empty() const { return slots_.empty(); }

 private:
  std::vector<Slot> slots_;
};

}  // namespace cgsim::sim
