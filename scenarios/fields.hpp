#pragma once
/// @file fields.hpp
/// Reading scenario files: a YAML node with the field path that led to it, whose every error
/// names the file, line and column (or the `--set` option that put the value there), the field
/// path and what was expected; and the readers of what every broker family's scenario shares
/// (distributions, rates, keys). Each family's loader builds on them.
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/common/scenario.hpp"
#include "scenarios/loader.hpp"
#include "sim/rng.hpp"
#include "sim/time.hpp"

namespace cgsim::scenarios::fields {

using sim::Time;

/// Rates above one record per nanosecond (the clock's resolution) cannot be simulated.
constexpr double kMaxRate = 1e9;

/// Where the scenario came from: the file, and the nodes that `--set` overrides put into it
/// (each with its option text), so that a bad value is reported at the option, not in the file.
struct Source {
  std::string origin;
  std::vector<std::pair<YAML::Node, std::string>> overrides;
  /// For a key this scenario's broker family does not know: why, when another family uses it
  /// (e.g. "it is a Kafka setting"), else nullptr.
  const char* (*foreign)(const std::string& key) = nullptr;
  /// The broker family, and what a foreign key is called, for those messages ("rabbitmq",
  /// "Kafka-only key").
  std::string family;
  std::string foreign_label;
  const std::string* override_of(const YAML::Node& n) const {
    for (const auto& [node, text] : overrides)
      if (node.is(n)) return &text;
    return nullptr;
  }
};

/// A YAML node with the path that led to it, for messages.
class Field {
 public:
  Field(YAML::Node node, std::string path, const Source* origin)
      : node_(std::move(node)), path_(std::move(path)), origin_(origin) {}

  /// Throws InputError: where (the option that set the node, or file:line:column), the field
  /// path, @p expected, and the value when it is a scalar.
  [[noreturn]] void fail(const std::string& expected) const;
  /// file:line of the node (the file alone for a node without a place in it).
  std::string location() const;

  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  bool is_map() const { return node_.IsMap(); }
  bool is_seq() const { return node_.IsSequence(); }
  bool is_scalar() const { return node_.IsScalar(); }

  /// Checks that this is a map whose keys are all in @p allowed. A key another broker family
  /// uses is named as such (Source::foreign).
  void expect_map(std::initializer_list<const char*> allowed) const;
  bool has(const char* key) const { return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull(); }
  Field at(const char* key) const {
    if (!has(key)) {
      Field(node_, path_, origin_).fail(std::string("missing required key \"") + key + "\"");
    }
    return Field(node_[key], join(key), origin_);
  }
  Field at(std::size_t i) const { return Field(node_[i], path_ + "[" + std::to_string(i) + "]", origin_); }
  std::size_t size() const { return node_.size(); }

