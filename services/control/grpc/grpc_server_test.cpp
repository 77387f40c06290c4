// The gRPC server in-process over TLS with a fake authenticator and domain: the edge
// check of every call (public / authenticated / admin / unmapped), the principal's way
// to the handler, status mapping and the metrics hook.
#include "services/control/grpc/grpc_server.h"

#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>

#include <cstdlib>
#include <mutex>

#include "common/base/strings.h"
#include "mcns/v1/admin.grpc.pb.h"
#include "mcns/v1/auth.grpc.pb.h"
#include "mcns/v1/record.grpc.pb.h"
#include "mcns/v1/sync.grpc.pb.h"
#include "mcns/v1/zone.grpc.pb.h"
#include "tests/integration/harness/fakes.h"
#include "tests/integration/harness/grpc_client.h"
#include "tests/integration/harness/pki.h"

namespace mcns::control::grpcapi {
namespace {

class DummySync final : public v1::SyncService::Service {
 public:
  ::grpc::Status Watch(::grpc::ServerContext*, const v1::WatchRequest*, ::grpc::ServerWriter<v1::WatchEvent>*) override {
    ++calls;
    return ::grpc::Status::OK;
  }
  std::atomic<int> calls{0};
};

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    authn_.add("admin", test::principal("root", {"admin"}));
    authn_.add("user", test::principal("alice", {"user"}));
    authn_.add("agent", test::principal("mcp-agent", {}, true));
  }
  void start(const MethodMap* map = nullptr) {
    GrpcServerOptions o;
    o.listen_addr = "127.0.0.1:0";
    o.tls_cert = test::test_pki().server_cert;
    o.tls_key = test::test_pki().server_key;
    o.method_map = map;
    o.extra_services = {&sync_};
    o.on_call = [this](std::string_view method, StatusCode code, std::chrono::duration<double>) {
      std::lock_guard lock(mu_);
      seen_.emplace_back(method, code);
    };
    auto s = GrpcServer::start(o, zones_, authn_);
    ASSERT_TRUE(s.ok()) << s.status();
    server_ = std::move(*s);
    channel_ = test::tls_channel(str_cat("localhost:", server_->port()), test::test_pki().ca_cert);
  }
  std::vector<std::pair<std::string, StatusCode>> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

  test::FakeAuthenticator authn_;
  test::FakeZoneService zones_;
  DummySync sync_;
  std::mutex mu_;
  std::vector<std::pair<std::string, StatusCode>> seen_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<::grpc::Channel> channel_;
};

