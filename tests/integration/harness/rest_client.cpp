#include "tests/integration/harness/rest_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace mcns::test {

std::string plain_http_get(std::uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[8192];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

std::string RestReply::error_message() const {
  auto j = json();
  if (j.is_object() && j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
  return "";
}

RestClient::RestClient(const std::string& url, const std::string& ca_cert) {
  auto parsed = control::auth::parse_https_url(url);
  if (!parsed.ok()) {
    std::fprintf(stderr, "RestClient: %s\n", parsed.status().to_string().c_str());
    std::abort();
  }
  control::auth::HttpsClientOptions o;
  o.ca_cert_file = ca_cert;
  o.timeout = std::chrono::seconds(30);
  conn_ = std::make_unique<control::auth::HttpsConnection>(*parsed, o);
}

RestReply RestClient::send(const std::string& method, const std::string& target, const std::string& token,
                           const std::string& body, std::vector<std::pair<std::string, std::string>> headers) {
  control::auth::HttpRequestSpec spec;
  spec.method = method;
  spec.target = target;
  spec.body = body;
  spec.headers = std::move(headers);
  if (!token.empty()) spec.headers.emplace_back("Authorization", "Bearer " + token);
  auto res = conn_->send(spec);
  RestReply out;
  if (!res.ok()) {
    out.error = res.status().to_string();
    return out;
  }
  out.status = res->status;
  out.body = std::move(res->body);
  out.headers = std::move(res->headers);
  return out;
}

}  // namespace mcns::test
