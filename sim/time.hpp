#pragma once
/// @file time.hpp
/// Simulated time: a signed 64-bit count of nanoseconds since the start of a run.
/// Integer time keeps event order exact and output identical across machines.
#include <cstdint>
#include <limits>
#include <string>

namespace cgsim::sim {

/// Simulated time in nanoseconds.
using Time = std::int64_t;

inline constexpr Time kNanosecond = 1;
inline constexpr Time kMicrosecond = 1'000;
inline constexpr Time kMillisecond = 1'000'000;
inline constexpr Time kSecond = 1'000'000'000;
inline constexpr Time kMinute = 60 * kSecond;
inline constexpr Time kHour = 60 * kMinute;
/// A time later than any event: used for "never".
inline constexpr Time kNever = std::numeric_limits<Time>::max();

/// Converts nanoseconds to (floating) seconds, for reporting only.
inline constexpr double to_seconds(Time t) { return static_cast<double>(t) / 1e9; }
/// Converts nanoseconds to (floating) milliseconds, for reporting only.
inline constexpr double to_millis(Time t) { return static_cast<double>(t) / 1e6; }

/// Formats a duration the way scenario files write it (e.g. "250ms", "45s", "1m30s").
std::string format_duration(Time t);

}  // namespace cgsim::sim
