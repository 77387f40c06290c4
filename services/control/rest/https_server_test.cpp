// The Beast HTTPS server on a real loopback socket: keep-alive, the 64 KiB body limit,
// TLS 1.3 only, idle timeout and graceful drain.
#include "services/control/rest/https_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "common/base/strings.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/tcp_probe.h"

namespace mcns::control::rest {
namespace {

using namespace std::chrono;

// Polls a condition that has no event to wait on (the server's connection count).
template <typename Pred>
bool eventually(Pred pred, milliseconds timeout = seconds(10)) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

// Holds the requests for one target (every request when `target` is empty) inside the
// handler until release(), so a test can keep a worker and its connection busy; every
// request, held or not, is then answered by `answer`.
class HeldRequests {
 public:
  HeldRequests(std::string target, Handler answer)
      : target_(std::move(target)), answer_(std::move(answer)), released_(release_.get_future().share()) {}
  Handler handler() {
    return [this](const Request& r) {
      if (target_.empty() || r.target == target_) {
        entered_.set_value();
        released_.wait();
      }
      return answer_(r);
    };
  }
  // Runs `send` (one request to the held target) on another thread and returns once the
  // handler holds it; the future is its reply, after release().
  std::future<test::RestReply> send_held(std::function<test::RestReply()> send) {
    auto reply = std::async(std::launch::async, std::move(send));
    entered_.get_future().wait();
    return reply;
  }
  void release() { release_.set_value(); }

