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

TEST(ClientFacingTest, HidesDatabaseAndInternalDetail) {
  // As common/sqlite words a busy database: the SQL and SQLite's text stay in the log.
  Status busy = unavailable("database unavailable (BEGIN IMMEDIATE): database is locked");
  EXPECT_EQ(client_facing(busy), unavailable("database unavailable"));
  EXPECT_EQ(client_facing(unavailable("database /var/lib/mcns/mcns.db: cannot enable WAL journal mode")),
            unavailable("database unavailable"));
  EXPECT_EQ(client_facing(Status(StatusCode::kInternal, "database error (SELECT x FROM zones): no such column")),
            Status(StatusCode::kInternal, "internal error"));
  EXPECT_EQ(client_facing(Status(StatusCode::kDataLoss, "change-log version 7 is unreadable")),
            Status(StatusCode::kDataLoss, "internal error"));
  // A constraint failure the store did not word itself keeps its code, not its SQL.
  EXPECT_EQ(client_facing(failed_precondition("line 3: database error (INSERT INTO records ...): FOREIGN KEY")),
            failed_precondition("database error"));
}

TEST(ClientFacingTest, KeepsUserFacingMessages) {
  const Status kept[] = {
      invalid_argument("record name \"a..b\" is not a valid name"),
      already_exists("CNAME conflict: \"www\" already has A"),
      failed_precondition("zone is not empty"),
      not_found("zone \"x.example\" not found"),
      permission_denied("only admins may create zones"),
      unauthenticated("invalid token"),
      unavailable("authentication service unavailable"),
      ok_status(),
  };
  for (const Status& s : kept) EXPECT_EQ(client_facing(s), s) << s;
}

}  // namespace
}  // namespace mcns
