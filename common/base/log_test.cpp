#include "common/base/log.h"

#include <gtest/gtest.h>

namespace mcns::log {
namespace {

TEST(LogTest, ParsesEveryLevelAndRejectsOthers) {
  Level l{};
  EXPECT_TRUE(parse_level("debug", l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(parse_level("error", l));
  EXPECT_EQ(l, Level::kError);
  EXPECT_FALSE(parse_level("verbose", l));
  EXPECT_FALSE(parse_level("INFO", l));
}

TEST(LogTest, LevelFiltersLowerEvents) {
  set_level(Level::kWarn);
  EXPECT_FALSE(enabled(Level::kInfo));
  EXPECT_TRUE(enabled(Level::kWarn));
  EXPECT_TRUE(enabled(Level::kError));
  set_level(Level::kInfo);
}

TEST(LogTest, EmbeddedNewlinesCannotForgeLines) {
  testing::internal::CaptureStderr();
  info("a\nlevel=error forged");
  std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_NE(out.find("info  a level=error forged"), std::string::npos) << out;
}

}  // namespace
}  // namespace mcns::log
