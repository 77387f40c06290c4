#include "services/control/auth/audit.h"

#include "common/base/log.h"

namespace mcns::control::auth {

void audit(std::string_view api, const Principal& who, std::string_view action, std::string_view target,
           const Status& result) {
  if (result.ok()) return;  // committed: the domain service's own line records it
  log::info("audit api=", api, " user=", who.username, " action=", action, " ", target,
            " result=", status_code_name(result.code()), " reason=\"", result.message(), "\"");
}

}  // namespace mcns::control::auth
