#include "models/common/signals.hpp"

namespace cgsim::models {

const char* to_string(ConsumerEvent e) {
  switch (e) {
    case ConsumerEvent::Joined: return "joined";
    case ConsumerEvent::Left: return "left";
    case ConsumerEvent::Crashed: return "crashed";
  }
  return "?";
}

}  // namespace cgsim::models
