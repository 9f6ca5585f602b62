#pragma once
/// @file error.hpp
/// cgsim's error hierarchy. Every user-facing failure is one of these, caught once in main(),
/// which prints what() and exits with exit_code().
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cgsim {

/// Exit codes of the cgsim command.
enum ExitCode : int {
  kExitOk = 0,
  kExitMismatch = 1,     ///< validate: results outside tolerance; plan: no configuration meets the SLOs
  kExitInput = 2,        ///< bad scenario, bad arguments
  kExitBroker = 3,       ///< live: broker unreachable or lost
  kExitInternal = 4,     ///< a bug in cgsim
  kExitWrite = 5,        ///< an output file or standard output could not be written (disk full, no permission)
  kExitNonTermination = 6, ///< assign: the upstream assignor would loop forever on this input
  kExitInconclusive = 7, ///< validate: the host could not keep up with the scenario; no verdict on the model
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

/// An output could not be written completely: the message names the path and the OS reason.
class WriteError : public Error {
 public:
  explicit WriteError(const std::string& what) : Error(what, kExitWrite) {}
};

/// The length of the UTF-8 sequence starting at @p i in @p text (1 to 4), or 0 when the bytes there
/// are not valid UTF-8: each continuation byte 10xxxxxx, no overlong forms, no surrogates, nothing
/// above U+10FFFF.
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  bool ok = n != 0 && i + n <= text.size();
  for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
  if (ok && n >= 3) {
    const auto c1 = static_cast<unsigned char>(text[i + 1]);
    if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) || (c == 0xf4 && c1 > 0x8f))
      ok = false;
  }
  return ok ? n : 0;
}

/// The offset of the first byte of @p text that is not valid UTF-8, or npos.
inline std::size_t invalid_utf8_offset(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

/// @p text made safe to print in a message: control characters, DEL and bytes that are not part of
/// valid UTF-8 become \xNN (so a NUL or an escape sequence read from input cannot garble the
/// terminal); newlines are kept when @p keep_newlines.
inline std::string escape_bytes(std::string_view text, bool keep_newlines = false) {
  std::string out;
  out.reserve(text.size());
  auto hex = [&out](unsigned char c) {
    char buf[5];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && !(keep_newlines && c == '\n')) || c == 0x7f) hex(c);
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) {
      hex(c);
      ++i;
      continue;
    }
    out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace cgsim
