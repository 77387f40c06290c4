#include "services/control/auth/principal.h"

#include <gtest/gtest.h>

namespace mcns::control::auth {
namespace {

TEST(PrincipalTest, RolesAndNamesCompareCaseInsensitively) {
  Principal p{"Alice", "", {"Admin", "ops"}, AccountType::kHuman};
  EXPECT_TRUE(p.has_role("admin"));
  EXPECT_TRUE(p.has_role("OPS"));
  EXPECT_FALSE(p.has_role("guest"));
  EXPECT_FALSE(p.has_role("adm"));
  EXPECT_TRUE(p.is_admin());
  EXPECT_FALSE(p.is_system());
  EXPECT_TRUE(equal_names("MCP-Agent", "mcp-agent"));
  EXPECT_FALSE(equal_names("mcp-agent", "mcp-agent2"));

  Principal system{"mcns-dns", "", {}, AccountType::kSystem};
  EXPECT_TRUE(system.is_system());
  EXPECT_FALSE(system.is_admin());
}

}  // namespace
}  // namespace mcns::control::auth
