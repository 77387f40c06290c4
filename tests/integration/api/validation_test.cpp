// Bad input: 400 / INVALID_ARGUMENT with the same message over REST and gRPC, and nothing
// changes; JSON problems and oversized bodies on REST; conflicts 409 / ALREADY_EXISTS.
#include <gtest/gtest.h>

#include "common/base/strings.h"
#include "tests/integration/api/api_fixture.h"
#include "tests/integration/harness/rest_client.h"

namespace mcns::test {
namespace {

class ValidationTest : public ApiTest {
 protected:
  // The zone as it is now: serial and records (with their values), to prove "nothing
  // changed".
  std::string state() {
    std::string out = str_cat("serial=", serial(), ";");
    for (const auto& r : records()) out += str_cat(r.id, ":", r.name, "/", r.type, "/", r.value, "/", r.ttl, ";");
    auto zones = rest_->list_zones(kAdminToken);
    for (const auto& z : zones.value.value_or(std::vector<ZoneView>{})) out += z.name + ";";
    return out;
  }
};

struct BadRecord {
  const char* label;
  RecordInput input;
};

TEST_F(ValidationTest, BadRecordsAreRefusedAlikeAndChangeNothing) {
  const std::string long_label(64, 'a');
  std::string long_name;
  while (long_name.size() < 256) long_name += std::string(60, 'b') + ".";
  long_name.pop_back();
  const BadRecord cases[] = {
      {"label over 63 octets", {long_label, "A", "10.0.0.1", std::nullopt}},
      {"name over 255 octets", {long_name, "A", "10.0.0.1", std::nullopt}},
      {"bad characters", {"bad name!", "A", "10.0.0.1", std::nullopt}},
      {"trailing dot", {"www.", "A", "10.0.0.1", std::nullopt}},
      {"empty name", {"", "A", "10.0.0.1", std::nullopt}},
      {"IPv4 out of range", {"www", "A", "300.1.1.1", std::nullopt}},
      {"IPv6 in an A record", {"www", "A", "2001:db8::1", std::nullopt}},
      {"broken IPv6", {"www", "AAAA", "2001:db8::1::2", std::nullopt}},
      {"IPv4 in an AAAA record", {"www", "AAAA", "10.0.0.1", std::nullopt}},
      {"empty value", {"www", "A", "", std::nullopt}},
      {"TTL 0", {"www", "A", "10.0.0.1", 0}},
      {"TTL above 2^31-1", {"www", "A", "10.0.0.1", 2147483648LL}},
      {"unknown type", {"www", "BOGUS", "10.0.0.1", std::nullopt}},
      {"bad CNAME target", {"alias", "CNAME", "bad target!", std::nullopt}},
  };
  const std::string before = state();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto r = rest_->create_record(kAdminToken, kZone, c.input);
    auto g = grpc_->create_record(kAdminToken, kZone, c.input);
    EXPECT_EQ(r.http, 400) << r.message;
    EXPECT_EQ(g.code, StatusCode::kInvalidArgument) << g.message;
    EXPECT_EQ(r.message, g.message) << "the same message on both surfaces";
    EXPECT_FALSE(r.message.empty());
    // The same input as an update of an existing record.
    auto ru = rest_->update_record(kAdminToken, kZone, records().front().id, c.input);
    auto gu = grpc_->update_record(kAdminToken, kZone, records().front().id, c.input);
    EXPECT_EQ(ru.http, 400) << ru.message;
    EXPECT_EQ(gu.code, StatusCode::kInvalidArgument);
    EXPECT_EQ(ru.message, gu.message);
  }
  // Numbers the gRPC types cannot even carry are refused by REST just as well.
  for (std::int64_t ttl : {-1LL, 4294967296LL}) {
    auto r = rest_->create_record(kAdminToken, kZone, {"www", "A", "10.0.0.1", ttl});
    EXPECT_EQ(r.http, 400) << ttl << ": " << r.message;
  }
  EXPECT_EQ(state(), before) << "no bad input changed anything";
}

TEST_F(ValidationTest, BadZonesAreRefusedAlikeAndChangeNothing) {
  const std::string before = state();
  for (const char* name : {"", "bad_zone!.example", "a..b", "-lead.example"}) {
    SCOPED_TRACE(name);
    auto r = rest_->create_zone(kAdminToken, {name});
    auto g = grpc_->create_zone(kAdminToken, {name});
    EXPECT_EQ(r.http, 400) << r.message;
    EXPECT_EQ(g.code, StatusCode::kInvalidArgument);
    EXPECT_EQ(r.message, g.message);
  }
  ZoneInput bad_ns{kZone, "bad ns!", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  auto r = rest_->update_zone(kAdminToken, bad_ns);
  auto g = grpc_->update_zone(kAdminToken, bad_ns);
  EXPECT_EQ(r.http, 400) << r.message;
  EXPECT_EQ(g.code, StatusCode::kInvalidArgument);
  EXPECT_EQ(r.message, g.message);
  // Out-of-range numbers a uint32 field can carry.
  ZoneInput huge{kZone, std::nullopt, std::nullopt, 4294967295LL, std::nullopt, std::nullopt, std::nullopt};
  auto rh = rest_->update_zone(kAdminToken, huge);
  auto gh = grpc_->update_zone(kAdminToken, huge);
  EXPECT_EQ(rh.code, gh.code);
  EXPECT_EQ(rh.message, gh.message);
  EXPECT_EQ(state(), before);
}

TEST_F(ValidationTest, MalformedJsonAndWrongTypesAre400) {
  RestClient raw(control_->rest_url(), test_pki().ca_cert);
  const std::string target = str_cat("/v1/zones/", kZone, "/records");
  const std::string before = state();
  struct Case {
    const char* body;
    const char* want;
  } cases[] = {
      {"{\"name\":\"www\",", "malformed JSON in request body"},
      {"not json", "malformed JSON in request body"},
      {"", "malformed JSON in request body"},
      {"[1,2]", "request body must be a JSON object"},
      {R"({"name":"www","type":"A","value":"10.0.0.1","ttl":"300"})", "field \"ttl\" must be an integer"},
      {R"({"name":"www","type":"A","value":"10.0.0.1","ttl":1.5})", "field \"ttl\" must be an integer"},
      {R"({"name":7,"type":"A","value":"10.0.0.1"})", "field \"name\" must be a string"},
      {R"({"name":"www","type":["A"],"value":"10.0.0.1"})", "field \"type\" must be a string"},
  };
  for (const auto& c : cases) {
    auto r = raw.send("POST", target, kAdminToken, c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.error_message(), c.want) << c.body;
  }
  auto zone = raw.send("POST", "/v1/zones", kAdminToken, R"({"name":"x.example","refresh":"soon"})");
  EXPECT_EQ(zone.status, 400);
  EXPECT_EQ(zone.error_message(), "field \"refresh\" must be an integer");
  auto login = raw.send("POST", "/v1/auth/login", "", R"({"username":["a"]})");
  EXPECT_EQ(login.status, 400);
  // Keys match case-insensitively (as the original service's Go decoder did).
  auto mixed = raw.send("POST", target, kAdminToken, R"({"Name":"mixed","TYPE":"A","Value":"10.7.0.1","Ttl":120})");
  EXPECT_EQ(mixed.status, 201) << mixed.body;
  EXPECT_EQ(mixed.json()["TTL"], 120);
  EXPECT_NE(state(), before);
}

TEST_F(ValidationTest, OversizedBodyIs413AndChangesNothing) {
  RestClient raw(control_->rest_url(), test_pki().ca_cert);
  const std::string before = state();
  std::string body = R"({"name":"big","type":"TXT","value":")" + std::string(70 * 1024, 'x') + "\"}";
  auto r = raw.send("POST", str_cat("/v1/zones/", kZone, "/records"), kAdminToken, body);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_message(), "request body too large (limit 65536 bytes)");
  EXPECT_EQ(state(), before);
}

