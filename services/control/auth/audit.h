#pragma once
// The audit trail (SPEC section 10): every mutation is logged once, naming the caller and
// never the token. A committed mutation is logged by the domain service, which alone
// knows the new serial and version ("zone x: record 12 created (...) by alice (serial
// ..., version ...)"). The transports call audit() after every mutation attempt, and it
// logs the attempts that did NOT commit (refused, invalid, conflicting), with the API
// they came through, so that refusals are on record too without logging a commit twice:
//   audit api=grpc user=bob action=delete_zone zone=example.com result=PERMISSION_DENIED reason="..."
#include <string_view>

#include "common/base/status.h"
#include "services/control/auth/principal.h"

namespace mcns::control::auth {

// `target` is "zone=<name>" / "id=<n>" style detail (no secrets). No-op for OK.
void audit(std::string_view api, const Principal& who, std::string_view action, std::string_view target,
           const Status& result);

}  // namespace mcns::control::auth
