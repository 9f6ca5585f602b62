#pragma once
/// @file owned_resources.hpp
/// What a live run owns on a broker (queues, exchanges, topics) and the rules for it that every
/// backend keeps: nothing is created when one of the run's names is taken already, so a refused
/// run touches nothing; each resource is recorded as the run's own as it is created; clean-up
/// deletes only what was recorded, retrying each deletion, and names what it could not delete
/// with the command that removes it by hand.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace cgsim::live {

/// One resource of a run on the broker.
struct OwnedResource {
  std::string kind;            ///< "queue", "exchange", "topic": how messages name it
  std::string name;            ///< its name on the broker
  std::string remove_command;  ///< a shell command that removes it by hand
  /// Clean-up deletes lower ranks first (a resource others depend on gets a higher rank), equal
  /// ranks in the order they were created.
  int removal_rank = 0;
};

/// The broker side of OwnedResources: a backend's admin session, or a test's fake.
class ResourceBroker {
 public:
  virtual ~ResourceBroker() = default;
  /// What of @p wanted (or, for brokers that reserve the run's whole prefix, anything under it)
  /// exists on the broker, each as "<kind> <name>"; throws Error when the broker cannot tell.
  virtual std::vector<std::string> existing(const std::vector<OwnedResource>& wanted) = 0;
  /// Deletes @p r; throws Error when that failed.
  virtual void remove(const OwnedResource& r) = 0;
};

/// How clean-up retries a deletion.
struct RemovalRetries {
  int attempts = 4;
  /// Waited after the k-th failed attempt (from 1): k times this.
  std::chrono::milliseconds step{200};
  /// Waits; the default sleeps the calling thread.
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// A resource clean-up could not delete, and the last error.
struct Leftover {
  OwnedResource resource;
  std::string error;
};

/// What clean-up deleted and what it left.
struct Removal {
  std::vector<OwnedResource> deleted;
  std::vector<Leftover> leftovers;
};

/// The resources a run created on a broker.
class OwnedResources {
 public:
  /// Throws InputError (exit 2) when the broker has any of @p wanted: "the broker already has
  /// <kind> <name>, ...; <advice>". Call it before creating anything.
  static void refuse_existing(ResourceBroker& broker, const std::vector<OwnedResource>& wanted,
                              const std::string& advice);

  /// Records @p r as the run's own; call it before the request that creates it when a failed
  /// request may still have created it.
  void own(OwnedResource r) { owned_.push_back(std::move(r)); }
  /// In the order they were recorded.
  const std::vector<OwnedResource>& owned() const { return owned_; }

  /// Deletes every owned resource (by removal rank), each up to retries.attempts times; deletes
  /// nothing else.
  Removal remove_all(ResourceBroker& broker, const RemovalRetries& retries = {}) const;

 private:
  std::vector<OwnedResource> owned_;
};

}  // namespace cgsim::live
