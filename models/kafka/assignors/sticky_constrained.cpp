// The constrained path of Kafka's AbstractStickyAssignor: every member subscribes to the same
// topics (ConstrainedAssignmentBuilder).
#include "models/kafka/assignors/sticky_engine_impl.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <unordered_set>

namespace cgsim::models::assignors::sticky_engine::detail {

void Engine::constrained(Result& result) {
  const int n = static_cast<int>(member_order_.size());
  const int min_quota = total_ / n;
  const int max_quota = total_ % n == 0 ? min_quota : min_quota + 1;
  const int expected_over = total_ % n;
  int current_over = 0;
  out_.assign(n_, {});
  // Per partition: the member that owned it and gives it up (kNone: none).
  std::vector<int> maybe_revoked(static_cast<std::size_t>(total_), kNone);
  std::list<int> under;  // unfilledMembersWithUnderMinQuotaPartitions
  std::list<int> exact;  // unfilledMembersWithExactlyMinQuotaPartitions
  std::vector<char> assigned(static_cast<std::size_t>(total_), 0);
  if (!multiple_owner_list_.empty()) removed_at_.assign(static_cast<std::size_t>(total_), 0);

  for (std::size_t m : member_order_) {
    const int c = static_cast<int>(m);
    std::vector<int> owned;
    for (int g : owned_[m]) {
      if (racks_mismatch(c, g))
        maybe_revoked[static_cast<std::size_t>(g)] = c;
      else
        owned.push_back(g);
    }
    std::stable_sort(owned.begin(), owned.end(), [&](int a, int b) {
      const int pa = partition_of(a), pb = partition_of(b);
      if (pa != pb) return pa < pb;
      return topic_of_[static_cast<std::size_t>(a)] < topic_of_[static_cast<std::size_t>(b)];
    });
    if (!multiple_owner_list_.empty()) {
      // Drop the first occurrence of every partition claimed by several members.
      ++removal_stamp_;
      std::vector<int> kept;
      kept.reserve(owned.size());
      for (int g : owned) {
        int& stamp = removed_at_[static_cast<std::size_t>(g)];
        if (multiple_owners_[static_cast<std::size_t>(g)] && stamp != removal_stamp_)
          stamp = removal_stamp_;
        else
          kept.push_back(g);
      }
      owned = std::move(kept);
    }

    auto& mine = out_[m];
    const int size = static_cast<int>(owned.size());
    if (size < min_quota) {
      for (int g : owned) {
        mine.push_back(g);
        assigned[static_cast<std::size_t>(g)] = 1;
      }
      under.push_back(c);
    } else if (size >= max_quota && current_over < expected_over) {
      ++current_over;
      if (current_over == expected_over) exact.clear();
      for (int i = 0; i < size; ++i) {
        const int g = owned[static_cast<std::size_t>(i)];
        if (i < max_quota) {
          mine.push_back(g);
          assigned[static_cast<std::size_t>(g)] = 1;
        } else {
          maybe_revoked[static_cast<std::size_t>(g)] = c;
        }
      }
    } else {
      for (int i = 0; i < size; ++i) {
        const int g = owned[static_cast<std::size_t>(i)];
        if (i < min_quota) {
          mine.push_back(g);
          assigned[static_cast<std::size_t>(g)] = 1;
        } else {
          maybe_revoked[static_cast<std::size_t>(g)] = c;
        }
      }
      if (current_over < expected_over) exact.push_back(c);
    }
  }

  // Unassigned partitions by topic name, then partition.
  std::vector<int> unassigned;
  for (int g = 0; g < total_; ++g)
    if (!assigned[static_cast<std::size_t>(g)]) unassigned.push_back(g);
  auto by_id = [&](int a, int b) { return rank_[static_cast<std::size_t>(a)] < rank_[static_cast<std::size_t>(b)]; };
  under.sort(by_id);
  exact.sort(by_id);
  sort_by_rack_consumers(unassigned);

  auto assign_new = [&](int g, int c) {
    auto& mine = out_[static_cast<std::size_t>(c)];
    mine.push_back(g);
    const int revoker = maybe_revoked[static_cast<std::size_t>(g)];
    if ((revoker != kNone && revoker != c) || multiple_owners_[static_cast<std::size_t>(g)])
      result.transferring.emplace_back(tp(g), members_[static_cast<std::size_t>(c)].member_id);
    return static_cast<int>(mine.size());
  };

  // Rack-matched round robin over members below quota, then members at exactly the minimum.
  if (rack_aware_) {
    std::vector<int> under_v(under.begin(), under.end());
    std::vector<int> exact_v(exact.begin(), exact.end());
    int next_index_start = 0;
    std::vector<int> rest;
    for (int g : unassigned) {
      int consumer = kNone;
      int next_index = next_rack_consumer(g, under_v, next_index_start);
      if (next_index >= 0) {
        consumer = under_v[static_cast<std::size_t>(next_index)];
        const int count = static_cast<int>(out_[static_cast<std::size_t>(consumer)].size()) + 1;
        if (count >= min_quota) {
          under_v.erase(std::find(under_v.begin(), under_v.end(), consumer));
          if (count < max_quota && current_over < expected_over) exact_v.push_back(consumer);
        } else {
          ++next_index;
        }
        next_index_start = under_v.empty() ? 0 : next_index % static_cast<int>(under_v.size());
      } else if (!exact_v.empty()) {
        const int first = next_rack_consumer(g, exact_v, 0);
        if (first >= 0) {
          consumer = exact_v[static_cast<std::size_t>(first)];
          if (static_cast<int>(out_[static_cast<std::size_t>(consumer)].size()) + 1 == max_quota) {
            exact_v.erase(exact_v.begin() + first);
            ++current_over;
            if (current_over == expected_over) exact_v.clear();
          }
        }
      }
      if (consumer != kNone)
        assign_new(g, consumer);
      else
        rest.push_back(g);
    }
    unassigned = std::move(rest);
    under.assign(under_v.begin(), under_v.end());
    exact.assign(exact_v.begin(), exact_v.end());
  }

  // Plain round robin with Java's LinkedList iterator semantics.
  auto it = under.begin();
  auto last = under.end();
  for (int g : unassigned) {
    int consumer;
    bool from_iterator = true;
    if (it != under.end()) {
      last = it;
      consumer = *it++;
    } else if (under.empty() && exact.empty()) {
      throw AssignorFailure("IllegalStateException: No more unfilled consumers to be assigned.");
    } else if (under.empty()) {
      consumer = exact.front();
      exact.pop_front();
      from_iterator = false;
    } else {
      it = under.begin();
      last = it;
      consumer = *it++;
    }
    const int count = assign_new(g, consumer);
    if (count == min_quota) {
      if (!from_iterator || last == under.end())
        throw AssignorFailure("IllegalStateException: iterator remove without next");
      under.erase(last);
      last = under.end();
      exact.push_back(consumer);
    } else if (count == max_quota) {
      ++current_over;
    }
  }

  if (!under.empty()) {
    if (current_over != expected_over)
      throw AssignorFailure(
          "IllegalStateException: We haven't reached the expected number of members with more than the minQuota "
          "partitions, but no more partitions to be assigned");
    for (int c : under)
      if (static_cast<int>(out_[static_cast<std::size_t>(c)].size()) != min_quota)
        throw AssignorFailure("IllegalStateException: Consumer: [" + members_[static_cast<std::size_t>(c)].member_id +
                              "] doesn't reach minQuota partitions, and no more partitions to be assigned");
  }
}

}  // namespace cgsim::models::assignors::sticky_engine::detail
