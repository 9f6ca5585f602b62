#pragma once
/// @file rdkafka_handles.hpp
/// Owning wrappers over librdkafka's C handles, and the small helpers every part of the live
/// backend uses to build clients and read what librdkafka hands back.
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>

namespace cgsim::live::kafka {

struct RkDeleter {
  void operator()(rd_kafka_t* rk) const {
    if (rk) rd_kafka_destroy(rk);
  }
};
using RkPtr = std::unique_ptr<rd_kafka_t, RkDeleter>;

struct QueueDeleter {
  void operator()(rd_kafka_queue_t* q) const {
    if (q) rd_kafka_queue_destroy(q);
  }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct EventDeleter {
  void operator()(rd_kafka_event_t* e) const {
    if (e) rd_kafka_event_destroy(e);
  }
};
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

struct PartListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    if (l) rd_kafka_topic_partition_list_destroy(l);
  }
};
using PartListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartListDeleter>;

/// The header that carries a record's production time (run clock, ns) from producer to consumer.
inline constexpr const char* kTimeHeader = "cgsim-t";

/// The run-clock time a record was produced at, from its kTimeHeader header; -1 without one.
std::int64_t produced_time(const rd_kafka_message_t* m);

/// Sets one property; on failure destroys @p c and throws InputError naming the property.
void conf_set(rd_kafka_conf_t* c, const std::string& key, const std::string& value);

/// A client of @p type built from @p conf (which it takes over); throws InputError on failure.
RkPtr new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf);

/// The generation of the consumer's current group membership, read from its consumer group
/// metadata; -1 when unavailable.
std::int32_t generation_of(rd_kafka_t* rk);

}  // namespace cgsim::live::kafka
