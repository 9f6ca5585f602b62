#pragma once
/// @file schema_parts.hpp
/// Pieces of the scenario JSON Schema that every broker family's part uses (durations, rates, key
/// and processing-time distributions, faults) and the words that describe each property.
/// scenario_json_schema() (schema.cpp) puts the families together; schema_kafka.cpp,
/// schema_rabbitmq.cpp and schema_pulsar.cpp each describe one family's files.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cgsim::scenarios::schema {

using nlohmann::json;

/// What one property is: its text, unit, default and an example.
struct Doc {
  const char* text;
  const char* unit;  ///< "" when the value has none
  json fallback;     ///< the default; null when the property is required or has none
  json example;
};
/// Docs keyed by "<parent property>.<property>" (the top level's parent is empty; a
/// distribution's fields have processing_time as their parent).
using Docs = std::map<std::string, Doc>;

/// A duration string such as 250ms or 1m30s.
json duration();
/// A mapping with exactly @p props, of which @p required must be present.
json object(json props, std::vector<std::string> required);
/// An integer from @p lo to @p hi.
json integer(long long lo, long long hi);
/// A processing-time distribution (each shape, or a capacity with a shape).
json distribution();
/// A producer's rate: constant, Poisson or steps.
json rate();
/// A producer's key distribution.
json keys();
/// Faults: the verbs every family has, plus add_partitions when @p kafka.
json faults(bool kafka);

/// The docs of what every family shares: rates, keys, processing times, faults.
const Docs& shared_docs();
/// Adds every property's description, unit, default and example, from @p docs, else from
/// shared_docs().
void describe(json& schema, const Docs& docs);

/// One family's schema: an object schema of the whole file, described.
json kafka_schema();
json rabbitmq_schema();
json pulsar_schema();

}  // namespace cgsim::scenarios::schema
