#pragma once
/// @file bench_util.hpp
/// Small helpers shared by the scenario benchmarks: peak memory, and flags of their own that are
/// taken out of argv before Google Benchmark parses the rest.
#include <sys/resource.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace cgsim::bench {

/// Peak resident set size of this process so far, in MiB (getrusage ru_maxrss is in KiB on Linux).
inline double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

/// CPU time consumed by this process, in seconds. The benchmarks are single-threaded, so on an idle
/// machine this equals wall time; unlike wall time it does not grow when other jobs share the cores.
inline double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Current resident set size in MiB, from /proc/self/statm (0 where unavailable).
inline double current_rss_mib() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &pages, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return static_cast<double>(resident) * 4096.0 / (1024.0 * 1024.0);
}

/// Removes every "--name=value" argument from argv and returns the value of the last one
/// (or @p fallback). Google Benchmark rejects flags it does not know, so ours go first.
inline std::string take_flag(int& argc, char** argv, const char* name, const std::string& fallback) {
  std::string prefix = std::string("--") + name + "=";
  std::string value = fallback;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) {
      value = argv[i] + prefix.size();
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  return value;
}

}  // namespace cgsim::bench
