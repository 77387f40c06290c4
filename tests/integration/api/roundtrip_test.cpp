// Both surfaces share one domain and one database: what one writes the other reads, and
// the zone's SOA serial moves with every change, whichever surface made it.
#include <gtest/gtest.h>

#include "tests/integration/api/api_fixture.h"

namespace mcns::test {
namespace {

class RoundTripTest : public ApiTest {};

void expect_same(const RecordView& a, const RecordView& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.zone_id, b.zone_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.value, b.value);
  EXPECT_EQ(a.ttl, b.ttl);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

TEST_F(RoundTripTest, GrpcWritesRestReadsAndBack) {
  std::int64_t s0 = serial();
  auto made = grpc_->create_record("tok-agent", kZone, {"Web", "AAAA", "2001:DB8:0:0::1", 120});
  ASSERT_EQ(made.code, StatusCode::kOk) << made.message;
  EXPECT_EQ(made.value->name, "web");
  EXPECT_EQ(made.value->value, "2001:db8::1") << "stored canonically";
  auto seen = rest_->get_record("tok-user", kZone, made.value->id);
  ASSERT_EQ(seen.code, StatusCode::kOk) << seen.message;
  expect_same(*made.value, *seen.value);
  std::int64_t s1 = serial();
  EXPECT_GT(s1, s0) << "the serial moves with a change made over gRPC";
  auto filtered = rest_->list_records("tok-user", kZone, "web", "AAAA");
  ASSERT_EQ(filtered.code, StatusCode::kOk);
  ASSERT_EQ(filtered.value->size(), 1u);
  expect_same(filtered.value->front(), *made.value);

  auto made2 = rest_->create_record("tok-admin", kZone, {"api", "A", "10.4.0.1", std::nullopt});
  ASSERT_EQ(made2.http, 201) << made2.message;
  auto seen2 = grpc_->get_record("tok-user", kZone, made2.value->id);
  ASSERT_EQ(seen2.code, StatusCode::kOk) << seen2.message;
  expect_same(*made2.value, *seen2.value);
  EXPECT_EQ(seen2.value->ttl, 300) << "default TTL";
  std::int64_t s2 = serial();
  EXPECT_GT(s2, s1) << "the serial moves with a change made over REST";

  auto updated = grpc_->update_record("tok-admin", kZone, made2.value->id, {"api", "A", "10.4.0.2", 60});
  ASSERT_EQ(updated.code, StatusCode::kOk) << updated.message;
  auto after = rest_->get_record("tok-user", kZone, made2.value->id);
  EXPECT_EQ(after.value->value, "10.4.0.2");
  EXPECT_EQ(after.value->ttl, 60);
  std::int64_t s3 = serial();
  EXPECT_GT(s3, s2);

  ASSERT_EQ(rest_->delete_record("tok-admin", kZone, made2.value->id).http, 204);
  EXPECT_EQ(grpc_->get_record("tok-user", kZone, made2.value->id).code, StatusCode::kNotFound);
  std::int64_t s4 = serial();
  EXPECT_GT(s4, s3);
  auto z = grpc_->get_zone("tok-user", kZone);
  EXPECT_EQ(z.value->serial, s4) << "both surfaces report the same serial";
}

TEST_F(RoundTripTest, ZonesRoundTrip) {
  auto made = grpc_->create_zone(kAdminToken, {"Example.ORG.", std::nullopt, "hostmaster@example.org", 7200,
                                               std::nullopt, std::nullopt, 60});
  ASSERT_EQ(made.code, StatusCode::kOk) << made.message;
  auto seen = rest_->get_zone("tok-user", "example.org");
  ASSERT_EQ(seen.code, StatusCode::kOk) << seen.message;
  EXPECT_EQ(seen.value->name, "example.org");
  EXPECT_EQ(seen.value->refresh, 7200);
  EXPECT_EQ(seen.value->minimum_ttl, 60);
  EXPECT_EQ(seen.value->serial, made.value->serial);
  EXPECT_EQ(seen.value->admin_email, made.value->admin_email);
  // A new zone is served with NS at its apex: it starts with "@ NS <primary_ns>".
  auto records = rest_->list_records("tok-user", "example.org");
  ASSERT_EQ(records.code, StatusCode::kOk) << records.message;
  ASSERT_EQ(records.value->size(), 1u);
  EXPECT_EQ((*records.value)[0].name, "@");
  EXPECT_EQ((*records.value)[0].type, "NS");
  EXPECT_EQ((*records.value)[0].value, "ns.example.org.");
  // An empty filter value is no filter (scripts build ?name=$N&type=$T).
  auto by_type = rest_->list_records("tok-user", "example.org", "", "NS");
  ASSERT_EQ(by_type.code, StatusCode::kOk) << by_type.message;
  EXPECT_EQ(by_type.value->size(), 1u);
  auto updated = rest_->update_zone(kAdminToken, {"example.org", std::nullopt, std::nullopt, std::nullopt, 900});
  ASSERT_EQ(updated.code, StatusCode::kOk) << updated.message;
  EXPECT_EQ(updated.value->retry, 900);
  EXPECT_EQ(updated.value->refresh, 7200) << "absent fields keep their value";
  EXPECT_GT(updated.value->serial, made.value->serial);
  auto listed = grpc_->list_zones("tok-user");
  bool found = false;
  for (const auto& z : *listed.value) found |= z.name == "example.org" && z.retry == 900;
  EXPECT_TRUE(found);
  EXPECT_EQ(grpc_->delete_zone(kAdminToken, "example.org").code, StatusCode::kOk);
  EXPECT_EQ(rest_->get_zone("tok-user", "example.org").http, 404);
}

}  // namespace
}  // namespace mcns::test
