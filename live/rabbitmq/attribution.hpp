#pragma once
/// @file attribution.hpp
/// What `cgsim validate` counts on both sides of a RabbitMQ run beyond the shared summary, from
/// the same events in the same way: per fault, the redelivered messages it caused (a processing
/// with the `redelivered` flag whose message was not last returned by a nack, charged to the
/// group's latest fault before it), and per (queue, key) ordering violations (a processing, a
/// re-processing included, of a message after a later message of its key in its queue).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cgsim::live::rabbitmq {

/// One fault's redeliveries.
struct FaultRedeliveries {
  std::string group;
  std::string kind;
  std::string subject;
  double at_s = 0;
  std::uint64_t redelivered = 0;
};

class RedeliveryAttribution {
 public:
  explicit RedeliveryAttribution(std::size_t groups) : latest_(groups, -1), nacked_(groups) {}
  /// A fault of group @p group at @p at_s seconds.
  void fault(std::size_t group, const std::string& group_name, const std::string& kind, const std::string& subject, double at_s);
  /// Group @p group's consumer nacked message @p id of queue @p queue with requeue.
  void nacked(std::size_t group, std::int32_t queue, std::uint64_t id) { nacked_[group].insert(key(queue, id)); }
  /// Group @p group processed message @p id of @p queue; @p redelivered is the delivery's flag.
  void processed(std::size_t group, std::int32_t queue, std::uint64_t id, bool redelivered);
  const std::vector<FaultRedeliveries>& faults() const { return faults_; }
  /// Redelivered processings of messages last returned by a nack.
  std::uint64_t after_nack() const { return after_nack_; }
  /// Redelivered processings with no fault before them (and no nack).
  std::uint64_t unattributed() const { return unattributed_; }

 private:
  static std::uint64_t key(std::int32_t queue, std::uint64_t id) { return (static_cast<std::uint64_t>(queue) << 48) ^ id; }
  std::vector<std::ptrdiff_t> latest_;
  std::vector<std::set<std::uint64_t>> nacked_;
  std::vector<FaultRedeliveries> faults_;
  std::uint64_t after_nack_ = 0;
  std::uint64_t unattributed_ = 0;
};

/// Per (queue, key): the highest message sequence processed so far. A processing below it, a
/// re-processing included, is out of order (docs/model.md, "Ordering").
class OrderingCheck {
 public:
  /// Returns true when this processing is out of order.
  bool processed(std::int32_t queue, std::uint64_t key, std::uint64_t sequence);

 private:
  std::map<std::pair<std::int32_t, std::uint64_t>, std::uint64_t> latest_;
};

}  // namespace cgsim::live::rabbitmq
