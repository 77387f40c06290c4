// SPEC section 6: every endpoint and RPC, for every kind of caller, over REST and gRPC,
// against the real binary and the real domain service.
#include <gtest/gtest.h>

#include "common/base/strings.h"
#include "tests/integration/api/api_fixture.h"

namespace mcns::test {
namespace {

enum class Want { kOk, kUnauthenticated, kDenied };

StatusCode code_of(Want w) {
  switch (w) {
    case Want::kOk: return StatusCode::kOk;
    case Want::kUnauthenticated: return StatusCode::kUnauthenticated;
    case Want::kDenied: return StatusCode::kPermissionDenied;
  }
  return StatusCode::kUnknown;
}

Want unauthenticated_or(Kind k, Want otherwise) {
  return k == Kind::kNone || k == Kind::kBadToken ? Want::kUnauthenticated : otherwise;
}
// Zones and records: read by every authenticated caller but guests.
Want read(Kind k) { return unauthenticated_or(k, k == Kind::kGuest ? Want::kDenied : Want::kOk); }
// Zone changes: admins only.
Want write_zone(Kind k) { return unauthenticated_or(k, k == Kind::kAdmin ? Want::kOk : Want::kDenied); }
// Record changes: admin, record admins (mcp-agent), and a system account on its own name.
Want write_record(Kind k, bool own_name) {
  bool ok = k == Kind::kAdmin || k == Kind::kAgent || (k == Kind::kSystem && own_name);
  return unauthenticated_or(k, ok ? Want::kOk : Want::kDenied);
}

class AuthzMatrixTest : public ApiTest {
 protected:
  // A fresh A record made by the admin, for the update/delete cases.
  RecordView fixture_record(const std::string& name) {
    auto r = admin_->create_record(fixture_token_, kZone, {name, "A", next_ip()});
    EXPECT_EQ(r.code, StatusCode::kOk) << r.message;
    return r.value.value_or(RecordView{});
  }
  std::string fixture_zone() {
    std::string name = str_cat("fixture", ++zones_, ".example");
    auto z = admin_->create_zone(fixture_token_, {name});
    EXPECT_EQ(z.code, StatusCode::kOk) << z.message;
    return name;
  }
  std::string next_ip() {
    int n = ips_++;
    return str_cat("10.9.", n / 250, ".", n % 250 + 1);
  }

