#include "live/owned_resources.hpp"

#include <algorithm>
#include <thread>

#include "models/common/error.hpp"

namespace cgsim::live {

void OwnedResources::refuse_existing(ResourceBroker& broker, const std::vector<OwnedResource>& wanted,
                                     const std::string& advice) {
  const std::vector<std::string> present = broker.existing(wanted);
  if (present.empty()) return;
  std::string list;
  for (const auto& p : present) list += (list.empty() ? "" : ", ") + p;
  throw InputError("the broker already has " + list + "; " + advice);
}

Removal OwnedResources::remove_all(ResourceBroker& broker, const RemovalRetries& retries) const {
  std::vector<const OwnedResource*> order;
  for (const auto& r : owned_) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(),
                   [](const OwnedResource* a, const OwnedResource* b) { return a->removal_rank < b->removal_rank; });
  Removal out;
  for (const OwnedResource* r : order) {
    std::string last;
    bool deleted = false;
    for (int k = 1; k <= retries.attempts && !deleted; ++k) {
      try {
        broker.remove(*r);
        deleted = true;
      } catch (const Error& e) {
        last = e.what();
        const auto wait = retries.step * k;
        if (retries.sleep) {
          retries.sleep(wait);
        } else {
          std::this_thread::sleep_for(wait);
        }
      }
    }
    if (deleted) {
      out.deleted.push_back(*r);
    } else {
      out.leftovers.push_back({*r, last});
    }
  }
  return out;
}

}  // namespace cgsim::live
