#include "models/pulsar/selectors/consistent_hashing.hpp"

#include <algorithm>

namespace cgsim::models::pulsar {

ConsistentHashingSelector::ConsistentHashingSelector(std::int32_t points, std::int32_t range_max)
    : points_(points), range_max_(range_max) {}

std::int32_t ConsistentHashingSelector::point_hash(const std::string& name, std::int32_t name_index,
                                                   std::int32_t point) const {
  std::string key = name;
  key += '\0';
  key += std::to_string(name_index);
  key += '\0';
  key += std::to_string(point);
  return sticky_key_hash(key, key_hash_range());
}

void ConsistentHashingSelector::add(ConsumerId id, const std::string& name) {
  if (points_ <= 0) return;  // no point, so no name index is taken either
  auto [it, fresh] = tracked_.try_emplace(id);
  if (fresh) {
    std::vector<bool>& used = indexes_in_use_[name];
    const auto free = std::find(used.begin(), used.end(), false);
    const auto index = static_cast<std::int32_t>(free - used.begin());
    if (free == used.end()) used.push_back(true);
    else *free = true;
    it->second = {name, index};
  }
  const Tracked& t = it->second;
  for (std::int32_t i = 0; i < points_; ++i) {
    auto [slot, inserted] = ring_.try_emplace(point_hash(t.name, t.name_index, i));
    if (inserted) slot->second.selected = id;
    else slot->second.colliding.push_back(id);
  }
}

void ConsistentHashingSelector::remove(ConsumerId id) {
  auto it = tracked_.find(id);
  if (it == tracked_.end()) return;
  const Tracked t = it->second;
  for (std::int32_t i = 0; i < points_; ++i) {
    auto slot = ring_.find(point_hash(t.name, t.name_index, i));
    if (slot == ring_.end()) continue;
    Point& p = slot->second;
    if (p.selected == id) {
      if (p.colliding.empty()) {
        ring_.erase(slot);
        continue;
      }
      p.selected = p.colliding.front();
      p.colliding.erase(p.colliding.begin());
    } else {
      std::erase(p.colliding, id);
    }
  }
  tracked_.erase(it);
  std::vector<bool>& used = indexes_in_use_[t.name];
  used[static_cast<std::size_t>(t.name_index)] = false;
  while (!used.empty() && !used.back()) used.pop_back();
  if (used.empty()) indexes_in_use_.erase(t.name);
}

ConsumerId ConsistentHashingSelector::select(std::int32_t hash) const {
  if (ring_.empty()) return kNoConsumer;
  auto it = ring_.lower_bound(hash);
  if (it == ring_.end()) it = ring_.begin();
  return it->second.selected;
}

std::int32_t ConsistentHashingSelector::name_index(ConsumerId id) const {
  auto it = tracked_.find(id);
  return it == tracked_.end() ? -1 : it->second.name_index;
}

std::map<std::int32_t, ConsumerId> ConsistentHashingSelector::ring() const {
  std::map<std::int32_t, ConsumerId> out;
  for (const auto& [slot, p] : ring_) out.emplace(slot, p.selected);
  return out;
}

std::vector<HashRangeOwner> ConsistentHashingSelector::ranges() const {
  std::vector<HashRangeOwner> out;
  std::int32_t start = key_hash_range().start;
  for (const auto& [slot, p] : ring_) {
    if (!out.empty() && out.back().consumer == p.selected) out.back().end = slot;
    else out.push_back({start, slot, p.selected});
    start = slot + 1;
  }
  if (!ring_.empty() && ring_.rbegin()->first != range_max_) {
    const ConsumerId first = ring_.begin()->second.selected;
    if (out.back().consumer == first) out.back().end = range_max_;
    else out.push_back({start, range_max_, first});
  }
  return out;
}

}  // namespace cgsim::models::pulsar
