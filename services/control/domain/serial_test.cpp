#include "services/control/domain/serial.h"

#include <gtest/gtest.h>

namespace mcns::control::domain {
namespace {

TEST(SerialTest, Rule) {
  struct Case {
    std::uint32_t current, today, want;
  } cases[] = {
      {2026112905, 20261129, 2026112906},  // same day: NN + 1
      {2026112900, 20261129, 2026112901},
      {2026112805, 20261129, 2026112901},  // earlier day: today01
      {2025010199, 20261129, 2026112901},
      {0, 20261129, 2026112901},           // never set
      {2026112998, 20261129, 2026112999},
      {2026112999, 20261129, 2026113000},  // NN would pass 99: plain increment, never back
      {2030010100, 20261129, 2030010101},  // ahead of today: plain increment
      {4294967294u, 20261129, 4294967295u},
      {4294967295u, 20261129, 2026112901},  // wraps (RFC 1982 still counts it as forward)
  };
  for (const Case& c : cases) {
    EXPECT_EQ(next_serial(c.current, c.today), c.want) << c.current << " on " << c.today;
    EXPECT_TRUE(serial_after(c.want, c.current)) << c.want << " after " << c.current;
  }
  EXPECT_EQ(first_serial(20261129), 2026112901u);
}

TEST(SerialTest, SerialArithmetic) {
  EXPECT_TRUE(serial_after(2, 1));
  EXPECT_FALSE(serial_after(1, 2));
  EXPECT_FALSE(serial_after(7, 7));
  EXPECT_TRUE(serial_after(0, 4294967295u));
  EXPECT_FALSE(serial_after(4294967295u, 0));
}

}  // namespace
}  // namespace mcns::control::domain
