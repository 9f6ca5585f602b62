#include "scenarios/fields.hpp"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "models/common/error.hpp"

namespace cgsim::scenarios::fields {

using namespace cgsim::models;

void Field::fail(const std::string& expected) const {
  std::ostringstream m;
  if (const std::string* option = node_.IsDefined() ? origin_->override_of(node_) : nullptr) {
    m << *option;
  } else {
    m << origin_->origin;
    if (node_.IsDefined() && node_.Mark().line >= 0) {
      m << ':' << node_.Mark().line + 1 << ':' << node_.Mark().column + 1;
    }
  }
  m << ": " << (path_.empty() ? "(top level)" : path_) << ": " << expected;
  if (node_.IsDefined() && node_.IsScalar()) m << ", got \"" << escape_bytes(node_.Scalar()) << '"';
  throw InputError(m.str());
}

std::string Field::location() const {
  std::string s = origin_->origin;
  if (node_.IsDefined() && node_.Mark().line >= 0) s += ':' + std::to_string(node_.Mark().line + 1);
  return s;
}

void Field::expect_map(std::initializer_list<const char*> allowed) const {
  if (!node_.IsMap()) fail("expected a mapping");
  std::set<std::string> ok(allowed.begin(), allowed.end());
  for (const auto& kv : node_) {
    std::string k = kv.first.Scalar();
    if (ok.count(k)) continue;
    Field key(kv.first, join(k), origin_);
    if (const char* why = origin_->foreign ? origin_->foreign(k) : nullptr) {
      if (origin_->foreign_label.empty()) key.fail(why);
      key.fail(origin_->foreign_label + ", not valid with broker kind " + origin_->family + " (" + why + ")");
    }
    std::string list;
    for (const auto* a : allowed) list += std::string(list.empty() ? "" : ", ") + a;
    key.fail("unknown key (expected one of: " + list + ")");
  }
}

namespace {

/// A throughput such as "6k/s", "6000", "1.2M/s" or "360k/min", in records per second: a number,
/// an optional k (x1e3) or M (x1e6), and an optional "/s", "/min" or "/h".
double parse_throughput(const Field& f) {
  if (!f.is_scalar()) f.fail("expected a throughput such as 6k/s");
  std::string s = f.str();
  double per = 1;
  for (const auto& [suffix, seconds] : {std::pair<const char*, double>{"/s", 1}, {"/min", 60}, {"/h", 3600}}) {
    const std::string sx = suffix;
    if (s.size() > sx.size() && s.compare(s.size() - sx.size(), sx.size(), sx) == 0) {
      s.resize(s.size() - sx.size());
      per = seconds;
      break;
    }
  }
  double scale = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'M')) {
    scale = s.back() == 'k' ? 1e3 : 1e6;
    s.pop_back();
  }
  char* end = nullptr;
  const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) || !(v > 0)) {
    f.fail("expected a positive throughput in records per second such as 6k/s, 6000/s or 360k/min");
  }
  const double r = v * scale / per;
  if (r > kMaxRate) f.fail("exceeds the maximum rate of 1e9 per second (one record per nanosecond)");
  return r;
}

/// processing_time given as a consumer's throughput: {capacity: 6k/s, kind: ..., shape}. The
/// distribution's mean is 1 / capacity exactly; the location parameter of each shape follows
/// from its mean (docs/scenario-format.md, "Processing time as a capacity").
sim::Distribution parse_capacity(const Field& f) {
  const double mean = 1.0 / parse_throughput(f.at("capacity"));
  const std::string kind = f.has("kind") ? f.at("kind").one_of({"constant", "exponential", "lognormal", "pareto"})
                                         : std::string("constant");
  sim::Distribution d;
  if (kind == "constant") {
    f.expect_map({"kind", "capacity"});
    d = sim::Distribution::constant(mean);
  } else if (kind == "exponential") {
    f.expect_map({"kind", "capacity"});
    d = sim::Distribution::exponential(mean);
  } else if (kind == "lognormal") {
    f.expect_map({"kind", "capacity", "sigma"});
    d.kind = sim::Distribution::Kind::Lognormal;
    d.sigma = f.at("sigma").non_negative();
    if (d.sigma > 5) f.at("sigma").fail("expected a sigma from 0 to 5 with capacity (the mean of a wider lognormal is dominated by rare draws)");
    d.value = mean * std::exp(-d.sigma * d.sigma / 2);  // mean = median x exp(sigma^2 / 2)
  } else {
    f.expect_map({"kind", "capacity", "alpha"});
    d.kind = sim::Distribution::Kind::Pareto;
    d.alpha = f.at("alpha").positive();
    if (d.alpha <= 1) f.at("alpha").fail("expected alpha > 1 with capacity (a Pareto with alpha <= 1 has no mean)");
    d.value = mean * (d.alpha - 1) / d.alpha;  // mean = scale x alpha / (alpha - 1)
  }
  return d;
}

}  // namespace

