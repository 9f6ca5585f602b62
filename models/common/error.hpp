#pragma once
/// @file error.hpp
/// cgsim's error hierarchy. Every user-facing failure is one of these, caught once in main(),
/// which prints what() and exits with exit_code().
#include <stdexcept>
#include <string>

namespace cgsim {

/// Exit codes of the cgsim command.
enum ExitCode : int {
  kExitOk = 0,
  kExitMismatch = 1,     ///< validate: results outside tolerance; plan: no configuration meets the SLOs
  kExitInput = 2,        ///< bad scenario, bad arguments
  kExitBroker = 3,       ///< live: broker unreachable or lost
  kExitInternal = 4,     ///< a bug in cgsim
  kExitInterrupted = 130 ///< Ctrl-C
};

/// Base of all cgsim errors.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, int code = kExitInternal)
      : std::runtime_error(what), code_(code) {}
  int exit_code() const { return code_; }

 private:
  int code_;
};

/// Invalid user input: scenario files, command-line arguments, assignment inputs.
class InputError : public Error {
 public:
  explicit InputError(const std::string& what) : Error(what, kExitInput) {}
};

/// The live backend could not reach or lost the broker.
class BrokerError : public Error {
 public:
  explicit BrokerError(const std::string& what) : Error(what, kExitBroker) {}
};

}  // namespace cgsim
