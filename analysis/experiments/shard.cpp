#include "analysis/experiments/shard.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "analysis/experiments/option_error.hpp"
#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

bool parse_size(const std::string& s, std::size_t& out) {
  if (s.empty() || s.size() > 7) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::size_t>(c - '0');
  }
  return true;
}

std::string read_text(const std::filesystem::path& p, bool& ok) {
  std::ifstream in(p, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// At most @p max items of @p v, then "and N more".
std::string list_some(const std::vector<std::string>& v, std::size_t max = 8) {
  std::string out;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > max) out += " and " + std::to_string(v.size() - max) + " more";
  return out;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !parse_size(text.substr(0, slash), s.index) ||
      !parse_size(text.substr(slash + 1), s.count) || s.count == 0 || s.count > 1'000'000 || s.index >= s.count) {
    throw OptionError("shard", "\"" + escape_bytes(text) + "\"",
                      "expected K/N with 0 <= K < N <= 1000000, e.g. 3/8 (the 4th of 8 shards)");
  }
  return s;
}

std::string text_hash(const std::string& text) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string file_hash(const std::string& file) {
  bool ok = false;
  const std::string bytes = read_text(file, ok);
  if (!ok) throw InputError(escape_bytes(file) + ": cannot read the scenario file");
  return text_hash(bytes);
}

nlohmann::json exact_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

double exact_number_from(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto s = j.get<std::string>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
  }
  throw InputError("shard.json: expected a number, \"inf\", \"-inf\" or \"nan\", got " + j.dump());
}

nlohmann::json shard_manifest(const std::string& command, const std::string& scenario_file, const nlohmann::json& spec,
                              const Shard& shard, std::size_t total_units, const std::vector<std::size_t>& covered) {
  return {{"kind", "cgsim-shard"},
          {"command", command},
          {"cgsim_version", kCgsimVersion},
          {"scenario_file", scenario_file},
          {"scenario_hash", file_hash(scenario_file)},
          {"spec", spec},
          {"shard", {{"index", shard.index}, {"count", shard.count}}},
          {"unit_rule", "unit u belongs to shard u mod count"},
          {"units", {{"total", total_units}, {"covered", covered}}}};
}

std::vector<std::size_t> covered_units(const nlohmann::json& manifest) {
  return manifest.at("units").at("covered").get<std::vector<std::size_t>>();
}

