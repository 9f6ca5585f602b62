#include "live/rabbitmq/amqp_connection.hpp"

#include <amqp_tcp_socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstdlib>

#include "models/common/error.hpp"

namespace cgsim::live::rabbitmq {

namespace {

amqp_bytes_t bytes(const std::string& s) { return amqp_bytes_t{s.size(), const_cast<char*>(s.data())}; }

std::string decode_url_part(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

timeval to_timeval(double s) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(s);
  tv.tv_usec = static_cast<suseconds_t>((s - static_cast<double>(tv.tv_sec)) * 1e6);
  return tv;
}

}  // namespace

AmqpAddress parse_amqp_url(const std::string& url) {
  AmqpAddress a;
  const std::string scheme = "amqp://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    throw InputError("--url: expected amqp://[user:password@]host[:port][/vhost], got '" + url + "'");
  }
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  if (slash != std::string::npos) {
    const std::string v = rest.substr(slash + 1);
    if (!v.empty()) a.vhost = decode_url_part(v);
    rest = rest.substr(0, slash);
  }
  const auto at = rest.rfind('@');
  if (at != std::string::npos) {
    const std::string cred = rest.substr(0, at);
    const auto colon = cred.find(':');
    a.user = decode_url_part(cred.substr(0, colon));
    if (colon != std::string::npos) a.password = decode_url_part(cred.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  const auto colon = rest.rfind(':');
  if (colon != std::string::npos) {
    char* end = nullptr;
    const long port = std::strtol(rest.c_str() + colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) throw InputError("--url: bad port in '" + url + "'");
    a.port = static_cast<int>(port);
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) a.host = rest;
  return a;
}

std::string AmqpConnection::describe(amqp_rpc_reply_t r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL: return "ok";
    case AMQP_RESPONSE_NONE: return "no reply (missing RPC reply type)";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION: return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
        return "connection closed by the broker: " + std::to_string(m->reply_code) + " " +
               std::string(static_cast<char*>(m->reply_text.bytes), m->reply_text.len);
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return "channel closed by the broker: " + std::to_string(m->reply_code) + " " +
               std::string(static_cast<char*>(m->reply_text.bytes), m->reply_text.len);
      }
      return "broker error (method " + std::to_string(r.reply.id) + ")";
  }
  return "unknown reply";
}

void AmqpConnection::check(amqp_rpc_reply_t r, const std::string& what) {
  if (r.reply_type == AMQP_RESPONSE_NORMAL) return;
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) broken_ = true;
  throw BrokerError("RabbitMQ " + name_ + ": " + what + ": " + describe(r));
}

AmqpConnection::AmqpConnection(const AmqpAddress& a, double timeout_s, const std::string& name) : name_(name) {
  conn_ = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
  if (!socket) {
    amqp_destroy_connection(conn_);
    throw BrokerError("RabbitMQ " + name + ": cannot create a socket");
  }
  timeval tv = to_timeval(timeout_s);
  const int rc = amqp_socket_open_noblock(socket, a.host.c_str(), a.port, &tv);
  if (rc != AMQP_STATUS_OK) {
    amqp_destroy_connection(conn_);
    throw BrokerError("RabbitMQ " + name + ": cannot connect to " + a.host + ":" + std::to_string(a.port) + ": " +
                      amqp_error_string2(rc));
  }
  try {
    check(amqp_login(conn_, a.vhost.c_str(), 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, a.user.c_str(), a.password.c_str()),
          "login as " + a.user);
    amqp_channel_open(conn_, 1);
    check(amqp_get_rpc_reply(conn_), "channel.open");
  } catch (...) {
    amqp_destroy_connection(conn_);
    throw;
  }
}

AmqpConnection::~AmqpConnection() {
  std::lock_guard lk(fd_mu_);
  if (conn_) amqp_destroy_connection(conn_);
}

void AmqpConnection::reopen_channel() {
  // A passive declare of a missing name closes the channel (404): answer close-ok, open it again.
  amqp_channel_close_ok_t ok{};
  const int rc = amqp_send_method(conn_, 1, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
  if (rc != AMQP_STATUS_OK) {
    broken_ = true;
    throw BrokerError("RabbitMQ " + name_ + ": channel.close-ok: " + amqp_error_string2(rc));
  }
  amqp_channel_open(conn_, 1);
  check(amqp_get_rpc_reply(conn_), "channel.open");
}

std::optional<AmqpConnection::QueueInfo> AmqpConnection::queue_info(const std::string& name) {
  auto* ok = amqp_queue_declare(conn_, 1, bytes(name), 1, 0, 0, 0, amqp_empty_table);
  const amqp_rpc_reply_t r = amqp_get_rpc_reply(conn_);
  if (r.reply_type == AMQP_RESPONSE_NORMAL && ok) return QueueInfo{ok->message_count, ok->consumer_count};
  if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD &&
      static_cast<amqp_channel_close_t*>(r.reply.decoded)->reply_code == 404) {
    reopen_channel();
    return std::nullopt;
  }
  check(r, "passive queue.declare " + name);
  return std::nullopt;
}

