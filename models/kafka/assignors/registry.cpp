#include <array>

#include "models/kafka/assignors/all.hpp"

namespace cgsim::models::assignors {

namespace {

template <AssignFn F>
AssignResult plain(const ClusterMetadata& cluster, const std::vector<MemberSubscription>& members) {
  return {F(cluster, members), {}};
}

const std::vector<AssignorInfo>& java_assignors() {
  static const std::vector<AssignorInfo> v{
      {"range", &assign_range, &plain<&assign_range>, false, false},
      {"roundrobin", &assign_roundrobin, &plain<&assign_roundrobin>, false, false},
      {"sticky", &assign_sticky, &assign_sticky_detailed, false, false, true},
      {"cooperative-sticky", &assign_cooperative_sticky, &assign_cooperative_sticky_detailed, true, false},
  };
  return v;
}

const std::vector<AssignorInfo>& librdkafka_assignors() {
  static const std::vector<AssignorInfo> v{
      {"range", &assign_range_librdkafka, &plain<&assign_range_librdkafka>, false, false},
      {"roundrobin", &assign_roundrobin_librdkafka, &plain<&assign_roundrobin_librdkafka>, false, false},
      {"cooperative-sticky", &assign_cooperative_sticky_librdkafka, &assign_cooperative_sticky_librdkafka_detailed, true,
       false},
  };
  return v;
}

const std::vector<AssignorInfo>& server_assignors() {
  static const std::vector<AssignorInfo> v{
      {"uniform", &assign_uniform, &assign_uniform_detailed, false, true},
      {"server-range", &assign_server_range, &assign_server_range_detailed, false, true},
  };
  return v;
}

}  // namespace

const AssignorInfo* find_assignor_info(std::string_view name, ClientFlavor flavor) {
  for (const auto& a : flavor == ClientFlavor::Librdkafka ? librdkafka_assignors() : java_assignors())
    if (a.name == name) return &a;
  for (const auto& a : server_assignors())
    if (a.name == name) return &a;
  return nullptr;
}

AssignFn find_assignor(std::string_view name, ClientFlavor flavor) {
  const AssignorInfo* info = find_assignor_info(name, flavor);
  return info ? info->assign : nullptr;
}

std::vector<std::string> assignor_names() {
  std::vector<std::string> names;
  for (const auto& a : java_assignors()) names.push_back(a.name);
  for (const auto& a : server_assignors()) names.push_back(a.name);
  return names;
}

}  // namespace cgsim::models::assignors