sim::Distribution parse_distribution(const Field& f) {
  if (!f.is_map()) f.fail("expected a distribution mapping such as {kind: constant, value: 1ms}");
  if (f.has("capacity")) return parse_capacity(f);
  std::string kind = f.at("kind").one_of(
      {"constant", "exponential", "uniform", "normal", "lognormal", "pareto", "empirical"});
  sim::Distribution d;
  auto secs = [](const Field& x) { return static_cast<double>(x.duration()) / 1e9; };
  if (kind == "constant") {
    f.expect_map({"kind", "value"});
    d = sim::Distribution::constant(secs(f.at("value")));
  } else if (kind == "exponential") {
    f.expect_map({"kind", "mean"});
    d = sim::Distribution::exponential(secs(f.at("mean")));
    if (d.value <= 0) f.at("mean").fail("expected a positive duration");
  } else if (kind == "uniform") {
    f.expect_map({"kind", "low", "high"});
    d.kind = sim::Distribution::Kind::Uniform;
    d.low = secs(f.at("low"));
    d.high = secs(f.at("high"));
    if (d.high < d.low) f.at("high").fail("expected high >= low");
  } else if (kind == "normal") {
    f.expect_map({"kind", "mean", "stddev"});
    d.kind = sim::Distribution::Kind::Normal;
    d.value = secs(f.at("mean"));
    d.sigma = secs(f.at("stddev"));
  } else if (kind == "lognormal") {
    f.expect_map({"kind", "median", "sigma"});
    d.kind = sim::Distribution::Kind::Lognormal;
    d.value = secs(f.at("median"));
    d.sigma = f.at("sigma").non_negative();
  } else if (kind == "pareto") {
    f.expect_map({"kind", "scale", "alpha"});
    d.kind = sim::Distribution::Kind::Pareto;
    d.value = secs(f.at("scale"));
    d.alpha = f.at("alpha").positive();
  } else {
    f.expect_map({"kind", "values"});
    d.kind = sim::Distribution::Kind::Empirical;
    Field vs = f.at("values");
    if (!vs.is_seq() || vs.size() == 0) vs.fail("expected a non-empty list of durations");
    for (std::size_t i = 0; i < vs.size(); ++i) d.values.push_back(secs(vs.at(i)));
  }
  return d;
}

RateSpec parse_rate(const Field& f) {
  if (!f.is_map()) f.fail("expected a rate mapping such as {kind: poisson, per_second: 1000}");
  RateSpec r;
  std::string kind = f.at("kind").one_of({"constant", "poisson", "steps"});
  if (kind == "steps") {
    f.expect_map({"kind", "steps", "arrivals"});
    r.kind = RateSpec::Kind::Steps;
    if (f.has("arrivals")) r.poisson_steps = f.at("arrivals").one_of({"poisson", "constant"}) == "poisson";
    Field steps = f.at("steps");
    if (!steps.is_seq() || steps.size() == 0) steps.fail("expected a list of [time, per_second] pairs");
    Time last = -1;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      Field s = steps.at(i);
      if (!s.is_seq() || s.size() != 2) s.fail("expected a [time, per_second] pair");
      Time t = s.at(std::size_t{0}).duration();
      if (t <= last) s.at(std::size_t{0}).fail("expected step times in increasing order");
      last = t;
      r.steps.emplace_back(t, s.at(std::size_t{1}).rate());
    }
  } else {
    f.expect_map({"kind", "per_second"});
    r.kind = kind == "poisson" ? RateSpec::Kind::Poisson : RateSpec::Kind::Constant;
    r.per_second = f.at("per_second").rate();
  }
  return r;
}

