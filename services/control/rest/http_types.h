#pragma once
// Plain request/response values between the Beast session (https_server.cpp) and the
// router, so that routing and handlers are tested without sockets and no Beast header
// leaks into them.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcns::control::rest {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/v1/zones/x/records?type=A"
  std::optional<std::string> authorization;  // the Authorization header, if any
  std::string body;
  std::string peer;  // "127.0.0.1:53412", for logs
  // Every other header as sent, names lower-cased (If-Match, Cookie, Content-Type, ...).
  std::vector<std::pair<std::string, std::string>> headers;

  // The first header named `lower_name` (lower case), if any.
  std::optional<std::string_view> header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return std::string_view(v);
    return std::nullopt;
  }
};

struct Response {
  Response() = default;
  Response(int s, std::string b) : status(s), body(std::move(b)) {}

  int status = 200;
  std::string body;  // empty for 204
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, ...)
  std::string route;  // the matched route pattern ("GET /v1/zones/{zone}"), for metrics
};

}  // namespace mcns::control::rest
