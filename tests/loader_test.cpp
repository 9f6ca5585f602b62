#include <gtest/gtest.h>

#include <string>

#include "scenarios/loader.hpp"
#include "models/common/error.hpp"

using cgsim::InputError;
using cgsim::scenarios::load_scenario_text;
using cgsim::scenarios::parse_duration;

namespace {

const char* kValid = R"(name: t
seed: 3
duration: 2m
topics:
  - {name: events, partitions: 4}
producers:
  - topic: events
    rate: {kind: poisson, per_second: 100}
    keys: {kind: zipf, cardinality: 10, exponent: 1.2}
groups:
  - id: g
    topics: [events]
    consumers: {count: 2, processing_time: {kind: constant, value: 1ms}}
faults:
  - {at: 30s, crash: g/1}
)";

/// Loads text expected to fail and returns the message.
std::string error_of(const std::string& text) {
  try {
    load_scenario_text(text, "bad.yaml");
  } catch (const InputError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

}  // namespace

TEST(Loader, ParsesAValidScenario) {
  auto sc = load_scenario_text(kValid, "ok.yaml");
  EXPECT_EQ(sc.name, "t");
  EXPECT_EQ(sc.seed, 3u);
  EXPECT_EQ(sc.duration, 120 * cgsim::sim::kSecond);
  ASSERT_EQ(sc.topics.size(), 1u);
  EXPECT_EQ(sc.topics[0].partitions, 4);
  ASSERT_EQ(sc.groups.size(), 1u);
  EXPECT_EQ(sc.groups[0].session_timeout, 45 * cgsim::sim::kSecond);  // Kafka's default
  EXPECT_EQ(sc.groups[0].max_poll_records, 500);
  EXPECT_EQ(sc.groups[0].consumers.processing_time.value, 0.001);
  ASSERT_EQ(sc.faults.size(), 1u);
  EXPECT_EQ(sc.faults[0].member, 1);
}

TEST(Loader, JsonAndYamlGiveTheSameScenario) {
  const char* json = R"({"name": "t", "seed": 3, "duration": "2m",
    "topics": [{"name": "events", "partitions": 4}],
    "producers": [{"topic": "events", "rate": {"kind": "poisson", "per_second": 100},
                   "keys": {"kind": "zipf", "cardinality": 10, "exponent": 1.2}}],
    "groups": [{"id": "g", "topics": ["events"],
                "consumers": {"count": 2, "processing_time": {"kind": "constant", "value": "1ms"}}}],
    "faults": [{"at": "30s", "crash": "g/1"}]})";
  auto a = load_scenario_text(kValid, "a.yaml");
  auto b = load_scenario_text(json, "b.json");
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.producers[0].keys.exponent, b.producers[0].keys.exponent);
  EXPECT_EQ(a.groups[0].consumers.count, b.groups[0].consumers.count);
  EXPECT_EQ(a.faults[0].at, b.faults[0].at);
}

TEST(Loader, UnknownKeyIsReportedWithLineAndPath) {
  std::string m = error_of(replace(kValid, "    topics: [events]", "    topics: [events]\n    sesion_timeout: 10s"));
  EXPECT_NE(m.find("bad.yaml:13:"), std::string::npos) << m;
  EXPECT_NE(m.find("groups[0].sesion_timeout: unknown key"), std::string::npos) << m;
}

TEST(Loader, WrongTypeIsReported) {
  std::string m = error_of(replace(kValid, "partitions: 4", "partitions: four"));
  EXPECT_NE(m.find("bad.yaml:5:"), std::string::npos) << m;
  EXPECT_NE(m.find("topics[0].partitions: expected an integer"), std::string::npos) << m;
  EXPECT_NE(m.find("\"four\""), std::string::npos) << m;
}

TEST(Loader, NegativeDurationIsRejected) {
  std::string m = error_of(replace(kValid, "at: 30s", "at: -30s"));
  EXPECT_NE(m.find("faults[0].at: expected a non-negative duration"), std::string::npos) << m;
}

TEST(Loader, DurationWithoutUnitIsRejected) {
  std::string m = error_of(replace(kValid, "duration: 2m", "duration: 120"));
  EXPECT_NE(m.find("duration: expected a duration"), std::string::npos) << m;
}

