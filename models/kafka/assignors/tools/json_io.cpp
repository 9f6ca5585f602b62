#include "models/kafka/assignors/tools/json_io.hpp"

#include <set>
#include <unordered_map>
#include <unordered_set>

#include "models/kafka/assignors/server_common.hpp"
#include "models/common/error.hpp"

namespace cgsim::models::assignors {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw cgsim::InputError("assignment input: " + (path.empty() ? std::string("(top level)") : path) + ": " + what);
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
std::string at(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

void only_keys(const json& j, const std::string& path, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : j.items()) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(join(path, key), "unknown field (expected one of: " + list + ")");
    }
  }
}

const json& require(const json& j, const std::string& path, const char* key) {
  if (!j.contains(key)) fail(join(path, key), "missing required field");
  return j.at(key);
}

std::string as_string(const json& j, const std::string& path) {
  if (!j.is_string()) fail(path, std::string("expected a string, got ") + j.type_name());
  return j.get<std::string>();
}

std::int64_t as_int(const json& j, const std::string& path) {
  if (!j.is_number_integer()) fail(path, std::string("expected an integer, got ") + j.type_name());
  return j.get<std::int64_t>();
}

const json& as_array(const json& j, const std::string& path) {
  if (!j.is_array()) fail(path, std::string("expected an array, got ") + j.type_name());
  return j;
}

}  // namespace

std::string partition_name(const TopicPartition& tp) { return tp.topic + "-" + std::to_string(tp.partition); }

TopicPartition parse_partition_name(const std::string& s, const std::string& path) {
  const auto dash = s.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == s.size())
    fail(path, "expected \"topic-N\", got \"" + s + "\"");
  const std::string digits = s.substr(dash + 1);
  for (char c : digits)
    if (c < '0' || c > '9') fail(path, "expected \"topic-N\" with a partition number, got \"" + s + "\"");
  if (digits.size() > 9) fail(path, "partition number out of range in \"" + s + "\"");
  return {s.substr(0, dash), std::stoi(digits)};
}

