#pragma once
/// @file child_process.hpp
/// A child process with its standard streams connected to cgsim: stdin through a socket (written
/// with MSG_NOSIGNAL, so a child that died cannot raise SIGPIPE in cgsim), stdout and stderr
/// through pipes. The child runs in a process group of its own, so a Ctrl-C at the terminal reaches
/// cgsim only, which then stops its children itself. Every descriptor cgsim keeps is close-on-exec,
/// so no other child inherits it (a worker sees end of input exactly when cgsim closes it).
#include <sys/types.h>

#include <atomic>
#include <string>
#include <vector>

namespace cgsim::live::java {

class ChildProcess {
 public:
  /// Starts @p argv (argv[0] searched in PATH). Throws cgsim::Error when it cannot be started.
  explicit ChildProcess(const std::vector<std::string>& argv);
  /// Kills the child (SIGKILL) if it still runs, and reaps it.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  /// Writes @p text to the child's stdin; false when the child no longer reads it.
  bool write(const std::string& text);
  /// SIGKILL, at once (a no-op once the child has been reaped).
  void kill();
  /// Waits for the child to exit and returns its wait status (-1 when already reaped).
  int wait();

 private:
  std::atomic<pid_t> pid_{-1};  ///< -1 once reaped (kill and wait run on different threads)
  int in_ = -1, out_ = -1, err_ = -1;
};

/// The text of a wait status: "exit status N" or "killed by signal N".
std::string describe_wait_status(int status);

}  // namespace cgsim::live::java
