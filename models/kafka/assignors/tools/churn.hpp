#pragma once
/// @file churn.hpp
/// Replays a seeded sequence of membership changes (joins, clean leaves, crashes, subscription
/// changes) against several assignors and measures each rebalance: balance, partitions moved away
/// from a member still in the group, rebalance rounds, withheld partitions, and the optimum for the
/// same step (optimum.hpp).
///
/// Each assignor keeps its own history: what every member owns going into a rebalance is what that
/// assignor gave it last time. Rebalances follow the assignor's protocol:
///  * eager client assignors (range, roundrobin, sticky): one round; members report what they held
///    and the generation they held it in;
///  * cooperative assignors: rounds repeat while partitions are withheld, members keeping what they
///    were given (KIP-429 follow-up rebalances), up to 10 rounds;
///  * server-side assignors (uniform, server-range): one target assignment computed from the
///    previous target.
/// A crash of a static member (one with a group.instance.id) is a restart within the session
/// timeout: KIP-345 keeps its assignment and no rebalance happens (zero rounds).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/kafka/assignors/tools/json_io.hpp"

namespace cgsim::models::assignors {

struct ChurnOptions {
  int steps = 20;
  std::uint64_t seed = 1;
  /// Assignors to compare; empty = every assignor available for the case's client flavour.
  std::vector<std::string> assignors;
};

struct ChurnMeasure {
  std::int64_t balance = 0;
  std::int64_t moves = 0;
  std::int64_t rounds = 0;
  std::int64_t withheld = 0;
  std::int64_t optimum_moves = 0;
  std::int64_t optimum_balance = 0;
  std::optional<std::string> error;
  /// When the assignor would never return: the round's input, a case `cgsim assign` reproduces.
  std::optional<AssignCase> unterminated;
};

struct ChurnStep {
  int step = 0;
  /// "initial", "join", "leave", "crash", "restart" (static member crash) or "subscription".
  std::string change;
  std::string member;
  std::size_t members = 0;
  /// Parallel to ChurnReport::assignors.
  std::vector<ChurnMeasure> results;
};

struct ChurnTotal {
  std::int64_t moves = 0;
  std::int64_t optimum_moves = 0;
  std::int64_t rounds = 0;
  std::int64_t withheld = 0;
  std::int64_t max_balance = 0;
  double mean_balance = 0;
  std::int64_t failures = 0;
};

struct ChurnReport {
  std::vector<std::string> assignors;
  std::vector<ChurnStep> steps;
  std::vector<ChurnTotal> totals;  // parallel to assignors
};

/// Runs the churn experiment starting from @p initial (its topics, members and owned partitions).
ChurnReport run_churn(const AssignCase& initial, const ChurnOptions& options);

}  // namespace cgsim::models::assignors
