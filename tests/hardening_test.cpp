// Failed writes, huge quantities and misleading messages: each case checks the message a user
// sees and the exit code, in process where the code is a library call and through the cgsim
// binary where it is the command's behaviour (standard output, exit codes, files left behind).
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "analysis/experiments/cost.hpp"
#include "analysis/experiments/run_progress.hpp"
#include "analysis/output/atomic_file.hpp"
#include "scenarios/loader.hpp"
#include "models/common/error.hpp"

namespace fs = std::filesystem;
using cgsim::InputError;
using cgsim::WriteError;
using cgsim::scenarios::load_scenario_text;
using cgsim::scenarios::Override;

namespace {

const char* kScenario = R"(name: small
seed: 1
duration: 10s
topics:
  - {name: events, partitions: 4}
producers:
  - topic: events
    rate: {kind: poisson, per_second: 2000}
groups:
  - id: g
    topics: [events]
    consumers: {count: 2, processing_time: {kind: constant, value: 1ms}}
)";

/// The message of the InputError that loading @p text with @p overrides throws.
std::string load_error(const std::string& text, const std::vector<Override>& overrides = {}) {
  try {
    load_scenario_text(text, "s.yaml", overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kScenario;
  const auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A fresh directory under the system's temporary folder, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() /
           ("cgsim_hardening_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    ::umount2(path.c_str(), MNT_DETACH);
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

/// Files in @p dir whose names contain ".tmp." (temporary names of AtomicFile).
int temporaries(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) ++n;
  return n;
}

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs `sh -c SCRIPT` with $CGSIM set to the cgsim binary; stdout and stderr are captured
/// unless the script redirects them itself.
Outcome shell(const std::string& script, const fs::path& dir) {
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = "CGSIM='" CGSIM_BINARY_DIR "/cli/cgsim' SRC='" CGSIM_SOURCE_DIR "' sh -c '" + script +
                          "' >'" + out.string() + "' 2>'" + err.string() + "'";
  const int st = std::system(cmd.c_str());
  Outcome r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = read(out);
  r.err = read(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

bool have_binary() { return fs::exists(CGSIM_BINARY_DIR "/cli/cgsim"); }

/// Mounts a tmpfs of @p bytes on @p dir; false when this process may not mount.
bool mount_small_tmpfs(const fs::path& dir, std::size_t bytes) {
  const std::string opts = "size=" + std::to_string(bytes);
  return ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.c_str()) == 0;
}

}  // namespace

// ---- Writes ------------------------------------------------------------------------------------

TEST(AtomicFile, CommitPutsTheWholeFileUnderItsNameAndNothingElse) {
  TempDir d;
  {
    cgsim::analysis::AtomicFile f(d.path / "a.csv");
    f << "x,y\n" << 1 << ',' << 2.5 << '\n';
    EXPECT_FALSE(fs::exists(d.path / "a.csv"));
    f.commit();
  }
  EXPECT_EQ(read(d.path / "a.csv"), "x,y\n1,2.5\n");
  EXPECT_EQ(temporaries(d.path), 0);
}

TEST(AtomicFile, AnAbandonedFileLeavesNothingBehind) {
  TempDir d;
  std::ofstream(d.path / "old.json") << "previous";
  try {
    cgsim::analysis::AtomicFile f(d.path / "old.json");
    f << "half of it";
    throw std::runtime_error("stop");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read(d.path / "old.json"), "previous");
  EXPECT_EQ(temporaries(d.path), 0);
}

TEST(AtomicFile, AFullDeviceIsAWriteErrorWithThePathAndTheReason) {
  try {
    cgsim::analysis::write_file_atomically("/dev/full", std::string(100000, 'x'));
    FAIL() << "no error";
  } catch (const WriteError& e) {
    EXPECT_EQ(e.exit_code(), cgsim::kExitWrite);
    EXPECT_EQ(std::string(e.what()), "/dev/full: cannot write: No space left on device");
  }
}

TEST(AtomicFile, AMissingFolderIsAWriteError) {
  TempDir d;
  try {
    cgsim::analysis::write_file_atomically(d.path / "no" / "such.json", "{}");
    FAIL() << "no error";
  } catch (const WriteError& e) {
    EXPECT_NE(std::string(e.what()).find("no/such.json: cannot write: No such file or directory"), std::string::npos)
        << e.what();
  }
}

TEST(AtomicFile, AFullFilesystemLeavesNoPartialFile) {
  TempDir d;
  if (!mount_small_tmpfs(d.path, 64 * 1024)) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  try {
    cgsim::analysis::AtomicFile f(d.path / "big.csv");
    for (int i = 0; i < 100000; ++i) f << "0123456789\n";
    f.commit();
    FAIL() << "no error";
  } catch (const WriteError& e) {
    EXPECT_NE(std::string(e.what()).find("big.csv: cannot write: No space left on device"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(fs::is_empty(d.path));
}

TEST(WriteFailures, RunOutputsOnAFullFilesystemExitFiveWithNoPartialFile) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  TempDir d;
  // 200 partitions: summary.json takes 12 KiB, lag.csv 46 KiB.
  std::ofstream(d.path / "s.yaml") << with("partitions: 4", "partitions: 200");
  const fs::path mnt = d.path / "mnt";
  fs::create_directories(mnt);
  // Room for summary.json but not for the lag series.
  if (!mount_small_tmpfs(mnt, 24 * 1024)) GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  const Outcome r = shell("$CGSIM run " + (d.path / "s.yaml").string() + " --out " + (mnt / "out").string() + " -q --report",
                      d.path);
  EXPECT_EQ(r.code, cgsim::kExitWrite) << r.err;
  EXPECT_NE(r.err.find("/out/lag.csv: cannot write: No space left on device"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(mnt / "out" / "summary.json"));
  EXPECT_FALSE(fs::exists(mnt / "out" / "lag.csv"));
  EXPECT_FALSE(fs::exists(mnt / "out" / "report.html"));
  EXPECT_EQ(temporaries(mnt / "out"), 0);
  ::umount2(mnt.c_str(), MNT_DETACH);
}

TEST(WriteFailures, AFileSizeLimitFailsTheRunWithNoPartialFile) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  TempDir d;
  std::ofstream(d.path / "s.yaml") << with("partitions: 4", "partitions: 200");
  // RLIMIT_FSIZE makes write(2) fail with EFBIG past 24 KiB, like a disk that fills up mid-file.
  // The child inherits the limit and the ignored SIGXFSZ (which would otherwise kill it).
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = 24 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  const Outcome r =
      shell("$CGSIM run " + (d.path / "s.yaml").string() + " --out " + (d.path / "out").string() + " -q", d.path);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  EXPECT_EQ(r.code, cgsim::kExitWrite) << r.err;
  EXPECT_NE(r.err.find("/out/lag.csv: cannot write: File too large"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(d.path / "out" / "summary.json"));
  EXPECT_FALSE(fs::exists(d.path / "out" / "lag.csv"));
  EXPECT_EQ(temporaries(d.path / "out"), 0);
}

TEST(WriteFailures, StandardOutputOnAFullDeviceExitsFive) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  TempDir d;
  std::ofstream(d.path / "s.yaml") << kScenario;
  for (const std::string& args : {"run " + (d.path / "s.yaml").string() + " --json", std::string("schema"),
                                 std::string("--help")}) {
    const Outcome r = shell("$CGSIM " + args + " >/dev/full", d.path);
    EXPECT_EQ(r.code, cgsim::kExitWrite) << args;
    EXPECT_EQ(r.err, "cgsim: error: standard output: cannot write: No space left on device\n") << args;
  }
}

// ---- Determinism of --json --------------------------------------------------------------------

TEST(Timings, JsonIsByteIdenticalAndHasWallSecondsOnlyWhenAsked) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  TempDir d;
  std::ofstream(d.path / "s.yaml") << kScenario;
  const std::string run = "$CGSIM run " + (d.path / "s.yaml").string();
  const Outcome a = shell(run + " --json", d.path), b = shell(run + " --json", d.path);
  EXPECT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out.find("wall_seconds"), std::string::npos);
  EXPECT_NE(shell(run + " --json --timings", d.path).out.find("\"wall_seconds\""), std::string::npos);
  EXPECT_EQ(shell(run + " --out " + (d.path / "o").string() + " -q", d.path).code, 0);
  EXPECT_EQ(read(d.path / "o" / "summary.json"), a.out);
}

// ---- Checked quantities ------------------------------------------------------------------------

TEST(Quantities, DurationsBeyondTheClockNameTheMaximum) {
  const std::string max = "exceeds the maximum duration of 2562047h (about 292 years)";
  EXPECT_NE(load_error(with("duration: 10s", "duration: 3000000h")).find(max), std::string::npos);
  // Parts that each fit but whose sum does not (this wrapped around to a short run).
  EXPECT_NE(load_error(with("duration: 10s", "duration: 2000000h2000000h")).find(max), std::string::npos);
  EXPECT_NE(load_error(with("duration: 10s", "duration: 9300000000000000000ns")).find(max), std::string::npos);
  cgsim::sim::Time t = 0;
  std::string why;
  EXPECT_TRUE(cgsim::scenarios::parse_duration("2562047h", t, &why));
  EXPECT_EQ(t, 2'562'047 * cgsim::sim::kHour);
  EXPECT_TRUE(cgsim::scenarios::parse_duration("5000000000ns", t, &why));
  EXPECT_EQ(t, 5 * cgsim::sim::kSecond);
  EXPECT_FALSE(cgsim::scenarios::parse_duration("2562048h", t, &why));
  EXPECT_EQ(why, max);
}

TEST(Quantities, RatesCountsAndNumbersNameTheirLimits) {
  EXPECT_NE(load_error(with("per_second: 2000", "per_second: 1e12")).find("exceeds the maximum rate of 1e9 per second"),
            std::string::npos);
  EXPECT_NE(load_error(with("partitions: 4", "partitions: 99999999999999999999999"))
                .find("expected an integer from 1 to 1000000, got \"99999999999999999999999\""),
            std::string::npos);
  EXPECT_NE(load_error(with("per_second: 2000", "per_second: 1e400")).find("expected a finite number"),
            std::string::npos);
}

// ---- Messages ----------------------------------------------------------------------------------

TEST(Messages, SetErrorsPointAtTheOption) {
  EXPECT_EQ(load_error(kScenario, {{"groups.0.consumers.count", "x"}}),
            "--set groups.0.consumers.count=x: groups[0].consumers.count: expected an integer, got \"x\"");
  EXPECT_EQ(load_error(kScenario, {{"groups.0.consumers.count", "x", "--vary"}}).rfind("--vary groups.0.", 0), 0u);
  EXPECT_EQ(load_error(kScenario, {{"groups.0.commit", "{kind: sometimes}"}})
                .rfind("--set groups.0.commit={kind: sometimes}: groups[0].commit.kind: expected one of", 0),
            0u);
  EXPECT_EQ(load_error(kScenario, {{"groups.0.colour", "red"}}).rfind("--set groups.0.colour=red: ", 0), 0u);
  // Errors in the file itself still give file, line and column.
  EXPECT_EQ(load_error(with("count: 2", "count: x")).rfind("s.yaml:12:", 0), 0u);
}

TEST(Messages, LibrdkafkaAssignorErrorsListLibrdkafkasAssignors) {
  const std::string m = load_error("client: librdkafka\n" + with("topics: [events]", "topics: [events]\n    assignor: sticky"));
  EXPECT_NE(m.find("expected one of (client librdkafka): range, roundrobin, cooperative-sticky, uniform, server-range, "
                   "got \"sticky\""),
            std::string::npos)
      << m;
}

TEST(Messages, AFolderIsNamedAsAFolder) {
  TempDir d;
  try {
    cgsim::scenarios::load_scenario_file(d.path.string());
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), d.path.string() + ": is a directory, expected a scenario file (YAML or JSON)");
  }
  if (!have_binary()) return;
  const Outcome r = shell("$CGSIM assign " + d.path.string(), d.path);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_NE(r.err.find(": is a directory, expected an assignment input file (JSON)"), std::string::npos) << r.err;
}

TEST(Messages, InputBytesAreEscaped) {
  EXPECT_EQ(cgsim::escape_bytes(std::string("\0a\x1b[31m\x7f", 8)), "\\x00a\\x1b[31m\\x7f");
  EXPECT_EQ(cgsim::escape_bytes("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");        // valid UTF-8 kept
  EXPECT_EQ(cgsim::escape_bytes("\xff\xc3(\xed\xa0\x80"), "\\xff\\xc3(\\xed\\xa0\\x80");       // invalid, surrogate
  EXPECT_EQ(cgsim::escape_bytes("a\nb\tc", true), "a\nb\\x09c");
  EXPECT_EQ(cgsim::escape_bytes("a\nb"), "a\\x0ab");
  EXPECT_EQ(load_error(std::string("\0name: x\n", 9)), "s.yaml:1:1: unexpected NUL byte (\\x00): expected UTF-8 text");
  EXPECT_EQ(load_error(std::string("name: x\nseed: 1\x00\n", 17)),
            "s.yaml:2:8: unexpected NUL byte (\\x00): expected UTF-8 text");
  const std::string m = load_error(with("name: small", "name: small\nclient: \"\x1b[2J\""));
  EXPECT_NE(m.find("got \"\\x1b[2J\""), std::string::npos) << m;
  EXPECT_EQ(load_error(with("name: small", "name: small\nclient: \"\xff\"")),
            "s.yaml:2:10: unexpected byte \\xff: expected UTF-8 text");
}

TEST(Messages, NumericFlagsAndUnknownCommands) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  TempDir d;
  std::ofstream(d.path / "s.yaml") << kScenario;
  const std::string s = (d.path / "s.yaml").string();
  Outcome r = shell("$CGSIM sweep " + s + " --out " + (d.path / "o").string() + " --jobs 0", d.path);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_NE(r.err.find("--jobs: expected an integer from 1 to 1024, got 0"), std::string::npos) << r.err;
  r = shell("$CGSIM plan " + s + " --slo p99_latency=1s --seeds 0", d.path);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_NE(r.err.find("--seeds: expected an integer from 1 to 1000000, got 0"), std::string::npos) << r.err;
  r = shell("$CGSIM run " + s + " --seed -1", d.path);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_NE(r.err.find("--seed: expected an integer >= 0, got -1"), std::string::npos) << r.err;
  r = shell("$CGSIM assign --churn -5", d.path);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_NE(r.err.find("--churn: expected an integer from 0 to 2147483647, got -5"), std::string::npos) << r.err;
  r = shell("$CGSIM import --help", d.path);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("unknown command \"import\" (expected one of: run, schema, assign"), std::string::npos) << r.err;
  r = shell("$CGSIM run " + s + " --set groups.0.consumers.count=x", d.path);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_EQ(r.err.rfind("cgsim: error: --set groups.0.consumers.count=x: ", 0), 0u) << r.err;
}