TEST_F(ValidationTest, DuplicatesAndCnameConflictsAre409) {
  auto first = rest_->create_record(kAdminToken, kZone, {"dup", "A", "10.6.0.1", std::nullopt});
  ASSERT_EQ(first.http, 201) << first.message;
  auto cname = rest_->create_record(kAdminToken, kZone, {"alias", "CNAME", "metacrypt.svc.mcp.metacircular.net.", std::nullopt});
  ASSERT_EQ(cname.http, 201) << cname.message;
  const std::string before = state();
  struct Case {
    const char* label;
    RecordInput input;
  } cases[] = {
      {"duplicate", {"dup", "A", "10.6.0.1", std::nullopt}},
      {"duplicate in another case", {"DUP", "A", "10.6.0.1", std::nullopt}},
      {"CNAME where an A exists", {"dup", "CNAME", "metacrypt.svc.mcp.metacircular.net.", std::nullopt}},
      {"A where a CNAME exists", {"alias", "A", "10.6.0.2", std::nullopt}},
      {"second CNAME", {"alias", "CNAME", "mcr.svc.mcp.metacircular.net.", std::nullopt}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto r = rest_->create_record(kAdminToken, kZone, c.input);
    auto g = grpc_->create_record(kAdminToken, kZone, c.input);
    EXPECT_EQ(r.http, 409) << r.message;
    EXPECT_EQ(g.code, StatusCode::kAlreadyExists) << g.message;
    EXPECT_EQ(r.message, g.message);
  }
  // A CNAME at the apex is refused too, as a conflict with the apex's SOA and NS.
  auto ra = rest_->create_record(kAdminToken, kZone, {"@", "CNAME", "elsewhere.example.", std::nullopt});
  auto ga = grpc_->create_record(kAdminToken, kZone, {"@", "CNAME", "elsewhere.example.", std::nullopt});
  EXPECT_EQ(ra.http, 409) << ra.message;
  EXPECT_EQ(ra.code, ga.code);
  EXPECT_EQ(ra.message, "CNAME conflict: a CNAME cannot be at the apex of zone \"" + std::string(kZone) +
                            "\" (the apex has SOA and NS records)");
  EXPECT_EQ(ra.message, ga.message);
  auto dz = rest_->create_zone(kAdminToken, {kZone});
  auto gz = grpc_->create_zone(kAdminToken, {kZone});
  EXPECT_EQ(dz.http, 409) << dz.message;
  EXPECT_EQ(gz.code, StatusCode::kAlreadyExists);
  EXPECT_EQ(dz.message, gz.message);
  EXPECT_EQ(state(), before);
}

TEST_F(ValidationTest, UnknownZonesAndRecordsAre404) {
  for (ApiClient* api : both()) {
    SCOPED_TRACE(api->surface());
    EXPECT_EQ(api->get_zone(kAdminToken, "nowhere.example").code, StatusCode::kNotFound);
    EXPECT_EQ(api->list_records(kAdminToken, "nowhere.example").code, StatusCode::kNotFound);
    EXPECT_EQ(api->get_record(kAdminToken, kZone, 999999).code, StatusCode::kNotFound);
    EXPECT_EQ(api->delete_record(kAdminToken, kZone, 999999).code, StatusCode::kNotFound);
  }
  RestClient raw(control_->rest_url(), test_pki().ca_cert);
  EXPECT_EQ(raw.get("/v1/nothing", kAdminToken).status, 404);
  EXPECT_EQ(raw.send("PATCH", "/v1/zones", kAdminToken).status, 405);
}

}  // namespace
}  // namespace mcns::test
