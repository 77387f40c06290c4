#include "services/control/auth/rfc3339.h"

#include <gtest/gtest.h>

#include "common/base/time.h"

namespace mcns::control::auth {
namespace {

using namespace std::chrono;

TEST(Rfc3339Test, ParsesAndFormats) {
  sys_seconds t = sys_days{2026y / 11 / 29} + 9h + 10min + 34s;
  EXPECT_EQ(format_rfc3339(t), "2026-11-29T09:10:34Z");
  EXPECT_EQ(parse_rfc3339("2026-11-29T09:10:34Z"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-29T09:10:34.123456Z"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-29T11:10:34+02:00"), t);
  EXPECT_EQ(parse_rfc3339("2026-11-29T08:10:34-01:00"), t);
  EXPECT_EQ(format_rfc3339(sys_seconds{}), "1970-01-01T00:00:00Z");
}

TEST(Rfc3339Test, RejectsJunk) {
  for (const char* bad : {"", "2026-11-29", "2026-11-29T09:10:34", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                          "2026-11-29T25:00:00Z", "2026-11-29T09:10:34Zjunk", "2026-11-29T09:10:34.Z", "tomorrow"})
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

}  // namespace
}  // namespace mcns::control::auth