// ---- Cost estimate and budget -------------------------------------------------------------------

namespace {

/// Runs cgsim on kScenario with @p args; the outcome and how long it took.
std::pair<Outcome, double> timed_run(const TempDir& d, const std::string& args) {
  std::ofstream(d.path / "s.yaml") << kScenario;
  const auto t0 = std::chrono::steady_clock::now();
  Outcome r = shell("$CGSIM run " + (d.path / "s.yaml").string() + " " + args, d.path);
  return {r, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
}

/// Expects a refusal (exit 2) within a few seconds whose message gives the estimate and @p flag.
void expect_refused(const std::string& args, const std::string& flag, const std::string& term) {
  SCOPED_TRACE(args);
  TempDir d;
  const auto [r, seconds] = timed_run(d, args);
  EXPECT_EQ(r.code, cgsim::kExitInput) << r.err;
  EXPECT_NE(r.err.find("refusing to start a run estimated beyond the budget"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("about "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(" + flag + ")"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(term), std::string::npos) << r.err;
  EXPECT_LT(seconds, 10.0) << "refused only after " << seconds << " s";
  EXPECT_FALSE(fs::exists(d.path / "o"));
}

}  // namespace

TEST(Budget, RunawayScenariosAreRefusedBeforeTheyStart) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  {
    // 1e12/s is over the loader's limit of one record per nanosecond; at that limit, the records the
    // two consumers cannot keep up with fill the logs.
    TempDir d;
    const auto [r, seconds] = timed_run(d, "--set duration=1s --set \"producers.0.rate={kind: constant, per_second: 1e12}\"");
    EXPECT_EQ(r.code, cgsim::kExitInput);
    EXPECT_NE(r.err.find("exceeds the maximum rate of 1e9 per second"), std::string::npos) << r.err;
  }
  expect_refused("--set duration=1s --set \"producers.0.rate={kind: constant, per_second: 1e9}\"", "--max-memory",
                 "records kept in the logs");
  expect_refused("--set duration=1000000000s", "--max-events", "engine events");
  expect_refused("--set broker.produce_tick=1ns", "--max-events", "broker.produce_tick");
  expect_refused("--set groups.0.session_timeout=2ns --set groups.0.heartbeat_interval=1ns", "--max-events",
                 "heartbeats");
  expect_refused("--set output.sample_interval=1ns", "--max-events", "output.sample_interval");
  expect_refused("--set \"producers.0.keys={kind: zipf, cardinality: 50000000}\"", "--max-memory", "Zipf");
  expect_refused("--set duration=60s --set topics.0.partitions=1000000 --set groups.0.consumers.count=100000 --out o",
                 "--max-memory", "time series");
}

TEST(Budget, ChurnBeyondTheBudgetIsRefused) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  TempDir d;
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome r = shell("$CGSIM assign --churn 1000000000", d.path);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
  EXPECT_EQ(r.code, cgsim::kExitInput);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--churn 1000000000: refusing to start"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(--max-memory)"), std::string::npos) << r.err;
}

