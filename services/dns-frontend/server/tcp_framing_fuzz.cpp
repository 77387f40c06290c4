// libFuzzer target for DNS-over-TCP length framing (RFC 7766) as mcns-dns reads it. The
// framing lives inside the TCP session of server.cpp, so the target drives the public
// API: one in-process Server (1 worker, the example zones, no forwarding) on
// 127.0.0.1:0, and every input is a byte stream written to a fresh connection in chunks,
// then half-closed. Built with clang when MCNS_FUZZ is ON (preset `fuzz`);
// cmake/fuzz_replay_test.cpp replays testdata/tcp_framing_fuzz_corpus/ through the same
// entry point in every build.
//
// Input: byte 0 chooses the chunk size of the writes; the rest is the stream. Checked
// invariants: no crash or sanitizer report; the server closes the connection after the
// client's half-close (within 5 s: nothing hangs); every reply is a framed DNS response
// (QR set, at least a header) answering the complete non-empty frames in order (its ID
// is that of a later frame than the previous reply's); there is no reply without a query.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "common/zone/snapshot_holder.h"
#include "services/dns-frontend/query/query_test_util.h"
#include "services/dns-frontend/server/server.h"

#define FUZZ_CHECK(cond)                                                                          \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "tcp_framing_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

namespace {

using namespace mcns;

struct Fixture {
  zone::SnapshotHolder holder;
  std::unique_ptr<frontend::server::Server> server;
  std::uint16_t port = 0;

  Fixture() {
    holder.publish(frontend::testing::example_zones());
    frontend::server::ServerOptions o;
    o.listen = {"127.0.0.1:0"};
    o.threads = 1;
    o.tcp_idle_timeout = std::chrono::milliseconds(5000);
    auto s = frontend::server::Server::bind(o, holder, nullptr, nullptr);
    FUZZ_CHECK(s.ok());
    server = std::move(s).value();
    std::string addr = server->bound_addresses().at(0);
    port = static_cast<std::uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
    server->start();
  }
};

bool wait_fd(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture* fx = new Fixture();  // lives for the process: the workers keep running
  if (size < 1) return 0;
  static constexpr std::size_t kChunks[] = {1 << 20, 1, 2, 3, 7, 64, 512, 4096};
  const std::size_t chunk = kChunks[data[0] & 7];
  const std::uint8_t* in = data + 1;
  const std::size_t len = size - 1;

  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  FUZZ_CHECK(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(fx->port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  FUZZ_CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  // Write the stream in chunks while reading whatever comes back (replies may arrive
  // before everything is written; not reading them could stall both sides).
  std::vector<std::uint8_t> rx;
  std::uint8_t buf[65536];
  std::size_t sent = 0;
  bool eof = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool shut = false;
  while (!eof) {
    FUZZ_CHECK(std::chrono::steady_clock::now() < deadline);  // the server must not hang
    if (sent < len) {
      if (wait_fd(fd, POLLOUT, 0)) {
        ssize_t n = ::send(fd, in + sent, std::min(chunk, len - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) sent += static_cast<std::size_t>(n);
        else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) sent = len;  // closed by the server
      }
    } else if (!shut) {
      ::shutdown(fd, SHUT_WR);
      shut = true;
    }
    if (wait_fd(fd, POLLIN, sent < len ? 0 : 100)) {
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) rx.insert(rx.end(), buf, buf + n);
      else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) eof = true;
    }
  }
  ::close(fd);

  // The complete non-empty frames of the input, in order (their IDs, -1 when shorter than 2).
  std::vector<int> ids;
  for (std::size_t pos = 0; pos + 2 <= len;) {
    std::size_t flen = (std::size_t{in[pos]} << 8) | in[pos + 1];
    if (pos + 2 + flen > len) break;
    if (flen > 0) ids.push_back(flen >= 2 ? (in[pos + 2] << 8) | in[pos + 3] : -1);
    pos += 2 + flen;
  }
  std::size_t next = 0;  // the first frame a reply may still answer
  for (std::size_t pos = 0; pos < rx.size();) {
    FUZZ_CHECK(pos + 2 <= rx.size());
    std::size_t flen = (std::size_t{rx[pos]} << 8) | rx[pos + 1];
    FUZZ_CHECK(pos + 2 + flen <= rx.size());  // whole replies only
    FUZZ_CHECK(flen >= 12);
    FUZZ_CHECK((rx[pos + 4] & 0x80) != 0);    // QR
    int id = (rx[pos + 2] << 8) | rx[pos + 3];
    while (next < ids.size() && ids[next] != id) ++next;
    FUZZ_CHECK(next < ids.size());  // answers a frame that was sent, in order
    ++next;
    pos += 2 + flen;
  }
  return 0;
}
