// The general path of Kafka's AbstractStickyAssignor: members subscribe to different topics
// (GeneralAssignmentBuilder), with its reassignment loop and the check that the loop ends.
#include "models/kafka/assignors/sticky_engine_impl.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <unordered_set>

namespace cgsim::models::assignors::sticky_engine::detail {

void Engine::general() {
  index_subscriptions();
  out_ = owned_;
  present_.assign(n_, 0);
  for (std::size_t m : member_order_) present_[m] = 1;
  owner_.assign(static_cast<std::size_t>(total_), kNone);
  for (std::size_t m : member_order_)
    for (int g : out_[m]) owner_[static_cast<std::size_t>(g)] = static_cast<int>(m);

  // Topics by number of potential consumers, then name; their partitions in order.
  std::vector<int> sorted_topics(topics_.size());
  std::iota(sorted_topics.begin(), sorted_topics.end(), 0);
  std::sort(sorted_topics.begin(), sorted_topics.end(), [&](int a, int b) {
    const auto ca = potential_consumers_[static_cast<std::size_t>(a)].size(), cb = potential_consumers_[static_cast<std::size_t>(b)].size();
    return ca != cb ? ca < cb : a < b;
  });
  std::vector<int> sorted_all;
  sorted_all.reserve(static_cast<std::size_t>(total_));
  for (int t : sorted_topics)
    for (int p = 0; p < partition_count(t); ++p) sorted_all.push_back(gid(t, p));

  // prepopulateCurrentAssignments: the previous owner of each partition, from members of older
  // generations (highest generation first, first visited on ties).
  struct Prev {
    int member;
    std::int32_t generation;
  };
  std::unordered_map<int, Prev> prev;
  auto update_prev = [&](std::size_t m, std::int32_t generation) {
    for (const auto& x : views_[m].data_partitions) {
      const int g = lookup(x);
      if (g == kNone) continue;
      auto it = prev.find(g);
      if (it == prev.end())
        prev.emplace(g, Prev{static_cast<int>(m), generation});
      else if (generation > it->second.generation)
        it->second = Prev{static_cast<int>(m), generation};
    }
  };
  for (std::size_t m : member_order_) {
    const auto& gen = views_[m].data_generation;
    if (gen && *gen < max_generation_)
      update_prev(m, *gen);
    else if (!gen && max_generation_ > -1)
      update_prev(m, -1);
  }

  // assignOwnedPartitions: drop partitions of topics no longer subscribed or on the wrong rack.
  bool revocation_required = false;
  std::vector<char> assigned(static_cast<std::size_t>(total_), 0);
  bool any_assigned = false;
  for (std::size_t m : member_order_) {
    auto& list = out_[m];
    std::vector<int> kept;
    for (int g : list) {
      if (!subscribed_[m][static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(g)])] ||
          racks_mismatch(static_cast<int>(m), g)) {
        revocation_required = true;
      } else {
        kept.push_back(g);
        assigned[static_cast<std::size_t>(g)] = 1;
        any_assigned = true;
      }
    }
    list = std::move(kept);
  }
  std::vector<int> unassigned;
  if (!any_assigned) {
    unassigned = sorted_all;
  } else {
    for (int g : sorted_all)
      if (!assigned[static_cast<std::size_t>(g)]) unassigned.push_back(g);
  }

  std::set<int, BySize> sorted_members(BySize{this});
  for (std::size_t m : member_order_) sorted_members.insert(static_cast<int>(m));

  // balance()
  const bool initializing = out_[static_cast<std::size_t>(*sorted_members.rbegin())].empty();
  auto assign_to_least_loaded = [&](int g, bool with_racks) {
    const int t = topic_of_[static_cast<std::size_t>(g)];
    for (int c : sorted_members) {
      if (!subscribed_[static_cast<std::size_t>(c)][static_cast<std::size_t>(t)]) continue;
      if (with_racks && racks_mismatch(c, g)) continue;
      sorted_members.erase(c);
      out_[static_cast<std::size_t>(c)].push_back(g);
      owner_[static_cast<std::size_t>(g)] = c;
      sorted_members.insert(c);
      return true;
    }
    return false;
  };
  {
    std::vector<int> to_assign = unassigned;
    if (rack_aware_) {
      std::vector<int> rest;
      for (int g : to_assign) {
        if (potential_consumers_[static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(g)])].empty()) {
          rest.push_back(g);
          continue;
        }
        if (!assign_to_least_loaded(g, true)) rest.push_back(g);
      }
      to_assign = std::move(rest);
    }
    for (int g : to_assign) {
      if (potential_consumers_[static_cast<std::size_t>(topic_of_[static_cast<std::size_t>(g)])].empty()) continue;
      assign_to_least_loaded(g, false);
    }
  }

  auto not_fixed = [&](int g) { return topic_reassignable(topic_of_[static_cast<std::size_t>(g)]); };
  std::vector<int> reassignable_all, reassignable_unassigned;
  std::copy_if(sorted_all.begin(), sorted_all.end(), std::back_inserter(reassignable_all), not_fixed);
  std::copy_if(unassigned.begin(), unassigned.end(), std::back_inserter(reassignable_unassigned), not_fixed);

  std::vector<std::size_t> fixed_members;
  for (std::size_t m = 0; m < n_; ++m) {
    if (!present_[m]) continue;
    if (!can_participate(static_cast<int>(m))) {
      sorted_members.erase(static_cast<int>(m));
      present_[m] = 0;
      fixed_members.push_back(m);
    }
  }

  const std::vector<std::vector<int>> pre_balance = out_;
  const std::vector<int> pre_owner = owner_;
  Movements movements;
  auto perform = [&](const std::vector<int>& partitions) {
    bool performed = false;
    bool modified;
    // Kafka repeats the pass until one moves nothing. Each pass depends only on the members'
    // partitions and the movements so far: a pass that starts from a state seen before means
    // the passes go round in a cycle, and Kafka's assignor never returns.
    std::unordered_set<std::uint64_t> seen;
    do {
      if (!seen.insert(loop_state(movements)).second) {
        throw AssignorNonTermination(
            "Kafka's sticky assignor does not terminate on this group: after " + std::to_string(seen.size()) +
            " reassignment passes it is back at an assignment it had already reached, so it would move "
            "the same partitions round forever (Kafka's own assignor loops here; nothing was assigned)");
      }
      modified = false;
      for (int g : partitions) {
        if (is_balanced(sorted_members)) break;
        const int t = topic_of_[static_cast<std::size_t>(g)];
        const int consumer = owner_[static_cast<std::size_t>(g)];
        auto pit = prev.find(g);
        if (pit != prev.end()) {
          const int prev_member = pit->second.member;
          if (!present_[static_cast<std::size_t>(prev_member)])
            throw AssignorFailure("NullPointerException: previous owner " +
                                  members_[static_cast<std::size_t>(prev_member)].member_id +
                                  " of " + to_string(tp(g)) + " takes no part in the reassignment");
          if (size_of(consumer) > size_of(prev_member) + 1) {
            reassign(g, prev_member, sorted_members, movements);
            performed = modified = true;
            continue;
          }
        }
        bool found_rack_consumer = false;
        if (rack_aware_ && consumer_rack_[static_cast<std::size_t>(consumer)] != kNone &&
            !partition_racks_[static_cast<std::size_t>(g)].empty() && rack_matches(consumer, g)) {
          for (int other : potential_consumers_[static_cast<std::size_t>(t)]) {
            if (!rack_matches(other, g)) continue;
            if (size_of(consumer) > size_of(other) + 1) {
              reassign_to_least_loaded(g, sorted_members, movements);
              performed = modified = found_rack_consumer = true;
              break;
            }
          }
        }
        if (!found_rack_consumer) {
          for (int other : potential_consumers_[static_cast<std::size_t>(t)]) {
            if (size_of(consumer) > size_of(other) + 1) {
              reassign_to_least_loaded(g, sorted_members, movements);
              performed = modified = true;
              break;
            }
          }
        }
      }
    } while (modified);
    return performed;
  };

  if (!revocation_required) perform(reassignable_unassigned);
  const bool performed = perform(reassignable_all);
  if (!initializing && performed && balance_score() >= balance_score_of(pre_balance)) {
    for (std::size_t m = 0; m < n_; ++m)
      if (present_[m]) out_[m] = pre_balance[m];
    owner_ = pre_owner;
  }
  for (std::size_t m : fixed_members) present_[m] = 1;
}

}  // namespace cgsim::models::assignors::sticky_engine::detail