TEST(Loader, FaultNamingAMissingConsumerIsRejected) {
  std::string m = error_of(replace(kValid, "crash: g/1", "crash: g/2"));
  EXPECT_NE(m.find("bad.yaml:15:"), std::string::npos) << m;
  EXPECT_NE(m.find("faults[0].crash: group \"g\" has consumers 0..1"), std::string::npos) << m;
  m = error_of(replace(kValid, "crash: g/1", "crash: h/1"));
  EXPECT_NE(m.find("no group \"h\""), std::string::npos) << m;
}

TEST(Loader, AConsumerThatJoinedEarlierMayBeNamed) {
  auto sc = load_scenario_text(replace(kValid, "  - {at: 30s, crash: g/1}", "  - {at: 10s, join: g}\n  - {at: 30s, crash: g/2}"),
                               "ok.yaml");
  ASSERT_EQ(sc.faults.size(), 2u);
  EXPECT_EQ(sc.faults[1].member, 2);
}

TEST(Loader, ZeroPartitionsIsRejected) {
  std::string m = error_of(replace(kValid, "partitions: 4", "partitions: 0"));
  EXPECT_NE(m.find("topics[0].partitions: expected an integer from 1"), std::string::npos) << m;
}

TEST(Loader, MalformedYamlIsReportedWithPosition) {
  std::string m = error_of("name: t\ntopics: [a, b\n");
  EXPECT_NE(m.find("bad.yaml:"), std::string::npos) << m;
  EXPECT_NE(m.find("malformed YAML/JSON"), std::string::npos) << m;
}

TEST(Loader, UnknownTopicAssignorAndPartitionerAreRejected) {
  EXPECT_NE(error_of(replace(kValid, "topics: [events]", "topics: [evnts]")).find("groups[0].topics[0]"),
            std::string::npos);
  EXPECT_NE(error_of(replace(kValid, "    topics: [events]", "    topics: [events]\n    assignor: fancy"))
                .find("groups[0].assignor: expected one of:"),
            std::string::npos);
  EXPECT_NE(error_of(replace(kValid, "    rate:", "    partitioner: hashy\n    rate:")).find("producers[0].partitioner"),
            std::string::npos);
}

TEST(Loader, HeartbeatMustBeBelowSessionTimeout) {
  std::string m = error_of(replace(kValid, "    topics: [events]", "    topics: [events]\n    session_timeout: 3s"));
  EXPECT_NE(m.find("heartbeat_interval below session_timeout"), std::string::npos) << m;
}

TEST(Loader, StartSpreadIsADurationShorterThanTheRun) {
  EXPECT_EQ(load_scenario_text(kValid, "t.yaml").groups[0].start_spread, cgsim::sim::kSecond);
  auto sc = load_scenario_text(replace(kValid, "    topics: [events]", "    topics: [events]\n    start_spread: 250ms"), "t.yaml");
  EXPECT_EQ(sc.groups[0].start_spread, 250 * cgsim::sim::kMillisecond);
  std::string m = error_of(replace(kValid, "    topics: [events]", "    topics: [events]\n    start_spread: -1s"));
  EXPECT_NE(m.find("groups[0].start_spread"), std::string::npos) << m;
  EXPECT_NE(m.find("non-negative"), std::string::npos) << m;
  m = error_of(replace(kValid, "    topics: [events]", "    topics: [events]\n    start_spread: 3h"));
  EXPECT_NE(m.find("shorter than the run"), std::string::npos) << m;
}

TEST(Loader, ClientStartIsColdOrWarm) {
  using CS = cgsim::models::GroupSpec::ClientStart;
  EXPECT_EQ(load_scenario_text(kValid, "t.yaml").groups[0].client_start, CS::Cold);
  auto sc = load_scenario_text(replace(kValid, "    topics: [events]", "    topics: [events]\n    client_start: warm"), "t.yaml");
  EXPECT_EQ(sc.groups[0].client_start, CS::Warm);
  std::string m = error_of(replace(kValid, "    topics: [events]", "    topics: [events]\n    client_start: hot"));
  EXPECT_NE(m.find("groups[0].client_start"), std::string::npos) << m;
  EXPECT_NE(m.find("warm"), std::string::npos) << m;
}

