#pragma once
#include "common/base/status.h"

namespace mcns {
// The one mapping from a canonical status code to an HTTP status (SPEC section 7):
// INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// ALREADY_EXISTS/ABORTED 409, FAILED_PRECONDITION 412 (CNAME conflicts are reported as
// ALREADY_EXISTS so they map to 409), RESOURCE_EXHAUSTED 429 (MCIAS rate limiting; an
// oversized body is answered 413 by the HTTP server itself), UNAVAILABLE 503, else 500.
int http_status_for(StatusCode code) noexcept;

// What a client is told about a failure (SPEC section 16). Both transports pass every
// error through here just before it leaves the process, so REST and gRPC say the same:
// - a database failure (SQLite's text, which may quote SQL, paths and schema) becomes
//   UNAVAILABLE "database unavailable" when the database could not be used (busy,
//   locked, I/O, read-only, full), or the same code with "database error" otherwise;
// - INTERNAL, DATA_LOSS and UNKNOWN become "internal error";
// - everything else, above all the validation and authorization messages, is kept.
// The hidden detail is logged here, once, so an operator can still find it.
Status client_facing(const Status& status);

inline constexpr std::string_view kDatabaseUnavailableMessage = "database unavailable";
inline constexpr std::string_view kInternalErrorMessage = "internal error";
}  // namespace mcns
