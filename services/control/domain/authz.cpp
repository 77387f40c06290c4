#include "services/control/domain/authz.h"

#include "common/base/strings.h"

namespace mcns::control::domain {
namespace {

bool contains(const std::vector<std::string>& names, std::string_view name) {
  for (const std::string& n : names)
    if (auth::equal_names(n, name)) return true;
  return false;
}

// Guests and anonymous principals are refused before any other rule is considered.
Status check_identity(const auth::Principal& who) {
  if (who.username.empty()) return permission_denied("permission denied: the caller has no identity");
  if (who.has_role("guest"))
    return permission_denied(str_cat("permission denied: \"", who.username, "\" has the guest role"));
  return ok_status();
}

}  // namespace

bool Authorizer::is_record_admin(const auth::Principal& who) const {
  return contains(policy_.record_admins, who.username);
}

Status Authorizer::can_read(const auth::Principal& who) const { return check_identity(who); }

Status Authorizer::can_write_zones(const auth::Principal& who) const {
  MCNS_RETURN_IF_ERROR(check_identity(who));
  if (who.is_admin()) return ok_status();
  return permission_denied(str_cat("permission denied: \"", who.username,
                                   "\" may not create, change or delete zones (admin role required)"));
}

Status Authorizer::can_write_some_records(const auth::Principal& who) const {
  MCNS_RETURN_IF_ERROR(check_identity(who));
  if (who.is_admin() || is_record_admin(who) || who.is_system()) return ok_status();
  return permission_denied(str_cat("permission denied: \"", who.username, "\" may only read records"));
}

Status Authorizer::can_write_record(const auth::Principal& who, std::string_view record_name) const {
  MCNS_RETURN_IF_ERROR(can_write_some_records(who));
  if (who.is_admin() || is_record_admin(who)) return ok_status();
  // A system account manages only the records carrying its own name (e.g. a service's A
  // records), so a compromised service cannot redirect another one.
  if (auth::equal_names(record_name, who.username)) return ok_status();
  return permission_denied(str_cat("permission denied: system account \"", who.username,
                                   "\" may only change records named \"", to_lower(who.username), "\", not \"",
                                   record_name, "\""));
}

Status Authorizer::can_update_record(const auth::Principal& who, std::string_view old_name,
                                     std::string_view new_name) const {
  MCNS_RETURN_IF_ERROR(can_write_record(who, old_name));
  return can_write_record(who, new_name);
}

Status Authorizer::can_watch(const auth::Principal& who) const {
  MCNS_RETURN_IF_ERROR(check_identity(who));
  if (who.is_admin() || contains(policy_.sync_allowed_accounts, who.username)) return ok_status();
  return permission_denied(str_cat("permission denied: \"", who.username,
                                   "\" may not open the watch stream (not in [sync] allowed_accounts)"));
}

}  // namespace mcns::control::domain