TEST(Loader, FaultAfterTheEndIsRejected) {
  std::string m = error_of(replace(kValid, "at: 30s", "at: 3m"));
  EXPECT_NE(m.find("before the end of the run"), std::string::npos) << m;
}

TEST(Loader, OverridesApplyBeforeValidation) {
  auto sc = load_scenario_text(kValid, "ok.yaml", {{"groups.0.consumers.count", "5"}, {"topics.0.partitions", "8"}});
  EXPECT_EQ(sc.groups[0].consumers.count, 5);
  EXPECT_EQ(sc.topics[0].partitions, 8);
  EXPECT_THROW(load_scenario_text(kValid, "ok.yaml", {{"groups.3.consumers.count", "5"}}), InputError);
  EXPECT_THROW(load_scenario_text(kValid, "ok.yaml", {{"topics.0.partitions", "0"}}), InputError);
  EXPECT_THROW(cgsim::scenarios::parse_override("nopath"), InputError);
  // A section the file leaves out is created; a misspelt one is still rejected by validation.
  auto b = load_scenario_text(kValid, "ok.yaml", {{"broker.request_latency", "0"}});
  EXPECT_EQ(b.broker.request_latency, 0);
  EXPECT_THROW(load_scenario_text(kValid, "ok.yaml", {{"brokr.request_latency", "0"}}), InputError);
}

TEST(Loader, MissingFileIsAnInputError) {
  EXPECT_THROW(cgsim::scenarios::load_scenario_file("/nonexistent/scenario.yaml"), InputError);
}

TEST(Duration, ParsesUnitsAndCompounds) {
  cgsim::sim::Time t = 0;
  EXPECT_TRUE(parse_duration("250ms", t));
  EXPECT_EQ(t, 250'000'000);
  EXPECT_TRUE(parse_duration("1m30s", t));
  EXPECT_EQ(t, 90'000'000'000);
  EXPECT_TRUE(parse_duration("150us", t));
  EXPECT_EQ(t, 150'000);
  EXPECT_TRUE(parse_duration("1.5s", t));
  EXPECT_EQ(t, 1'500'000'000);
  EXPECT_TRUE(parse_duration("0", t));
  EXPECT_EQ(t, 0);
  EXPECT_FALSE(parse_duration("10", t));
  EXPECT_FALSE(parse_duration("10 s", t));
  EXPECT_FALSE(parse_duration("-1s", t));
  EXPECT_FALSE(parse_duration("5d", t));
  EXPECT_FALSE(parse_duration("", t));
}

TEST(Loader, CooperativeStickyWithoutProtocolRunsTheCooperativeProtocol) {
  auto sc = load_scenario_text(replace(kValid, "    topics: [events]\n", "    topics: [events]\n    assignor: cooperative-sticky\n"),
                               "t.yaml");
  EXPECT_EQ(sc.groups[0].protocol, "cooperative");
  sc = load_scenario_text(replace(kValid, "seed: 3\n", "seed: 3\nclient: librdkafka\n") + "",
                          "t.yaml");
  EXPECT_EQ(sc.groups[0].protocol, "eager");
}

TEST(Loader, CooperativeStickyWithAnExplicitEagerProtocolIsAnInputErrorNamingBothFields) {
  const std::string what = error_of(
      replace(kValid, "    topics: [events]\n", "    topics: [events]\n    assignor: cooperative-sticky\n    protocol: eager\n"));
  EXPECT_NE(what.find("groups[0].protocol"), std::string::npos) << what;
  EXPECT_NE(what.find("groups[0].assignor"), std::string::npos) << what;
}

TEST(Loader, BytesThatAreNotUtf8AreRejectedWithTheirPosition) {
  // Names are written back into JSON outputs, which must be UTF-8.
  EXPECT_EQ(error_of("name: t\xc3\n"), "bad.yaml:1:8: unexpected byte \\xc3: expected UTF-8 text");
  EXPECT_EQ(error_of("name: ok\ndescription: a\x98z\n"), "bad.yaml:2:15: unexpected byte \\x98: expected UTF-8 text");
  EXPECT_THROW(load_scenario_text(kValid, "ok.yaml", {{"name", "t\xff"}}), InputError);
}
