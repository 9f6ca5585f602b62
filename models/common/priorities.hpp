#pragma once
/// @file priorities.hpp
/// The ranks the models give their events, for events at the same instant (lower runs first).
/// The order is part of the models' semantics: a fault takes effect before the requests and
/// timers due at that instant, a response arrives before the timers it may cancel, and metric
/// sampling sees the state after everything else at that instant.
#include "sim/engine.hpp"

namespace cgsim::models::priority {

inline constexpr sim::Priority kFault = 0;        ///< injected failures and membership changes
inline constexpr sim::Priority kNetwork = 1;      ///< a request or response arriving
inline constexpr sim::Priority kCoordinator = 2;  ///< broker-side timers (group coordinator)
inline constexpr sim::Priority kClient = 3;       ///< client-side timers and poll loops
inline constexpr sim::Priority kProducer = 4;     ///< producer ticks
inline constexpr sim::Priority kSample = 5;       ///< metric sampling, after everything else

static_assert(kSample < sim::kPriorityLevels);

}  // namespace cgsim::models::priority
