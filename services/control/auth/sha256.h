#pragma once
#include <string>
#include <string_view>

namespace mcns::control::auth {
// Lower-case hex SHA-256 of `data`: the cache key of a token and the form local token
// files hold, so the token itself is never stored.
std::string sha256_hex(std::string_view data);
}  // namespace mcns::control::auth