  std::string str() const {
    if (!node_.IsScalar()) fail("expected a string");
    return node_.Scalar();
  }
  double number() const {
    if (!node_.IsScalar()) fail("expected a number");
    const std::string& s = node_.Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || std::isnan(v)) fail("expected a number");
    if (!std::isfinite(v)) fail("expected a finite number (at most 1.8e308 in size)");
    return v;
  }
  /// A rate in records per second: from 0 to kMaxRate.
  double rate() const {
    double v = non_negative();
    if (v > kMaxRate) fail("exceeds the maximum rate of 1e9 per second (one record per nanosecond)");
    return v;
  }
  double in_range(double lo, double hi) const {
    const double v = number();
    if (v < lo || v > hi) fail("expected a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return v;
  }
  double positive() const {
    double v = number();
    if (!(v > 0)) fail("expected a positive number");
    return v;
  }
  double non_negative() const {
    double v = number();
    if (v < 0) fail("expected a number >= 0");
    return v;
  }
  std::int64_t integer(std::int64_t lo, std::int64_t hi) const {
    if (!node_.IsScalar()) fail("expected an integer");
    const std::string& s = node_.Scalar();
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || (errno != 0 && errno != ERANGE)) fail("expected an integer");
    if (errno == ERANGE || v < lo || v > hi) {
      fail("expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    return v;
  }
  bool boolean() const {
    if (!node_.IsScalar()) fail("expected true or false");
    const std::string& s = node_.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
    fail("expected true or false");
  }
  Time duration() const {
    if (!node_.IsScalar()) fail("expected a duration such as \"250ms\", \"45s\" or \"5m\"");
    Time t;
    std::string why;
    if (!parse_duration(node_.Scalar(), t, &why)) {
      if (!why.empty()) fail(why);
      if (!node_.Scalar().empty() && node_.Scalar()[0] == '-') fail("expected a non-negative duration");
      fail("expected a duration such as \"250ms\", \"45s\" or \"5m\"");
    }
    return t;
  }
  Time positive_duration() const {
    Time t = duration();
    if (t <= 0) fail("expected a positive duration");
    return t;
  }
  std::string one_of(std::initializer_list<const char*> options) const {
    std::string s = str();
    std::string list;
    for (const auto* o : options) {
      if (s == o) return s;
      list += std::string(list.empty() ? "" : ", ") + o;
    }
    fail("expected one of: " + list);
  }

 private:
  std::string join(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  YAML::Node node_;
  std::string path_;
  const Source* origin_;
};

/// The `broker.kind` a scenario text names, or "" when it names none or is not YAML/JSON.
std::string broker_kind(const std::string& text);
/// Parses scenario text, with file:line:column for malformed YAML/JSON, a NUL byte or an empty file.
YAML::Node parse_text(const std::string& text, const std::string& origin);
/// The contents of the scenario file @p path (an input error when it cannot be read).
std::string read_file(const std::string& path);
/// Applies `--set`/`--vary` overrides to the parsed tree before the typed load: each sets the
/// field at its dotted path (the parent must exist; the leaf may be new, and an unknown name is then
/// rejected by validation at the option). Records the nodes they put there in @p source.
void apply_overrides(YAML::Node root, const std::vector<Override>& overrides, Source& source);
/// A family scenario's run fields: `name` (non-empty), `seed` and `duration` (positive), with
/// @p origin as the source file.
template <typename FamilyScenario>
void parse_run(const Field& top, const std::string& origin, FamilyScenario& sc) {
  sc.source_file = origin;
  sc.name = top.at("name").str();
  if (sc.name.empty()) top.at("name").fail("expected a non-empty name");
  if (top.has("seed")) sc.seed = static_cast<std::uint64_t>(top.at("seed").integer(0, INT64_MAX));
  if (top.has("duration")) {
    sc.duration = top.at("duration").duration();
    if (sc.duration <= 0) top.at("duration").fail("expected a positive duration");
  }
}
/// The optional `output` mapping (sample_interval).
void parse_output(const Field& top, models::OutputSpec& out);

/// The part every family's fault entry shares: `at` (before @p duration), exactly one verb
/// (crash, leave, join, slow, restart, rolling_restart) and its target, a group for join and
/// rolling_restart, else "<group>/<index>". Fills fa.source, fa.at, fa.group and fa.member and
/// returns the verb. @p example is a whole fault, @p member_form the consumer form for messages.
std::string parse_fault_head(const Field& f, Time duration, models::FaultSpec& fa, const char* example,
                             const char* member_form);
/// The rest of such an entry: the fields its @p verb takes (join: count; slow: factor and for;
/// restart: downtime; rolling_restart: downtime and gap), into fa.kind and the matching fields.
void parse_fault_verb(const Field& f, const std::string& verb, models::FaultSpec& fa);
/// Consumers of group @p group at time @p at: @p initial plus those the joins in @p faults added
/// by then.
std::int32_t members_at(const std::vector<models::FaultSpec>& faults, const std::string& group, Time at,
                        std::int32_t initial);

/// A processing-time (or other duration) distribution: {kind: constant, value: 1ms}, ...
sim::Distribution parse_distribution(const Field& f);
/// output.warmup: "auto" (nullopt: until the initial backlog has drained) or a duration.
std::optional<sim::Time> parse_warmup(const Field& f);
/// A producer's rate: {kind: poisson, per_second: 1000} or {kind: steps, steps: [[t, r], ...]}.
models::RateSpec parse_rate(const Field& f);
/// A producer's key distribution: {kind: zipf, cardinality: 1000, exponent: 1.1}, ...
models::KeySpec parse_keys(const Field& f);

}  // namespace cgsim::scenarios::fields
