#pragma once
#include "common/base/status.h"

namespace mcns {
// The one mapping from a canonical status code to an HTTP status (SPEC section 7):
// INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403, NOT_FOUND 404,
// ALREADY_EXISTS/ABORTED 409, FAILED_PRECONDITION 412 (CNAME conflicts are reported as
// ALREADY_EXISTS so they map to 409), RESOURCE_EXHAUSTED 429 (MCIAS rate limiting; an
// oversized body is answered 413 by the HTTP server itself), UNAVAILABLE 503, else 500.
int http_status_for(StatusCode code) noexcept;
}  // namespace mcns