  void run_matrix(ApiClient& api) {
    for (const Caller& c : callers()) {
      SCOPED_TRACE(str_cat(api.surface(), ", caller: ", c.label));
      const std::string t = c.token;
      auto check = [&](const char* what, StatusCode got, const std::string& message, Want want) {
        EXPECT_EQ(got, code_of(want)) << what << ": " << message;
        ++checks_;
      };
      auto h = api.health(t);
      check("health", h.code, h.message, Want::kOk);

      auto lz = api.list_zones(t);
      check("list zones", lz.code, lz.message, read(c.kind));
      auto gz = api.get_zone(t, kZone);
      check("get zone", gz.code, gz.message, read(c.kind));
      auto lr = api.list_records(t, kZone);
      check("list records", lr.code, lr.message, read(c.kind));
      auto gr = api.get_record(t, kZone, fixture_record("metacrypt").id);
      check("get record", gr.code, gr.message, read(c.kind));

      std::string new_zone = str_cat(api.surface(), "-", static_cast<int>(c.kind), ".example");
      auto cz = api.create_zone(t, {new_zone});
      check("create zone", cz.code, cz.message, write_zone(c.kind));
      auto uz = api.update_zone(t, {fixture_zone(), std::nullopt, std::nullopt, 7200});
      check("update zone", uz.code, uz.message, write_zone(c.kind));
      auto dz = api.delete_zone(t, fixture_zone());
      check("delete zone", dz.code, dz.message, write_zone(c.kind));

      for (bool own : {true, false}) {
        SCOPED_TRACE(own ? "record named after the caller (metacrypt)" : "record named mcr");
        std::string name = own ? "metacrypt" : "mcr";
        auto cr = api.create_record(t, kZone, {name, "A", next_ip()});
        check("create record", cr.code, cr.message, write_record(c.kind, own));
        auto ur = api.update_record(t, kZone, fixture_record(name).id, {name, "A", next_ip(), 600});
        check("update record", ur.code, ur.message, write_record(c.kind, own));
        auto dr = api.delete_record(t, kZone, fixture_record(name).id);
        check("delete record", dr.code, dr.message, write_record(c.kind, own));
      }
      // A system account may not rename someone else's record to its own name, nor its
      // own record to someone else's.
      if (c.kind == Kind::kSystem) {
        auto steal = api.update_record(t, kZone, fixture_record("mcr").id, {"metacrypt", "A", next_ip()});
        check("rename mcr -> metacrypt", steal.code, steal.message, Want::kDenied);
        auto give = api.update_record(t, kZone, fixture_record("metacrypt").id, {"mcr", "A", next_ip()});
        check("rename metacrypt -> mcr", give.code, give.message, Want::kDenied);
      }
      // Last, as it ends the session (the verdict cache forgets the token at once).
      auto lo = api.logout(t);
      check("logout", lo.code, lo.message, unauthenticated_or(c.kind, Want::kOk));
      if (c.kind != Kind::kNone && c.kind != Kind::kBadToken) {
        auto after = api.list_zones(t);
        check("after logout", after.code, after.message, Want::kUnauthenticated);
      }
    }
  }

  std::unique_ptr<ApiClient> admin_;
  // The fixtures' own admin token: the matrix logs its callers out at the end.
  const std::string fixture_token_ = "tok-fixtures";
  int zones_ = 0;
  int ips_ = 0;
  int checks_ = 0;
};

TEST_F(AuthzMatrixTest, Rest) {
  admin_ = new_rest();
  run_matrix(*rest_);
  EXPECT_GE(checks_, 7 * 13);
}

TEST_F(AuthzMatrixTest, Grpc) {
  admin_ = new_rest();
  run_matrix(*grpc_);
  EXPECT_GE(checks_, 7 * 13);
}

TEST_F(AuthzMatrixTest, SystemAccountByAccountTypeAndCaseInsensitiveNames) {
  admin_ = new_rest();
  for (ApiClient* api : both()) {
    SCOPED_TRACE(api->surface());
    // "sgard" has a role but MCIAS says account_type "system": it manages records named sgard.
    auto own = api->create_record("tok-sgard", kZone, {"SGARD", "A", next_ip()});
    EXPECT_EQ(own.code, StatusCode::kOk) << own.message;
    auto other = api->create_record("tok-sgard", kZone, {"mcr", "A", next_ip()});
    EXPECT_EQ(other.code, StatusCode::kPermissionDenied) << other.message;
  }
}

TEST_F(AuthzMatrixTest, RefusalsHaveTheSameMessageOnBothSurfaces) {
  admin_ = new_rest();
  for (const Caller& c : callers()) {
    if (c.kind == Kind::kAdmin || c.kind == Kind::kAgent) continue;  // they are allowed
    SCOPED_TRACE(c.label);
    auto r = rest_->create_zone(c.token, {"same.example"});
    auto g = grpc_->create_zone(c.token, {"same.example"});
    EXPECT_EQ(r.code, g.code);
    EXPECT_EQ(r.message, g.message);
    auto rr = rest_->create_record(c.token, kZone, {"mcr", "A", "10.8.0.1"});
    auto gr = grpc_->create_record(c.token, kZone, {"mcr", "A", "10.8.0.1"});
    EXPECT_EQ(rr.code, gr.code);
    EXPECT_EQ(rr.message, gr.message);
  }
}

}  // namespace
}  // namespace mcns::test
