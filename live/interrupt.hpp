#pragma once
/// @file interrupt.hpp
/// Ctrl-C during a live run: SIGINT and SIGTERM set a flag instead of ending the process, so the
/// run's scheduling loop stops the clients and deletes what it created before it returns. Shared
/// by every live backend.
#include <csignal>

namespace cgsim::live {

/// Installs the handlers for its lifetime (clearing the flag) and restores the previous ones.
class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

/// True once SIGINT or SIGTERM arrived while a SignalGuard was in place.
bool interrupted();

}  // namespace cgsim::live
