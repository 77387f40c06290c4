#include "services/control/auth/token_cache.h"

#include <gtest/gtest.h>

#include "tests/integration/harness/fakes.h"

namespace mcns::control::auth {
namespace {

using namespace std::chrono;

struct FakeClock {
  steady_clock::time_point now{};
  TokenCache::Clock fn() {
    return [this] { return now; };
  }
};

TEST(TokenCacheTest, ValidAndInvalidVerdictsExpireAfterTheTtl) {
  FakeClock clock;
  TokenCache cache(seconds(30), clock.fn());
  cache.put("good", test::principal("alice"));
  cache.put("bad", unauthenticated("invalid or expired token"));
  clock.now += seconds(29);
  ASSERT_TRUE(cache.find("good").has_value());
  EXPECT_EQ((*cache.find("good"))->username, "alice");
  ASSERT_TRUE(cache.find("bad").has_value());
  EXPECT_EQ(cache.find("bad")->status().code(), StatusCode::kUnauthenticated);
  clock.now += seconds(1);
  EXPECT_FALSE(cache.find("good").has_value());
  EXPECT_FALSE(cache.find("bad").has_value());
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TokenCacheTest, UnavailableIsNeverCached) {
  FakeClock clock;
  TokenCache cache(seconds(30), clock.fn());
  cache.put("t", unavailable("down"));
  EXPECT_FALSE(cache.find("t").has_value());
}

TEST(TokenCacheTest, ATokenExpiringSoonerIsNotTrustedLonger) {
  FakeClock clock;
  TokenCache cache(seconds(30), clock.fn());
  cache.put("t", test::principal("alice"), clock.now + seconds(5));
  clock.now += seconds(5);
  EXPECT_FALSE(cache.find("t").has_value());
}

TEST(TokenCacheTest, BoundedSize) {
  FakeClock clock;
  TokenCache cache(seconds(30), clock.fn(), 10);
  for (int i = 0; i < 100; ++i) cache.put("t" + std::to_string(i), test::principal("u"));
  EXPECT_LE(cache.size(), 10u);
  EXPECT_TRUE(cache.find("t99").has_value());
}

}  // namespace
}  // namespace mcns::control::auth
