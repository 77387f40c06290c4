#pragma once
// The edge check shared by REST and gRPC: every route and every RPC is one of three
// access levels, and this is the one function that turns a request's Authorization
// header into "go on with this caller" or a status. Finer authorization (the SPEC
// section 6 matrix) is the domain service's job.
#include <optional>
#include <string_view>

#include "common/base/status.h"
#include "services/control/auth/authenticator.h"
#include "services/control/auth/principal.h"

namespace mcns::control::auth {

enum class Access {
  kPublic,         // no token needed; a token, if any, is not even looked at
  kAuthenticated,  // a valid token; the domain decides the rest
  kAdmin,          // a valid token of a caller with the admin role
};

std::string_view access_name(Access access) noexcept;

// The token of an "Authorization: Bearer <token>" header value (scheme matched
// case-insensitively, surrounding blanks ignored); empty when absent or another scheme.
std::string_view bearer_token(std::string_view authorization) noexcept;

// Whether `token` has the RFC 6750 §2.1 syntax (b64token: letters, digits, "-._~+/",
// then "=" padding). Anything else is refused as malformed before any identity provider
// is asked: such a token cannot be valid, and bytes that are not even UTF-8 would not
// survive the JSON of an MCIAS request.
bool is_bearer_token_syntax(std::string_view token) noexcept;

// The caller behind an Authorization header value: UNAUTHENTICATED for none, another
// scheme, a malformed or an invalid token; UNAVAILABLE when the identity provider cannot
// be asked.
StatusOr<Principal> authenticate_header(Authenticator& authenticator, std::string_view authorization);

// The edge decision for a request to a route of level `access` carrying the given
// Authorization header (nullopt: none). Returns the caller (nullopt for a public route),
// or UNAUTHENTICATED (no/bad token), UNAVAILABLE (identity provider down) or
// PERMISSION_DENIED (an admin route and no admin role).
StatusOr<std::optional<Principal>> check_access(Authenticator& authenticator, Access access,
                                                std::optional<std::string_view> authorization);

}  // namespace mcns::control::auth
