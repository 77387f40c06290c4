#include "services/control/rest/json_codec.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace mcns::control::rest {
namespace {

using namespace std::chrono;

TEST(JsonCodecTest, RecordKeysMatchCaseInsensitively) {
  auto r = decode_record(R"({"NAME":"www","Type":"A","vAlUe":"10.0.0.1","TTL":60,"extra":true})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->name, "www");
  EXPECT_EQ(r->type, "A");
  EXPECT_EQ(r->value, "10.0.0.1");
  EXPECT_EQ(r->ttl, 60);
  auto no_ttl = decode_record(R"({"name":"www","type":"A","value":"10.0.0.1","ttl":null})");
  ASSERT_TRUE(no_ttl.ok());
  EXPECT_FALSE(no_ttl->ttl.has_value()) << "null means absent";
  auto last = decode_record(R"({"ttl":1,"TTL":2})");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->ttl, 2) << "the later key wins, as in Go";
}

TEST(JsonCodecTest, WrongTypesAndMalformedJsonAreInvalidArgument) {
  struct Case {
    const char* body;
    const char* want;
  } cases[] = {
      {"", "malformed JSON"},
      {"{", "malformed JSON"},
      {R"({"name":"www",})", "malformed JSON"},
      {"[]", "must be a JSON object"},
      {"\"x\"", "must be a JSON object"},
      {R"({"name":5})", "field \"name\" must be a string"},
      {R"({"ttl":"300"})", "field \"ttl\" must be an integer"},
      {R"({"ttl":300.5})", "field \"ttl\" must be an integer"},
      {R"({"ttl":true})", "field \"ttl\" must be an integer"},
      {R"({"ttl":99999999999999999999})", "field \"ttl\""},
      {R"({"value":["a"]})", "field \"value\" must be a string"},
  };
  for (const auto& c : cases) {
    auto r = decode_record(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << c.body << " -> " << r.status();
  }
}

TEST(JsonCodecTest, ZoneRequests) {
  auto z = decode_create_zone(R"({"name":"example.com","primary_ns":"ns1.example.com.","Refresh":7200,
                                  "minimum_ttl":60})");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->name, "example.com");
  EXPECT_EQ(z->soa.primary_ns, "ns1.example.com.");
  EXPECT_EQ(z->soa.refresh, 7200);
  EXPECT_EQ(z->soa.minimum_ttl, 60);
  EXPECT_FALSE(z->soa.retry.has_value());
  EXPECT_FALSE(z->soa.admin_email.has_value());
  auto u = decode_update_zone(R"({"retry":-5})");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->retry, -5) << "range checks are the domain's";
  EXPECT_FALSE(decode_update_zone(R"({"expire":"1"})").ok());
  auto login = decode_login(R"({"Username":"alice","password":"pw"})");
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(login->username, "alice");
  EXPECT_EQ(login->totp_code, "");
}

TEST(JsonCodecTest, ResponsesUseTheOriginalCapitalisedKeys) {
  domain::Record r;
  r.id = 7;
  r.zone_id = 1;
  r.name = "metacrypt";
  r.type = "A";
  r.value = "192.168.88.181";
  r.ttl = 300;
  r.created_at = sys_days{2026y / 11 / 29} + 9h;
  r.updated_at = r.created_at + 1s;
  EXPECT_EQ(encode_record(r),
            R"({"ID":7,"ZoneID":1,"Name":"metacrypt","Type":"A","Value":"192.168.88.181","TTL":300,)"
            R"("CreatedAt":"2026-11-29T09:00:00Z","UpdatedAt":"2026-11-29T09:00:01Z"})");
  auto list = nlohmann::json::parse(encode_records({r, r}));
  ASSERT_TRUE(list["records"].is_array());
  EXPECT_EQ(list["records"].size(), 2u);
  EXPECT_EQ(encode_records({}), R"({"records":[]})");

  domain::Zone z;
  z.id = 1;
  z.name = "svc.mcp.metacircular.net";
  z.primary_ns = "ns.mcp.metacircular.net.";
  z.admin_email = "admin.metacircular.net.";
  z.serial = 2026112901;
  auto zj = nlohmann::ordered_json::parse(encode_zone(z));
  std::vector<std::string> keys;
  for (auto& [k, v] : zj.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"ID", "Name", "PrimaryNS", "AdminEmail", "Refresh", "Retry", "Expire",
                                            "MinimumTTL", "Serial", "CreatedAt", "UpdatedAt"}));
  EXPECT_EQ(zj["Serial"], 2026112901u);
  EXPECT_EQ(encode_zones({}), R"({"zones":[]})");
  EXPECT_EQ(encode_error("bad \"x\""), R"({"error":"bad \"x\""})");
  EXPECT_EQ(encode_status("ok"), R"({"status":"ok"})");
}

}  // namespace
}  // namespace mcns::control::rest