bool AmqpConnection::exchange_exists(const std::string& name) {
  amqp_exchange_declare(conn_, 1, bytes(name), bytes("direct"), 1, 0, 0, 0, amqp_empty_table);
  const amqp_rpc_reply_t r = amqp_get_rpc_reply(conn_);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) return true;
  if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD &&
      static_cast<amqp_channel_close_t*>(r.reply.decoded)->reply_code == 404) {
    reopen_channel();
    return false;
  }
  check(r, "passive exchange.declare " + name);
  return false;
}

void AmqpConnection::declare_exchange(const std::string& name, const std::string& type) {
  amqp_exchange_declare(conn_, 1, bytes(name), bytes(type), 0, 0, 0, 0, amqp_empty_table);
  check(amqp_get_rpc_reply(conn_), "exchange.declare " + name + " (" + type + ")");
}

void AmqpConnection::declare_queue(const std::string& name, bool durable, const std::vector<AmqpArgument>& args) {
  std::vector<amqp_table_entry_t> entries(args.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    entries[i].key = bytes(args[i].key);
    switch (args[i].kind) {
      case AmqpArgument::Kind::Int:
        entries[i].value.kind = AMQP_FIELD_KIND_I64;
        entries[i].value.value.i64 = args[i].i;
        break;
      case AmqpArgument::Kind::String:
        entries[i].value.kind = AMQP_FIELD_KIND_UTF8;
        entries[i].value.value.bytes = bytes(args[i].s);
        break;
      case AmqpArgument::Kind::Bool:
        entries[i].value.kind = AMQP_FIELD_KIND_BOOLEAN;
        entries[i].value.value.boolean = args[i].b ? 1 : 0;
        break;
    }
  }
  amqp_table_t table{static_cast<int>(entries.size()), entries.empty() ? nullptr : entries.data()};
  amqp_queue_declare(conn_, 1, bytes(name), 0, durable ? 1 : 0, 0, 0, table);
  check(amqp_get_rpc_reply(conn_), "queue.declare " + name);
}

void AmqpConnection::bind(const std::string& queue, const std::string& exchange, const std::string& key) {
  amqp_queue_bind(conn_, 1, bytes(queue), bytes(exchange), bytes(key), amqp_empty_table);
  check(amqp_get_rpc_reply(conn_), "queue.bind " + queue + " to " + exchange + " (" + key + ")");
}

void AmqpConnection::delete_queue(const std::string& name) {
  amqp_queue_delete(conn_, 1, bytes(name), 0, 0);
  check(amqp_get_rpc_reply(conn_), "queue.delete " + name);
}

void AmqpConnection::delete_exchange(const std::string& name) {
  amqp_exchange_delete(conn_, 1, bytes(name), 0);
  check(amqp_get_rpc_reply(conn_), "exchange.delete " + name);
}

void AmqpConnection::qos(std::uint16_t prefetch) {
  amqp_basic_qos(conn_, 1, 0, prefetch, 0);
  check(amqp_get_rpc_reply(conn_), "basic.qos " + std::to_string(prefetch));
}

void AmqpConnection::consume(const std::string& queue, const std::string& tag, bool no_ack, std::int32_t priority) {
  amqp_table_entry_t e;
  std::string key = "x-priority";
  e.key = bytes(key);
  e.value.kind = AMQP_FIELD_KIND_I32;
  e.value.value.i32 = priority;
  amqp_table_t args{priority != 0 ? 1 : 0, priority != 0 ? &e : nullptr};
  amqp_basic_consume(conn_, 1, bytes(queue), bytes(tag), 0, no_ack ? 1 : 0, 0, args);
  check(amqp_get_rpc_reply(conn_), "basic.consume " + queue);
}

void AmqpConnection::cancel(const std::string& tag) {
  amqp_basic_cancel(conn_, 1, bytes(tag));
  check(amqp_get_rpc_reply(conn_), "basic.cancel " + tag);
}

void AmqpConnection::publish(const std::string& exchange, const std::string& key, const void* body, std::size_t n) {
  const int rc = amqp_basic_publish(conn_, 1, bytes(exchange), bytes(key), 0, 0, nullptr,
                                    amqp_bytes_t{n, const_cast<void*>(body)});
  if (rc != AMQP_STATUS_OK) {
    broken_ = true;
    throw BrokerError("RabbitMQ " + name_ + ": basic.publish to " + exchange + ": " + amqp_error_string2(rc));
  }
}

void AmqpConnection::ack(std::uint64_t tag, bool multiple) {
  const int rc = amqp_basic_ack(conn_, 1, tag, multiple ? 1 : 0);
  if (rc != AMQP_STATUS_OK) {
    broken_ = true;
    throw BrokerError("RabbitMQ " + name_ + ": basic.ack: " + amqp_error_string2(rc));
  }
}

void AmqpConnection::nack(std::uint64_t tag, bool requeue) {
  const int rc = amqp_basic_nack(conn_, 1, tag, 0, requeue ? 1 : 0);
  if (rc != AMQP_STATUS_OK) {
    broken_ = true;
    throw BrokerError("RabbitMQ " + name_ + ": basic.nack: " + amqp_error_string2(rc));
  }
}

void AmqpConnection::close() {
  if (closed_) return;
  closed_ = true;
  if (!broken_) {
    amqp_channel_close(conn_, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
  }
}

void AmqpConnection::abort() {
  std::lock_guard lk(fd_mu_);
  broken_ = true;
  const int fd = amqp_get_sockfd(conn_);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace cgsim::live::rabbitmq