KeySpec parse_keys(const Field& f) {
  KeySpec k;
  if (!f.is_map()) f.fail("expected a key mapping such as {kind: zipf, cardinality: 1000, exponent: 1.1}");
  std::string kind = f.at("kind").one_of({"none", "uniform", "zipf", "sequential"});
  if (kind == "none") {
    f.expect_map({"kind"});
    k.kind = KeySpec::Kind::None;
    return k;
  }
  f.expect_map({"kind", "cardinality", "exponent", "prefix"});
  if (f.has("prefix")) k.prefix = f.at("prefix").str();
  if (kind == "sequential") {
    k.kind = KeySpec::Kind::Sequential;
    if (f.has("cardinality")) k.cardinality = f.at("cardinality").integer(1, 1'000'000'000'000);
    if (f.has("exponent")) f.at("exponent").fail("exponent applies to zipf keys only");
    return k;
  }
  k.kind = kind == "zipf" ? KeySpec::Kind::Zipf : KeySpec::Kind::Uniform;
  k.cardinality = f.at("cardinality").integer(1, kind == "zipf" ? 50'000'000 : 1'000'000'000'000);
  if (kind == "zipf") {
    k.exponent = f.has("exponent") ? f.at("exponent").non_negative() : 1.0;
  } else if (f.has("exponent")) {
    f.at("exponent").fail("exponent applies to zipf keys only");
  }
  return k;
}

std::string broker_kind(const std::string& text) {
  try {
    const YAML::Node root = YAML::Load(text);
    if (root.IsMap() && root["broker"].IsMap() && root["broker"]["kind"].IsScalar()) return root["broker"]["kind"].Scalar();
  } catch (const YAML::Exception&) {
  }
  return "";
}

YAML::Node parse_text(const std::string& text, const std::string& origin) {
  if (text.find('\0') != std::string::npos) throw InputError(origin + ": contains a NUL character");
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    std::ostringstream m;
    m << origin << ':' << e.mark.line + 1 << ':' << e.mark.column + 1 << ": malformed YAML/JSON: " << e.msg;
    throw InputError(m.str());
  }
  if (!root.IsDefined() || root.IsNull()) throw InputError(origin + ": empty scenario");
  return root;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open scenario file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string parse_fault_head(const Field& f, Time duration, models::FaultSpec& fa, const char* example,
                             const char* member_form) {
  if (!f.is_map()) f.fail(std::string("expected a fault mapping such as ") + example);
  fa.source = f.location();
  fa.at = f.at("at").duration();
  if (fa.at >= duration) f.at("at").fail("expected a time before the end of the run");
  std::string verb;
  int found = 0;
  for (const char* v : {"crash", "leave", "join", "slow", "restart", "rolling_restart"})
    if (f.has(v)) {
      ++found;
      verb = v;
    }
  if (found != 1) f.fail("expected exactly one of: crash, leave, join, slow, restart, rolling_restart");
  const Field target = f.at(verb.c_str());
  const std::string ref = target.str();
  if (verb == "join" || verb == "rolling_restart") {
    fa.group = ref;
  } else {
    const auto slash = ref.rfind('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == ref.size() || ref.size() - slash > 7 ||
        ref.find_first_not_of("0123456789", slash + 1) != std::string::npos)
      target.fail(std::string("expected a consumer as ") + member_form);
    fa.group = ref.substr(0, slash);
    fa.member = std::stoi(ref.substr(slash + 1));
  }
  return verb;
}

