#pragma once
/// @file run_progress.hpp
/// A progress line for one long simulated run, on standard error: simulated time reached, events
/// and the time left. The run is advanced in slices of simulated time between which the line is
/// drawn; that executes the same events in the same order as one call (the engine's run_until
/// stops before the first event past the slice and resumes there), so outputs do not change.
#include <string>

#include "sim/engine.hpp"

namespace cgsim::analysis {

/// Runs @p engine to just before @p until (the caller's own run_until(until) ends it), drawing
/// the line for @p name: redrawn in place at most five times a second on a terminal (after the
/// first second, erased at the end), one plain line every ten seconds otherwise.
void run_with_progress(sim::Engine& engine, sim::Time until, const std::string& name);

/// The line's text, e.g. "cgsim run game_platform: 12.5 of 600 s simulated (2%), 4.1M events,
/// 3 s elapsed, about 2m24s left". Exposed for tests.
std::string progress_text(const std::string& name, double simulated_s, double total_s, double events, double elapsed_s);

}  // namespace cgsim::analysis
