#pragma once
// A small REST client for tests: one keep-alive HTTPS connection (TLS 1.3, the test CA,
// host name checked), bearer token per call, JSON helpers.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "services/control/auth/https_client.h"

namespace mcns::test {

struct RestReply {
  int status = 0;  // 0: transport failure (see `error`)
  std::string body;
  std::string error;
  std::map<std::string, std::string> headers;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  // The "error" member of a JSON error answer ("" when absent).
  std::string error_message() const;
};

// GET http://127.0.0.1:<port><path> in plain HTTP (the metrics listener); the body, or
// "" when the request failed.
std::string plain_http_get(std::uint16_t port, const std::string& path);

class RestClient {
 public:
  // `url`: https://localhost:PORT
  RestClient(const std::string& url, const std::string& ca_cert);

  RestReply send(const std::string& method, const std::string& target, const std::string& token = "",
                 const std::string& body = "",
                 std::vector<std::pair<std::string, std::string>> headers = {});
  RestReply get(const std::string& target, const std::string& token = "") { return send("GET", target, token); }
  RestReply del(const std::string& target, const std::string& token = "") { return send("DELETE", target, token); }
  RestReply post(const std::string& target, const nlohmann::json& body, const std::string& token = "") {
    return send("POST", target, token, body.dump());
  }
  RestReply put(const std::string& target, const nlohmann::json& body, const std::string& token = "") {
    return send("PUT", target, token, body.dump());
  }
  control::auth::HttpsConnection& connection() { return *conn_; }

 private:
  std::unique_ptr<control::auth::HttpsConnection> conn_;
};

}  // namespace mcns::test