TEST(Budget, TheFlagsMoveTheBudgetAndSweepsAndPlansCheckIt) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  expect_refused("--max-events 1000", "--max-events", "consumption");
  expect_refused("--max-memory 1MiB", "--max-memory", "the process");
  TempDir d;
  const auto [r, seconds] = timed_run(d, "--set broker.produce_tick=1ms --max-events 1e10 --json");
  EXPECT_EQ(r.code, 0) << r.err;
  const std::string s = (d.path / "s.yaml").string();
  Outcome w = shell("$CGSIM sweep " + s + " --out " + (d.path / "w").string() +
                        " -q --vary broker.produce_tick=10ms,1ns",
                    d.path);
  EXPECT_EQ(w.code, cgsim::kExitInput);
  EXPECT_NE(w.err.find("(broker.produce_tick=1ns): refusing"), std::string::npos) << w.err;
  w = shell("$CGSIM plan " + s + " --slo p99_latency=1s -q --set broker.produce_tick=1ns", d.path);
  EXPECT_EQ(w.code, cgsim::kExitInput);
  EXPECT_NE(w.err.find("(--max-events)"), std::string::npos) << w.err;
  w = shell("$CGSIM run " + s + " --max-memory 12parsecs", d.path);
  EXPECT_EQ(w.code, cgsim::kExitInput);
  EXPECT_NE(w.err.find("--max-memory: expected a memory size such as 4GiB"), std::string::npos) << w.err;
}