std::vector<ShardDir> read_shard_dirs(const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  if (dirs.empty()) throw InputError("merge: expected at least one shard directory");
  std::vector<ShardDir> out;
  for (const auto& d : dirs) {
    const fs::path f = fs::path(d) / "shard.json";
    bool ok = false;
    const std::string text = read_text(f, ok);
    if (!ok) throw InputError(escape_bytes(f.string()) + ": cannot read it (is " + escape_bytes(d) + " a shard directory written by --shard?)");
    ShardDir s;
    s.dir = d;
    try {
      s.doc = nlohmann::json::parse(text);
      const auto& m = s.doc.at("manifest");
      if (m.value("kind", "") != "cgsim-shard") throw InputError("");
      m.at("command").get<std::string>();
      m.at("cgsim_version").get<std::string>();
      m.at("scenario_hash").get<std::string>();
      m.at("spec");
      m.at("shard").at("index").get<std::size_t>();
      m.at("shard").at("count").get<std::size_t>();
      m.at("units").at("total").get<std::size_t>();
      covered_units(m);
    } catch (const std::exception&) {
      throw InputError(escape_bytes(f.string()) + ": not a cgsim shard file (expected a \"manifest\" of kind \"cgsim-shard\" with command, "
                       "cgsim_version, scenario_hash, spec, shard and units)");
    }
    bool tok = false;
    const std::string timing = read_text(fs::path(d) / "timing.json", tok);
    if (tok) {
      auto t = nlohmann::json::parse(timing, nullptr, false);
      if (t.is_object()) s.wall_seconds = t.value("wall_seconds", 0.0);
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<std::size_t> check_shards(const std::vector<ShardDir>& shards) {
  const auto& first = shards.front().doc.at("manifest");
  const std::string d0 = escape_bytes(shards.front().dir);
  for (const auto& s : shards) {
    const auto& m = s.doc.at("manifest");
    const std::string d = escape_bytes(s.dir);
    if (m.at("cgsim_version") != kCgsimVersion) {
      throw InputError("merge: " + d + " was written by cgsim " + escape_bytes(m.at("cgsim_version").get<std::string>()) +
                       ", this is cgsim " + kCgsimVersion + "; re-run that shard with this version");
    }
    if (m.at("command") != first.at("command")) {
      throw InputError("merge: " + d + " is a " + m.at("command").get<std::string>() + " shard, " + d0 + " a " +
                       first.at("command").get<std::string>() + " shard");
    }
    if (m.at("scenario_hash") != first.at("scenario_hash") || m.value("scenario_file", "") != first.value("scenario_file", "")) {
      throw InputError("merge: " + d + " and " + d0 + " ran different scenarios (" +
                       escape_bytes(m.value("scenario_file", "")) + " " + m.at("scenario_hash").get<std::string>() + " vs " +
                       escape_bytes(first.value("scenario_file", "")) + " " + first.at("scenario_hash").get<std::string>() + ")");
    }
    if (m.at("spec") != first.at("spec")) {
      throw InputError("merge: " + d + " and " + d0 + " ran different commands: " + m.at("spec").dump() + " vs " +
                       first.at("spec").dump());
    }
    if (m.at("shard").at("count") != first.at("shard").at("count") || m.at("units").at("total") != first.at("units").at("total")) {
      throw InputError("merge: " + d + " is shard " + m.at("shard").at("index").dump() + "/" + m.at("shard").at("count").dump() +
                       " of " + m.at("units").at("total").dump() + " units, " + d0 + " shard " +
                       first.at("shard").at("index").dump() + "/" + first.at("shard").at("count").dump() + " of " +
                       first.at("units").at("total").dump() + " units");
    }
  }
  const std::size_t n = first.at("shard").at("count").get<std::size_t>();
  const std::size_t total = first.at("units").at("total").get<std::size_t>();
  std::map<std::size_t, std::size_t> by_index;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const std::size_t k = shards[i].doc.at("manifest").at("shard").at("index").get<std::size_t>();
    auto [it, fresh] = by_index.emplace(k, i);
    if (!fresh) {
      throw InputError("merge: shard " + std::to_string(k) + "/" + std::to_string(n) + " is given twice: " +
                       escape_bytes(shards[it->second].dir) + " and " + escape_bytes(shards[i].dir));
    }
  }
  std::vector<std::string> missing;
  for (std::size_t k = 0; k < n; ++k)
    if (!by_index.count(k)) missing.push_back(std::to_string(k) + "/" + std::to_string(n));
  if (!missing.empty()) {
    throw InputError("merge: missing shard" + std::string(missing.size() > 1 ? "s " : " ") + list_some(missing) + " (" +
                     std::to_string(shards.size()) + " of " + std::to_string(n) + " given)");
  }
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> owner(total, kNone);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    for (std::size_t u : covered_units(shards[i].doc.at("manifest"))) {
      if (u >= total) {
        throw InputError("merge: " + escape_bytes(shards[i].dir) + " covers unit " + std::to_string(u) + ", but there are only " +
                         std::to_string(total) + " units");
      }
      if (owner[u] != kNone) {
        throw InputError("merge: unit " + std::to_string(u) + " is covered twice, by " + escape_bytes(shards[owner[u]].dir) +
                         " and " + escape_bytes(shards[i].dir));
      }
      owner[u] = i;
    }
  }
  std::vector<std::string> lost;
  for (std::size_t u = 0; u < total; ++u)
    if (owner[u] == kNone) lost.push_back(std::to_string(u));
  if (!lost.empty()) {
    throw InputError("merge: unit" + std::string(lost.size() > 1 ? "s " : " ") + list_some(lost) +
                     " covered by no shard (a shard directory is incomplete; re-run it)");
  }
  return owner;
}

}  // namespace cgsim::analysis
