#pragma once
/// @file json_io.hpp
/// The JSON form of an assignment problem, shared by `cgsim assign`, the differential test and the
/// Java reference harness (tests/reference). One case:
///
///   {
///     "assignor": "cooperative-sticky",        // see assignor_names()
///     "client": "java",                        // optional: java (default) | librdkafka
///     "topics": [
///       {"name": "orders", "partitions": 6,
///        "replica_racks": [["a", "b"], ["b", "c"], ...],   // optional, one list per partition
///        "id": "T1-A4s3VTwiI5CTbEp6POw"}                    // optional topic id (server assignors)
///     ],
///     "members": [
///       {"member_id": "c-1", "group_instance_id": "i-1",  // optional
///        "rack": "a",                                     // optional
///        "topics": ["orders"],
///        "owned": ["orders-0", {"topic": "orders", "partitions": [3, 4]}],   // optional
///        "generation": 4}                                 // optional, -1 = none
///     ]
///   }
///
/// Partitions are written "topic-N" (split at the last '-'). Every error names the field path.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/kafka/assignors/assignor.hpp"

namespace cgsim::models::assignors {

/// One assignment problem.
struct AssignCase {
  std::string assignor;
  ClientFlavor flavor = ClientFlavor::Java;
  ClusterMetadata cluster;
  std::vector<MemberSubscription> members;
};

/// Parses and validates one case. Throws cgsim::InputError naming the field (prefixed by @p path).
AssignCase parse_case(const nlohmann::json& j, const std::string& path = "");

/// The JSON form of a case (the inverse of parse_case).
nlohmann::json case_to_json(const AssignCase& c);

/// "topic-N".
std::string partition_name(const TopicPartition& tp);
/// Parses "topic-N"; throws cgsim::InputError naming @p path when malformed.
TopicPartition parse_partition_name(const std::string& s, const std::string& path);

/// {member: ["topic-N", ...]} with members in the order of @p members.
nlohmann::ordered_json assignment_to_json(const Assignment& a, const std::vector<MemberSubscription>& members);

}  // namespace cgsim::models::assignors
