#pragma once
// A fake MCIAS speaking the real protocol over HTTPS (TLS 1.3, certificate from the test
// PKI, so the control verifies it against a custom CA and the name "localhost"):
//   POST /v1/token/validate  {"token"} + Authorization: Bearer  -> {"valid",...}
//   POST /v1/auth/login      {"username","password","totp_code"?,"service_name","tags"}
//   POST /v1/auth/logout     Authorization: Bearer
// It counts and records what it was asked, so tests can check caching and forwarding.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mcns::control::rest {
class HttpsServer;
}

namespace mcns::test {

struct FakeAccount {
  std::string username{};
  std::vector<std::string> roles{};
  std::string account_type{};  // "" leaves the field out of the answer
  std::string expires_at = "2099-01-01T00:00:00Z";
};

struct FakeUser {
  std::string password{};
  std::string token{};   // issued on a successful login
  int status = 200;      // 403: the account may not log in to this service
};

class FakeMcias {
 public:
  // Starts on `bind_host` (loopback) with an ephemeral port. Aborts on failure (test
  // set-up). The certificate names localhost and 127.0.0.1 only, so binding 127.0.0.2
  // makes a server whose name does not match.
  explicit FakeMcias(std::string bind_host = "127.0.0.1");
  ~FakeMcias();

  // https://localhost:PORT (host-name verification uses "localhost"); for another
  // bind address, https://<that address>:PORT.
  std::string url() const;
  std::uint16_t port() const;

  void add_token(const std::string& token, FakeAccount account);
  void add_user(const std::string& username, FakeUser user);

  // Every token validation answers `status` (e.g. 429 rate limiting) until set back to 200.
  void set_validation_status(int status);

  // Validation requests seen (all tokens / one token).
  int validations() const;
  int validations_of(const std::string& token) const;
  // Raw JSON bodies of the login requests seen, in order.
  std::vector<std::string> login_bodies() const;
  // Bearer tokens of the logout requests seen, in order.
  std::vector<std::string> logout_tokens() const;

  // Closes the listener: MCIAS is down (connections refused) until restart().
  void stop();
  // Serves again on the same port.
  void restart();

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::unique_ptr<control::rest::HttpsServer> server_;
  std::uint16_t port_ = 0;
  std::string bind_host_;
};

}  // namespace mcns::test
