#include "live/interrupt.hpp"

#include <atomic>

namespace cgsim::live {

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void cgsim_live_on_signal(int) { g_interrupted.store(true); }
}  // namespace

SignalGuard::SignalGuard() {
  g_interrupted = false;
  struct sigaction sa {};
  sa.sa_handler = cgsim_live_on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

SignalGuard::~SignalGuard() {
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

bool interrupted() { return g_interrupted.load(); }

}  // namespace cgsim::live
