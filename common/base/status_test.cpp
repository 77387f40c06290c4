#include "common/base/status.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/base/strings.h"

namespace mcns {
namespace {

StatusOr<int> half(int v) {
  if (v % 2) return invalid_argument(str_cat(v, " is odd"));
  return v / 2;
}

Status quarter(int v, int& out) {
  MCNS_ASSIGN_OR_RETURN(int h, half(v));
  MCNS_ASSIGN_OR_RETURN(out, half(h));
  return ok_status();
}

TEST(StatusTest, ValuesAndErrors) {
  auto good = half(4);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 2);
  auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().to_string(), "INVALID_ARGUMENT: 3 is odd");
}

TEST(StatusTest, MacrosPropagateTheFirstError) {
  int out = 0;
  EXPECT_TRUE(quarter(8, out).ok());
  EXPECT_EQ(out, 2);
  EXPECT_EQ(quarter(6, out).message(), "3 is odd");
}

TEST(StatusTest, OkStatusIsNotAValue) {
  StatusOr<int> s(ok_status());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInternal);
}

TEST(StatusTest, MoveOnlyValues) {
  StatusOr<std::unique_ptr<int>> p(std::make_unique<int>(7));
  ASSERT_TRUE(p.ok());
  std::unique_ptr<int> taken = std::move(p).value();
  EXPECT_EQ(*taken, 7);
}

}  // namespace
}  // namespace mcns
