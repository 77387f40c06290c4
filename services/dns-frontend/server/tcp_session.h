#pragma once
// One TCP connection of mcns-dns (RFC 7766): length framing, pipelining, idle timeout,
// back-pressure; see server.h for the behaviour.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "services/dns-frontend/query/cookies.h"
#include "services/dns-frontend/server/handler_memory.h"
#include "services/dns-frontend/server/tcp_connection.h"

namespace mcns::frontend::server {

inline constexpr std::size_t kTcpMaxFrame = 2 + 65535;
inline constexpr std::size_t kTcpInitialRx = 4096;
inline constexpr std::size_t kTcpMaxPendingOut = 128 * 1024;  // reading pauses above this
inline constexpr std::size_t kTcpMaxOutstanding = 16;         // forwarded queries per connection

class Worker;

class TcpSession final : public TcpConnection, public std::enable_shared_from_this<TcpSession> {
 public:
  TcpSession(Worker& w, boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& peer);
  ~TcpSession() override;

  void start();

  void shutdown() override;
  bool idle() const override;
  void evict() override { close(); }
  void rearm() override;

 private:
  void touch();
  // The idle deadline follows the worker's current timeout (shorter under pressure).
  std::chrono::steady_clock::time_point deadline() const;
  void arm_timer();
  bool backlogged() const { return out_pending_.size() > kTcpMaxPendingOut || outstanding_ >= kTcpMaxOutstanding; }
  void read();
  void resume();
  void process_frames();
  void handle(std::span<const std::uint8_t> msg);
  void append(std::span<const std::uint8_t> reply);
  void flush();
  void maybe_close();
  // Frames already read are still answered after the peer's EOF, not after a stop.
  bool has_complete_frame() const {
    return !stopping_ && rx_len_ >= 2 && rx_len_ >= 2 + ((std::size_t{rx_[0]} << 8) | rx_[1]);
  }
  void close();

  Worker& w_;
  HandlerMemory read_memory_;   // declared before socket_: outlives every operation on it
  HandlerMemory write_memory_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_active_;  // last complete message (or accept)
  std::vector<std::uint8_t> rx_;
  const ClientAddress client_;  // for server cookies
  std::size_t rx_len_ = 0;
  std::vector<std::uint8_t> out_pending_;
  std::vector<std::uint8_t> out_writing_;
  std::size_t outstanding_ = 0;
  bool allowed_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool peer_closed_ = false;
  bool stopping_ = false;
  bool closed_ = false;
};

}  // namespace mcns::frontend::server
