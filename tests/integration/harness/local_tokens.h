#pragma once
// Entries of the local token file (`[auth] mode = "local"`) a test writes for
// mcns-control: the file holds each token's SHA-256, never the token.
#include <string>

#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {

// One [[token]] entry; `roles` is a TOML array (`["admin"]`, `[]`), `account` "human"
// or "system".
std::string token_entry(const std::string& token, const std::string& user, const std::string& roles,
                        const std::string& account);

// The usual administrator: user "admin", role admin, a human account.
inline std::string admin_token_entry(const std::string& token) {
  return token_entry(token, "admin", "[\"admin\"]", "human");
}

// Options of a control in local-token mode whose token file, `dir`/tokens.toml (mode
// 0600), holds `entries`.
ControlOptions local_token_options(const TempDir& dir, const std::string& entries);

}  // namespace mcns::test
