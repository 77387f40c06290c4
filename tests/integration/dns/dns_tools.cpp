#include "tests/integration/dns/dns_tools.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <regex>
#include <stdexcept>

#include "common/base/strings.h"
#include "tests/integration/harness/run_command.h"

namespace mcns::test::dns {

namespace {

sockaddr_in v4(const std::string& addr, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, addr.c_str(), &a.sin_addr);
  return a;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

}  // namespace

std::string shell(const std::string& command) { return run_command(command).output; }

std::string kdig(std::uint16_t port, const std::string& args) {
  return shell(str_cat("kdig @127.0.0.1 -p ", port, " +time=2 +retry=0 ", args));
}

std::string dig(std::uint16_t port, const std::string& args) {
  return shell(str_cat("dig @127.0.0.1 -p ", port, " +time=2 +tries=1 ", args));
}

std::string status_of(const std::string& output) {
  static const std::regex re("status: ([A-Z]+)");
  std::smatch m;
  return std::regex_search(output, m, re) ? m[1].str() : "";
}

std::optional<Bytes> udp_exchange(std::uint16_t port, const Bytes& msg, int timeout_ms, const std::string& bind_addr) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  auto from = v4(bind_addr, 0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from);
  auto to = v4("127.0.0.1", port);
  ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  std::optional<Bytes> out;
  if (wait_readable(fd, timeout_ms)) {
    Bytes buf(65535);
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n >= 0) {
      buf.resize(static_cast<std::size_t>(n));
      out = std::move(buf);
    }
  }
  ::close(fd);
  return out;
}

void udp_send(std::uint16_t port, const Bytes& msg) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  auto to = v4("127.0.0.1", port);
  ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  ::close(fd);
}

TcpClient::TcpClient(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  auto to = v4("127.0.0.1", port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

TcpClient::~TcpClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool TcpClient::send_raw(const Bytes& b) {
  std::size_t off = 0;
  while (off < b.size()) {
    ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

bool TcpClient::send_frame(const Bytes& m) {
  Bytes f(2 + m.size());
  f[0] = static_cast<std::uint8_t>(m.size() >> 8);
  f[1] = static_cast<std::uint8_t>(m.size());
  std::copy(m.begin(), m.end(), f.begin() + 2);
  return send_raw(f);
}

bool TcpClient::read_exact(std::uint8_t* p, std::size_t n, int timeout_ms) {
  while (n > 0) {
    if (!wait_readable(fd_, timeout_ms)) return false;
    ssize_t r = ::recv(fd_, p, n, 0);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

std::optional<Bytes> TcpClient::read_frame(int timeout_ms) {
  std::uint8_t len[2];
  if (!read_exact(len, 2, timeout_ms)) return std::nullopt;
  Bytes b((len[0] << 8) | len[1]);
  if (!read_exact(b.data(), b.size(), timeout_ms)) return std::nullopt;
  return b;
}

bool TcpClient::closed_by_peer(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::uint8_t buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !wait_readable(fd_, static_cast<int>(left.count()))) return false;
    ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
    if (r <= 0) return true;  // EOF or reset
  }
}

HttpResult http_get(std::uint16_t port, const std::string& path) {
  // curl is a test dependency anyway (SPEC section 2); -w appends the status code.
  HttpResult result;
  std::string out = shell(str_cat("curl -s -m 5 -o - -w '\\n%{http_code}' http://127.0.0.1:", port, path));
  auto nl = out.rfind('\n');
  if (nl == std::string::npos) return result;
  result.status = parse_int<int>(trim(std::string_view(out).substr(nl + 1))).value_or(0);
  result.body = out.substr(0, nl);
  return result;
}

std::string question_name(const Bytes& m) {
  std::string out;
  std::size_t pos = 12;
  while (pos < m.size() && m[pos] != 0 && (m[pos] & 0xC0) == 0) {
    std::size_t len = m[pos];
    if (pos + 1 + len > m.size()) break;
    if (!out.empty()) out.push_back('.');
    for (std::size_t i = 0; i < len; ++i) {
      char c = static_cast<char>(m[pos + 1 + i]);
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
    }
    pos += 1 + len;
  }
  return out;
}

FakeUpstream::FakeUpstream(Script script) : script_(std::move(script)) {
  // UDP and TCP on one port number. The kernel picks the UDP port; under a parallel test
  // run some other test's TCP socket may hold that number, so a failed TCP bind means
  // trying another port, never listening somewhere the forwarder will not look.
  for (int attempt = 0; attempt < 100; ++attempt) {
    udp_fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    auto a = v4("127.0.0.1", 0);
    ::bind(udp_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    tcp_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    ::setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(tcp_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && ::listen(tcp_fd_, 16) == 0) {
      port_ = ntohs(a.sin_port);
      break;
    }
    ::close(tcp_fd_);
    ::close(udp_fd_);
    udp_fd_ = tcp_fd_ = -1;
  }
  if (port_ == 0) throw std::runtime_error("fake upstream: no free UDP+TCP port pair on 127.0.0.1");
  thread_ = std::thread([this] { loop(); });
}

FakeUpstream::~FakeUpstream() {
  stop_ = true;
  thread_.join();
  ::close(udp_fd_);
  ::close(tcp_fd_);
}

std::string FakeUpstream::address() const { return str_cat("127.0.0.1:", port_); }

int FakeUpstream::count(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(name);
  return it == counts_.end() ? 0 : it->second;
}

int FakeUpstream::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

void FakeUpstream::loop() {
  while (!stop_) {
    pollfd fds[2] = {{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;  // 50 ms: how soon the destructor is noticed
    if (fds[0].revents & POLLIN) {
      Bytes buf(4096);
      sockaddr_storage from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(udp_fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n > 0) {
        buf.resize(static_cast<std::size_t>(n));
        {
          std::lock_guard lock(mu_);
          ++counts_[question_name(buf)];
          ++total_;
        }
        for (const Bytes& r : script_(buf, false))
          ::sendto(udp_fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      }
    }
    if (fds[1].revents & POLLIN) {
      int c = ::accept(tcp_fd_, nullptr, nullptr);
      if (c >= 0) {
        handle_tcp(c);
        ::close(c);
      }
    }
  }
}

void FakeUpstream::handle_tcp(int fd) {
  std::uint8_t len[2];
  auto read_exact = [&](std::uint8_t* p, std::size_t n) {
    while (n > 0) {
      if (!wait_readable(fd, 2000)) return false;
      ssize_t r = ::recv(fd, p, n, 0);
      if (r <= 0) return false;
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  };
  if (!read_exact(len, 2)) return;
  Bytes q((len[0] << 8) | len[1]);
  if (!read_exact(q.data(), q.size())) return;
  {
    std::lock_guard lock(mu_);
    ++counts_[question_name(q)];
    ++total_;
  }
  for (const Bytes& r : script_(q, true)) {
    Bytes f(2 + r.size());
    f[0] = static_cast<std::uint8_t>(r.size() >> 8);
    f[1] = static_cast<std::uint8_t>(r.size());
    std::copy(r.begin(), r.end(), f.begin() + 2);
    ::send(fd, f.data(), f.size(), MSG_NOSIGNAL);
  }
}

}  // namespace mcns::test::dns
