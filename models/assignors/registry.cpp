#include "models/assignors/assignor.hpp"

namespace cgsim::models::assignors {

Assignment assign_range(const ClusterMetadata&, const std::vector<MemberSubscription>&);
Assignment assign_roundrobin(const ClusterMetadata&, const std::vector<MemberSubscription>&);

AssignFn find_assignor(std::string_view name, ClientFlavor) {
  if (name == "range") return &assign_range;
  if (name == "roundrobin") return &assign_roundrobin;
  return nullptr;
}

std::vector<std::string> assignor_names() { return {"range", "roundrobin"}; }

}  // namespace cgsim::models::assignors
