#include "live/kafka/rdkafka_handles.hpp"

#include <cstring>

#include "models/common/error.hpp"

namespace cgsim::live::kafka {

std::int64_t produced_time(const rd_kafka_message_t* m) {
  std::int64_t ns = -1;
  rd_kafka_headers_t* hdrs = nullptr;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return ns;
  const void* v = nullptr;
  size_t sz = 0;
  if (rd_kafka_header_get_last(hdrs, kTimeHeader, &v, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR && sz == sizeof ns) {
    std::memcpy(&ns, v, sizeof ns);
  }
  return ns;
}

void conf_set(rd_kafka_conf_t* c, const std::string& k, const std::string& v) {
  char err[512];
  if (rd_kafka_conf_set(c, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(c);
    throw InputError("client property " + k + "=" + v + ": " + err);
  }
}

RkPtr new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw InputError(std::string("cannot create a librdkafka client: ") + err);
  }
  return RkPtr(rk);
}

std::int32_t generation_of(rd_kafka_t* rk) {
  // librdkafka serialises the metadata as a 7-byte magic "CGMDv2:" followed by the generation id
  // (native int32).
  rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata(rk);
  if (!md) return -1;
  void* buf = nullptr;
  size_t size = 0;
  std::int32_t gen = -1;
  rd_kafka_error_t* err = rd_kafka_consumer_group_metadata_write(md, &buf, &size);
  if (!err && buf && size >= 11 && std::memcmp(buf, "CGMDv2:", 7) == 0) {
    std::memcpy(&gen, static_cast<char*>(buf) + 7, sizeof gen);
  }
  if (err) rd_kafka_error_destroy(err);
  if (buf) rd_kafka_mem_free(nullptr, buf);
  rd_kafka_consumer_group_metadata_destroy(md);
  return gen;
}

}  // namespace cgsim::live::kafka
