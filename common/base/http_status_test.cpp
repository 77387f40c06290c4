#include "common/base/http_status.h"

#include <gtest/gtest.h>

namespace mcns {
namespace {

TEST(HttpStatusTest, MapsEveryCodeTheApiUses) {
  struct Case { StatusCode code; int http; };
  const Case cases[] = {
      {StatusCode::kOk, 200},
      {StatusCode::kInvalidArgument, 400},
      {StatusCode::kUnauthenticated, 401},
      {StatusCode::kPermissionDenied, 403},
      {StatusCode::kNotFound, 404},
      {StatusCode::kAlreadyExists, 409},
      {StatusCode::kFailedPrecondition, 412},
      {StatusCode::kResourceExhausted, 429},
      {StatusCode::kUnavailable, 503},
      {StatusCode::kInternal, 500},
  };
  for (const auto& c : cases) EXPECT_EQ(http_status_for(c.code), c.http) << status_code_name(c.code);
}

}  // namespace
}  // namespace mcns
