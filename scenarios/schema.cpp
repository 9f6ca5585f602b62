#include <nlohmann/json.hpp>

#include "models/kafka/assignors/assignor.hpp"
#include "models/kafka/partitioners/partitioner.hpp"
#include "scenarios/loader.hpp"

namespace cgsim::scenarios {

/// Adds every property's description, unit, default and example (schema_docs.cpp).
void describe_schema(nlohmann::json& schema);

namespace {

using nlohmann::json;

json duration() {
  return {{"type", "string"},
          {"pattern", "^(0|([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+)$"},
          {"description", "A duration such as 250ms, 45s, 5m, 1h or 1m30s"}};
}

json object(json props, std::vector<std::string> required) {
  return {{"type", "object"}, {"additionalProperties", false}, {"properties", std::move(props)}, {"required", required}};
}

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
  kinds.push_back(object({{"capacity", {{"type", "string"}, {"pattern", "^[0-9]+(\\.[0-9]+)?[kM]?(/s|/min|/h)?$"}}},
                          {"kind", {{"enum", {"constant", "exponential", "lognormal", "pareto"}}}},
                          {"sigma", {{"type", "number"}, {"minimum", 0}, {"maximum", 5}}},
                          {"alpha", {{"type", "number"}, {"exclusiveMinimum", 1}}}},
                         {"capacity"}));
  return {{"oneOf", kinds}};
}

json member_ref() {
  return {{"type", "string"}, {"pattern", "^[^/]+/[0-9]+$"}, {"description", "<group id>/<consumer index>"}};
}

}  // namespace

json scenario_json_schema() {
  json rate = {{"oneOf",
                json::array({object({{"kind", {{"enum", {"constant", "poisson"}}}},
                                     {"per_second", {{"type", "number"}, {"minimum", 0}}}},
                                    {"kind", "per_second"}),
                             object({{"kind", {{"const", "steps"}}},
                                     {"arrivals", {{"enum", {"poisson", "constant"}}}},
                                     {"steps",
                                      {{"type", "array"},
                                       {"minItems", 1},
                                       {"items",
                                        {{"type", "array"},
                                         {"prefixItems", json::array({duration(), {{"type", "number"}, {"minimum", 0}}})},
                                         {"minItems", 2},
                                         {"maxItems", 2}}}}}},
                                    {"kind", "steps"})})}};
  json keys = object({{"kind", {{"enum", {"none", "uniform", "zipf", "sequential"}}}},
                      {"cardinality", {{"type", "integer"}, {"minimum", 1}}},
                      {"exponent", {{"type", "number"}, {"minimum", 0}}},
                      {"prefix", {{"type", "string"}}}},
                     {"kind"});
  json producer = object({{"topic", {{"type", "string"}}},
                          {"rate", rate},
                          {"keys", keys},
                          {"partitioner", {{"enum", models::partitioners::Partitioner::names()}}},
                          {"record_bytes", {{"type", "integer"}, {"minimum", 0}}},
                          {"count", {{"type", "integer"}, {"minimum", 1}}},
                          {"start", duration()},
                          {"stop", duration()},
                          {"metadata_max_age", duration()}},
                         {"topic", "rate"});
  json commit = object({{"kind", {{"enum", {"auto", "after_batch", "none"}}}}, {"interval", duration()}}, {"kind"});
  json consumers = object({{"count", {{"type", "integer"}, {"minimum", 0}}},
                           {"processing_time", distribution()},
                           {"rack", {{"type", "string"}}},
                           {"static", {{"type", "boolean"}}}},
                          {"count", "processing_time"});
  json group = object({{"id", {{"type", "string"}, {"pattern", "^[^/]+$"}}},
                       {"topics", {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}}}}},
                       {"assignor", {{"enum", models::assignors::assignor_names()}}},
                       {"protocol", {{"enum", {"eager", "cooperative", "consumer"}}}},
                       {"session_timeout", duration()},
                       {"heartbeat_interval", duration()},
                       {"max_poll_interval", duration()},
                       {"max_poll_records", {{"type", "integer"}, {"minimum", 1}}},
                       {"commit", commit},
                       {"auto_offset_reset", {{"enum", {"earliest", "latest"}}}},
                       {"start_spread", duration()},
                       {"metadata_max_age", duration()},
                       {"consumers", consumers}},
                      {"id", "topics", "consumers"});
  json faults = {{"oneOf", json::array({
                               object({{"at", duration()}, {"crash", member_ref()}}, {"at", "crash"}),
                               object({{"at", duration()}, {"leave", member_ref()}}, {"at", "leave"}),
                               object({{"at", duration()}, {"join", {{"type", "string"}}}, {"count", {{"type", "integer"}, {"minimum", 1}}}},
                                      {"at", "join"}),
                               object({{"at", duration()}, {"slow", member_ref()}, {"factor", {{"type", "number"}, {"exclusiveMinimum", 0}}}, {"for", duration()}},
                                      {"at", "slow", "factor", "for"}),
                               object({{"at", duration()}, {"restart", member_ref()}, {"downtime", duration()}},
                                      {"at", "restart", "downtime"}),
                               object({{"at", duration()}, {"rolling_restart", {{"type", "string"}}}, {"downtime", duration()}, {"gap", duration()}},
                                      {"at", "rolling_restart", "gap"}),
                               object({{"at", duration()}, {"add_partitions", {{"type", "string"}}}, {"count", {{"type", "integer"}, {"minimum", 1}}}},
                                      {"at", "add_partitions", "count"}),
                           })}};
  json top = object(
      {{"name", {{"type", "string"}, {"minLength", 1}}},
       {"description", {{"type", "string"}}},
       {"seed", {{"type", "integer"}, {"minimum", 0}}},
       {"duration", duration()},
       {"client", {{"enum", {"java", "librdkafka"}}}},
       {"time_scale", {{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 1}}},
       {"broker", object({{"request_latency", duration()}, {"initial_rebalance_delay", duration()}, {"produce_tick", duration()}}, {})},
       {"output", object({{"sample_interval", duration()},
                          {"warmup", {{"oneOf", json::array({{{"const", "auto"}}, duration()})}}}},
                         {})},
       {"topics", {{"type", "array"},
                   {"minItems", 1},
                   {"items", object({{"name", {{"type", "string"}, {"minLength", 1}}}, {"partitions", {{"type", "integer"}, {"minimum", 1}}}},
                                    {"name", "partitions"})}}},
       {"producers", {{"type", "array"}, {"items", producer}}},
       {"groups", {{"type", "array"}, {"minItems", 1}, {"items", group}}},
       {"faults", {{"type", "array"}, {"items", faults}}}},
      {"name", "duration", "topics", "groups"});
  describe_schema(top);
  top["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  top["title"] = "cgsim scenario";
  return top;
}

}  // namespace cgsim::scenarios