TEST_F(GrpcServerTest, HealthAndLoginArePublic) {
  start();
  auto admin = v1::AdminService::NewStub(channel_);
  v1::HealthResponse health;
  ASSERT_TRUE(admin->Health(test::call_context().get(), {}, &health).ok());
  EXPECT_EQ(health.status(), "ok");
  auto auth_stub = v1::AuthService::NewStub(channel_);
  v1::LoginRequest req;
  req.set_username("alice");
  req.set_password("secret");
  v1::LoginResponse res;
  ASSERT_TRUE(auth_stub->Login(test::call_context().get(), req, &res).ok());
  EXPECT_EQ(res.token(), "tok-alice");
  req.set_password("wrong");
  EXPECT_EQ(auth_stub->Login(test::call_context().get(), req, &res).error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  v1::LogoutResponse out;
  EXPECT_EQ(auth_stub->Logout(test::call_context().get(), {}, &out).error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(auth_stub->Logout(test::call_context("user").get(), {}, &out).ok());
  EXPECT_EQ(authn_.logged_out, std::vector<std::string>{"user"});
}

TEST_F(GrpcServerTest, AuthenticatedMethodsNeedAValidToken) {
  start();
  auto stub = v1::ZoneService::NewStub(channel_);
  v1::ListZonesResponse res;
  auto none = stub->ListZones(test::call_context().get(), {}, &res);
  EXPECT_EQ(none.error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(none.error_message(), "missing bearer token");
  EXPECT_EQ(stub->ListZones(test::call_context("bad").get(), {}, &res).error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(zones_.calls.empty());
  ASSERT_TRUE(stub->ListZones(test::call_context("user").get(), {}, &res).ok());
  ASSERT_EQ(res.zones_size(), 1);
  EXPECT_EQ(res.zones(0).name(), "example.com");
  EXPECT_EQ(res.zones(0).serial(), 2026112901u);
  EXPECT_EQ(zones_.calls.back(), "list_zones alice") << "the principal reaches the domain";
  // Several callers on ONE channel (one connection): each call is its own caller.
  for (const char* token : {"admin", "user", "agent", "user"}) ASSERT_TRUE(stub->ListZones(test::call_context(token).get(), {}, &res).ok());
  EXPECT_EQ(std::vector<std::string>(zones_.calls.end() - 4, zones_.calls.end()),
            (std::vector<std::string>{"list_zones root", "list_zones alice", "list_zones mcp-agent", "list_zones alice"}));
  authn_.unavailable = true;
  EXPECT_EQ(stub->ListZones(test::call_context("user").get(), {}, &res).error_code(), ::grpc::StatusCode::UNAVAILABLE);
}

TEST_F(GrpcServerTest, TheDomainAloneDecidesWhoMayWriteZones) {
  start();
  auto stub = v1::ZoneService::NewStub(channel_);
  v1::CreateZoneRequest req;
  req.set_name("new.example");
  v1::Zone out;
  zones_.fail_next = permission_denied("permission denied: \"alice\" may not create, change or delete zones");
  auto denied = stub->CreateZone(test::call_context("user").get(), req, &out);
  EXPECT_EQ(denied.error_code(), ::grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message(), "permission denied: \"alice\" may not create, change or delete zones");
  ASSERT_FALSE(zones_.calls.empty());
  EXPECT_EQ(zones_.calls.back(), "create_zone alice") << "the caller reaches the domain, which decides";
  ASSERT_TRUE(stub->CreateZone(test::call_context("admin").get(), req, &out).ok());
  EXPECT_EQ(out.name(), "new.example");
  req.set_name("");
  auto invalid = stub->CreateZone(test::call_context("admin").get(), req, &out);
  EXPECT_EQ(invalid.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(invalid.error_message(), "zone name is required");
}

TEST_F(GrpcServerTest, RecordCallsCarryTheirFields) {
  start();
  auto stub = v1::RecordService::NewStub(channel_);
  v1::CreateRecordRequest req;
  req.set_zone("example.com");
  req.set_name("www");
  req.set_type("A");
  req.set_value("10.0.0.1");
  v1::Record rec;
  ASSERT_TRUE(stub->CreateRecord(test::call_context("agent").get(), req, &rec).ok());
  EXPECT_FALSE(zones_.last_create.fields.ttl.has_value()) << "absent ttl stays absent";
  EXPECT_EQ(rec.ttl(), 300u);
  req.set_ttl(60);
  ASSERT_TRUE(stub->CreateRecord(test::call_context("agent").get(), req, &rec).ok());
  EXPECT_EQ(zones_.last_create.fields.ttl, 60);
  v1::ListRecordsRequest list;
  list.set_zone("example.com");
  list.set_type("A");
  v1::ListRecordsResponse records;
  ASSERT_TRUE(stub->ListRecords(test::call_context("user").get(), list, &records).ok());
  EXPECT_EQ(records.records_size(), 2);
  EXPECT_FALSE(zones_.last_filter.name.has_value());
  EXPECT_EQ(zones_.last_filter.type, "A");
  v1::GetRecordRequest get;
  get.set_zone("example.com");
  get.set_id(999);
  EXPECT_EQ(stub->GetRecord(test::call_context("user").get(), get, &rec).error_code(), ::grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServerTest, AnUnmappedMethodIsDenied) {
  // The map without SyncService.Watch: the registered service must not be reachable.
  MethodMap without_watch([] {
    std::vector<MethodAccess> m;
    for (const auto& e : MethodMap::standard().methods())
      if (e.method != "/mcns.v1.SyncService/Watch") m.push_back(e);
    return m;
  }());
  start(&without_watch);
  auto sync = v1::SyncService::NewStub(channel_);
  v1::WatchEvent ev;
  auto ctx = test::call_context("admin");
  auto reader = sync->Watch(ctx.get(), {});
  while (reader->Read(&ev)) {
  }
  auto status = reader->Finish();
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(status.error_message(), "method /mcns.v1.SyncService/Watch is not available");
  EXPECT_EQ(sync_.calls, 0) << "the handler never ran";

  // A method no service implements is denied before routing, too (not UNIMPLEMENTED).
  ::grpc::GenericStub generic(channel_);
  ::grpc::CompletionQueue cq;
  auto gctx = test::call_context("admin");
  ::grpc::ByteBuffer request, response;
  auto call = generic.PrepareUnaryCall(gctx.get(), "/mcns.v1.ZoneService/DropEverything", request, &cq);
  call->StartCall();
  ::grpc::Status gstatus;
  call->Finish(&response, &gstatus, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(gstatus.error_code(), ::grpc::StatusCode::PERMISSION_DENIED);
  auto counted = seen();
  ASSERT_FALSE(counted.empty());
  EXPECT_EQ(counted.back().first, "unmapped") << "client-chosen names never become metric labels";
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST_F(GrpcServerTest, TheWatchEntryOnlyAuthenticates) {
  start();
  auto sync = v1::SyncService::NewStub(channel_);
  v1::WatchEvent ev;
  auto anonymous = test::call_context();
  auto r1 = sync->Watch(anonymous.get(), {});
  while (r1->Read(&ev)) {
  }
  EXPECT_EQ(r1->Finish().error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  auto user = test::call_context("user");
  auto r2 = sync->Watch(user.get(), {});
  while (r2->Read(&ev)) {
  }
  EXPECT_TRUE(r2->Finish().ok()) << "its own handler decides (authorize_watch)";
  EXPECT_EQ(sync_.calls, 1);
}

TEST_F(GrpcServerTest, EveryCallIsCountedWithItsCode) {
  start();
  auto stub = v1::ZoneService::NewStub(channel_);
  v1::ListZonesResponse res;
  stub->ListZones(test::call_context().get(), {}, &res);
  stub->ListZones(test::call_context("user").get(), {}, &res);
  auto s = seen();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], std::make_pair(std::string("/mcns.v1.ZoneService/ListZones"), StatusCode::kUnauthenticated));
  EXPECT_EQ(s[1], std::make_pair(std::string("/mcns.v1.ZoneService/ListZones"), StatusCode::kOk));
}

TEST_F(GrpcServerTest, ASecondServerOnAPortInUseFailsToStart) {
  start();
  // gRPC binds with SO_REUSEPORT unless told not to; a second control on the same port
  // would then share the first one's connections instead of failing at start-up.
  GrpcServerOptions o;
  o.listen_addr = str_cat("127.0.0.1:", server_->port());
  o.tls_cert = test::test_pki().server_cert;
  o.tls_key = test::test_pki().server_key;
  auto second = GrpcServer::start(o, zones_, authn_);
  EXPECT_FALSE(second.ok());
}

TEST_F(GrpcServerTest, RefusesTls12) {
  start();
  auto s_client = [&](const char* version) {
    std::string cmd = str_cat("timeout 10 openssl s_client ", version, " -alpn h2 -connect 127.0.0.1:", server_->port(),
                              " </dev/null >/dev/null 2>&1");
    return std::system(cmd.c_str());
  };
  EXPECT_NE(s_client("-tls1_2"), 0);
  EXPECT_EQ(s_client("-tls1_3"), 0);
}

}  // namespace
}  // namespace mcns::control::grpcapi
