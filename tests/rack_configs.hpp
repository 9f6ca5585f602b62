#pragma once
/// @file rack_configs.hpp
/// The rack configurations Kafka's assignor tests run their parameterised cases under (the
/// RackConfig of AbstractPartitionAssignorTest and RangeAssignorTest): no broker racks, no
/// consumer racks, or both. The ports run such a case once per configuration through
/// for_each_rack_config, and name the configuration in any failure.
#include <gtest/gtest.h>

namespace {

enum class RackConfig { NoBrokerRack, NoConsumerRack, BrokerAndConsumerRack };
const RackConfig kRackConfigs[] = {RackConfig::NoBrokerRack, RackConfig::NoConsumerRack, RackConfig::BrokerAndConsumerRack};

/// Kafka's name of @p c.
inline const char* name(RackConfig c) {
  return c == RackConfig::NoBrokerRack ? "NO_BROKER_RACK" : c == RackConfig::NoConsumerRack ? "NO_CONSUMER_RACK" : "BROKER_AND_CONSUMER_RACK";
}

/// Calls @p body(config) for every rack configuration, under a trace naming it.
template <typename Body>
void for_each_rack_config(Body&& body) {
  for (RackConfig rc : kRackConfigs) {
    SCOPED_TRACE(name(rc));
    body(rc);
  }
}

}  // namespace
