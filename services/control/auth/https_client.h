#pragma once
// A small synchronous HTTPS/1.1 client with a deadline on every call: the MCIAS client
// uses it, and so do the tests (as a REST client). TLS 1.3 only, the server certificate
// verified against `ca_cert_file` (or the system roots) and the host name (or IP) of the
// URL. Boost.Beast and OpenSSL stay inside https_client.cpp.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace mcns::control::auth {

struct HttpsUrl {
  std::string host;       // without brackets for IPv6
  std::uint16_t port = 443;
  std::string base_path;  // "" or "/prefix" (no trailing slash)
};
// Parses "https://host[:port][/prefix]". INVALID_ARGUMENT on anything else.
StatusOr<HttpsUrl> parse_https_url(std::string_view url);

struct HttpsClientOptions {
  std::string ca_cert_file;  // empty: the system roots
  std::chrono::milliseconds timeout{10000};  // per request, connect included
};

struct HttpMessage {
  int status = 0;                              // responses only
  std::map<std::string, std::string> headers;  // lower-case names (responses)
  std::string body;
  const std::string* header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct HttpRequestSpec {
  std::string method = "GET";
  std::string target = "/";  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";  // sent when the body is not empty
};

// One keep-alive connection. Any transport failure closes it; `send` then reconnects.
// Not thread-safe: one caller at a time.
class HttpsConnection {
 public:
  HttpsConnection(HttpsUrl url, HttpsClientOptions options);
  ~HttpsConnection();
  HttpsConnection(const HttpsConnection&) = delete;
  HttpsConnection& operator=(const HttpsConnection&) = delete;

  // UNAVAILABLE when the server cannot be reached, the TLS handshake or certificate
  // check fails, or the deadline passes; any HTTP status is a successful exchange.
  StatusOr<HttpMessage> send(const HttpRequestSpec& request);
  // Whether the last exchange left the connection open (the server kept it alive).
  bool is_open() const noexcept;
  // How many TCP+TLS connections this object has made (keep-alive checks in tests).
  int connects() const noexcept;
  void close() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One request on a fresh connection.
StatusOr<HttpMessage> https_request(const HttpsUrl& url, const HttpsClientOptions& options,
                                    const HttpRequestSpec& request);

}  // namespace mcns::control::auth
