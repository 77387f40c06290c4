// tcp_pattern: a DNS-over-TCP "server" that answers every query with the query itself
// (QR set) and nothing else, in one of two I/O patterns, with Nagle on or off. It isolates
// what the kernel charges a server for a TCP reply from any DNS work, so bench/tcp_pattern.sh
// can show which of the I/O choices makes Knot cheaper than mcns-dns at a fixed pipelined
// rate on loopback (docs/PERFORMANCE.md, "Why TCP at a fixed rate costs more than Knot").
//
//   tcp_pattern PORT one|all [nagle]
//     one:   Knot's pattern: level-triggered epoll, one message per connection per pass,
//            read as recv(2) + recv(length), answered with one sendmsg of length + message;
//     all:   mcns-dns's pattern: edge-triggered epoll, one recv of all that is there,
//            every complete message answered in one send;
//     nagle: leave Nagle on (Knot never sets TCP_NODELAY; mcns-dns does).
// Listens on 127.0.0.1 only. A bench tool: no limits, no timeouts, no error reporting
// beyond closing the connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

constexpr std::size_t kMaxFds = 65536;

void mark_answer(unsigned char* message, std::size_t size) {
  if (size >= 3) message[2] |= 0x80;  // QR
}

// Knot's pattern: exactly one message, read in two steps, answered at once.
void serve_one(int fd) {
  unsigned char length_octets[2];
  ssize_t got = recv(fd, length_octets, 2, 0);
  if (got <= 0) {
    if (got == 0 || errno != EAGAIN) close(fd);
    return;
  }
  std::size_t length = (std::size_t{length_octets[0]} << 8) | length_octets[1];
  static unsigned char message[65536];
  std::size_t have = 0;
  while (have < length) {
    ssize_t n = recv(fd, message + have, length - have, 0);
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
  }
  if (have < length) {
    close(fd);
    return;
  }
  mark_answer(message, length);
  iovec parts[2] = {{length_octets, 2}, {message, length}};
  msghdr header{};
  header.msg_iov = parts;
  header.msg_iovlen = 2;
  (void)sendmsg(fd, &header, MSG_NOSIGNAL);
}

// mcns-dns's pattern: all that arrived, answered in one send.
void serve_all(int fd, std::vector<unsigned char>& pending) {
  static unsigned char chunk[65536];
  ssize_t got = 0;
  do {  // edge-triggered: a full chunk may not be all there is
    got = recv(fd, chunk, sizeof chunk, 0);
    if (got == 0 || (got < 0 && errno != EAGAIN)) {
      close(fd);
      pending.clear();
      return;
    }
    if (got > 0) pending.insert(pending.end(), chunk, chunk + got);
  } while (got == static_cast<ssize_t>(sizeof chunk));
  std::vector<unsigned char> replies;
  std::size_t at = 0;
  while (pending.size() - at >= 2) {
    std::size_t length = (std::size_t{pending[at]} << 8) | pending[at + 1];
    if (pending.size() - at - 2 < length) break;
    mark_answer(&pending[at + 2], length);
    replies.insert(replies.end(), pending.begin() + static_cast<long>(at),
                   pending.begin() + static_cast<long>(at + 2 + length));
    at += 2 + length;
  }
  pending.erase(pending.begin(), pending.begin() + static_cast<long>(at));
  if (!replies.empty()) (void)send(fd, replies.data(), replies.size(), MSG_NOSIGNAL);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tcp_pattern PORT one|all [nagle]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const bool one = std::string_view(argv[2]) == "one";
  const bool nagle = argc > 3 && std::string_view(argv[3]) == "nagle";

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 1024) != 0) {
    std::perror("tcp_pattern: listen");
    return 1;
  }
  int poller = epoll_create1(0);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  epoll_ctl(poller, EPOLL_CTL_ADD, listener, &event);

  std::vector<std::vector<unsigned char>> pending(kMaxFds);
  epoll_event ready[64];
  for (;;) {
    int count = epoll_wait(poller, ready, 64, -1);
    for (int i = 0; i < count; ++i) {
      int fd = ready[i].data.fd;
      if (fd != listener) {
        if (one) serve_one(fd);
        else serve_all(fd, pending[static_cast<std::size_t>(fd)]);
        continue;
      }
      for (int client; (client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
        if (static_cast<std::size_t>(client) >= kMaxFds) {
          close(client);
          continue;
        }
        if (!nagle) setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
        pending[static_cast<std::size_t>(client)].clear();
        epoll_event watch{};
        watch.data.fd = client;
        watch.events = one ? EPOLLIN : (EPOLLIN | EPOLLET);
        epoll_ctl(poller, EPOLL_CTL_ADD, client, &watch);
      }
    }
  }
}
