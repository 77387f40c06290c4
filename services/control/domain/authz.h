#pragma once
// The authorization matrix of SPEC section 6, decided here and nowhere else. REST and gRPC
// only authenticate (token -> Principal); the domain service asks this class on every call.
//
//   caller                                   zones        records
//   role "guest" (whatever else it has)      -            -
//   role "admin"                             everything   everything
//   a name in [auth] record_admins           read         create, update, delete any
//   another system account X                 read         create, update, delete records named X
//   any other authenticated user             read         read
//   watch stream: admins and [sync] allowed_accounts only.
//
// Account, role and record names compare case-insensitively. A principal without a
// username is refused everything (fail closed). Denials are PERMISSION_DENIED with a
// message naming the caller and what was refused.
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "services/control/auth/principal.h"

namespace mcns::control::domain {

struct AuthzPolicy {
  std::vector<std::string> record_admins = {"mcp-agent"};          // [auth] record_admins
  std::vector<std::string> sync_allowed_accounts = {"mcns-dns"};   // [sync] allowed_accounts
};

class Authorizer {
 public:
  explicit Authorizer(AuthzPolicy policy) : policy_(std::move(policy)) {}

  // Listing and reading zones and records.
  Status can_read(const auth::Principal& who) const;
  // Creating, updating (SOA) and deleting zones, and importing zone files.
  Status can_write_zones(const auth::Principal& who) const;
  // Whether `who` may change some records at all: the cheap check made before any input
  // is looked at, so that a read-only caller learns nothing from validation errors.
  Status can_write_some_records(const auth::Principal& who) const;
  // Creating or deleting the record named `record_name` (canonical, relative).
  Status can_write_record(const auth::Principal& who, std::string_view record_name) const;
  // Changing a record from `old_name` to `new_name`: both must be allowed.
  Status can_update_record(const auth::Principal& who, std::string_view old_name, std::string_view new_name) const;
  // Opening SyncService.Watch.
  Status can_watch(const auth::Principal& who) const;

  const AuthzPolicy& policy() const noexcept { return policy_; }

 private:
  bool is_record_admin(const auth::Principal& who) const;
  AuthzPolicy policy_;
};

}  // namespace mcns::control::domain
