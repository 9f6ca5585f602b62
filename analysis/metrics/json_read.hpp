#pragma once
/// @file json_read.hpp
/// Checked reads of values from JSON files that cgsim wrote and reads back (summary.json,
/// sweep.json, plan.json). The user may have edited those files, so nothing in them is trusted: a
/// number becoming an integer must be integer-valued and within the range of its type (converting
/// a double outside that range is undefined behaviour), and a value of another JSON type is an
/// error rather than a library exception. Every error is an InputError that names the value by its
/// path, e.g. `out/summary.json: groups[0].consumed: expected an integer from 0 to …, got 2.9e+34`.
///
/// A path is the file (with ": ") followed by keys and indices: key_path(), index_path() build
/// them. Readers that do not know their file start from an empty path and their caller prefixes it.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

#include "models/common/error.hpp"

namespace cgsim::analysis {

/// @p parent followed by the object key @p key ("groups[0]" + "consumed" -> "groups[0].consumed";
/// no dot after an empty path or one ending in ": ").
inline std::string key_path(const std::string& parent, std::string_view key) {
  if (parent.empty() || parent.back() == ' ') return parent + std::string(key);
  return parent + "." + std::string(key);
}

/// @p parent followed by the array index @p i ("groups" -> "groups[3]").
inline std::string index_path(const std::string& parent, std::size_t i) {
  return parent + "[" + std::to_string(i) + "]";
}

/// @p v as it appears in a message: its JSON text, escaped and cut to 60 characters.
std::string json_excerpt(const nlohmann::json& v);

/// The InputError "<path>: expected <what>, got <value>".
[[noreturn]] void json_type_error(const std::string& path, const std::string& what, const nlohmann::json& v);

/// @p v as an integer within [lo, hi], the range of what it becomes; the value must be an integer
/// (a float such as 3.0 is accepted, 3.5 is not). Throws InputError naming @p path and the range.
std::int64_t json_int_in(const nlohmann::json& v, const std::string& path, std::int64_t lo, std::int64_t hi);
/// The same for an unsigned value within [lo, hi].
std::uint64_t json_uint_in(const nlohmann::json& v, const std::string& path, std::uint64_t lo, std::uint64_t hi);

/// @p v as an integer of type T (its whole range, or [lo, hi] within it).
template <typename T>
T json_integer(const nlohmann::json& v, const std::string& path, T lo = std::numeric_limits<T>::min(),
               T hi = std::numeric_limits<T>::max()) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  if constexpr (std::is_signed_v<T>) {
    return static_cast<T>(json_int_in(v, path, lo, hi));
  } else {
    return static_cast<T>(json_uint_in(v, path, lo, hi));
  }
}

/// @p v as a number (any JSON number; integers beyond 2^53 are rounded). Throws InputError naming
/// @p path for anything else.
double json_real(const nlohmann::json& v, const std::string& path);

/// @p v as a number where the writer may have had no finite value: a number, the strings "inf"
/// and "-inf", or null (NaN; nlohmann writes a non-finite double as null). Throws InputError
/// naming @p path for anything else.
double json_real_or_nan(const nlohmann::json& v, const std::string& path);

/// @p v as a string; throws InputError naming @p path otherwise.
std::string json_string(const nlohmann::json& v, const std::string& path);

/// @p v as a boolean; throws InputError naming @p path otherwise.
bool json_bool(const nlohmann::json& v, const std::string& path);

/// The value at @p key of the object @p j, or nullptr when @p j holds no such key or it is null.
/// Throws InputError naming @p path when @p j is not an object.
const nlohmann::json* json_find(const nlohmann::json& j, const std::string& path, std::string_view key);

/// The value at @p key of the object @p j; throws InputError naming the key's path when it is missing
/// or @p j is not an object.
const nlohmann::json& json_at(const nlohmann::json& j, const std::string& path, std::string_view key);

/// The integer at @p key of @p j within [lo, hi], or @p def when the key is missing or null.
template <typename T>
T json_integer_or(const nlohmann::json& j, const std::string& path, std::string_view key, T def,
                  T lo = std::numeric_limits<T>::min(), T hi = std::numeric_limits<T>::max()) {
  const nlohmann::json* v = json_find(j, path, key);
  return v ? json_integer<T>(*v, key_path(path, key), lo, hi) : def;
}

/// The number at @p key of @p j as json_real_or_nan() reads it; NaN when the key is missing.
double json_real_or_nan_at(const nlohmann::json& j, const std::string& path, std::string_view key);

/// The string at @p key of @p j, or @p def when the key is missing or null.
std::string json_string_or(const nlohmann::json& j, const std::string& path, std::string_view key,
                           const std::string& def);

/// The boolean at @p key of @p j, or @p def when the key is missing or null.
bool json_bool_or(const nlohmann::json& j, const std::string& path, std::string_view key, bool def);

/// The array at @p key of @p j (an empty array when the key is missing or null); throws InputError
/// naming the key's path when it is another type.
const nlohmann::json& json_array_or_empty(const nlohmann::json& j, const std::string& path, std::string_view key);

}  // namespace cgsim::analysis
