#pragma once
/// @file message.hpp
/// Messages held by the broker: one record per queue copy (a fanout makes one per queue), kept in
/// a pool of reusable slots and referred to by slot number from queues, channels and clients.
#include <cstdint>
#include <vector>

#include "sim/time.hpp"

namespace cgsim::models::rabbitmq {

/// Key value of a message published without a key (not checked for ordering).
inline constexpr std::uint64_t kNoKey = ~std::uint64_t{0};

struct Message {
  std::uint64_t id = 0;        ///< unique per queue copy over the run
  std::uint64_t seq = 0;       ///< position in its queue (enqueue order), for classic requeues
  std::uint64_t key = kNoKey;  ///< key index, kNoKey when published without one
  sim::Time published = 0;     ///< when the broker received the original publish
  sim::Time expires = sim::kNever;  ///< message TTL deadline in its current queue
  std::int32_t queue = -1;
  std::int32_t producer = -1;  ///< producer spec index (the routing key is rebuilt from it)
  std::int32_t bytes = 0;
  std::int32_t delivery_count = 0;  ///< quorum: returns so far; classic: requeues so far
  std::int32_t dead_letters = 0;    ///< times it was dead-lettered (cycles are cut)
  std::int32_t processed = 0;       ///< times a consumer finished processing it
  bool redelivered = false;
  bool live = false;
};

/// The slots. A slot is freed once its message is settled, dropped or dead-lettered; a client
/// still holding its number (a delivery in flight to a closed channel) checks the id.
class MessagePool {
 public:
  std::uint32_t allocate() {
    std::uint32_t s;
    if (!free_.empty()) {
      s = free_.back();
      free_.pop_back();
    } else {
      s = static_cast<std::uint32_t>(slots_.size());
      slots_.emplace_back();
    }
    Message& m = slots_[s];
    m = Message{};
    m.id = next_id_++;
    m.live = true;
    return s;
  }
  void release(std::uint32_t s) {
    slots_[s].live = false;
    free_.push_back(s);
  }
  Message& operator[](std::uint32_t s) { return slots_[s]; }
  const Message& operator[](std::uint32_t s) const { return slots_[s]; }
  /// True while slot @p s still holds message @p id.
  bool holds(std::uint32_t s, std::uint64_t id) const { return s < slots_.size() && slots_[s].live && slots_[s].id == id; }
  std::size_t live() const { return slots_.size() - free_.size(); }
  /// Calls @p f with every live message.
  template <class F>
  void for_each_live(F&& f) const {
    for (const Message& m : slots_)
      if (m.live) f(m);
  }

 private:
  std::vector<Message> slots_;
  std::vector<std::uint32_t> free_;
  std::uint64_t next_id_ = 1;
};

}  // namespace cgsim::models::rabbitmq
