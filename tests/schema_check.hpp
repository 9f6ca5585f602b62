#pragma once
/// @file schema_check.hpp
/// A test-only JSON Schema checker of exactly the keywords `cgsim schema` emits (draft 2020-12:
/// type, enum, const, pattern, minimum, maximum, exclusiveMinimum, minLength, minItems,
/// maxItems, items, prefixItems, properties, required, additionalProperties, oneOf, anyOf,
/// allOf, not, if/then/else, dependentSchemas, local $ref), and YAML to JSON as an editor's
/// YAML support reads it (YAML 1.2 core schema). A keyword it does not know fails the check,
/// so the schema cannot grow one that no test understands.
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace schema_check {

using nlohmann::json;

/// A YAML scalar typed as the core schema types it: null, bool, integer, float, else string;
/// quoted scalars are strings.
inline json to_json(const YAML::Node& n) {
  if (n.IsMap()) {
    json o = json::object();
    for (const auto& kv : n) o[kv.first.Scalar()] = to_json(kv.second);
    return o;
  }
  if (n.IsSequence()) {
    json a = json::array();
    for (const auto& v : n) a.push_back(to_json(v));
    return a;
  }
  if (!n.IsDefined() || n.IsNull()) return nullptr;
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;
  static const std::regex null_re("^(~|null|Null|NULL)?$"), true_re("^(true|True|TRUE)$"),
      false_re("^(false|False|FALSE)$"), int_re("^[-+]?[0-9]+$"),
      float_re("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$");
  if (std::regex_match(s, null_re)) return nullptr;
  if (std::regex_match(s, true_re)) return true;
  if (std::regex_match(s, false_re)) return false;
  if (std::regex_match(s, int_re)) {
    try {
      return std::stoll(s);
    } catch (...) {
      return std::stod(s);
    }
  }
  if (std::regex_match(s, float_re)) return std::stod(s);
  return s;
}

class Checker {
 public:
  explicit Checker(const json& root) : root_(root) {}

  /// The problems of @p inst against @p schema, each "path: what"; empty when it is valid.
  std::vector<std::string> errors(const json& inst, const json& schema) const {
    std::vector<std::string> out;
    check(inst, schema, "", out);
    return out;
  }
  bool valid(const json& inst, const json& schema) const { return errors(inst, schema).empty(); }

  const json& resolve(const std::string& ref) const {
    if (ref.rfind("#", 0) != 0) throw std::runtime_error("non-local $ref " + ref);
    return root_.at(json::json_pointer(ref.substr(1)));
  }

 private:
  static bool is_type(const json& v, const std::string& t) {
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "boolean") return v.is_boolean();
    if (t == "null") return v.is_null();
    if (t == "number") return v.is_number();
    if (t == "integer") return v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
    throw std::runtime_error("unknown type " + t);
  }

  void check(const json& v, const json& s, const std::string& path, std::vector<std::string>& out) const {
    if (s.is_boolean()) {
      if (!s.get<bool>()) out.push_back(path + ": not allowed");
      return;
    }
    static const std::set<std::string> annotations{"description", "examples", "default", "title", "$schema", "$defs"};
    auto fail = [&](const std::string& what) { out.push_back((path.empty() ? "(top level)" : path) + ": " + what); };
    for (const auto& [k, rule] : s.items()) {
      if (annotations.count(k) || k == "then" || k == "else") continue;
      if (k == "$ref") {
        check(v, resolve(rule.get<std::string>()), path, out);
      } else if (k == "type") {
        bool ok = false;
        if (rule.is_string()) ok = is_type(v, rule.get<std::string>());
        else
          for (const auto& t : rule) ok = ok || is_type(v, t.get<std::string>());
        if (!ok) fail("expected type " + rule.dump());
      } else if (k == "enum") {
        bool ok = false;
        for (const auto& e : rule) ok = ok || e == v;
        if (!ok) fail("expected one of " + rule.dump());
      } else if (k == "const") {
        if (rule != v) fail("expected " + rule.dump());
      } else if (k == "pattern") {
        if (v.is_string() && !std::regex_search(v.get<std::string>(), std::regex(rule.get<std::string>())))
          fail("does not match " + rule.get<std::string>());
      } else if (k == "minimum") {
        if (v.is_number() && v.get<double>() < rule.get<double>()) fail("below minimum " + rule.dump());
      } else if (k == "maximum") {
        if (v.is_number() && v.get<double>() > rule.get<double>()) fail("above maximum " + rule.dump());
      } else if (k == "exclusiveMinimum") {
        if (v.is_number() && !(v.get<double>() > rule.get<double>())) fail("not above " + rule.dump());
      } else if (k == "minLength") {
        if (v.is_string() && v.get<std::string>().size() < rule.get<std::size_t>()) fail("too short");
      } else if (k == "minItems") {
        if (v.is_array() && v.size() < rule.get<std::size_t>()) fail("too few items");
      } else if (k == "maxItems") {
        if (v.is_array() && v.size() > rule.get<std::size_t>()) fail("too many items");
      } else if (k == "prefixItems") {
        if (v.is_array())
          for (std::size_t i = 0; i < v.size() && i < rule.size(); ++i) check(v[i], rule[i], path + "[" + std::to_string(i) + "]", out);
      } else if (k == "items") {
        const std::size_t from = s.contains("prefixItems") ? s["prefixItems"].size() : 0;
        if (v.is_array())
          for (std::size_t i = from; i < v.size(); ++i) check(v[i], rule, path + "[" + std::to_string(i) + "]", out);
      } else if (k == "properties") {
        if (v.is_object())
          for (const auto& [name, sub] : rule.items())
            if (v.contains(name)) check(v[name], sub, path.empty() ? name : path + "." + name, out);
      } else if (k == "required") {
        if (v.is_object())
          for (const auto& r : rule)
            if (!v.contains(r.get<std::string>())) fail("missing required key \"" + r.get<std::string>() + "\"");
      } else if (k == "additionalProperties") {
        if (v.is_object())
          for (const auto& [name, sub] : v.items())
            if (!s.contains("properties") || !s["properties"].contains(name))
              check(sub, rule, path.empty() ? name : path + "." + name, out);
      } else if (k == "dependentSchemas") {
        if (v.is_object())
          for (const auto& [name, sub] : rule.items())
            if (v.contains(name)) check(v, sub, path, out);
      } else if (k == "oneOf" || k == "anyOf") {
        std::size_t n = 0;
        for (const auto& alt : rule) n += valid(v, alt);
        if (n == 0 || (k == "oneOf" && n > 1)) fail(k + ": " + std::to_string(n) + " alternatives match");
      } else if (k == "allOf") {
        for (const auto& sub : rule) check(v, sub, path, out);
      } else if (k == "not") {
        if (valid(v, rule)) fail("matches a schema it must not");
      } else if (k == "if") {
        if (valid(v, rule)) {
          if (s.contains("then")) check(v, s["then"], path, out);
        } else if (s.contains("else")) {
          check(v, s["else"], path, out);
        }
      } else {
        throw std::runtime_error("schema_check does not know the keyword " + k);
      }
    }
  }

  const json& root_;
};

}  // namespace schema_check