TEST(Budget, ProgressLeavesTheOutputsUnchanged) {
  if (!have_binary()) GTEST_SKIP() << "cgsim binary not built";
  TempDir d;
  const auto [plain, s1] = timed_run(d, "--json");
  const auto [with_progress, s2] = timed_run(d, "--json --progress");
  EXPECT_EQ(plain.code, 0);
  EXPECT_EQ(with_progress.code, 0);
  EXPECT_EQ(plain.out, with_progress.out);
}

TEST(Budget, SizesAndTheProgressLineRead) {
  double b = 0;
  EXPECT_TRUE(cgsim::analysis::parse_bytes("8GiB", b));
  EXPECT_EQ(b, 8.0 * 1024 * 1024 * 1024);
  EXPECT_TRUE(cgsim::analysis::parse_bytes("512m", b));
  EXPECT_EQ(b, 512.0 * 1024 * 1024);
  EXPECT_TRUE(cgsim::analysis::parse_bytes("1e9", b));
  EXPECT_EQ(b, 1e9);
  EXPECT_FALSE(cgsim::analysis::parse_bytes("0", b));
  EXPECT_FALSE(cgsim::analysis::parse_bytes("-1G", b));
  EXPECT_FALSE(cgsim::analysis::parse_bytes("4 lightyears", b));
  EXPECT_EQ(cgsim::analysis::format_bytes(2.0 * 1024 * 1024 * 1024), "2 GiB");
  EXPECT_EQ(cgsim::analysis::format_bytes(100), "100 B");
  EXPECT_EQ(cgsim::analysis::progress_text("kg1", 150, 600, 2.4e6, 20),
            "cgsim run kg1: 150 of 600 s simulated (25%), 2.4M events, 20s elapsed, about 1m00s left");
}
