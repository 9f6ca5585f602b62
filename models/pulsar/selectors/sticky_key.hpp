#pragma once
/// @file sticky_key.hpp
/// Which bytes of a message Key_Shared hashes: its sticky key.
#include <cstdint>
#include <optional>
#include <string>

namespace cgsim::models::pulsar {

/// What the broker reads from a message's metadata to find its sticky key.
struct MessageKeys {
  std::optional<std::string> ordering_key;   ///< bytes set with orderingKey()
  std::optional<std::string> partition_key;  ///< the message key (UTF-8; already decoded if it was base64)
  std::optional<std::string> producer_name;
  std::optional<std::int64_t> sequence_id;
};

/// The sticky key Pulsar 4.2's broker uses: the ordering key if set, else the message key, else
/// "<producer name>-<sequence id>" when both are known (so unkeyed messages spread over the
/// consumers), else the constant "NONE_KEY".
inline std::string sticky_key(const MessageKeys& m) {
  if (m.ordering_key) return *m.ordering_key;
  if (m.partition_key) return *m.partition_key;
  if (m.producer_name && m.sequence_id) return *m.producer_name + "-" + std::to_string(*m.sequence_id);
  return "NONE_KEY";
}

}  // namespace cgsim::models::pulsar
