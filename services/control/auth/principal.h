#pragma once
// Who is calling, as established once at the edge (MCIAS or a local token) and passed
// to the domain service, which alone decides what the caller may do.
#include <string>
#include <string_view>
#include <vector>

namespace mcns::control::auth {

enum class AccountType { kHuman, kSystem };

struct Principal {
  std::string username;            // MCIAS "username" (or local token's username)
  std::string subject{};           // MCIAS "sub"; may be empty in local mode
  std::vector<std::string> roles{};  // e.g. {"admin"}; system accounts usually have none
  AccountType account_type = AccountType::kHuman;
  // How the call arrived, recorded in the history (SPEC 14 Via): "rest", "grpc",
  // "update", "import", "ui"; set by the edge that authenticated the call.
  std::string via{};

  // Case-insensitive role check.
  bool has_role(std::string_view role) const noexcept;
  bool is_admin() const noexcept { return has_role("admin"); }
  bool is_system() const noexcept { return account_type == AccountType::kSystem; }
};

// Case-insensitive ASCII comparison, used for every account and role name.
bool equal_names(std::string_view a, std::string_view b) noexcept;

}  // namespace mcns::control::auth
