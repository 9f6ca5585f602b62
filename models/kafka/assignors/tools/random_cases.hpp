#pragma once
/// @file random_cases.hpp
/// Seeded random assignment problems for the differential test, the benchmark and `cgsim assign
/// --churn`: topics with optional replica racks, members with mixed subscriptions, static members,
/// racks, and partitions owned from a previous round (with generations, and for the sticky assignors
/// occasionally stale or conflicting claims).
#include <cstdint>
#include <string>

#include "models/kafka/assignors/tools/json_io.hpp"
#include "sim/rng.hpp"

namespace cgsim::models::assignors {

struct RandomCaseLimits {
  int max_members = 50;
  int max_topics = 10;
  int max_partitions = 100;
  /// Allow members whose claims conflict (same partition, different or equal generations).
  bool conflicting_claims = false;
};

/// A random case for @p assignor drawn from @p rng.
AssignCase random_case(cgsim::sim::Rng& rng, const std::string& assignor, const RandomCaseLimits& limits = {});

/// A plausible Java consumer member id ("consumer-<group>-<n>-<uuid>").
std::string random_member_id(cgsim::sim::Rng& rng, int n);

}  // namespace cgsim::models::assignors
