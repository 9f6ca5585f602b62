#include "live/kafka/layout.hpp"

#include <algorithm>
#include <cctype>

#include "live/backend.hpp"
#include "models/common/error.hpp"

namespace cgsim::live::kafka {

const TopicLayout* Layout::kafka_topic(const char* name) const {
  auto it = by_kafka.find(name);
  return it == by_kafka.end() ? nullptr : &topics[it->second];
}

const TopicLayout& Layout::topic(const std::string& scenario_name) const {
  for (const auto& t : topics)
    if (t.name == scenario_name) return t;
  throw Error("unknown topic " + scenario_name);
}

bool legal_topic_name(const std::string& n) {
  if (n.empty() || n.size() > 249) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  return true;
}

Layout build_layout(const models::Scenario& sc, const std::string& run_id) {
  Layout layout;
  const std::string prefix = "cgsim." + run_id + ".";
  std::int32_t next = 0;
  for (const auto& t : sc.topics) {
    std::int32_t reserved = t.partitions;
    for (const auto& f : sc.faults)
      if (f.kind == models::FaultSpec::Kind::AddPartitions && f.topic == t.name) reserved += f.count;
    TopicLayout tl{t.name, prefix + t.name, next, t.partitions, reserved};
    if (!legal_topic_name(tl.kafka)) {
      throw InputError("topic \"" + t.name + "\": live runs need topic names of letters, digits, '.', '_' and '-'");
    }
    layout.by_kafka[tl.kafka] = layout.topics.size();
    layout.topics.push_back(tl);
    for (std::int32_t p = 0; p < reserved; ++p) layout.partition_names.push_back(t.name + "-" + std::to_string(p));
    next += reserved;
  }
  for (const auto& g : sc.groups) layout.group_ids.push_back(prefix + g.id);
  return layout;
}

std::vector<Recorder::GroupInfo> group_infos(const models::Scenario& sc, const Layout& layout) {
  std::vector<Recorder::GroupInfo> out;
  for (const auto& g : sc.groups) {
    Recorder::GroupInfo gi;
    gi.id = g.id;
    for (const auto& t : g.topics) {
      const auto& tl = layout.topic(t);
      for (std::int32_t p = 0; p < tl.reserved; ++p) gi.partitions.push_back(tl.first + p);
    }
    std::sort(gi.partitions.begin(), gi.partitions.end());
    gi.partitions.erase(std::unique(gi.partitions.begin(), gi.partitions.end()), gi.partitions.end());
    gi.cooperative = g.protocol == "cooperative";
    gi.consumer_protocol = g.protocol == "consumer";
    gi.static_membership = g.consumers.static_membership;
    out.push_back(std::move(gi));
  }
  return out;
}

void refuse_collisions(const Layout& layout, const std::map<std::string, int>& existing_topics,
                       const std::vector<std::string>& existing_groups) {
  std::vector<std::string> problems;
  for (const auto& t : layout.topics) {
    if (existing_topics.count(t.kafka)) problems.push_back("topic " + t.kafka + " already exists");
  }
  for (const auto& g : layout.group_ids) {
    if (std::find(existing_groups.begin(), existing_groups.end(), g) != existing_groups.end()) {
      problems.push_back("consumer group " + g + " already exists");
    }
  }
  if (problems.empty()) return;
  std::string m;
  for (const auto& p : problems) m += (m.empty() ? "" : "; ") + p;
  throw InputError(m + "; live runs never reuse a topic or a group (choose another --run-id)");
}

}  // namespace cgsim::live::kafka
