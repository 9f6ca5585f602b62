#include "live/java/worker_events.hpp"

#include <charconv>

#include "models/common/error.hpp"

namespace cgsim::live::java {

namespace {

/// Splits @p s at every @p sep (empty fields kept, so a doubled separator is an error later).
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= s.size()) {
    std::size_t j = s.find(sep, i);
    if (j == std::string_view::npos) j = s.size();
    out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

[[noreturn]] void bad(std::string_view line, const std::string& why) {
  throw Error("the Java consumer worker wrote a line cgsim cannot read (" + why + "): \"" +
              std::string(line.substr(0, 200)) + "\"");
}

template <typename T>
T number(std::string_view line, std::string_view w, const char* what) {
  T v{};
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (ec != std::errc{} || p != w.data() + w.size() || w.empty()) bad(line, std::string("expected a number for ") + what);
  return v;
}

WorkerPartition partition(std::string_view line, std::string_view w) {
  const std::size_t colon = w.find(':');
  if (colon == std::string_view::npos) bad(line, "expected TOPIC:PARTITION");
  return {number<std::int32_t>(line, w.substr(0, colon), "a topic index"),
          number<std::int32_t>(line, w.substr(colon + 1), "a partition")};
}

std::vector<WorkerPartition> partitions(std::string_view line, std::string_view w) {
  std::vector<WorkerPartition> out;
  if (w == "-") return out;
  for (auto item : split(w, ',')) out.push_back(partition(line, item));
  return out;
}

}  // namespace

WorkerEvent parse_worker_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto w = split(line, ' ');
  const std::string_view tag = w[0];
  WorkerEvent e;
  auto need = [&](std::size_t n) {
    if (w.size() != n) bad(line, "expected " + std::to_string(n - 1) + " fields after \"" + std::string(tag) + "\"");
  };
  using K = WorkerEvent::Kind;
  if (tag == "warn" || tag == "fatal") {
    e.kind = tag == "warn" ? K::Warn : K::Fatal;
    e.text = line.size() > tag.size() + 1 ? std::string(line.substr(tag.size() + 1)) : std::string();
  } else if (tag == "hello") {
    need(3);
    e.kind = K::Hello;
    e.pid = number<std::int64_t>(line, w[1], "the pid");
    e.t = number<std::int64_t>(line, w[2], "the time");
  } else if (tag == "ready") {
    need(1);
    e.kind = K::Ready;
  } else if (tag == "started") {
    need(3);
    e.kind = K::Started;
    e.t = number<std::int64_t>(line, w[1], "the time");
    e.tid = number<std::int64_t>(line, w[2], "the thread id");
  } else if (tag == "stopped") {
    need(2);
    e.kind = K::Stopped;
    e.t = number<std::int64_t>(line, w[1], "the time");
  } else if (tag == "a") {
    need(5);
    e.kind = K::Assigned;
    e.t = number<std::int64_t>(line, w[1], "the time");
    e.generation = number<std::int32_t>(line, w[2], "the generation");
    e.member_id = w[3] == "-" ? std::string() : std::string(w[3]);
    e.parts = partitions(line, w[4]);
  } else if (tag == "v") {
    need(4);
    e.kind = K::Revoked;
    e.t = number<std::int64_t>(line, w[1], "the time");
    e.parts = partitions(line, w[2]);
    e.current = partitions(line, w[3]);
  } else if (tag == "r") {
    need(7);
    e.kind = K::Record;
    e.record = {number<std::int32_t>(line, w[1], "a topic index"), number<std::int32_t>(line, w[2], "a partition")};
    e.offset = number<std::int64_t>(line, w[3], "the offset");
    e.produced_ns = number<std::int64_t>(line, w[4], "the produce time");
    e.t = number<std::int64_t>(line, w[5], "the time");
    if (w[6] != "0" && w[6] != "1") bad(line, "expected 0 or 1 for IDLE");
    e.after_idle = w[6] == "1";
  } else if (tag == "c") {
    need(3);
    e.kind = K::Commit;
    e.t = number<std::int64_t>(line, w[1], "the time");
    for (auto item : split(w[2], ',')) {
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos) bad(line, "expected TOPIC:PARTITION=OFFSET");
      e.commits.emplace_back(partition(line, item.substr(0, eq)), number<std::int64_t>(line, item.substr(eq + 1), "an offset"));
    }
  } else {
    bad(line, "unknown line");
  }
  return e;
}

std::string processing_command(const std::vector<std::int64_t>& ns) {
  std::string s = "pt";
  for (auto v : ns) s += " " + std::to_string(v);
  s += "\n";
  return s;
}

}  // namespace cgsim::live::java
