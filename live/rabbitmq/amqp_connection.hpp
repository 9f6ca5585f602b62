#pragma once
/// @file amqp_connection.hpp
/// One AMQP 0-9-1 connection through rabbitmq-c with one channel, and the few operations the live
/// RabbitMQ backend needs: declare (passive or not), bind, delete, qos, consume, publish, ack.
/// Every failure is a BrokerError naming the operation and the broker's or library's reason.
///
/// A connection belongs to one thread; only abort() may be called from another thread (it shuts
/// the socket down, the way a dying process loses its connection: no basic.cancel, no
/// connection.close).
#include <amqp.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cgsim::live::rabbitmq {

/// Where the broker is: parsed from amqp://user:password@host:port/vhost.
struct AmqpAddress {
  std::string host = "127.0.0.1";
  int port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
};

/// Parses an amqp:// URL (defaults as in AmqpAddress). Throws InputError when malformed.
AmqpAddress parse_amqp_url(const std::string& url);

/// A queue or exchange argument (x-...): an integer, a string or a boolean.
struct AmqpArgument {
  std::string key;
  enum class Kind { Int, String, Bool } kind = Kind::Int;
  std::int64_t i = 0;
  std::string s;
  bool b = false;
};

class AmqpConnection {
 public:
  /// Connects, logs in and opens channel 1. Throws BrokerError.
  AmqpConnection(const AmqpAddress& address, double timeout_s, const std::string& name);
  ~AmqpConnection();
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  amqp_connection_state_t state() { return conn_; }
  /// True once the socket failed or was shut down.
  bool broken() const { return broken_.load(); }

  /// Whether a queue named @p name exists (passive declare; a 404 closes the channel, which is
  /// reopened). Returns its ready message count and consumer count when it does.
  struct QueueInfo {
    std::uint32_t messages = 0;
    std::uint32_t consumers = 0;
  };
  std::optional<QueueInfo> queue_info(const std::string& name);
  /// Whether an exchange named @p name exists (passive declare).
  bool exchange_exists(const std::string& name);
  void declare_exchange(const std::string& name, const std::string& type);
  void declare_queue(const std::string& name, bool durable, const std::vector<AmqpArgument>& args);
  void bind(const std::string& queue, const std::string& exchange, const std::string& key);
  void delete_queue(const std::string& name);
  void delete_exchange(const std::string& name);
  void qos(std::uint16_t prefetch);
  void consume(const std::string& queue, const std::string& tag, bool no_ack, std::int32_t priority);
  void cancel(const std::string& tag);
  void publish(const std::string& exchange, const std::string& routing_key, const void* body, std::size_t bytes);
  void ack(std::uint64_t tag, bool multiple);
  void nack(std::uint64_t tag, bool requeue);
  /// channel.close and connection.close (errors ignored), then the socket is closed.
  void close();
  /// Shuts the socket down from any thread: the broker sees the connection drop.
  void abort();

  /// Throws BrokerError for a failed RPC reply of @p what.
  void check(amqp_rpc_reply_t reply, const std::string& what);
  /// Describes a failed RPC reply.
  static std::string describe(amqp_rpc_reply_t reply);

 private:
  void reopen_channel();

  amqp_connection_state_t conn_ = nullptr;
  std::string name_;
  std::atomic<bool> broken_{false};
  bool closed_ = false;
  std::mutex fd_mu_;  ///< guards the socket against abort() from another thread during close
};

}  // namespace cgsim::live::rabbitmq
