#include "common/base/http_status.h"

#include "common/base/log.h"

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

namespace {
// The prefixes common/sqlite's error_status() gives every SQLite failure; a caller may
// have put context ("line 3: ") in front, hence a search rather than a prefix match.
bool carries_sqlite_text(std::string_view message) {
  return message.find("database unavailable (") != std::string_view::npos ||
         message.find("database error (") != std::string_view::npos;
}
}  // namespace

Status client_facing(const Status& status) {
  if (status.ok()) return status;
  const std::string_view message = status.message();
  switch (status.code()) {
    case StatusCode::kInternal:
    case StatusCode::kDataLoss:
    case StatusCode::kUnknown:
      log::error("internal error (not shown to the client): ", status_code_name(status.code()), ": ", message);
      return {status.code(), std::string(kInternalErrorMessage)};
    case StatusCode::kUnavailable:
      // The store's own start-up messages ("database <path>: ...") name the file too.
      if (carries_sqlite_text(message) || message.starts_with("database ")) {
        log::warn("database unavailable (not shown to the client): ", message);
        return unavailable(std::string(kDatabaseUnavailableMessage));
      }
      return status;
    default:
      if (carries_sqlite_text(message)) {
        log::warn("database error (not shown to the client): ", status_code_name(status.code()), ": ", message);
        return {status.code(), "database error"};
      }
      return status;
  }
}
}  // namespace mcns
