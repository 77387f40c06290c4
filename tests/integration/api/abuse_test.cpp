// SPEC 16 "Abuse resistance" against the real mcns-control binary: idle and handshake
// floods, a low descriptor limit, the per-address cap, the TLS handshake deadline,
// database errors that must not reach clients, and the body limit.
//
// Every client is on loopback. Distinct client addresses are 127.0.0.2 and up (the whole
// of 127.0.0.0/8 is local on Linux), so the per-address cap can be exercised from one
// process; the probes that must keep working come from 127.0.0.1.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/strings.h"
#include "tests/integration/api/api_client.h"
#include "tests/integration/harness/tcp_probe.h"
#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/local_tokens.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {
namespace {

using namespace std::chrono;

constexpr char kAdminToken[] = "abuse-admin-token";

// OpenSSL writes its ClientHello with write(2); on a connection the control has already
// closed (the point of several tests here) that raises SIGPIPE, which must be an error
// return instead of the end of the test process.
const bool kSigpipeIgnored = [] { return std::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();

// ---- the control under test ----

// Local-token mode: no MCIAS in the way, so latency measured is the control's own.
ControlOptions local_mode(const TempDir& dir) { return local_token_options(dir, admin_token_entry(kAdminToken)); }

// Raises this process' soft descriptor limit (children inherit it); false when the hard
// limit does not allow `wanted`.
bool raise_fd_limit(rlim_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= wanted) return true;
  if (limit.rlim_max < wanted) {
    limit.rlim_max = wanted;  // root may raise the hard limit too
  }
  limit.rlim_cur = wanted;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

// utime + stime of a process, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in(str_cat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  std::istringstream rest(stat.substr(stat.rfind(')') + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  if (fields.size() < 13) return -1;
  // Field 3 (state) is fields[0]; utime and stime are fields 14 and 15.
  double ticks = std::stod(fields[11]) + std::stod(fields[12]);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct FdCensus {
  int open = 0;     // descriptors
  int sockets = 0;  // of which sockets
  int highest = -1;
};
FdCensus fd_census(pid_t pid) {
  FdCensus c;
  std::string dir = str_cat("/proc/", pid, "/fd");
  DIR* d = ::opendir(dir.c_str());
  if (!d) return c;
  while (dirent* e = ::readdir(d)) {
    auto fd = parse_int<int>(e->d_name);
    if (!fd) continue;
    ++c.open;
    c.highest = std::max(c.highest, *fd);
    char target[64] = {};
    if (::readlink(str_cat(dir, "/", e->d_name).c_str(), target, sizeof target - 1) > 0 &&
        std::string_view(target).starts_with("socket:"))
      ++c.sockets;
  }
  ::closedir(d);
  return c;
}

// ---- raw clients ----

// A TCP connection from `source` (a 127.0.0.0/8 address) to 127.0.0.1:port; -1 on failure.
// No test blocks forever on a server that stopped answering.
int connect_client(const std::string& source, std::uint16_t port) {
  return connect_from(source, port, std::chrono::seconds(10));
}

std::string client_address(int index) { return str_cat("127.0.0.", index); }

// A TLS 1.3 client context that does not verify (the floods measure the server's cost,
// not ours; the probes use RestClient, which verifies).
class TlsClientContext {
 public:
  TlsClientContext() : ctx_(SSL_CTX_new(TLS_client_method())) {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  }
  ~TlsClientContext() { SSL_CTX_free(ctx_); }
  // Handshakes on `fd`; the session, or null (and `fd` untouched) on failure.
  SSL* handshake(int fd) const {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, "localhost");
    if (SSL_connect(ssl) == 1) return ssl;
    ERR_clear_error();
    SSL_free(ssl);
    return nullptr;
  }

 private:
  SSL_CTX* ctx_;
};

struct TlsConnection {
  int fd = -1;
  SSL* ssl = nullptr;
};

// Connections a test holds; closed at scope exit.
struct Held {
  std::vector<TlsConnection> connections;
  std::mutex mu;
  void add(int fd, SSL* ssl) {
    std::lock_guard lock(mu);
    connections.push_back({fd, ssl});
  }
  ~Held() {
    for (auto& c : connections) {
      if (c.ssl) SSL_free(c.ssl);
      if (c.fd >= 0) ::close(c.fd);
    }
  }
};

// One probe of a client that must not be locked out: a fresh connection (accept, TLS
// handshake, request), then an authenticated request on it. The slower of the two.
struct Probe {
  int health = 0, zones = 0;
  milliseconds slowest{0};
};
Probe probe(const ControlProcess& control) {
  Probe p;
  RestClient client(control.rest_url(), test_pki().ca_cert);
  auto t0 = steady_clock::now();
  p.health = client.get("/v1/health").status;
  auto t1 = steady_clock::now();
  p.zones = client.get("/v1/zones", kAdminToken).status;
  auto t2 = steady_clock::now();
  p.slowest = duration_cast<milliseconds>(std::max(t1 - t0, t2 - t1));
  return p;
}

// ---- the tests ----

TEST(AbuseTest, IdleAndHandshakeFloodsDoNotLockOutClients) {
  ASSERT_TRUE(kSigpipeIgnored);
  // 3,000 idle connections here and as many accepted there (then closed down to the cap).
  ASSERT_TRUE(raise_fd_limit(12000)) << "needs RLIMIT_NOFILE >= 12000 (run as root or raise the hard limit)";
  TempDir dir;
  ControlOptions o = local_mode(dir);
  // The default cap, stated: 3,000 idle connections are three times what the control
  // keeps, so the oldest idle ones must make room for newcomers and probes.
  constexpr int kCap = 1024;
  o.env["MCNS_SERVER_MAX_CONNECTIONS"] = std::to_string(kCap);
  auto control = ControlProcess::start(dir, o);
  ASSERT_TRUE(control);
  const FdCensus baseline = fd_census(control->pid());
  TlsClientContext tls;

  // 3,000 idle TLS connections from 127.0.0.2..60, about 51 per address (cap 64).
  constexpr int kIdle = 3000, kIdleAddresses = 59, kOpeners = 4;
  Held idle;
  std::atomic<int> idle_ok{0};
  auto opened_at = steady_clock::now();
  {
    std::vector<std::thread> openers;
    for (int t = 0; t < kOpeners; ++t) {
      openers.emplace_back([&, t] {
        for (int i = t; i < kIdle; i += kOpeners) {
          int fd = connect_client(client_address(2 + i % kIdleAddresses), control->rest_port());
          if (fd < 0) continue;
          SSL* ssl = tls.handshake(fd);
          idle.add(fd, ssl);
          if (ssl) ++idle_ok;
        }
      });
    }
    for (auto& t : openers) t.join();
  }
  std::fprintf(stderr, "opened %d idle TLS connections in %lld ms\n", idle_ok.load(),
               static_cast<long long>(duration_cast<milliseconds>(steady_clock::now() - opened_at).count()));
  EXPECT_GE(idle_ok.load(), kIdle * 95 / 100) << "the idle flood itself did not happen";
  // The control keeps at most its cap: the rest were closed, oldest idle first.
  auto deadline = steady_clock::now() + seconds(10);
  FdCensus census;
  do {
    census = fd_census(control->pid());
    if (census.sockets <= baseline.sockets + kCap) break;
    std::this_thread::sleep_for(milliseconds(50));
  } while (steady_clock::now() < deadline);
  EXPECT_LE(census.sockets, baseline.sockets + kCap) << "sockets held by the control";
  EXPECT_GE(census.sockets, baseline.sockets + kCap / 2) << "the idle connections were kept up to the cap";

  // 200 new TLS handshakes a second for 4 s from 127.0.0.61..80, closed right after.
  constexpr auto kFloodFor = seconds(4);
  constexpr int kFloodThreads = 2;
  constexpr auto kInterval = milliseconds(10);  // per thread: 2 x 100/s
  std::atomic<bool> flooding{true};
  std::atomic<int> flood_ok{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < kFloodThreads; ++t) {
    flood.emplace_back([&, t] {
      auto next = steady_clock::now();
      for (int i = 0; flooding; ++i) {
        int fd = connect_client(client_address(61 + (i * kFloodThreads + t) % 20), control->rest_port());
        if (fd >= 0) {
          if (SSL* ssl = tls.handshake(fd)) {
            ++flood_ok;
            SSL_free(ssl);
          }
          ::close(fd);
        }
        next += kInterval;
        std::this_thread::sleep_until(next);
      }
    });
  }
  // Meanwhile a client from 127.0.0.1 keeps getting answers, each within 1 s.
  auto flood_started = steady_clock::now();
  int probes = 0;
  milliseconds slowest{0};
  while (steady_clock::now() - flood_started < kFloodFor) {
    Probe p = probe(*control);
    ++probes;
    EXPECT_EQ(p.health, 200) << "probe " << probes;
    EXPECT_EQ(p.zones, 200) << "probe " << probes;
    EXPECT_LT(p.slowest, milliseconds(1000)) << "probe " << probes;
    slowest = std::max(slowest, p.slowest);
    std::this_thread::sleep_for(milliseconds(200));
  }
  flooding = false;
  for (auto& t : flood) t.join();
  auto flood_seconds = duration<double>(steady_clock::now() - flood_started).count();
  std::fprintf(stderr, "flood: %d handshakes in %.1f s; %d probes, slowest %lld ms\n", flood_ok.load(), flood_seconds,
               probes, static_cast<long long>(slowest.count()));
  EXPECT_GE(probes, 10);
  EXPECT_GE(flood_ok.load(), static_cast<int>(200 * flood_seconds * 0.75)) << "the handshake flood fell short of 200/s";
  EXPECT_TRUE(control->running());
}

TEST(AbuseTest, RunningOutOfDescriptorsDoesNotSpin) {
  TempDir dir;
  auto control = ControlProcess::start(dir, local_mode(dir));
  ASSERT_TRUE(control);
  ASSERT_EQ(probe(*control).health, 200);
  // Leave the running control a couple of dozen descriptors: the accept loop runs into
  // EMFILE while clients keep connecting (with `ulimit -n` at start the control would
  // size its cap to the limit instead, and never get there).
  FdCensus census = fd_census(control->pid());
  rlimit low{static_cast<rlim_t>(census.highest + 1 + 24), 0};
  rlimit current{};
  ASSERT_EQ(::prlimit(control->pid(), RLIMIT_NOFILE, nullptr, &current), 0);
  low.rlim_max = current.rlim_max;
  ASSERT_EQ(::prlimit(control->pid(), RLIMIT_NOFILE, &low, nullptr), 0);

  // Clients from 127.0.0.2..11 connect 200 times a second and never say hello; the 150
  // most recent stay open.
  std::atomic<bool> connecting{true};
  std::atomic<int> connects{0};
  std::thread clients([&] {
    std::deque<int> open;
    auto next = steady_clock::now();
    for (int i = 0; connecting; ++i) {
      int fd = connect_client(client_address(2 + i % 10), control->rest_port());
      if (fd >= 0) {
        open.push_back(fd);
        ++connects;
      }
      if (open.size() > 150) {
        ::close(open.front());
        open.pop_front();
      }
      next += milliseconds(5);
      std::this_thread::sleep_until(next);
    }
    for (int fd : open) ::close(fd);
  });
  bool ran_out = control->wait_for_log("accept failed", seconds(10));
  EXPECT_TRUE(ran_out) << "the control never ran out of descriptors; the test proves nothing";

  const std::size_t lines_before = control->log_size();
  const double cpu_before = cpu_seconds(control->pid());
  const auto window_start = steady_clock::now();
  const int connects_before = connects;
  std::this_thread::sleep_for(seconds(2));  // the measurement window itself
  const double cpu = cpu_seconds(control->pid()) - cpu_before;
  const double wall = duration<double>(steady_clock::now() - window_start).count();
  const std::size_t lines = control->log_size() - lines_before;
  const int window_connects = connects - connects_before;
  connecting = false;
  clients.join();
  std::fprintf(stderr, "at the descriptor limit: %.0f%% of a core, %zu log lines, %d connects in %.1f s\n",
               100 * cpu / wall, lines, window_connects, wall);
  EXPECT_GE(window_connects, 200) << "clients did not keep connecting";
  EXPECT_LT(cpu / wall, 0.30) << "the accept loop spins";
  EXPECT_LT(lines, 50u) << "accept errors flood the log";

  // The clients are gone: the control answers again, on its own.
  auto deadline = steady_clock::now() + seconds(15);
  Probe p;
  while (steady_clock::now() < deadline) {
    p = probe(*control);
    if (p.health == 200 && p.zones == 200) break;
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(p.health, 200);
  EXPECT_EQ(p.zones, 200);
}

TEST(AbuseTest, AnAddressOverItsCapIsClosedBeforeTlsAndSilentClientsTimeOut) {
  TempDir dir;
  auto control = ControlProcess::start(dir, local_mode(dir));  // 64 per address
  ASSERT_TRUE(control);
  const std::string crowded = client_address(2);
  Held held;
  auto connected_at = steady_clock::now();
  for (int i = 0; i < 64; ++i) {
    int fd = connect_client(crowded, control->rest_port());
    ASSERT_GE(fd, 0);
    held.add(fd, nullptr);
  }
  // The 65th from the same address: closed without a byte, before any TLS.
  int extra = connect_client(crowded, control->rest_port());
  ASSERT_GE(extra, 0);
  held.add(extra, nullptr);
  EXPECT_TRUE(closed_silently(extra, seconds(3)).has_value()) << "the connection over the cap stayed open";
  // A TLS client there fails its handshake at once (end of file, no server hello).
  TlsClientContext tls;
  int tls_fd = connect_client(crowded, control->rest_port());
  ASSERT_GE(tls_fd, 0);
  held.add(tls_fd, nullptr);
  auto tried = steady_clock::now();
  EXPECT_EQ(tls.handshake(tls_fd), nullptr);
  EXPECT_LT(steady_clock::now() - tried, seconds(3));
  EXPECT_FALSE(closed_silently(held.connections[0].fd, milliseconds(0)).has_value()) << "the first 64 stay";

  // Another address is served normally.
  int other = connect_client(client_address(3), control->rest_port());
  ASSERT_GE(other, 0);
  SSL* ssl = tls.handshake(other);
  held.add(other, ssl);
  EXPECT_NE(ssl, nullptr) << "127.0.0.3 must still get through";
  EXPECT_EQ(probe(*control).health, 200);

  // The 64 never said hello: the 10 s TLS handshake deadline closes them.
  auto closed = closed_silently(held.connections[0].fd, seconds(15));
  ASSERT_TRUE(closed.has_value()) << "a silent client was not cut off";
  auto after = steady_clock::now() - connected_at;
  EXPECT_GE(after, milliseconds(9500));
  EXPECT_LT(after, milliseconds(13000));
}

// Holds SQLite's write lock on the control's database from outside, as another writer
// (or a stuck backup) would.
class WriteLockHolder {
 public:
  explicit WriteLockHolder(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return;
    locked_ = sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~WriteLockHolder() {
    if (locked_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  bool locked() const { return locked_; }

 private:
  sqlite3* db_ = nullptr;
  bool locked_ = false;
};

TEST(AbuseTest, DatabaseErrorsReachClientsAsAGenericMessage) {
  TempDir dir;
  auto control = ControlProcess::start(dir, local_mode(dir));
  ASSERT_TRUE(control);
  RestClient rest(control->rest_url(), test_pki().ca_cert);
  auto grpc = make_grpc_client(control->grpc_target(), test_pki().ca_cert);
  ASSERT_EQ(rest.post("/v1/zones", {{"name", "abuse.example"}}, kAdminToken).status, 201);
  const std::string target = "/v1/zones/abuse.example/records";
  const nlohmann::json record = {{"name", "www"}, {"type", "A"}, {"value", "192.0.2.1"}};

  std::size_t mark = control->log_size();
  {
    WriteLockHolder lock(dir.file("mcns.db"));
    ASSERT_TRUE(lock.locked());
    // Both transports at once; each waits out the control's 5 s busy timeout.
    auto started = steady_clock::now();
    auto over_grpc = std::async(std::launch::async, [&] {
      return grpc->create_record(kAdminToken, "abuse.example", {"mail", "A", "192.0.2.2", std::nullopt});
    });
    RestReply r = rest.post(target, record, kAdminToken);
    auto g = over_grpc.get();
    std::fprintf(stderr, "answers after %lld ms\n",
                 static_cast<long long>(duration_cast<milliseconds>(steady_clock::now() - started).count()));
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body, R"({"error":"database unavailable"})");
    EXPECT_EQ(g.code, StatusCode::kUnavailable);
    EXPECT_EQ(g.message, "database unavailable");
    EXPECT_LT(steady_clock::now() - started, seconds(15));
  }
  // SQLite's own words are in the log, for the operator.
  EXPECT_TRUE(control->wait_for_log("database is locked", seconds(2), mark)) << control->log_text();
  // The lock is gone: the same request succeeds.
  EXPECT_EQ(rest.post(target, record, kAdminToken).status, 201);
}

TEST(AbuseTest, A65KiBBodyIs413) {
  TempDir dir;
  auto control = ControlProcess::start(dir, local_mode(dir));
  ASSERT_TRUE(control);
  RestClient rest(control->rest_url(), test_pki().ca_cert);
  std::string body = R"({"name":"abuse.example","pad":")";
  body += std::string(65 * 1024 - body.size() - 2, 'x') + "\"}";
  ASSERT_EQ(body.size(), 65u * 1024);
  auto r = rest.send("POST", "/v1/zones", kAdminToken, body);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_message(), "request body too large (limit 65536 bytes)");
  RestClient again(control->rest_url(), test_pki().ca_cert);
  EXPECT_EQ(again.get("/v1/zones/abuse.example", kAdminToken).status, 404) << "nothing was created";
}

}  // namespace
}  // namespace mcns::test
