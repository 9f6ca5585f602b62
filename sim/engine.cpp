#include "sim/engine.hpp"

#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace cgsim::sim {

std::string format_duration(Time t) {
  if (t == kNever) return "never";
  std::ostringstream out;
  if (t < 0) {
    out << '-';
    t = -t;
  }
  if (t == 0) return "0s";
  if (t % kSecond != 0) {
    if (t % kMillisecond == 0) {
      out << t / kMillisecond << "ms";
    } else if (t % kMicrosecond == 0) {
      out << t / kMicrosecond << "us";
    } else {
      out << t << "ns";
    }
    return out.str();
  }
  Time s = t / kSecond;
  if (s >= 3600 && s % 3600 == 0) {
    out << s / 3600 << 'h';
  } else if (s >= 60 && s % 60 == 0) {
    out << s / 60 << 'm';
  } else {
    out << s << 's';
  }
  return out.str();
}

namespace {
constexpr int kArity = 4;
constexpr int kSeqBits = 56;
constexpr std::uint64_t kSeqMask = (std::uint64_t{1} << kSeqBits) - 1;
}  // namespace

Engine::Engine() {
  heap_.reserve(1024);
  slots_.reserve(1024);
}

EventId Engine::schedule_at(Time at, Priority priority, Handler handler) {
  if (at < now_) throw std::logic_error("Engine::schedule_at: time in the past");
  std::uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.handler = std::move(handler);
  s.live = true;
  std::uint64_t order = (static_cast<std::uint64_t>(priority) << kSeqBits) | (seq_++ & kSeqMask);
  heap_.push_back(Key{at, order, slot});
  sift_up(heap_.size() - 1);
  return (static_cast<std::uint64_t>(s.generation) << 32) | (slot + 1u);
}

bool Engine::pending(EventId id) const {
  if (id == 0) return false;
  std::uint32_t slot = static_cast<std::uint32_t>(id & 0xffffffffu) - 1u;
  std::uint32_t gen = static_cast<std::uint32_t>(id >> 32);
  return slot < slots_.size() && slots_[slot].live && slots_[slot].generation == gen;
}

bool Engine::cancel(EventId id) {
  if (!pending(id)) return false;
  Slot& s = slots_[static_cast<std::uint32_t>(id & 0xffffffffu) - 1u];
  s.live = false;
  s.handler = nullptr;  // release captures now; the heap key is dropped lazily when popped
  return true;
}

void Engine::sift_up(std::size_t i) {
  Key k = heap_[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / kArity;
    if (!(k < heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = k;
}

void Engine::sift_down(std::size_t i) {
  const std::size_t n = heap_.size();
  Key k = heap_[i];
  for (;;) {
    std::size_t first = i * kArity + 1;
    if (first >= n) break;
    std::size_t best = first;
    std::size_t last = first + kArity < n ? first + kArity : n;
    for (std::size_t c = first + 1; c < last; ++c) {
      if (heap_[c] < heap_[best]) best = c;
    }
    if (!(heap_[best] < k)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = k;
}

Engine::Key Engine::pop_min() {
  Key top = heap_.front();
  heap_.front() = heap_.back();
  heap_.pop_back();
  if (!heap_.empty()) sift_down(0);
  return top;
}

void Engine::run_until(Time until) {
  stop_requested_ = false;
  while (!heap_.empty() && !stop_requested_) {
    if (heap_.front().time > until) break;
    Key k = pop_min();
    Slot& s = slots_[k.slot];
    if (!s.live) {
      ++s.generation;
      free_slots_.push_back(k.slot);
      continue;
    }
    now_ = k.time;
    Handler h = std::move(s.handler);
    s.handler = nullptr;
    s.live = false;
    ++s.generation;
    free_slots_.push_back(k.slot);
    ++executed_;
    h();
  }
  if (until != kNever && !stop_requested_ && now_ < until) now_ = until;
}

}  // namespace cgsim::sim
