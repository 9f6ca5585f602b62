#pragma once
/// @file shard.hpp
/// Splitting a batch command (sweep, plan round) into N disjoint slices that run anywhere (a job
/// array task, a pod), and checking the partial results before they are merged.
///
/// The work is a list of units numbered 0..T-1 (a sweep: point x seeds + seed index). Shard K of
/// N runs the units u with u mod N = K. A unit's result depends only on the unit (its seed is
/// named by the unit: the point's seed + the seed index), never on the shard that ran it, so the
/// merged result is the unsharded one. Striding rather than blocks spreads the expensive points
/// (more consumers, longer runs) over the shards.
///
/// A partial result directory holds shard.json: the manifest (what produced it: cgsim version,
/// scenario file and the hash of its bytes, the command's spec, the shard, the units covered)
/// and the units' results; timing.json beside it has the wall clock (so a re-run of a shard
/// writes the same shard.json, byte for byte).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cgsim::analysis {

/// The cgsim version written into manifests and checked at merge.
inline constexpr const char* kCgsimVersion = "0.1.0";

/// Shard K of N (0 <= K < N).
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  /// True when unit @p u belongs to this shard.
  bool covers(std::size_t u) const { return u % count == index; }
  std::string text() const { return std::to_string(index) + "/" + std::to_string(count); }
};

/// Parses "K/N" (0 <= K < N <= 1000000). Throws OptionError (field "shard") otherwise.
Shard parse_shard(const std::string& text);

/// "fnv1a64:<16 hex digits>" of the bytes of @p text.
std::string text_hash(const std::string& text);
/// text_hash() of the bytes of @p file. Throws InputError when it cannot be read.
std::string file_hash(const std::string& file);

/// A double as JSON that reads back to the same bits: a number when finite (the JSON writer
/// prints the shortest text that round-trips), else "inf", "-inf" or "nan".
nlohmann::json exact_number(double v);
double exact_number_from(const nlohmann::json& j);

/// The manifest common to every shard kind; @p command is "sweep" or "plan", @p spec everything
/// that defines the units and their results (compared verbatim at merge).
nlohmann::json shard_manifest(const std::string& command, const std::string& scenario_file, const nlohmann::json& spec,
                              const Shard& shard, std::size_t total_units, const std::vector<std::size_t>& covered);

/// One partial result directory read back.
struct ShardDir {
  std::string dir;
  nlohmann::json doc;  ///< shard.json: "manifest" and the command's results
  double wall_seconds = 0;
};

/// Reads DIR/shard.json of every directory. Throws InputError naming the directory when it is
/// missing or is not a shard file.
std::vector<ShardDir> read_shard_dirs(const std::vector<std::string>& dirs);

/// Checks that the shards belong together and cover every unit exactly once: one command, this
/// cgsim version, one scenario hash, one spec, one shard count and total; every shard index
/// 0..N-1 present once; every unit 0..T-1 covered once. Throws InputError naming the
/// directories, shards and units at fault. Returns, per unit, the shard (index into @p shards)
/// that covered it.
std::vector<std::size_t> check_shards(const std::vector<ShardDir>& shards);

/// The covered unit numbers of a manifest, in the order listed.
std::vector<std::size_t> covered_units(const nlohmann::json& manifest);

}  // namespace cgsim::analysis
