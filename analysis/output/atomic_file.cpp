#include "analysis/output/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <streambuf>
#include <vector>

#include "models/common/error.hpp"

namespace cgsim::analysis {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw WriteError(escape_bytes(what) + ": cannot write: " + std::strerror(err));
}

/// A stream buffer over a file descriptor that remembers the first failed write's errno.
class FdBuf : public std::streambuf {
 public:
  explicit FdBuf(int fd) : fd_(fd), buf_(1 << 16) { setp(buf_.data(), buf_.data() + buf_.size()); }
  int error() const { return error_; }
  /// Writes out the buffer; false (with error() set) on failure.
  bool drain() {
    const char* p = pbase();
    std::size_t n = static_cast<std::size_t>(pptr() - pbase());
    while (n > 0 && error_ == 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
      } else if (w == 0) {
        error_ = EIO;
      } else {
        p += w;
        n -= static_cast<std::size_t>(w);
      }
    }
    setp(buf_.data(), buf_.data() + buf_.size());
    return error_ == 0;
  }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  int fd_;
  std::vector<char> buf_;
  int error_ = 0;
};

/// std::cout's buffer once capture_stdout() ran.
FdBuf* g_stdout = nullptr;

}  // namespace

struct AtomicFile::Impl {
  std::filesystem::path path;
  std::string temp;  ///< empty when writing in place
  int fd = -1;
  FdBuf buf;
  std::ostream os;
  bool committed = false;
  Impl(std::filesystem::path p, std::string t, int f)
      : path(std::move(p)), temp(std::move(t)), fd(f), buf(f), os(&buf) {}
};

AtomicFile::AtomicFile(std::filesystem::path path) {
  struct stat st {};
  const bool in_place = ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
  std::string target = path.string();
  std::string temp;
  int fd;
  if (in_place) {
    fd = ::open(target.c_str(), O_WRONLY | O_CLOEXEC);
  } else {
    temp = target + ".tmp." + std::to_string(::getpid());
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  }
  if (fd < 0) fail(target, errno);
  impl_ = std::make_unique<Impl>(std::move(path), std::move(temp), fd);
}

AtomicFile::~AtomicFile() {
  if (!impl_ || impl_->committed) return;
  if (impl_->fd >= 0) ::close(impl_->fd);
  if (!impl_->temp.empty()) ::unlink(impl_->temp.c_str());
}

std::ostream& AtomicFile::stream() { return impl_->os; }

void AtomicFile::commit() {
  Impl& m = *impl_;
  const std::string target = m.path.string();
  m.os.flush();
  if (!m.buf.drain() || !m.os) fail(target, m.buf.error() ? m.buf.error() : EIO);
  const int fd = m.fd;
  m.fd = -1;
  if (::close(fd) != 0) fail(target, errno);
  if (!m.temp.empty() && std::rename(m.temp.c_str(), target.c_str()) != 0) fail(target, errno);
  m.committed = true;
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  AtomicFile f(path);
  f.stream().write(text.data(), static_cast<std::streamsize>(text.size()));
  f.commit();
}

void capture_stdout() {
  if (g_stdout) return;
  // Never freed: std::cout is flushed once more after static destructors have run.
  g_stdout = new FdBuf(STDOUT_FILENO);
  std::cout.rdbuf(g_stdout);
  if (::isatty(STDOUT_FILENO)) std::cout.setf(std::ios::unitbuf);
}

void check_stdout() {
  std::cout.flush();
  if (g_stdout && (!g_stdout->drain() || !std::cout)) {
    std::cout.clear();
    throw WriteError(std::string("standard output: cannot write: ") +
                     std::strerror(g_stdout->error() ? g_stdout->error() : EIO));
  }
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int err = errno;
  if (flushed && !std::ferror(stdout) && std::cout) return;
  std::clearerr(stdout);
  std::cout.clear();
  throw WriteError(std::string("standard output: cannot write: ") + std::strerror(err ? err : EIO));
}

}  // namespace cgsim::analysis
