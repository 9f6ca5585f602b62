#pragma once
/// @file atomic_file.hpp
/// Output files that never appear half-written: the text goes to a temporary file in the same
/// folder (`NAME.tmp.<pid>`) and is renamed to its final name only after every write, the flush
/// and the close succeeded. Any failure throws WriteError naming the final path and the OS reason,
/// and the temporary file is removed. Paths that exist and are not regular files (/dev/stdout,
/// /dev/null, a FIFO) are written in place, since they cannot be replaced by a rename.
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace cgsim::analysis {

class AtomicFile {
 public:
  /// Opens the temporary file (or @p path itself when it is not a regular file); throws WriteError.
  explicit AtomicFile(std::filesystem::path path);
  /// Removes the temporary file unless commit() succeeded.
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// The stream to write to; formatting is that of a default std::ostream.
  std::ostream& stream();
  template <class T>
  std::ostream& operator<<(const T& v) {
    return stream() << v;
  }
  /// Flushes, closes and renames to the final name; throws WriteError on any failure.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes @p text to @p path through an AtomicFile.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

/// Routes std::cout straight to file descriptor 1 through a buffer that keeps the OS reason of
/// the first failed write, for check_stdout() to report (stdio keeps only an error flag). Output
/// is flushed after every statement when standard output is a terminal.
void capture_stdout();
/// Flushes standard output and throws WriteError ("standard output: cannot write: REASON") if any
/// write to it failed.
void check_stdout();

}  // namespace cgsim::analysis