void parse_fault_verb(const Field& f, const std::string& verb, models::FaultSpec& fa) {
  if (verb == "crash") {
    f.expect_map({"at", "crash"});
    fa.kind = FaultSpec::Kind::Crash;
  } else if (verb == "leave") {
    f.expect_map({"at", "leave"});
    fa.kind = FaultSpec::Kind::Leave;
  } else if (verb == "join") {
    f.expect_map({"at", "join", "count"});
    fa.kind = FaultSpec::Kind::Join;
    if (f.has("count")) fa.count = static_cast<std::int32_t>(f.at("count").integer(1, 100'000));
  } else if (verb == "slow") {
    f.expect_map({"at", "slow", "factor", "for"});
    fa.kind = FaultSpec::Kind::Slow;
    fa.factor = f.at("factor").in_range(1e-6, 1e6);
    fa.duration = f.at("for").duration();
  } else if (verb == "restart") {
    f.expect_map({"at", "restart", "downtime"});
    fa.kind = FaultSpec::Kind::Restart;
    fa.duration = f.at("downtime").duration();
  } else {
    f.expect_map({"at", "rolling_restart", "downtime", "gap"});
    fa.kind = FaultSpec::Kind::RollingRestart;
    fa.duration = f.has("downtime") ? f.at("downtime").duration() : 0;
    fa.gap = f.at("gap").duration();
  }
}

std::int32_t members_at(const std::vector<models::FaultSpec>& faults, const std::string& group, Time at,
                        std::int32_t initial) {
  std::int32_t n = initial;
  for (const auto& e : faults)
    if (e.kind == FaultSpec::Kind::Join && e.group == group && e.at <= at) n += e.count;
  return n;
}

std::optional<sim::Time> parse_warmup(const Field& f) {
  if (f.is_scalar() && f.str() == "auto") return std::nullopt;
  if (!f.is_scalar()) f.fail("expected auto or a duration such as 30s");
  return f.duration();
}

void parse_output(const Field& top, models::OutputSpec& out) {
  if (!top.has("output")) return;
  const Field o = top.at("output");
  o.expect_map({"sample_interval", "warmup"});
  if (o.has("sample_interval")) {
    out.sample_interval = o.at("sample_interval").duration();
    if (out.sample_interval <= 0) o.at("sample_interval").fail("expected a positive duration");
  }
  if (o.has("warmup")) out.warmup = parse_warmup(o.at("warmup"));
}

namespace {

/// Records @p n and everything under it as coming from the option @p text.
void mark_override(Source& source, const YAML::Node& n, const std::string& text) {
  source.overrides.emplace_back(n, text);
  if (n.IsMap()) {
    for (const auto& kv : n) {
      mark_override(source, kv.first, text);
      mark_override(source, kv.second, text);
    }
  } else if (n.IsSequence()) {
    for (const auto& item : n) mark_override(source, item, text);
  }
}

/// Sets the field at a dotted path in the YAML tree; the parent must exist, the leaf may be new
/// (unknown names are then rejected by validation like any typo).
void apply_override(YAML::Node root, const Override& o, Source& source) {
  const std::string& origin = source.origin;
  if (invalid_utf8_offset(o.path + o.value) != std::string::npos)
    throw InputError(o.option + " " + escape_bytes(o.path + "=" + o.value) + ": expected UTF-8 text");
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto dot = o.path.find('.', start);
    parts.push_back(o.path.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Node value;
  try {
    value = YAML::Load(o.value);
  } catch (const YAML::Exception& e) {
    throw InputError(o.option + " " + o.path + "=" + o.value + ": malformed value: " + e.msg);
  }
  // An empty value stays a null node, which every field reports as missing.
  if (!value.IsDefined()) value = YAML::Node(YAML::NodeType::Null);
  mark_override(source, value, o.option + " " + o.path + "=" + o.value);
  YAML::Node cur = root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& k = parts[i];
    if (k.empty()) throw InputError(origin + ": override " + o.path + ": empty path component");
    const bool last = i + 1 == parts.size();
    walked += (walked.empty() ? "" : ".") + k;
    if (cur.IsSequence()) {
      char* end = nullptr;
      long idx = std::strtol(k.c_str(), &end, 10);
      if (*end != '\0' || idx < 0 || static_cast<std::size_t>(idx) >= cur.size()) {
        throw InputError(origin + ": override " + o.path + ": " + walked + ": expected an index below " +
                         std::to_string(cur.size()));
      }
      if (last) {
        cur[static_cast<std::size_t>(idx)] = value;
        return;
      }
      cur.reset(cur[static_cast<std::size_t>(idx)]);
    } else if (cur.IsMap()) {
      if (last) {
        cur[k] = value;
        // The key too, so that an unknown field name is reported at the option.
        for (const auto& kv : cur)
          if (kv.first.Scalar() == k) source.overrides.emplace_back(kv.first, o.option + " " + o.path + "=" + o.value);
        return;
      }
      if (!cur[k].IsDefined() || cur[k].IsNull()) {
        // An optional section the file leaves out (e.g. broker): create it; validation still
        // rejects any name that is not part of the schema.
        const std::string& following = parts[i + 1];
        if (following.empty() || std::isdigit(static_cast<unsigned char>(following[0]))) {
          throw InputError(origin + ": override " + o.path + ": " + walked + ": no such list in the scenario");
        }
        cur[k] = YAML::Node(YAML::NodeType::Map);
      }
      YAML::Node next = cur[k];
      cur.reset(next);
    } else {
      throw InputError(origin + ": override " + o.path + ": " + walked + ": is not a mapping or list");
    }
  }
}

}  // namespace

void apply_overrides(YAML::Node root, const std::vector<Override>& overrides, Source& source) {
  for (const auto& o : overrides) apply_override(root, o, source);
}

}  // namespace cgsim::scenarios::fields
