#pragma once
/// @file worker_events.hpp
/// The line protocol between cgsim and its Java consumer worker (live/java/CgsimConsumer.java,
/// whose header documents every line): parsing what the worker writes on stdout, and formatting
/// what cgsim writes on its stdin.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cgsim::live::java {

/// A partition as the worker names it: the index of its topic in the worker's topic list.
struct WorkerPartition {
  std::int32_t topic = -1;
  std::int32_t partition = -1;
  bool operator==(const WorkerPartition& o) const { return topic == o.topic && partition == o.partition; }
};

/// One line of the worker.
struct WorkerEvent {
  enum class Kind { Hello, Ready, Started, Assigned, Revoked, Record, Commit, Stopped, Warn, Fatal };
  Kind kind = Kind::Warn;
  /// Worker clock (System.nanoTime()): hello's NOW, the event's T, a record's DONE.
  std::int64_t t = 0;
  std::int64_t pid = 0;                  ///< hello
  std::int64_t tid = -1;                 ///< started: the polling thread's Linux id, -1 if unknown
  std::int32_t generation = -1;          ///< assigned
  std::string member_id;                 ///< assigned ("" for "-")
  std::vector<WorkerPartition> parts;    ///< assigned: the whole assignment; revoked: what was revoked
  std::vector<WorkerPartition> current;  ///< revoked: what is left
  WorkerPartition record;                ///< record
  std::int64_t offset = 0;               ///< record
  std::int64_t produced_ns = -1;         ///< record: the producer's cgsim-t header (run clock), -1 if none
  bool after_idle = false;               ///< record
  std::vector<std::pair<WorkerPartition, std::int64_t>> commits;  ///< commit: next offset per partition
  std::string text;                      ///< warn, fatal
};

/// Parses one line of the worker (without its newline). Throws cgsim::Error naming the line when
/// it is not one the worker writes.
WorkerEvent parse_worker_line(std::string_view line);

/// The "pt" command carrying processing times of the next records, in nanoseconds.
std::string processing_command(const std::vector<std::int64_t>& ns);

}  // namespace cgsim::live::java
