#include "services/control/auth/principal.h"

#include "common/base/strings.h"

namespace mcns::control::auth {

bool equal_names(std::string_view a, std::string_view b) noexcept { return mcns::iequals(a, b); }

bool Principal::has_role(std::string_view role) const noexcept {
  for (const std::string& r : roles)
    if (equal_names(r, role)) return true;
  return false;
}

}  // namespace mcns::control::auth
