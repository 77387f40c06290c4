#include "tests/integration/harness/local_tokens.h"

#include "common/base/strings.h"
#include "services/control/auth/sha256.h"

namespace mcns::test {

std::string token_entry(const std::string& token, const std::string& user, const std::string& roles,
                        const std::string& account) {
  return str_cat("[[token]]\nsha256 = \"", control::auth::sha256_hex(token), "\"\nusername = \"", user,
                 "\"\nroles = ", roles, "\naccount = \"", account, "\"\n");
}

ControlOptions local_token_options(const TempDir& dir, const std::string& entries) {
  ControlOptions o;
  o.auth_mode = "local";
  o.local_tokens_file = dir.write("tokens.toml", entries);
  return o;
}

}  // namespace mcns::test
