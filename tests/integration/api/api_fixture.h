#pragma once
// A running mcns-control (the real binary, a fresh SQLite file, mode "mcias") in front of
// a fake MCIAS that knows one token per kind of caller of SPEC section 6.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/api/api_client.h"
#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/fake_mcias.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {

// The kinds of caller the authorization matrix distinguishes.
enum class Kind { kNone, kBadToken, kGuest, kUser, kSystem, kAgent, kAdmin };

struct Caller {
  Kind kind;
  const char* label;
  const char* token;  // "" for no token
};

// "metacrypt" is a system account (MCIAS gives it no roles); "mcp-agent" is in
// [auth] record_admins; "sgard" is a system account by account_type despite a role.
inline const std::vector<Caller>& callers() {
  static const std::vector<Caller> all = {
      {Kind::kNone, "no token", ""},
      {Kind::kBadToken, "bad token", "tok-bad"},
      {Kind::kGuest, "guest", "tok-guest"},
      {Kind::kUser, "human user", "tok-user"},
      {Kind::kSystem, "system account metacrypt", "tok-metacrypt"},
      {Kind::kAgent, "mcp-agent", "tok-agent"},
      {Kind::kAdmin, "admin", "tok-admin"},
  };
  return all;
}

inline constexpr char kAdminToken[] = "tok-admin";
inline constexpr char kZone[] = "svc.mcp.metacircular.net";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mcias_.add_token("tok-guest", {.username = "visitor", .roles = {"guest"}});
    mcias_.add_token("tok-user", {.username = "alice", .roles = {"user"}});
    mcias_.add_token("tok-metacrypt", {.username = "metacrypt", .roles = {}});
    mcias_.add_token("tok-sgard", {.username = "sgard", .roles = {"reader"}, .account_type = "system"});
    mcias_.add_token("tok-agent", {.username = "mcp-agent", .roles = {}});
    mcias_.add_token("tok-admin", {.username = "root", .roles = {"admin"}});
    mcias_.add_token("tok-fixtures", {.username = "fixtures", .roles = {"admin"}});
    ControlOptions o = options();
    o.mcias_url = mcias_.url();
    control_ = ControlProcess::start(dir_, o);
    ASSERT_TRUE(control_) << "mcns-control did not start";
    rest_ = make_rest_client(control_->rest_url(), test_pki().ca_cert);
    grpc_ = make_grpc_client(control_->grpc_target(), test_pki().ca_cert);
  }
  virtual ControlOptions options() { return {}; }

  std::unique_ptr<ApiClient> new_rest() { return make_rest_client(control_->rest_url(), test_pki().ca_cert); }
  std::unique_ptr<ApiClient> new_grpc() { return make_grpc_client(control_->grpc_target(), test_pki().ca_cert); }
  std::vector<ApiClient*> both() { return {rest_.get(), grpc_.get()}; }

  // The zone's serial as the admin sees it over REST.
  std::int64_t serial(const std::string& zone = kZone) {
    auto z = rest_->get_zone(kAdminToken, zone);
    EXPECT_EQ(z.code, StatusCode::kOk) << z.message;
    return z.value ? z.value->serial : -1;
  }
  std::vector<RecordView> records(const std::string& zone = kZone) {
    auto r = rest_->list_records(kAdminToken, zone);
    EXPECT_EQ(r.code, StatusCode::kOk) << r.message;
    return r.value.value_or(std::vector<RecordView>{});
  }

  FakeMcias mcias_;
  TempDir dir_;
  std::unique_ptr<ControlProcess> control_;
  std::unique_ptr<ApiClient> rest_;
  std::unique_ptr<ApiClient> grpc_;
};

}  // namespace mcns::test
