#include "tests/integration/harness/fake_mcias.h"

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/base/strings.h"
#include "services/control/auth/access.h"
#include "services/control/rest/https_server.h"
#include "tests/integration/harness/pki.h"

namespace mcns::test {

using json = nlohmann::json;

struct FakeMcias::State {
  mutable std::mutex mu;
  std::map<std::string, FakeAccount> tokens;
  std::map<std::string, FakeUser> users;
  std::map<std::string, int> validations;
  int total_validations = 0;
  int validation_status = 200;  // anything else: every validation answers this status
  std::vector<std::string> login_bodies;
  std::vector<std::string> logout_tokens;

  control::rest::Response handle(const control::rest::Request& req) {
    using control::rest::Response;
    std::string bearer(control::auth::bearer_token(req.authorization.value_or("")));
    std::lock_guard lock(mu);
    if (req.method == "POST" && req.target == "/v1/token/validate") {
      ++total_validations;
      json body = json::parse(req.body, nullptr, false);
      std::string token = body.is_object() && body.contains("token") && body["token"].is_string()
                              ? body["token"].get<std::string>()
                              : std::string();
      ++validations[token];
      if (validation_status != 200) return Response{validation_status, R"({"error":"slow down"})"};
      auto it = tokens.find(token);
      // The real MCIAS wants the token as the bearer too.
      if (it == tokens.end() || bearer != token) return Response{200, R"({"valid":false})"};
      json out = {{"valid", true},
                  {"sub", "uuid-" + it->second.username},
                  {"username", it->second.username},
                  {"roles", it->second.roles},
                  {"expires_at", it->second.expires_at}};
      if (!it->second.account_type.empty()) out["account_type"] = it->second.account_type;
      return Response{200, out.dump()};
    }
    if (req.method == "POST" && req.target == "/v1/auth/login") {
      login_bodies.push_back(req.body);
      json body = json::parse(req.body, nullptr, false);
      if (!body.is_object() || !body.contains("username") || !body.contains("password"))
        return Response{400, R"({"error":"bad request"})"};
      auto it = users.find(body["username"].get<std::string>());
      if (it == users.end() || it->second.password != body["password"].get<std::string>())
        return Response{401, R"({"error":"invalid credentials"})"};
      if (it->second.status != 200) return Response{it->second.status, R"({"error":"denied"})"};
      return Response{200, json{{"token", it->second.token}, {"expires_at", "2099-01-01T00:00:00Z"}}.dump()};
    }
    if (req.method == "POST" && req.target == "/v1/auth/logout") {
      logout_tokens.push_back(bearer);
      return Response{204, {}};
    }
    return Response{404, R"({"error":"not found"})"};
  }
};

FakeMcias::FakeMcias(std::string bind_host) : state_(std::make_shared<State>()), bind_host_(std::move(bind_host)) {
  restart();
}
FakeMcias::~FakeMcias() { stop(); }

void FakeMcias::restart() {
  if (server_) return;
  const Pki& pki = test_pki();
  control::rest::HttpsServerOptions o;
  o.listen_addr = str_cat(bind_host_, ":", port_);
  o.tls_cert = pki.server_cert;
  o.tls_key = pki.server_key;
  o.io_threads = 1;
  o.worker_threads = 2;
  o.name = "fake-mcias";
  auto server = control::rest::HttpsServer::start(o, [s = state_](const control::rest::Request& r) { return s->handle(r); });
  if (!server.ok()) {
    std::fprintf(stderr, "fake MCIAS: %s\n", server.status().to_string().c_str());
    std::abort();
  }
  server_ = std::move(*server);
  port_ = server_->port();
}

void FakeMcias::stop() {
  if (!server_) return;
  server_->drain(std::chrono::milliseconds(2000));
  server_.reset();
}

std::string FakeMcias::url() const {
  return str_cat("https://", bind_host_ == "127.0.0.1" ? std::string("localhost") : bind_host_, ":", port_);
}
std::uint16_t FakeMcias::port() const { return port_; }

void FakeMcias::add_token(const std::string& token, FakeAccount account) {
  std::lock_guard lock(state_->mu);
  state_->tokens[token] = std::move(account);
}
void FakeMcias::add_user(const std::string& username, FakeUser user) {
  std::lock_guard lock(state_->mu);
  state_->users[username] = std::move(user);
}
void FakeMcias::set_validation_status(int status) {
  std::lock_guard lock(state_->mu);
  state_->validation_status = status;
}

int FakeMcias::validations() const {
  std::lock_guard lock(state_->mu);
  return state_->total_validations;
}
int FakeMcias::validations_of(const std::string& token) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->validations.find(token);
  return it == state_->validations.end() ? 0 : it->second;
}
std::vector<std::string> FakeMcias::login_bodies() const {
  std::lock_guard lock(state_->mu);
  return state_->login_bodies;
}
std::vector<std::string> FakeMcias::logout_tokens() const {
  std::lock_guard lock(state_->mu);
  return state_->logout_tokens;
}

}  // namespace mcns::test
