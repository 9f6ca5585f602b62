// The rules every live backend keeps for what a run creates on a broker (live/owned_resources.hpp),
// against a fake broker: refusal before anything is created, deletion of only what was recorded,
// in removal rank order, retries with a growing wait, leftovers with their commands.
#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "live/owned_resources.hpp"
#include "models/common/error.hpp"

namespace {

using namespace cgsim;
using live::OwnedResource;
using live::OwnedResources;

/// A broker that holds names, fails a deletion as often as told, and logs every request.
class FakeBroker final : public live::ResourceBroker {
 public:
  std::set<std::string> present;          ///< "<kind> <name>"
  std::map<std::string, int> failures;    ///< name -> how many deletions of it fail first
  std::vector<std::string> requests;      ///< "existing", "remove <name>"
  bool unreachable = false;

  std::vector<std::string> existing(const std::vector<OwnedResource>& wanted) override {
    requests.push_back("existing");
    if (unreachable) throw BrokerError("broker unreachable");
    std::vector<std::string> out;
    for (const auto& r : wanted)
      if (present.count(r.kind + " " + r.name)) out.push_back(r.kind + " " + r.name);
    return out;
  }

  void remove(const OwnedResource& r) override {
    requests.push_back("remove " + r.name);
    if (auto it = failures.find(r.name); it != failures.end() && it->second > 0) {
      --it->second;
      throw BrokerError("cannot delete " + r.name);
    }
    present.erase(r.kind + " " + r.name);
  }
};

OwnedResource queue(const std::string& name) { return {"queue", name, "delete-queue " + name, 0}; }
OwnedResource exchange(const std::string& name) { return {"exchange", name, "delete-exchange " + name, 1}; }

using ms = std::chrono::milliseconds;

/// Retries that record their waits instead of sleeping.
live::RemovalRetries recorded(std::vector<ms>& waits, int attempts = 4) {
  return {attempts, ms(200), [&waits](ms d) { waits.push_back(d); }};
}

/// A run that created @p resources, in that order.
OwnedResources owning(std::initializer_list<OwnedResource> resources) {
  OwnedResources owned;
  for (const auto& r : resources) owned.own(r);
  return owned;
}

TEST(OwnedResources, RefusesNamesTheBrokerHasAndNamesEveryOne) {
  FakeBroker b;
  b.present = {"queue run.q1", "exchange run.x", "queue other"};
  try {
    OwnedResources::refuse_existing(b, {queue("run.q1"), queue("run.q2"), exchange("run.x")}, "choose another --run-id");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "the broker already has queue run.q1, exchange run.x; choose another --run-id");
    EXPECT_EQ(e.exit_code(), kExitInput);
  }
  EXPECT_EQ(b.requests, std::vector<std::string>{"existing"});  // nothing but the question
}

TEST(OwnedResources, AcceptsNewNames) {
  FakeBroker b;
  b.present = {"queue other"};
  EXPECT_NO_THROW(OwnedResources::refuse_existing(b, {queue("run.q1"), exchange("run.x")}, "advice"));
}

TEST(OwnedResources, ABrokerThatCannotTellIsABrokerError) {
  FakeBroker b;
  b.unreachable = true;
  EXPECT_THROW(OwnedResources::refuse_existing(b, {queue("run.q1")}, "advice"), BrokerError);
}

TEST(OwnedResources, DeletesOnlyWhatWasRecordedByRankThenCreationOrder) {
  FakeBroker b;
  b.present = {"exchange x1", "exchange x2", "queue q1", "queue q2", "queue theirs"};
  const OwnedResources owned = owning({exchange("x1"), exchange("x2"), queue("q1"), queue("q2")});
  std::vector<ms> waits;
  const live::Removal removal = owned.remove_all(b, recorded(waits));
  EXPECT_EQ(b.requests, (std::vector<std::string>{"remove q1", "remove q2", "remove x1", "remove x2"}));
  ASSERT_EQ(removal.deleted.size(), 4u);
  EXPECT_EQ(removal.deleted[0].name, "q1");
  EXPECT_EQ(removal.deleted[3].name, "x2");
  EXPECT_TRUE(removal.leftovers.empty());
  EXPECT_TRUE(waits.empty());
  EXPECT_EQ(b.present, std::set<std::string>{"queue theirs"});
  // The record keeps creation order.
  EXPECT_EQ(owned.owned().front().name, "x1");
}

TEST(OwnedResources, RetriesAFailedDeletionWithAGrowingWait) {
  FakeBroker b;
  b.present = {"queue q1", "queue q2"};
  b.failures["q1"] = 2;
  std::vector<ms> waits;
  const live::Removal removal = owning({queue("q1"), queue("q2")}).remove_all(b, recorded(waits));
  EXPECT_EQ(b.requests, (std::vector<std::string>{"remove q1", "remove q1", "remove q1", "remove q2"}));
  EXPECT_EQ(waits, (std::vector<ms>{ms(200), ms(400)}));
  EXPECT_EQ(removal.deleted.size(), 2u);
  EXPECT_TRUE(removal.leftovers.empty());
}

TEST(OwnedResources, NamesWhatItCouldNotDeleteWithItsCommandAndLastError) {
  FakeBroker b;
  b.present = {"queue q1", "exchange x1"};
  b.failures["x1"] = 100;
  std::vector<ms> waits;
  const live::Removal removal = owning({exchange("x1"), queue("q1")}).remove_all(b, recorded(waits, 3));
  ASSERT_EQ(removal.deleted.size(), 1u);
  EXPECT_EQ(removal.deleted[0].name, "q1");
  ASSERT_EQ(removal.leftovers.size(), 1u);
  EXPECT_EQ(removal.leftovers[0].resource.remove_command, "delete-exchange x1");
  EXPECT_EQ(removal.leftovers[0].error, "cannot delete x1");
  EXPECT_EQ(b.failures["x1"], 97);  // three attempts
  EXPECT_EQ(waits, (std::vector<ms>{ms(200), ms(400), ms(600)}));
}

TEST(OwnedResources, NothingRecordedMeansNothingDeleted) {
  FakeBroker b;
  b.present = {"queue theirs"};
  const live::Removal removal = OwnedResources().remove_all(b);
  EXPECT_TRUE(b.requests.empty());
  EXPECT_TRUE(removal.deleted.empty());
  EXPECT_TRUE(removal.leftovers.empty());
}

}  // namespace
