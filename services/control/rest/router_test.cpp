// The routing table and the edge check, without sockets: fake authenticator and fake
// domain service (tests/integration/harness/fakes.h).
#include "services/control/rest/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/harness/fakes.h"

namespace mcns::control::rest {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    authn_.add("admin", test::principal("root", {"admin"}));
    authn_.add("user", test::principal("alice", {"user"}));
  }
  Response call(std::string method, std::string target, std::string token = "", std::string body = "") {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    if (!token.empty()) r.authorization = "Bearer " + token;
    r.body = std::move(body);
    return router_.handle(r);
  }
  static std::string error_of(const Response& r) { return nlohmann::json::parse(r.body).value("error", ""); }

  test::FakeAuthenticator authn_;
  test::FakeZoneService zones_;
  std::vector<std::pair<std::string, int>> seen_;
  Router router_{zones_, authn_,
                 {.on_response = [this](std::string_view route, int status, std::chrono::duration<double>) {
                    seen_.emplace_back(route, status);
                  },
                  .web_ui = {}}};
};

TEST_F(RouterTest, HealthIsPublic) {
  auto r = call("GET", "/v1/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ok"})");
  authn_.unavailable = true;
  EXPECT_EQ(call("GET", "/v1/health").status, 200);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].first, "GET /v1/health");
}

TEST_F(RouterTest, EveryNonPublicRouteNeedsAToken) {
  for (const auto& route : Router::routes()) {
    if (route.access == auth::Access::kPublic) continue;
    std::string target(route.pattern);
    for (auto [from, to] : {std::pair{"{zone}", "example.com"}, std::pair{"{id}", "1"}})
      if (auto p = target.find(from); p != std::string::npos) target.replace(p, std::string(from).size(), to);
    auto none = call(std::string(route.method), target, "", "{}");
    EXPECT_EQ(none.status, 401) << route.method << " " << route.pattern;
    EXPECT_EQ(error_of(none), "missing bearer token");
    bool has_challenge = false;
    for (auto& [k, v] : none.headers) has_challenge |= k == "WWW-Authenticate" && v == "Bearer";
    EXPECT_TRUE(has_challenge);
    EXPECT_EQ(call(std::string(route.method), target, "bad", "{}").status, 401) << route.pattern;
  }
  EXPECT_TRUE(zones_.calls.empty()) << "nothing reached the domain";
}

TEST_F(RouterTest, TheDomainAloneDecidesWhoMayWriteZones) {
  // The edge lets any caller through to the domain, whose refusal is mapped as it says.
  zones_.fail_next = permission_denied("permission denied: \"alice\" may not create, change or delete zones");
  auto r = call("POST", "/v1/zones", "user", R"({"name":"new.example"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_of(r), "permission denied: \"alice\" may not create, change or delete zones");
  EXPECT_EQ(zones_.calls.back(), "create_zone alice");
  EXPECT_EQ(call("POST", "/v1/zones", "admin", R"({"name":"new.example"})").status, 201);
  EXPECT_EQ(zones_.calls.back(), "create_zone root");
}

TEST_F(RouterTest, MapsDomainStatusesAndCallersThrough) {
  auto list = call("GET", "/v1/zones", "user");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(nlohmann::json::parse(list.body)["zones"][0]["Name"], "example.com");
  EXPECT_EQ(zones_.calls.back(), "list_zones alice");
  EXPECT_EQ(call("GET", "/v1/zones/nope.example", "user").status, 404);
  zones_.fail_next = already_exists("CNAME conflict at www");
  auto conflict = call("POST", "/v1/zones/example.com/records", "user", R"({"name":"www","type":"A","value":"1.2.3.4"})");
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(error_of(conflict), "CNAME conflict at www");
  zones_.fail_next = unavailable("database is busy");
  EXPECT_EQ(call("GET", "/v1/zones", "user").status, 503);
  authn_.unavailable = true;
  EXPECT_EQ(call("GET", "/v1/zones", "user").status, 503);
}

TEST_F(RouterTest, RecordRoutes) {
  auto created = call("POST", "/v1/zones/Example.COM/records", "user", R"({"name":"www","type":"A","value":"1.2.3.4","ttl":60})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(zones_.last_create.zone, "Example.COM") << "canonicalising is the domain's job";
  EXPECT_EQ(zones_.last_create.fields.ttl, 60);
  auto id = nlohmann::json::parse(created.body)["ID"].get<int>();
  EXPECT_EQ(call("GET", "/v1/zones/example.com/records/" + std::to_string(id), "user").status, 200);
  EXPECT_EQ(call("PUT", "/v1/zones/example.com/records/" + std::to_string(id), "user",
                 R"({"name":"www","type":"A","value":"1.2.3.5"})").status, 200);
  EXPECT_EQ(call("DELETE", "/v1/zones/example.com/records/" + std::to_string(id), "user").status, 204);
  auto bad_id = call("GET", "/v1/zones/example.com/records/abc", "user");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(error_of(bad_id), "record id must be an integer, got \"abc\"");
  auto list = call("GET", "/v1/zones/example.com/records?name=www&type=AAAA&other=1", "user");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(zones_.last_filter.name, "www");
  EXPECT_EQ(zones_.last_filter.type, "AAAA");
  call("GET", "/v1/zones/example.com/records", "user");
  EXPECT_FALSE(zones_.last_filter.name.has_value());
  call("GET", "/v1/zones/ex%61mple.com/records?name=a%20b+c", "user");
  EXPECT_EQ(zones_.last_filter.zone, "example.com");
  EXPECT_EQ(zones_.last_filter.name, "a b c");
}

TEST_F(RouterTest, BadJsonIsA400WithAClearMessage) {
  auto r = call("POST", "/v1/zones/example.com/records", "user", R"({"name":"www",)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "malformed JSON in request body");
  r = call("POST", "/v1/zones/example.com/records", "user", R"({"name":"www","ttl":"300"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_of(r), "field \"ttl\" must be an integer");
  EXPECT_TRUE(zones_.calls.empty());
}

TEST_F(RouterTest, UnknownPathsAndMethods) {
  auto r = call("GET", "/v1/nothing", "user");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(seen_.back().first, "unmatched");
  auto m = call("PATCH", "/v1/zones/example.com", "user");
  EXPECT_EQ(m.status, 405);
  ASSERT_FALSE(m.headers.empty());
  EXPECT_EQ(m.headers[0].first, "Allow");
  EXPECT_EQ(m.headers[0].second, "GET, PUT, DELETE");
  EXPECT_EQ(call("GET", "/v1/zones/", "user").status, 200) << "a trailing slash is tolerated";
  EXPECT_EQ(call("GET", "/v1/zones/%zz", "user").status, 400);
}

TEST_F(RouterTest, LoginAndLogout) {
  auto ok = call("POST", "/v1/auth/login", "", R"({"username":"alice","password":"secret"})");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok.body)["token"], "tok-alice");
  EXPECT_EQ(call("POST", "/v1/auth/login", "", R"({"username":"alice","password":"x"})").status, 401);
  EXPECT_EQ(call("POST", "/v1/auth/login", "", R"({"username":1})").status, 400);
  EXPECT_EQ(call("POST", "/v1/auth/logout", "user").status, 204);
  EXPECT_EQ(authn_.logged_out, std::vector<std::string>{"user"});
  EXPECT_EQ(call("POST", "/v1/auth/logout").status, 401);
}

}  // namespace
}  // namespace mcns::control::rest
