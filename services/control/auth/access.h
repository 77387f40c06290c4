#pragma once
// The edge check shared by REST and gRPC: every route and every RPC is public or
// authenticated (SPEC 6), and this is the one function that turns a request's
// Authorization header into "go on with this caller" or a status. Who may do what is
// decided in one place only, the domain service (services/control/domain/authz.h).
#include <optional>
#include <string_view>

#include "common/base/status.h"
#include "services/control/auth/authenticator.h"
#include "services/control/auth/principal.h"

namespace mcns::control::auth {

enum class Access {
  kPublic,         // no token needed; a token, if any, is not even looked at
  kAuthenticated,  // a valid token; the domain decides the rest
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

// The well-formed bearer token of an Authorization header value, or UNAUTHENTICATED
// ("missing bearer token", "malformed bearer token"). Asks no identity provider.
StatusOr<std::string_view> well_formed_bearer(std::string_view authorization);

// The caller behind an Authorization header value: UNAUTHENTICATED for none, another
// scheme, a malformed or an invalid token; UNAVAILABLE when the identity provider cannot
// be asked.
StatusOr<Principal> authenticate_header(Authenticator& authenticator, std::string_view authorization);

// The edge decision for a request to a route of level `access` carrying the given
// Authorization header (nullopt: none). Returns the caller (nullopt for a public route),
// or UNAUTHENTICATED (no/bad token) or UNAVAILABLE (identity provider down).
StatusOr<std::optional<Principal>> check_access(Authenticator& authenticator, Access access,
                                                std::optional<std::string_view> authorization);

}  // namespace mcns::control::auth
