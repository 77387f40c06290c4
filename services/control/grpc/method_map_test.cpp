#include "services/control/grpc/method_map.h"

#include <gtest/gtest.h>
#include <google/protobuf/descriptor.h>

#include "mcns/v1/admin.pb.h"
#include "mcns/v1/auth.pb.h"
#include "mcns/v1/change.pb.h"
#include "mcns/v1/record.pb.h"
#include "mcns/v1/sync.pb.h"
#include "mcns/v1/zone.pb.h"

namespace mcns::control::grpcapi {
namespace {

TEST(MethodMapTest, EveryMethodOfEveryServiceIsMapped) {
  // Touch one message of each file so its descriptors are in the generated pool.
  v1::HealthRequest a;
  v1::LoginRequest b;
  v1::Zone c;
  v1::Record d;
  v1::WatchRequest e;
  v1::ChangeEntry f;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  int methods = 0;
  for (const char* name : {"mcns.v1.AdminService", "mcns.v1.AuthService", "mcns.v1.ZoneService",
                           "mcns.v1.RecordService", "mcns.v1.SyncService", "mcns.v1.ChangeService"}) {
    const auto* service = pool->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      std::string full = "/" + service->full_name() + "/" + service->method(i)->name();
      EXPECT_TRUE(MethodMap::standard().find(full).has_value()) << full << " is not in the method map";
      ++methods;
    }
  }
  EXPECT_EQ(methods, 22);
}

TEST(MethodMapTest, OnlyHealthLoginAndReflectionArePublic) {
  const auto& m = MethodMap::standard();
  EXPECT_EQ(m.find("/mcns.v1.AdminService/Health"), auth::Access::kPublic);
  EXPECT_EQ(m.find("/mcns.v1.AuthService/Login"), auth::Access::kPublic);
  EXPECT_EQ(m.find("/mcns.v1.AuthService/Logout"), auth::Access::kAuthenticated);
  // Admin-only methods are only authenticated here: the domain decides who may.
  EXPECT_EQ(m.find("/mcns.v1.ZoneService/CreateZone"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.ZoneService/ImportZone"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.ChangeService/Rollback"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.ZoneService/WatchChanges"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.ZoneService/ListZones"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.RecordService/CreateRecord"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.SyncService/Watch"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.SyncService/Report"), auth::Access::kAuthenticated);
  EXPECT_EQ(m.find("/mcns.v1.AdminService/ListFrontends"), auth::Access::kAuthenticated);
  EXPECT_FALSE(m.find("/mcns.v1.ZoneService/DropEverything").has_value());
  EXPECT_FALSE(m.find("").has_value());
  EXPECT_FALSE(m.find("/mcns.v1.zoneservice/listzones").has_value()) << "exact names only";
}

}  // namespace
}  // namespace mcns::control::grpcapi