 private:
  const std::string target_;
  const Handler answer_;
  std::promise<void> entered_, release_;
  std::shared_future<void> released_;
};

class HttpsServerTest : public ::testing::Test {
 protected:
  void start(Handler handler, HttpsServerOptions o = {}) {
    o.listen_addr = "127.0.0.1:0";
    o.tls_cert = test::test_pki().server_cert;
    o.tls_key = test::test_pki().server_key;
    auto s = HttpsServer::start(o, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  test::RestClient client() { return test::RestClient(str_cat("https://localhost:", server_->port()), test::test_pki().ca_cert); }
  static Response echo(const Request& r) {
    return Response(200, str_cat(r.method, " ", r.target, " ", r.authorization.value_or("-"), " ", r.body.size()));
  }
  std::unique_ptr<HttpsServer> server_;
};

TEST_F(HttpsServerTest, ServesRequestsOnOneKeptAliveConnection) {
  start(echo);
  auto c = client();
  auto a = c.send("GET", "/a?x=1", "tok");
  ASSERT_EQ(a.status, 200) << a.error;
  EXPECT_EQ(a.body, "GET /a?x=1 Bearer tok 0");
  EXPECT_EQ(a.headers["content-type"], "application/json");
  auto b = c.send("POST", "/b", "", "hello");
  EXPECT_EQ(b.body, "POST /b - 5");
  EXPECT_EQ(c.connection().connects(), 1) << "keep-alive";
  EXPECT_EQ(server_->connections(), 1);
}

TEST_F(HttpsServerTest, BodyLimitIs64KiB) {
  start(echo);
  auto c = client();
  auto at_limit = c.send("POST", "/x", "", std::string(64 * 1024, 'a'));
  EXPECT_EQ(at_limit.status, 200);
  EXPECT_EQ(at_limit.body, "POST /x - 65536");
  auto over = c.send("POST", "/x", "", std::string(64 * 1024 + 1, 'a'));
  EXPECT_EQ(over.status, 413);
  EXPECT_EQ(over.error_message(), "request body too large (limit 65536 bytes)");
  EXPECT_FALSE(c.connection().is_open()) << "the server closes after a 413";
  // Also without a Content-Length: a chunked body is cut off at the limit too.
  auto chunked = c.send("POST", "/x", "", std::string(70000, 'b'), {{"Transfer-Encoding", "chunked"}});
  EXPECT_TRUE(chunked.status == 413 || chunked.status == 0) << chunked.status;
}

TEST_F(HttpsServerTest, RefusesTls12) {
  start(echo);
  auto s_client = [&](const char* version) {
    std::string cmd = str_cat("timeout 10 openssl s_client ", version, " -connect 127.0.0.1:", server_->port(),
                              " </dev/null >/dev/null 2>&1");
    return std::system(cmd.c_str());
  };
  EXPECT_NE(s_client("-tls1_2"), 0) << "a TLS 1.2-only client must be refused";
  EXPECT_EQ(s_client("-tls1_3"), 0);
}

TEST_F(HttpsServerTest, ClosesIdleConnections) {
  HttpsServerOptions o;
  o.idle_timeout = milliseconds(200);
  start(echo, o);
  auto c = client();
  ASSERT_EQ(c.send("GET", "/").status, 200);
  EXPECT_EQ(server_->connections(), 1);
  EXPECT_TRUE(eventually([&] { return server_->connections() == 0; }));
  EXPECT_EQ(c.send("GET", "/").status, 200) << "the client reconnects";
  EXPECT_EQ(c.connection().connects(), 2);
}

// A blocking TLS client that sends half a request head and then stalls (slowloris);
// returns how long the server took to close the connection, or nullopt if it did not
// within 10 s.
std::optional<milliseconds> stall_half_a_request(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return std::nullopt;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  std::optional<milliseconds> took;
  if (SSL_connect(ssl) == 1) {
    const char head[] = "GET / HTTP/1.1\r\nHost: x\r\n";
    SSL_write(ssl, head, sizeof head - 1);
    auto sent = steady_clock::now();
    char byte;
    int n = SSL_read(ssl, &byte, 1);  // blocks until the server closes (or 10 s)
    auto waited = duration_cast<milliseconds>(steady_clock::now() - sent);
    if (n <= 0 && waited < seconds(9)) took = waited;
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return took;
}

TEST_F(HttpsServerTest, ARequestThatStallsIsCutOffAtTheReadTimeout) {
  HttpsServerOptions o;
  o.read_timeout = milliseconds(300);
  start(echo, o);
  auto took = stall_half_a_request(server_->port());
  ASSERT_TRUE(took.has_value()) << "the server kept a stalled request open";
  EXPECT_GE(*took, milliseconds(250));
  EXPECT_LT(*took, milliseconds(3000));
}

TEST_F(HttpsServerTest, DrainLetsARequestInFlightFinish) {
  HeldRequests held("/slow", echo);
  start(held.handler());
  auto idle = client();
  ASSERT_EQ(idle.send("GET", "/fast").status, 200);  // a kept-alive, idle connection

  std::future<test::RestReply> slow = held.send_held([&] { return client().send("GET", "/slow"); });
  std::future<bool> drained = std::async(std::launch::async, [&] { return server_->drain(seconds(10)); });
  EXPECT_TRUE(eventually([&] { return server_->connections() == 1; })) << "the idle connection is closed at once";
  EXPECT_EQ(drained.wait_for(milliseconds(0)), std::future_status::timeout) << "drain waits for the request";
  held.release();
  auto reply = slow.get();
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers["connection"], "close");
  EXPECT_TRUE(drained.get()) << "nothing was cut off";
  EXPECT_NE(client().send("GET", "/fast").status, 200) << "no new connections after the drain";
}

TEST_F(HttpsServerTest, HandlerExceptionsBecome500) {
  start([](const Request&) -> Response { throw std::runtime_error("boom"); });
  auto c = client();
  auto r = c.send("GET", "/");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.error_message(), "internal error");
  EXPECT_EQ(c.send("GET", "/").status, 500) << "the connection survives";
}

TEST(HttpsServerStartTest, ReportsBadCertificatesAndAddresses) {
  HttpsServerOptions o;
  o.listen_addr = "127.0.0.1:0";
  o.tls_cert = "/nonexistent.pem";
  o.tls_key = test::test_pki().server_key;
  auto s = HttpsServer::start(o, [](const Request&) { return Response(200, ""); });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent.pem"), std::string::npos);
  o.tls_cert = test::test_pki().server_cert;
  o.listen_addr = "not-an-ip:80";
  EXPECT_FALSE(HttpsServer::start(o, [](const Request&) { return Response(200, ""); }).ok());
}

}  // namespace
}  // namespace mcns::control::rest

namespace mcns::control::rest {
namespace {
bool port_accepts(std::uint16_t port) {
  return std::system(str_cat("timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/", port, "' 2>/dev/null").c_str()) == 0;
}

TEST(HttpsServerStopTest, TheListenerIsGoneAfterADrain) {
  HttpsServerOptions o;
  o.listen_addr = "127.0.0.1:0";
  o.tls_cert = test::test_pki().server_cert;
  o.tls_key = test::test_pki().server_key;
  auto s = HttpsServer::start(o, [](const Request&) { return Response(200, ""); });
  ASSERT_TRUE(s.ok());
  std::uint16_t port = (*s)->port();
  EXPECT_TRUE(port_accepts(port));
  (*s)->drain(std::chrono::seconds(2));
  EXPECT_FALSE(port_accepts(port)) << "drain closes the listener";
  s->reset();
  EXPECT_FALSE(port_accepts(port));
  // The port can be bound again at once.
  o.listen_addr = str_cat("127.0.0.1:", port);
  EXPECT_TRUE(HttpsServer::start(o, [](const Request&) { return Response(200, ""); }).ok());
}
}  // namespace
}  // namespace mcns::control::rest

// Abuse resistance (SPEC 16): the caps, the handshake deadline and the handler queue, on
// real loopback sockets. Raw TCP clients bind to 127.0.0.x to act as distinct addresses.
namespace mcns::control::rest {
namespace {

using namespace std::chrono;

using test::closed_silently;
using test::connect_from;

struct Fds {
  std::vector<int> fds;
  ~Fds() {
    for (int fd : fds) ::close(fd);
  }
};

class HttpsServerAbuseTest : public ::testing::Test {
 protected:
  void start(Handler handler, HttpsServerOptions o) {
    o.listen_addr = "127.0.0.1:0";
    o.tls_cert = test::test_pki().server_cert;
    o.tls_key = test::test_pki().server_key;
    auto s = HttpsServer::start(o, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
  }
  test::RestClient client() { return test::RestClient(str_cat("https://localhost:", server_->port()), test::test_pki().ca_cert); }
  static Response ok(const Request&) { return Response(200, "{}"); }
  std::unique_ptr<HttpsServer> server_;
};

TEST_F(HttpsServerAbuseTest, AnAddressOverItsCapIsClosedBeforeTls) {
  HttpsServerOptions o;
  o.max_connections_per_client = 3;
  start(ok, o);
  Fds held;
  for (int i = 0; i < 3; ++i) held.fds.push_back(connect_from("127.0.0.2", server_->port()));
  ASSERT_TRUE(eventually([&] { return server_->connections() == 3; }));
  int extra = connect_from("127.0.0.2", server_->port());
  ASSERT_GE(extra, 0);
  held.fds.push_back(extra);
  EXPECT_TRUE(closed_silently(extra, seconds(3)).has_value()) << "the 4th connection of 127.0.0.2 is closed at once";
  EXPECT_FALSE(closed_silently(held.fds[0], milliseconds(0)).has_value()) << "the first three stay";
  EXPECT_EQ(server_->connections(), 3);
  EXPECT_EQ(client().send("GET", "/").status, 200) << "127.0.0.1 is not affected";
}

TEST_F(HttpsServerAbuseTest, AtTheCapTheLongestIdleConnectionMakesRoom) {
  HeldRequests held("/slow", ok);
  HttpsServerOptions o;
  o.max_connections = 3;
  start(held.handler(), o);
  // One connection busy with a request; two idle ones (no TLS yet), the older first.
  std::future<test::RestReply> slow = held.send_held([&] { return client().send("GET", "/slow"); });
  Fds idle;
  idle.fds.push_back(connect_from("127.0.0.2", server_->port()));
  ASSERT_TRUE(eventually([&] { return server_->connections() == 2; }));
  idle.fds.push_back(connect_from("127.0.0.3", server_->port()));
  ASSERT_TRUE(eventually([&] { return server_->connections() == 3; }));

  // A fourth client is served; the longest idle connection was closed for it.
  EXPECT_EQ(client().send("GET", "/").status, 200);
  EXPECT_TRUE(closed_silently(idle.fds[0], seconds(3)).has_value()) << "the oldest idle connection is closed";
  held.release();
  EXPECT_EQ(slow.get().status, 200) << "the busy connection is never chosen";
}

TEST_F(HttpsServerAbuseTest, AtTheCapWithNothingIdleNewConnectionsAreRefused) {
  HeldRequests held("", ok);
  HttpsServerOptions o;
  o.max_connections = 1;
  start(held.handler(), o);
  std::future<test::RestReply> busy = held.send_held([&] { return client().send("GET", "/"); });
  Fds refused;
  refused.fds.push_back(connect_from("127.0.0.2", server_->port()));
  EXPECT_TRUE(closed_silently(refused.fds[0], seconds(3)).has_value());
  held.release();
  EXPECT_EQ(busy.get().status, 200);
}

TEST_F(HttpsServerAbuseTest, TheTlsHandshakeHasItsOwnDeadline) {
  HttpsServerOptions o;
  o.handshake_timeout = milliseconds(300);
  o.read_timeout = seconds(30);
  start(ok, o);
  Fds silent;
  silent.fds.push_back(connect_from("127.0.0.2", server_->port()));
  auto took = closed_silently(silent.fds[0], seconds(5));
  ASSERT_TRUE(took.has_value()) << "a client that never says hello is closed";
  EXPECT_GE(*took, milliseconds(250));
  EXPECT_LT(*took, milliseconds(3000));
}

TEST_F(HttpsServerAbuseTest, AFullHandlerQueueIs503AtOnce) {
  HeldRequests held("/slow", ok);
  HttpsServerOptions o;
  o.worker_threads = 1;
  o.handler_queue_limit = 0;  // one request at a time, none waiting
  std::atomic<int> busy_answers{0};
  o.on_protocol_error = [&](int status) {
    if (status == 503) ++busy_answers;
  };
  start(held.handler(), o);
  std::future<test::RestReply> slow = held.send_held([&] { return client().send("GET", "/slow"); });
  auto c = client();
  auto started = steady_clock::now();
  auto refused = c.send("GET", "/");
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.body, R"({"error":"server busy"})");
  EXPECT_LT(steady_clock::now() - started, seconds(2)) << "not queued behind the slow request";
  EXPECT_EQ(busy_answers, 1);
  held.release();
  EXPECT_EQ(slow.get().status, 200);
  EXPECT_EQ(c.send("GET", "/").status, 200) << "the same connection is served once a worker is free";
}

TEST(HttpsServerLimitsTest, TheCapFitsTheDescriptorLimit) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
  HttpsServerOptions o;
  o.listen_addr = "127.0.0.1:0";
  o.tls_cert = test::test_pki().server_cert;
  o.tls_key = test::test_pki().server_key;
  o.max_connections = 1024;
  auto s = HttpsServer::start(o, [](const Request&) { return Response(200, ""); });
  ::setrlimit(RLIMIT_NOFILE, &saved);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ((*s)->max_connections(), 256u - 64u) << "a quarter of the descriptors stays for the rest of the process";
}

}  // namespace
}  // namespace mcns::control::rest
