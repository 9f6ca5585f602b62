#include "analysis/metrics/json_read.hpp"

namespace cgsim::analysis {

using json = nlohmann::json;

std::string json_excerpt(const json& v) {
  std::string text = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return escape_bytes(text);
}

void json_type_error(const std::string& path, const std::string& what, const json& v) {
  throw InputError(path + ": expected " + what + ", got " + json_excerpt(v));
}

namespace {

std::string range_text(const std::string& lo, const std::string& hi) { return "an integer from " + lo + " to " + hi; }

/// A float that is an integer within [lo, hi) (both powers of two or zero, so exact as doubles).
bool integral_within(double d, double lo, double hi_excl) {
  return std::isfinite(d) && std::trunc(d) == d && d >= lo && d < hi_excl;
}

}  // namespace

std::int64_t json_int_in(const json& v, const std::string& path, std::int64_t lo, std::int64_t hi) {
  const std::string what = range_text(std::to_string(lo), std::to_string(hi));
  std::int64_t x = 0;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) json_type_error(path, what, v);
    x = static_cast<std::int64_t>(u);
  } else if (v.is_number_integer()) {
    x = v.get<std::int64_t>();
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!integral_within(d, -0x1p63, 0x1p63)) json_type_error(path, what, v);
    x = static_cast<std::int64_t>(d);
  } else {
    json_type_error(path, what, v);
  }
  if (x < lo || x > hi) json_type_error(path, what, v);
  return x;
}

std::uint64_t json_uint_in(const json& v, const std::string& path, std::uint64_t lo, std::uint64_t hi) {
  const std::string what = range_text(std::to_string(lo), std::to_string(hi));
  std::uint64_t x = 0;
  if (v.is_number_unsigned()) {
    x = v.get<std::uint64_t>();
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0) json_type_error(path, what, v);
    x = static_cast<std::uint64_t>(i);
  } else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!integral_within(d, 0, 0x1p64)) json_type_error(path, what, v);
    x = static_cast<std::uint64_t>(d);
  } else {
    json_type_error(path, what, v);
  }
  if (x < lo || x > hi) json_type_error(path, what, v);
  return x;
}

double json_real(const json& v, const std::string& path) {
  if (!v.is_number()) json_type_error(path, "a number", v);
  return v.get<double>();
}

double json_real_or_nan(const json& v, const std::string& path) {
  if (v.is_number()) return v.get<double>();
  if (v.is_null()) return NAN;
  if (v.is_string()) {
    const auto& t = v.get_ref<const std::string&>();
    if (t == "inf") return INFINITY;
    if (t == "-inf") return -INFINITY;
  }
  json_type_error(path, "a number, \"inf\" or \"-inf\"", v);
}

double json_real_or_nan_at(const json& j, const std::string& path, std::string_view key) {
  const json* v = json_find(j, path, key);
  return v ? json_real_or_nan(*v, key_path(path, key)) : NAN;
}

std::string json_string(const json& v, const std::string& path) {
  if (!v.is_string()) json_type_error(path, "a string", v);
  return v.get<std::string>();
}

bool json_bool(const json& v, const std::string& path) {
  if (!v.is_boolean()) json_type_error(path, "true or false", v);
  return v.get<bool>();
}

const json* json_find(const json& j, const std::string& path, std::string_view key) {
  if (!j.is_object()) json_type_error(path.empty() ? "the top level" : path, "an object", j);
  const auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

const json& json_at(const json& j, const std::string& path, std::string_view key) {
  const json* v = json_find(j, path, key);
  if (!v) throw InputError(key_path(path, key) + ": missing");
  return *v;
}

std::string json_string_or(const json& j, const std::string& path, std::string_view key, const std::string& def) {
  const json* v = json_find(j, path, key);
  return v ? json_string(*v, key_path(path, key)) : def;
}

bool json_bool_or(const json& j, const std::string& path, std::string_view key, bool def) {
  const json* v = json_find(j, path, key);
  return v ? json_bool(*v, key_path(path, key)) : def;
}

const json& json_array_or_empty(const json& j, const std::string& path, std::string_view key) {
  static const json empty = json::array();
  const json* v = json_find(j, path, key);
  if (!v) return empty;
  if (!v->is_array()) json_type_error(key_path(path, key), "an array", *v);
  return *v;
}

}  // namespace cgsim::analysis
