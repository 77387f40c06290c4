#include "services/control/domain/authz.h"

#include <gtest/gtest.h>

namespace mcns::control::domain {
namespace {

using auth::AccountType;
using auth::Principal;

Principal human(std::string name, std::vector<std::string> roles) {
  return Principal{std::move(name), "", std::move(roles), AccountType::kHuman};
}
Principal system(std::string name) { return Principal{std::move(name), "", {}, AccountType::kSystem}; }

class AuthzTest : public ::testing::Test {
 protected:
  Authorizer authz_{AuthzPolicy{{"mcp-agent", "Deployer"}, {"mcns-dns"}}};
};

TEST_F(AuthzTest, Matrix) {
  struct Case {
    const char* label;
    Principal who;
    bool read, zones, some_records, record_x, record_mcr, watch;
  };
  const Case cases[] = {
      // label           who                              read   zones  some   "x"    "mcr"  watch
      {"admin", human("root", {"admin"}), true, true, true, true, true, true},
      {"ADMIN role", human("root", {"Admin"}), true, true, true, true, true, true},
      {"record admin", system("mcp-agent"), true, false, true, true, true, false},
      {"record admin case", system("MCP-Agent"), true, false, true, true, true, false},
      {"record admin human", human("deployer", {"ops"}), true, false, true, true, true, false},
      {"system x", system("x"), true, false, true, true, false, false},
      {"system X upper", system("X"), true, false, true, true, false, false},
      {"sync account", system("mcns-dns"), true, false, true, false, false, true},
      {"sync account case", system("MCNS-DNS"), true, false, true, false, false, true},
      {"human user", human("alice", {"user"}), true, false, false, false, false, false},
      {"human named like a record", human("x", {"user"}), true, false, false, false, false, false},
      {"guest", human("visitor", {"guest"}), false, false, false, false, false, false},
      {"guest admin", human("visitor", {"admin", "GUEST"}), false, false, false, false, false, false},
      {"no identity", human("", {"admin"}), false, false, false, false, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    auto check = [](const Status& s, bool want) {
      if (want) {
        EXPECT_TRUE(s.ok()) << s;
      } else {
        EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s;
        EXPECT_FALSE(s.message().empty());
      }
    };
    check(authz_.can_read(c.who), c.read);
    check(authz_.can_write_zones(c.who), c.zones);
    check(authz_.can_write_some_records(c.who), c.some_records);
    check(authz_.can_write_record(c.who, "x"), c.record_x);
    check(authz_.can_write_record(c.who, "mcr"), c.record_mcr);
    check(authz_.can_watch(c.who), c.watch);
  }
}

TEST_F(AuthzTest, UpdateNeedsBothNames) {
  Principal x = system("x");
  EXPECT_TRUE(authz_.can_update_record(x, "x", "x").ok());
  EXPECT_EQ(authz_.can_update_record(x, "x", "mcr").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(authz_.can_update_record(x, "mcr", "x").code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(authz_.can_update_record(system("mcp-agent"), "mcr", "x").ok());
}

TEST_F(AuthzTest, MessagesNameTheCallerAndTheRule) {
  Status s = authz_.can_write_record(system("metacrypt"), "mcr");
  EXPECT_EQ(s.message(),
            "permission denied: system account \"metacrypt\" may only change records named \"metacrypt\", not "
            "\"mcr\"");
  EXPECT_NE(authz_.can_write_zones(system("mcp-agent")).message().find("admin role required"), std::string::npos);
  EXPECT_NE(authz_.can_watch(system("metacrypt")).message().find("allowed_accounts"), std::string::npos);
}

}  // namespace
}  // namespace mcns::control::domain
