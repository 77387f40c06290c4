#include "common/base/http_status.h"

namespace mcns {
int http_status_for(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kAborted: return 409;
    case StatusCode::kFailedPrecondition: return 412;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded: return 503;
    case StatusCode::kUnimplemented: return 501;
    default: return 500;
  }
}
}  // namespace mcns
