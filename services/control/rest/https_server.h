#pragma once
// The HTTPS/1.1 server under the REST API (and the tests' fake MCIAS): Boost.Beast on
// Asio, TLS 1.3 only, keep-alive, a body limit (413 beyond), read/write/idle timeouts,
// and a graceful drain. Network I/O runs on a small io_context pool; handlers run on a
// separate worker pool because they block (SQLite, MCIAS with its 10 s timeout), so a
// slow identity provider never stalls other connections' I/O.
//
// Against hostile clients (SPEC 16): connections are capped in total and per client
// address (ConnectionTable decides which to refuse or close), the TLS handshake has its
// own deadline, accept errors such as EMFILE back off instead of spinning, and the
// handler queue is bounded (503 "server busy" beyond it).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/base/status.h"
#include "services/control/rest/http_types.h"

namespace mcns::control::rest {

struct HttpsServerOptions {
  std::string listen_addr;  // "host:port", ":port" (all addresses); port 0: ephemeral
  std::string tls_cert;     // PEM chain file
  std::string tls_key;      // PEM key file
  int io_threads = 2;
  int worker_threads = 8;
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 16 * 1024;
  std::size_t max_connections = 1024;             // [server] max_connections
  std::size_t max_connections_per_client = 64;    // [server] max_connections_per_client
  // Requests waiting for a worker (beyond those being handled) before 503 "server busy".
  std::size_t handler_queue_limit = 256;
  std::chrono::milliseconds handshake_timeout{10000};  // the TLS handshake
  std::chrono::milliseconds read_timeout{30000};   // a request once started
  std::chrono::milliseconds write_timeout{30000};  // a response
  std::chrono::milliseconds idle_timeout{120000};  // between requests on a kept-alive connection
  std::string name = "rest";                      // for log lines
  // Called for the responses the server makes itself (400 unparsable request, 413 body
  // too large, 431 headers too large, 503 server busy), for metrics.
  std::function<void(int status)> on_protocol_error;
};

using Handler = std::function<Response(const Request&)>;

class HttpsServer {
 public:
  // Binds, loads the certificate and starts serving. UNAVAILABLE when the address cannot
  // be bound, INVALID_ARGUMENT for a bad address or unusable certificate/key.
  static StatusOr<std::unique_ptr<HttpsServer>> start(HttpsServerOptions options, Handler handler);
  ~HttpsServer();  // drain(0) when not drained yet

  std::uint16_t port() const noexcept;
  // "127.0.0.1:8443" as bound.
  std::string address() const;
  // Stops accepting, closes idle connections, lets requests in flight finish (their
  // responses say Connection: close) and waits until every connection has ended or
  // `deadline` passed; then stops the I/O threads. True when nothing was cut off.
  bool drain(std::chrono::milliseconds deadline);
  // Open connections right now (tests).
  int connections() const noexcept;
  // The connection cap in force: max_connections, lowered when the descriptor limit
  // (RLIMIT_NOFILE) could not hold that many sockets beside the rest of the process.
  std::size_t max_connections() const noexcept;

  struct Core;

 private:
  explicit HttpsServer(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

}  // namespace mcns::control::rest
