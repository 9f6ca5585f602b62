// The live RabbitMQ backend's pieces that need no broker: URL parsing, time scaling, the
// redelivery attribution and ordering check shared by both sides, and the comparison.
#include <gtest/gtest.h>

#include <algorithm>

#include "live/rabbitmq/amqp_connection.hpp"
#include "live/rabbitmq/attribution.hpp"
#include "live/rabbitmq/backend.hpp"
#include "live/rabbitmq/compare.hpp"
#include "models/common/error.hpp"
#include "scenarios/rabbitmq_loader.hpp"

namespace {

using namespace cgsim;
namespace lr = cgsim::live::rabbitmq;

TEST(LiveRabbitmqPieces, ParsesAmqpUrls) {
  const auto a = lr::parse_amqp_url("amqp://u:p%40ss@broker:5673/jobs");
  EXPECT_EQ(a.user, "u");
  EXPECT_EQ(a.password, "p@ss");
  EXPECT_EQ(a.host, "broker");
  EXPECT_EQ(a.port, 5673);
  EXPECT_EQ(a.vhost, "jobs");
  const auto d = lr::parse_amqp_url("amqp://127.0.0.1:41234/");
  EXPECT_EQ(d.user, "guest");
  EXPECT_EQ(d.vhost, "/");
  EXPECT_EQ(d.port, 41234);
  EXPECT_THROW(lr::parse_amqp_url("http://x"), InputError);
  EXPECT_THROW(lr::parse_amqp_url("amqp://x:99999/"), InputError);
}

TEST(LiveRabbitmqPieces, ScalesTheTimelineOnly) {
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/mail_jobs_rabbitmq.yaml");
  const auto s = lr::scale_rabbitmq_scenario(sc, 0.1);
  EXPECT_EQ(s.duration, sc.duration / 10);
  EXPECT_EQ(s.faults[0].at, sc.faults[0].at / 10);
  EXPECT_EQ(s.faults[2].duration, sc.faults[2].duration / 10);
  EXPECT_EQ(s.faults[2].gap, sc.faults[2].gap / 10);
  EXPECT_EQ(s.producers[0].rate.steps[1].first, sc.producers[0].rate.steps[1].first / 10);
  EXPECT_EQ(s.producers[0].rate.steps[1].second, sc.producers[0].rate.steps[1].second);
  EXPECT_EQ(s.broker.network_latency, sc.broker.network_latency);
  EXPECT_EQ(s.broker.consumer_timeout, sc.broker.consumer_timeout);
  EXPECT_THROW(lr::scale_rabbitmq_scenario(sc, 0), InputError);
  EXPECT_THROW(lr::scale_rabbitmq_scenario(sc, 1.5), InputError);
}

TEST(LiveRabbitmqPieces, ChargesRedeliveriesToTheLatestFaultUnlessANackReturnedThem) {
  lr::RedeliveryAttribution a(2);
  a.processed(0, 0, 1, true);  // before any fault
  a.fault(0, "g", "crash", "g/0", 1.0);
  a.processed(0, 0, 2, true);
  a.nacked(0, 0, 3);
  a.processed(0, 0, 3, true);  // returned by the nack
  a.processed(0, 0, 4, false);
  a.fault(1, "h", "leave", "h/1", 2.0);
  a.processed(1, 0, 2, true);  // group h's fault
  a.fault(0, "g", "restart", "g/1", 3.0);
  a.processed(0, 0, 5, true);
  a.processed(0, 0, 6, true);
  ASSERT_EQ(a.faults().size(), 3u);
  EXPECT_EQ(a.faults()[0].redelivered, 1u);
  EXPECT_EQ(a.faults()[1].redelivered, 1u);
  EXPECT_EQ(a.faults()[2].redelivered, 2u);
  EXPECT_EQ(a.after_nack(), 1u);
  EXPECT_EQ(a.unattributed(), 1u);
}

TEST(LiveRabbitmqPieces, OrderingIsPerQueueAndKey) {
  lr::OrderingCheck o;
  EXPECT_FALSE(o.processed(0, 7, 10));
  EXPECT_FALSE(o.processed(0, 7, 12));
  EXPECT_TRUE(o.processed(0, 7, 11));
  EXPECT_FALSE(o.processed(1, 7, 11));  // another queue
  EXPECT_FALSE(o.processed(0, 8, 1));   // another key
  EXPECT_FALSE(o.processed(0, 7, 13));
}

TEST(LiveRabbitmqPieces, ComparesARunWithItselfAsOkAndPairsFaultsByTime) {
  const auto sc = scenarios::load_rabbitmq_scenario_file(std::string(CGSIM_SOURCE_DIR) + "/scenarios/chat_rabbitmq_hash.yaml");
  const auto scaled = lr::scale_rabbitmq_scenario(sc, 0.05);
  const lr::RabbitRun sim = lr::simulate_for_validation(scaled);
  const double rtt_ms = 2 * sim::to_seconds(scaled.broker.network_latency) * 1000;
  const auto same = lr::compare_rabbitmq_runs(scaled, sim, sim, rtt_ms);
  EXPECT_TRUE(same.ok()) << same.table();
  // The live faults listed in another order still pair with their simulated ones.
  lr::RabbitRun live = sim;
  std::reverse(live.fault_redeliveries.begin(), live.fault_redeliveries.end());
  const auto rep = lr::compare_rabbitmq_runs(scaled, sim, live, rtt_ms);
  for (const auto& c : rep.checks) EXPECT_NE(c.kind, "fault_unmatched") << c.subject;
  EXPECT_TRUE(rep.ok()) << rep.table();
  // A live run whose crash redelivered 10 more messages fails that check only.
  live.fault_redeliveries.front().redelivered += 10;
  const auto off = lr::compare_rabbitmq_runs(scaled, sim, live, rtt_ms);
  std::size_t failed = 0;
  for (const auto& c : off.checks)
    if (!c.ok && !c.informational) {
      ++failed;
      EXPECT_EQ(c.kind, "fault_redeliveries");
    }
  EXPECT_EQ(failed, 1u);
}

}  // namespace