AssignCase parse_case(const json& j, const std::string& path) {
  if (!j.is_object()) fail(path, std::string("expected an object, got ") + j.type_name());
  only_keys(j, path, {"assignor", "client", "topics", "members"});
  AssignCase c;

  if (j.contains("client")) {
    const std::string client = as_string(j.at("client"), join(path, "client"));
    if (client == "java")
      c.flavor = ClientFlavor::Java;
    else if (client == "librdkafka")
      c.flavor = ClientFlavor::Librdkafka;
    else
      fail(join(path, "client"), "expected \"java\" or \"librdkafka\", got \"" + client + "\"");
  }
  c.assignor = as_string(require(j, path, "assignor"), join(path, "assignor"));
  if (!find_assignor_info(c.assignor, c.flavor)) {
    std::string list;
    for (const auto& n : assignor_names()) list += (list.empty() ? "" : ", ") + n;
    fail(join(path, "assignor"), "unknown assignor \"" + c.assignor + "\"" +
                                     (c.flavor == ClientFlavor::Librdkafka ? " for client librdkafka" : "") +
                                     " (expected one of: " + list + ")");
  }

  const std::string tpath = join(path, "topics");
  std::unordered_map<std::string, int> partitions;
  const json& topics = as_array(require(j, path, "topics"), tpath);
  for (std::size_t i = 0; i < topics.size(); ++i) {
    const std::string p = at(tpath, i);
    const json& t = topics[i];
    if (!t.is_object()) fail(p, std::string("expected an object, got ") + t.type_name());
    only_keys(t, p, {"name", "partitions", "replica_racks", "id"});
    TopicMetadata meta;
    meta.name = as_string(require(t, p, "name"), join(p, "name"));
    if (meta.name.empty()) fail(join(p, "name"), "topic name must not be empty");
    const std::int64_t n = as_int(require(t, p, "partitions"), join(p, "partitions"));
    if (n < 1 || n > 1000000) fail(join(p, "partitions"), "expected 1..1000000 partitions, got " + std::to_string(n));
    meta.partitions = static_cast<std::int32_t>(n);
    if (!partitions.emplace(meta.name, meta.partitions).second)
      fail(join(p, "name"), "duplicate topic \"" + meta.name + "\"");
    if (t.contains("id")) {
      meta.topic_id = as_string(t.at("id"), join(p, "id"));
      if (!server::parse_uuid(meta.topic_id))
        fail(join(p, "id"), "expected a Kafka topic id (22 characters of URL-safe base64), got \"" + meta.topic_id + "\"");
    }
    if (t.contains("replica_racks")) {
      const std::string rp = join(p, "replica_racks");
      const json& racks = as_array(t.at("replica_racks"), rp);
      if (racks.size() > static_cast<std::size_t>(n))
        fail(rp, "has " + std::to_string(racks.size()) + " entries but the topic has " + std::to_string(n) + " partitions");
      for (std::size_t k = 0; k < racks.size(); ++k) {
        const json& list = as_array(racks[k], at(rp, k));
        std::vector<std::string> rs;
        for (std::size_t r = 0; r < list.size(); ++r) rs.push_back(as_string(list[r], at(at(rp, k), r)));
        meta.partition_racks.push_back(std::move(rs));
      }
    }
    c.cluster.topics.push_back(std::move(meta));
  }

  const std::string mpath = join(path, "members");
  const json& members = as_array(require(j, path, "members"), mpath);
  std::unordered_set<std::string> ids, instances;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::string p = at(mpath, i);
    const json& m = members[i];
    if (!m.is_object()) fail(p, std::string("expected an object, got ") + m.type_name());
    only_keys(m, p, {"member_id", "group_instance_id", "rack", "topics", "owned", "generation"});
    MemberSubscription s;
    s.member_id = as_string(require(m, p, "member_id"), join(p, "member_id"));
    if (s.member_id.empty()) fail(join(p, "member_id"), "member id must not be empty");
    if (!ids.insert(s.member_id).second) fail(join(p, "member_id"), "duplicate member id \"" + s.member_id + "\"");
    if (m.contains("group_instance_id") && !m.at("group_instance_id").is_null()) {
      s.group_instance_id = as_string(m.at("group_instance_id"), join(p, "group_instance_id"));
      if (!instances.insert(*s.group_instance_id).second)
        fail(join(p, "group_instance_id"), "duplicate group instance id \"" + *s.group_instance_id + "\"");
    }
    if (m.contains("rack") && !m.at("rack").is_null()) s.rack = as_string(m.at("rack"), join(p, "rack"));
    const std::string tp = join(p, "topics");
    const json& topics_j = as_array(require(m, p, "topics"), tp);
    std::set<std::string> seen;
    for (std::size_t k = 0; k < topics_j.size(); ++k) {
      std::string t = as_string(topics_j[k], at(tp, k));
      if (!seen.insert(t).second) fail(at(tp, k), "topic \"" + t + "\" listed twice");
      s.topics.push_back(std::move(t));
    }
    if (m.contains("owned")) {
      const std::string op = join(p, "owned");
      const json& owned = as_array(m.at("owned"), op);
      std::set<TopicPartition> dup;
      auto add = [&](TopicPartition x, const std::string& where) {
        auto it = partitions.find(x.topic);
        if (it != partitions.end() && (x.partition < 0 || x.partition >= it->second))
          fail(where, "partition " + partition_name(x) + " does not exist (topic has " + std::to_string(it->second) +
                          " partitions)");
        if (!dup.insert(x).second) fail(where, "partition " + partition_name(x) + " listed twice");
        s.owned.push_back(std::move(x));
      };
      for (std::size_t k = 0; k < owned.size(); ++k) {
        const std::string ep = at(op, k);
        const json& e = owned[k];
        if (e.is_string()) {
          add(parse_partition_name(e.get<std::string>(), ep), ep);
        } else if (e.is_object()) {
          only_keys(e, ep, {"topic", "partitions"});
          const std::string topic = as_string(require(e, ep, "topic"), join(ep, "topic"));
          const json& ps = as_array(require(e, ep, "partitions"), join(ep, "partitions"));
          for (std::size_t q = 0; q < ps.size(); ++q) {
            const std::int64_t v = as_int(ps[q], at(join(ep, "partitions"), q));
            if (v < 0 || v > 1000000) fail(at(join(ep, "partitions"), q), "partition out of range");
            add({topic, static_cast<std::int32_t>(v)}, at(join(ep, "partitions"), q));
          }
        } else {
          fail(ep, std::string("expected \"topic-N\" or {\"topic\", \"partitions\"}, got ") + e.type_name());
        }
      }
    }
    if (m.contains("generation") && !m.at("generation").is_null()) {
      const std::int64_t g = as_int(m.at("generation"), join(p, "generation"));
      if (g < -1 || g > 2147483647) fail(join(p, "generation"), "expected -1 or a non-negative generation");
      s.generation = static_cast<std::int32_t>(g);
    }
    c.members.push_back(std::move(s));
  }
  return c;
}

nlohmann::json case_to_json(const AssignCase& c) {
  json j;
  j["assignor"] = c.assignor;
  j["client"] = c.flavor == ClientFlavor::Librdkafka ? "librdkafka" : "java";
  j["topics"] = json::array();
  for (const auto& t : c.cluster.topics) {
    json tj{{"name", t.name}, {"partitions", t.partitions}};
    if (!t.partition_racks.empty()) tj["replica_racks"] = t.partition_racks;
    if (!t.topic_id.empty()) tj["id"] = t.topic_id;
    j["topics"].push_back(std::move(tj));
  }
  j["members"] = json::array();
  for (const auto& m : c.members) {
    json mj{{"member_id", m.member_id}, {"topics", m.topics}};
    if (m.group_instance_id) mj["group_instance_id"] = *m.group_instance_id;
    if (m.rack) mj["rack"] = *m.rack;
    if (!m.owned.empty()) {
      json owned = json::array();
      for (const auto& tp : m.owned) owned.push_back(partition_name(tp));
      mj["owned"] = std::move(owned);
    }
    if (m.generation != -1) mj["generation"] = m.generation;
    j["members"].push_back(std::move(mj));
  }
  return j;
}

nlohmann::ordered_json assignment_to_json(const Assignment& a, const std::vector<MemberSubscription>& members) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& m : members) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    auto it = a.find(m.member_id);
    if (it != a.end())
      for (const auto& tp : it->second) list.push_back(partition_name(tp));
    out[m.member_id] = std::move(list);
  }
  return out;
}

}  // namespace cgsim::models::assignors
