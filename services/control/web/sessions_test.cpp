#include "services/control/web/sessions.h"

#include <gtest/gtest.h>

namespace mcns::control::web {
namespace {

using namespace std::chrono_literals;

struct Clock {
  SystemClock::time_point t = SystemClock::time_point(1700000000s);
  SessionStore::Now fn() {
    return [this] { return t; };
  }
};

TEST(Sessions, IdsAndCsrfTokensAreRandomAndDistinct) {
  SessionStore store(10, 10);
  Session a = store.create("tok-a", "alice", SystemClock::now() + 1h);
  Session b = store.create("tok-b", "bob", SystemClock::now() + 1h);
  EXPECT_EQ(a.id.size(), 64u);
  EXPECT_EQ(a.csrf.size(), 64u);
  EXPECT_NE(a.id, b.id);
  EXPECT_NE(a.id, a.csrf);
  EXPECT_EQ(store.find(a.id)->token, "tok-a");
  EXPECT_TRUE(store.find(a.id)->signed_in());
}

TEST(Sessions, ExpireWithTheirToken) {
  Clock clock;
  SessionStore store(10, 10, clock.fn());
  Session s = store.create("tok", "alice", clock.t + 10min);
  Session anon = store.create_anonymous(30min);
  EXPECT_FALSE(anon.signed_in());
  clock.t += 10min;
  EXPECT_FALSE(store.find(s.id));
  EXPECT_TRUE(store.find(anon.id));
  clock.t += 20min;
  EXPECT_FALSE(store.find(anon.id));
}

TEST(Sessions, AreBoundedAndAnonymousOnesCannotPushOutSignedInOnes) {
  Clock clock;
  SessionStore store(2, 3, clock.fn());
  Session a = store.create("a", "a", clock.t + 1h);
  Session b = store.create("b", "b", clock.t + 2h);
  for (int i = 0; i < 100; ++i) store.create_anonymous(30min);
  EXPECT_EQ(store.anonymous_count(), 3u);
  EXPECT_TRUE(store.find(a.id));
  Session c = store.create("c", "c", clock.t + 3h);  // the one closest to expiry goes
  EXPECT_EQ(store.signed_in_count(), 2u);
  EXPECT_FALSE(store.find(a.id));
  EXPECT_TRUE(store.find(b.id));
  EXPECT_TRUE(store.find(c.id));
  store.erase(b.id);
  EXPECT_FALSE(store.find(b.id));
}

}  // namespace
}  // namespace mcns::control::web
