#include "services/control/feed/fleet.h"

#include <gtest/gtest.h>

#include <thread>

namespace mcns::control::feed {
namespace {

TEST(FleetRegistryTest, ReportingAndOldFrontendsAreTold) {
  FleetRegistry fleet;
  fleet.set_latest(5);
  fleet.watch_opened("ipv4:127.0.0.1:1", "a");
  fleet.report_opened("ipv4:127.0.0.1:1", "a");
  fleet.report("ipv4:127.0.0.1:1", "a", 5);
  fleet.watch_opened("ipv4:127.0.0.1:2", "old");
  auto all = fleet.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a");
  EXPECT_TRUE(all[0].reports);
  EXPECT_EQ(all[0].version, 5u);
  EXPECT_EQ(all[0].lag_versions, 0u);
  EXPECT_TRUE(all[0].last_report.has_value());
  EXPECT_EQ(all[1].name, "old");
  EXPECT_FALSE(all[1].reports);
  EXPECT_EQ(all[1].lag_versions, 0u) << "a frontend that does not report has no lag to tell";
}

TEST(FleetRegistryTest, WriteAndWaitWaitsForReportingFrontendsOnly) {
  using namespace std::chrono_literals;
  FleetRegistry fleet;
  fleet.report_opened("p1", "a");
  fleet.report("p1", "a", 4);
  fleet.watch_opened("p2", "old");  // first release: never waited for
  // Already there.
  auto done = fleet.wait_applied(4, FleetRegistry::Clock::now() + 1s);
  EXPECT_TRUE(done.applied);
  EXPECT_EQ(done.waited_for, 1u);
  // A report from another thread ends the wait.
  std::thread reporter([&] {
    std::this_thread::sleep_for(20ms);
    fleet.report("p1", "a", 5);
  });
  auto started = FleetRegistry::Clock::now();
  auto reached = fleet.wait_applied(5, started + 5s);
  reporter.join();
  EXPECT_TRUE(reached.applied);
  EXPECT_LT(FleetRegistry::Clock::now() - started, 4s);
  // Nobody reports version 6: the deadline passes and the lagging frontend is named.
  auto late = fleet.wait_applied(6, FleetRegistry::Clock::now() + 30ms);
  EXPECT_FALSE(late.applied);
  EXPECT_EQ(late.lagging, std::vector<std::string>{"a (p1)"});
}

TEST(FleetRegistryTest, AFrontendThatJustLostItsStreamIsWaitedForUntilItIsBack) {
  using namespace std::chrono_literals;
  FleetRegistry fleet;
  fleet.report_opened("p1", "a");
  fleet.report("p1", "a", 4);
  fleet.report_closed("p1");  // lost its stream just before the write
  auto late = fleet.wait_applied(5, FleetRegistry::Clock::now() + 30ms);
  EXPECT_FALSE(late.applied);
  EXPECT_EQ(late.lagging, std::vector<std::string>{"a (p1)"});
  // Back under the same name from a new connection, at the version: counted.
  fleet.report_opened("p9", "a");
  fleet.report("p9", "a", 5);
  EXPECT_TRUE(fleet.wait_applied(5, FleetRegistry::Clock::now() + 1s).applied);
}

TEST(FleetRegistryTest, TwoLiveFrontendsWithOneNameAreEachWaitedFor) {
  using namespace std::chrono_literals;
  FleetRegistry fleet;
  fleet.report_opened("p1", "host");  // two frontends on one host, default names
  fleet.report_opened("p2", "host");
  fleet.report("p1", "host", 5);
  fleet.report("p2", "host", 4);
  auto late = fleet.wait_applied(5, FleetRegistry::Clock::now() + 30ms);
  EXPECT_FALSE(late.applied) << "p1 must not answer for p2, which is still connected";
  EXPECT_EQ(late.lagging, std::vector<std::string>{"host (p2)"});
  fleet.report("p2", "host", 5);
  EXPECT_TRUE(fleet.wait_applied(5, FleetRegistry::Clock::now() + 1s).applied);
}

TEST(FleetRegistryTest, LagGrowsFromTheFirstMissedWrite) {
  FleetRegistry fleet;
  fleet.set_latest(3);
  fleet.report_opened("p", "a");
  fleet.report("p", "a", 3);
  fleet.set_latest(4);
  fleet.set_latest(6);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto f = fleet.list().at(0);
  EXPECT_EQ(f.lag_versions, 3u);
  EXPECT_GE(f.lag_seconds, 0.015);
  fleet.report("p", "a", 6);
  f = fleet.list().at(0);
  EXPECT_EQ(f.lag_versions, 0u);
  EXPECT_EQ(f.lag_seconds, 0);
}

TEST(FleetRegistryTest, SameNameTwoPeersAndDisconnectedKeptThenDropped) {
  FleetRegistry fleet(std::chrono::milliseconds(50));
  fleet.report_opened("p1", "same");
  fleet.report_opened("p2", "same");
  ASSERT_EQ(fleet.list().size(), 2u);
  fleet.report_closed("p1");
  auto all = fleet.list();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_FALSE(all[0].connected);
  EXPECT_TRUE(all[1].connected);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  all = fleet.list();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].peer, "p2");
}

TEST(FleetRegistryTest, WatchHookClosesWithItsHandle) {
  FleetRegistry fleet;
  EXPECT_EQ(note_watch_stream("p", "x"), nullptr) << "no registry set";
  set_watch_fleet(&fleet);
  {
    auto handle = note_watch_stream("p", "x");
    ASSERT_NE(handle, nullptr);
    EXPECT_TRUE(fleet.list().at(0).connected);
  }
  EXPECT_FALSE(fleet.list().at(0).connected);
  set_watch_fleet(nullptr);
}

TEST(FleetRegistryTest, Rfc3339) {
  EXPECT_EQ(rfc3339(std::chrono::system_clock::time_point(std::chrono::seconds(0))), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace mcns::control::feed
