/// @file schema.cpp
/// The scenario JSON Schema: the pieces every broker family shares, and the one schema that
/// `cgsim schema` prints, in which `broker.kind` selects the family's part.
#include <nlohmann/json.hpp>

#include "models/common/error.hpp"
#include "scenarios/loader.hpp"
#include "scenarios/schema_parts.hpp"

namespace cgsim::scenarios {

namespace schema {

json duration() {
  // A bare 0 is a YAML integer; the loader takes it as a duration as it does "0".
  return {{"type", json::array({"string", "integer"})},
          {"pattern", "^(0|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+)$"},
          {"minimum", 0},
          {"maximum", 0},
          {"description", "A duration such as 250ms, 45s, 5m, 1h or 1m30s"}};
}

json object(json props, std::vector<std::string> required) {
  return {{"type", "object"}, {"additionalProperties", false}, {"properties", std::move(props)}, {"required", required}};
}

json integer(long long lo, long long hi) { return {{"type", "integer"}, {"minimum", lo}, {"maximum", hi}}; }

json distribution() {
  json kinds = json::array();
  auto variant = [&](const char* kind, json props, std::vector<std::string> req) {
    props["kind"] = {{"const", kind}};
    req.insert(req.begin(), "kind");
    kinds.push_back(object(std::move(props), std::move(req)));
  };
  variant("constant", {{"value", duration()}}, {"value"});
  variant("exponential", {{"mean", duration()}}, {"mean"});
  variant("uniform", {{"low", duration()}, {"high", duration()}}, {"low", "high"});
  variant("normal", {{"mean", duration()}, {"stddev", duration()}}, {"mean", "stddev"});
  variant("lognormal", {{"median", duration()}, {"sigma", {{"type", "number"}, {"minimum", 0}}}}, {"median", "sigma"});
  variant("pareto", {{"scale", duration()}, {"alpha", {{"type", "number"}, {"exclusiveMinimum", 0}}}}, {"scale", "alpha"});
  variant("empirical", {{"values", {{"type", "array"}, {"minItems", 1}, {"items", duration()}}}}, {"values"});
  // A consumer's throughput with a shape: each shape takes its own parameter.
  const json capacity = {{"type", "string"}, {"pattern", "^[0-9]+(\\.[0-9]+)?[kM]?(/s|/min|/h)?$"}};
  kinds.push_back(object({{"capacity", capacity}, {"kind", {{"const", "constant"}}}}, {"capacity"}));
  kinds.push_back(object({{"capacity", capacity}, {"kind", {{"const", "exponential"}}}}, {"capacity", "kind"}));
  kinds.push_back(object({{"capacity", capacity},
                          {"kind", {{"const", "lognormal"}}},
                          {"sigma", {{"type", "number"}, {"minimum", 0}, {"maximum", 5}}}},
                         {"capacity", "kind", "sigma"}));
  kinds.push_back(object({{"capacity", capacity},
                          {"kind", {{"const", "pareto"}}},
                          {"alpha", {{"type", "number"}, {"exclusiveMinimum", 1}}}},
                         {"capacity", "kind", "alpha"}));
  return {{"oneOf", kinds}};
}

json rate() {
  const json per_second = {{"type", "number"}, {"minimum", 0}, {"maximum", 1e9}};
  return {{"oneOf",
           json::array({object({{"kind", {{"enum", {"constant", "poisson"}}}}, {"per_second", per_second}},
                               {"kind", "per_second"}),
                        object({{"kind", {{"const", "steps"}}},
                                {"arrivals", {{"enum", {"poisson", "constant"}}}},
                                {"steps",
                                 {{"type", "array"},
                                  {"minItems", 1},
                                  {"items",
                                   {{"type", "array"},
                                    {"prefixItems", json::array({duration(), per_second})},
                                    {"minItems", 2},
                                    {"maxItems", 2}}}}}},
                               {"kind", "steps"})})}};
}

json keys() {
  const json prefix = {{"type", "string"}};
  return {{"oneOf",
           json::array({object({{"kind", {{"const", "none"}}}}, {"kind"}),
                        object({{"kind", {{"const", "uniform"}}}, {"cardinality", integer(1, 1'000'000'000'000)}, {"prefix", prefix}},
                               {"kind", "cardinality"}),
                        object({{"kind", {{"const", "zipf"}}},
                                {"cardinality", integer(1, 50'000'000)},
                                {"exponent", {{"type", "number"}, {"minimum", 0}}},
                                {"prefix", prefix}},
                               {"kind", "cardinality"}),
                        object({{"kind", {{"const", "sequential"}}}, {"cardinality", integer(1, 1'000'000'000'000)}, {"prefix", prefix}},
                               {"kind"})})}};
}

json faults(bool kafka) {
  // Kafka group ids have no '/'; RabbitMQ consumer groups and Pulsar subscriptions may.
  const json member = {{"type", "string"},
                       {"pattern", kafka ? "^[^/]+/[0-9]{1,6}$" : "^.+/[0-9]{1,6}$"},
                       {"description", "<group>/<consumer index>"}};
  const json factor = kafka ? json{{"type", "number"}, {"exclusiveMinimum", 0}}
                            : json{{"type", "number"}, {"minimum", 1e-6}, {"maximum", 1e6}};
  const json count = integer(1, 100'000);
  const json name = {{"type", "string"}};
  json verbs = json::array({
      object({{"at", duration()}, {"crash", member}}, {"at", "crash"}),
      object({{"at", duration()}, {"leave", member}}, {"at", "leave"}),
      object({{"at", duration()}, {"join", name}, {"count", count}}, {"at", "join"}),
      object({{"at", duration()}, {"slow", member}, {"factor", factor}, {"for", duration()}}, {"at", "slow", "factor", "for"}),
      object({{"at", duration()}, {"restart", member}, {"downtime", duration()}}, {"at", "restart", "downtime"}),
      object({{"at", duration()}, {"rolling_restart", name}, {"downtime", duration()}, {"gap", duration()}},
             {"at", "rolling_restart", "gap"}),
  });
  if (kafka) verbs.push_back(object({{"at", duration()}, {"add_partitions", name}, {"count", count}}, {"at", "add_partitions", "count"}));
  return {{"type", "array"}, {"items", {{"oneOf", verbs}}}};
}

}  // namespace schema

namespace {

using nlohmann::json;

/// {broker: {kind: <kind>}}: the condition under which a file is of that family.
json broker_kind_is(const char* kind) {
  return {{"properties", {{"broker", {{"properties", {{"kind", {{"const", kind}}}}}, {"required", {"kind"}}}}}},
          {"required", {"broker"}}};
}

}  // namespace

json scenario_json_schema(const std::string& family) {
  json top;
  if (family == "kafka") {
    top = schema::kafka_schema();
  } else if (family == "rabbitmq") {
    top = schema::rabbitmq_schema();
  } else if (family == "pulsar") {
    top = schema::pulsar_schema();
  } else if (family.empty()) {
    // broker.kind selects the family; a file without it (or with another) is a Kafka scenario,
    // as for the loaders. The families are under $defs, each a whole file's schema.
    top = {{"type", "object"},
           {"properties",
            {{"broker",
              {{"description", "The broker: its kind selects the scenario's family (rabbitmq or pulsar; none for Kafka)."},
               {"examples", json::array({json{{"kind", "rabbitmq"}}})},
               {"properties",
                {{"kind",
                  {{"enum", {"rabbitmq", "pulsar"}},
                   {"description", "The broker family: rabbitmq or pulsar; Kafka scenarios leave it out."},
                   {"examples", json::array({"rabbitmq"})}}}}}}}}},
           {"$defs", {{"kafka", schema::kafka_schema()}, {"rabbitmq", schema::rabbitmq_schema()}, {"pulsar", schema::pulsar_schema()}}},
           {"if", broker_kind_is("rabbitmq")},
           {"then", {{"$ref", "#/$defs/rabbitmq"}}},
           {"else",
            {{"if", broker_kind_is("pulsar")}, {"then", {{"$ref", "#/$defs/pulsar"}}}, {"else", {{"$ref", "#/$defs/kafka"}}}}}};
  } else {
    throw InputError("--broker " + family + ": expected one of: kafka, rabbitmq, pulsar");
  }
  top["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  top["title"] = family.empty() ? "cgsim scenario" : "cgsim " + family + " scenario";
  return top;
}

}  // namespace cgsim::scenarios
