#pragma once
// Client-side tools for the DNS integration tests: kdig/dig runs, raw UDP/TCP exchanges
// (for malformed packets and pipelining), a plain HTTP GET, and a scripted fake upstream
// resolver on loopback. Everything is bounded in time; nothing leaves 127.0.0.0/8.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace mcns::test::dns {

using Bytes = std::vector<std::uint8_t>;

// Runs a shell command line; its stdout and stderr.
std::string shell(const std::string& command);
// kdig/dig against 127.0.0.1:port with a 2 s timeout and no retries; `args` verbatim.
std::string kdig(std::uint16_t port, const std::string& args);
std::string dig(std::uint16_t port, const std::string& args);
// "NOERROR", "NXDOMAIN", ... from kdig or dig output ("" when absent).
std::string status_of(const std::string& output);

// One UDP exchange from `bind_addr` (port 0); the reply, or nullopt after `timeout_ms`.
std::optional<Bytes> udp_exchange(std::uint16_t port, const Bytes& msg, int timeout_ms = 2000,
                                  const std::string& bind_addr = "127.0.0.1");
// Sends a datagram and does not wait.
void udp_send(std::uint16_t port, const Bytes& msg);

// A blocking TCP client connection to 127.0.0.1:port.
class TcpClient {
 public:
  explicit TcpClient(std::uint16_t port);
  ~TcpClient();
  bool connected() const { return fd_ >= 0; }
  bool send_raw(const Bytes& bytes);
  bool send_frame(const Bytes& message);  // with the 2-octet length
  std::optional<Bytes> read_frame(int timeout_ms = 2000);
  // True when the server closed the connection within `timeout_ms`.
  bool closed_by_peer(int timeout_ms);

 private:
  bool read_exact(std::uint8_t* p, std::size_t n, int timeout_ms);
  int fd_ = -1;
};

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};
HttpResult http_get(std::uint16_t port, const std::string& path);

// A fake recursive resolver on 127.0.0.1 (UDP and TCP on one port) answering from a
// script, on its own thread. It records every query it receives.
class FakeUpstream {
 public:
  // Datagrams (or TCP messages) to send back for one query; empty: stay silent.
  using Script = std::function<std::vector<Bytes>(const Bytes& query, bool tcp)>;
  explicit FakeUpstream(Script script);
  ~FakeUpstream();
  std::string address() const;  // "127.0.0.1:PORT"
  std::uint16_t port() const { return port_; }
  // Queries received whose question name is `name` (lower case, no trailing dot).
  int count(const std::string& name) const;
  int total() const;

 private:
  void loop();
  void handle_tcp(int fd);
  Script script_;
  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::map<std::string, int> counts_;  // guarded by mu_
  int total_ = 0;                      // guarded by mu_
};

// The question name of a message in lower-case presentation form ("www.example.com").
std::string question_name(const Bytes& message);

}  // namespace mcns::test::dns
