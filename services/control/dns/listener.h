#pragma once
// The sockets of mcns-control's DNS listener ([dns] listen, SPEC 13): on each address one
// UDP thread and one TCP acceptor; TCP connections (length-framed, RFC 7766) run on
// threads of their own, at most `max_tcp` at once, idle ones closed after 10 s. The
// control's DNS traffic is secondaries and tools, not clients: plain blocking sockets
// with poll() are enough, and keep every transfer on its own thread.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "services/control/dns/responder.h"

namespace mcns::control::dns {

class Listener {
 public:
  // Binds every address ("host:port"; port 0 = ephemeral) for UDP and TCP.
  static StatusOr<std::unique_ptr<Listener>> start(const std::vector<std::string>& listen, Responder& responder,
                                                   std::size_t max_tcp = 64);
  ~Listener();  // stop()
  void stop();

  // The bound addresses, "ip:port" (UDP and TCP share each port).
  const std::vector<std::string>& addresses() const noexcept { return addresses_; }

 private:
  Listener(Responder& responder, std::size_t max_tcp) : responder_(responder), max_tcp_(max_tcp) {}
  void udp_loop(int fd);
  void tcp_accept_loop(int fd);
  void tcp_connection(int fd, sockaddr_storage peer);

  Responder& responder_;
  const std::size_t max_tcp_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> tcp_open_{0};
  std::vector<int> fds_;
  std::vector<std::string> addresses_;
  std::vector<std::thread> threads_;
};

}  // namespace mcns::control::dns
