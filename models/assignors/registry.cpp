#include "models/assignors/all.hpp"

namespace cgsim::models::assignors {

AssignFn find_assignor(std::string_view name, ClientFlavor flavor) {
  const bool rdk = flavor == ClientFlavor::Librdkafka;
  if (name == "range") return rdk ? &assign_range_librdkafka : &assign_range;
  if (name == "roundrobin") return rdk ? &assign_roundrobin_librdkafka : &assign_roundrobin;
  return nullptr;
}

std::vector<std::string> assignor_names() { return {"range", "roundrobin"}; }

}  // namespace cgsim::models::assignors
