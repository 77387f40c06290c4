// Which connection the REST server refuses or closes at its caps (SPEC 16).
#include "services/control/rest/connection_table.h"

#include <gtest/gtest.h>

namespace mcns::control::rest {
namespace {

using Verdict = ConnectionTable::Verdict;

ConnectionId admitted(ConnectionTable& t, const std::string& client) {
  auto a = t.admit(client);
  EXPECT_EQ(a.verdict, Verdict::kAdmitted) << client;
  EXPECT_FALSE(a.evicted.has_value()) << client;
  return a.id;
}

TEST(ConnectionTableTest, RefusesAnAddressOverItsCapButNotOthers) {
  ConnectionTable t({.max_connections = 100, .max_per_client = 2});
  admitted(t, "10.0.0.1");
  ConnectionId second = admitted(t, "10.0.0.1");
  auto third = t.admit("10.0.0.1");
  EXPECT_EQ(third.verdict, Verdict::kClientOverLimit);
  EXPECT_EQ(t.size(), 2u) << "a refused connection takes no slot";
  admitted(t, "10.0.0.2");
  t.remove(second);
  EXPECT_EQ(t.from_client("10.0.0.1"), 1u);
  admitted(t, "10.0.0.1");
}

TEST(ConnectionTableTest, AtTheCapTheLongestIdleMakesRoom) {
  ConnectionTable t({.max_connections = 3, .max_per_client = 10});
  ConnectionId a = admitted(t, "10.0.0.1");
  ConnectionId b = admitted(t, "10.0.0.2");
  ConnectionId c = admitted(t, "10.0.0.3");
  // `a` and `b` are serving requests; `a` then answers and waits again. `c` has been
  // idle since its accept, longer than `a`.
  ASSERT_TRUE(t.mark_busy(a));
  ASSERT_TRUE(t.mark_busy(b));
  t.mark_idle(a);
  auto d = t.admit("10.0.0.4");
  ASSERT_EQ(d.verdict, Verdict::kAdmitted);
  EXPECT_EQ(d.evicted, c) << "c has been idle the longest (since its accept)";
  EXPECT_FALSE(t.contains(c));
  EXPECT_EQ(t.from_client("10.0.0.3"), 0u);
  auto e = t.admit("10.0.0.5");
  ASSERT_EQ(e.verdict, Verdict::kAdmitted);
  EXPECT_EQ(e.evicted, a) << "then a, idle since its response";
  EXPECT_TRUE(t.contains(b)) << "a connection with a request in progress is never closed";
  EXPECT_EQ(t.size(), 3u);
}

TEST(ConnectionTableTest, AtTheCapWithNothingIdleTheNewOneIsRefused) {
  ConnectionTable t({.max_connections = 2, .max_per_client = 10});
  ASSERT_TRUE(t.mark_busy(admitted(t, "10.0.0.1")));
  ASSERT_TRUE(t.mark_busy(admitted(t, "10.0.0.2")));
  auto refused = t.admit("10.0.0.3");
  EXPECT_EQ(refused.verdict, Verdict::kFull);
  EXPECT_FALSE(refused.evicted.has_value());
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(t.idle_count(), 0u);
}

TEST(ConnectionTableTest, AnEvictedConnectionCannotStartARequest) {
  ConnectionTable t({.max_connections = 1, .max_per_client = 10});
  ConnectionId old = admitted(t, "10.0.0.1");
  auto next = t.admit("10.0.0.2");
  ASSERT_EQ(next.evicted, old);
  // Its request head arrived while the close was on its way: it must not be served
  // uncounted, so the session learns it was evicted.
  EXPECT_FALSE(t.mark_busy(old));
  t.mark_idle(old);  // ignored
  t.remove(old);     // ignored: its slot belongs to `next` now
  EXPECT_EQ(t.size(), 1u);
  EXPECT_TRUE(t.contains(next.id));
}

TEST(ConnectionTableTest, AnIdleFloodNeverDisplacesABusyClient) {
  ConnectionTable t({.max_connections = 10, .max_per_client = 1000});
  ConnectionId active = admitted(t, "192.0.2.1");
  ASSERT_TRUE(t.mark_busy(active));
  for (int i = 0; i < 1000; ++i) {
    auto a = t.admit("198.51.100.7");
    ASSERT_EQ(a.verdict, Verdict::kAdmitted);
    ASSERT_NE(a.evicted, active);
  }
  EXPECT_TRUE(t.contains(active));
  EXPECT_EQ(t.size(), 10u);
  EXPECT_EQ(t.from_client("198.51.100.7"), 9u);
}

TEST(ConnectionTableTest, MarkIdleTwiceKeepsThePlaceInLine) {
  ConnectionTable t({.max_connections = 2, .max_per_client = 10});
  ConnectionId first = admitted(t, "10.0.0.1");
  admitted(t, "10.0.0.2");
  t.mark_idle(first);  // already idle since its accept: stays at the front
  EXPECT_EQ(t.admit("10.0.0.3").evicted, first);
}

}  // namespace
}  // namespace mcns::control::rest
