#pragma once
/// @file sweep_shard.hpp
/// Sharded sweeps: one shard's units run into a partial result (shard.hpp), and the partial
/// results of every shard merged into exactly the SweepResult run_sweep() returns.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/experiments/shard.hpp"
#include "analysis/experiments/sweep.hpp"

namespace cgsim::analysis {

/// Runs the units of @p shard (unit = point x seeds + seed index) and returns the document of
/// shard.json: the manifest (spec: --set overrides, axes, seeds, metric names) and per unit its
/// seed and metric values (exact_number()). @p wall_seconds receives the wall clock.
nlohmann::json run_sweep_shard(const SweepOptions& options, const Shard& shard, double& wall_seconds);

/// The sweep of the shards, after check_shards(): points from the spec's axes, runs from the
/// units, statistics as run_sweep() computes them. wall_seconds is the shards' sum, jobs their
/// count. Throws InputError when a unit's record is malformed.
SweepResult merge_sweep_shards(const std::vector<ShardDir>& shards);

}  // namespace cgsim::analysis
