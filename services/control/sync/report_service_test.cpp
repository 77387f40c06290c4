#include "services/control/sync/report_service.h"

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics/metrics.h"
#include "services/control/feed/change_feed.h"
#include "services/control/feed/fleet.h"
#include "services/control/store/test_support.h"
#include "services/control/sync/test_support.h"
#include "services/control/sync/watch_service.h"

namespace mcns::control::sync {
namespace {

using namespace std::chrono_literals;

// SyncService as mcns-control registers it, in process: a token "Bearer <account>" is
// that account.
class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::Store::open(dir_.file("mcns.db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
    feed_ = std::make_unique<feed::ChangeFeed>(*store_, registry_);
    ASSERT_TRUE(feed_->start().ok());
    auto authenticate = [](std::string_view authorization) -> StatusOr<auth::Principal> {
      if (!authorization.starts_with("Bearer ")) return unauthenticated("no token");
      auth::Principal p;
      p.username = std::string(authorization.substr(7));
      p.account_type = auth::AccountType::kSystem;
      return p;
    };
    watch_ = std::make_unique<WatchService>(*feed_, zones_, authenticate);
    rpc_ = std::make_unique<SyncRpc>(*watch_, fleet_, zones_, authenticate);
    grpc::ServerBuilder builder;
    builder.RegisterService(rpc_.get());
    server_ = builder.BuildAndStart();
    stub_ = mcns::v1::SyncService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    feed_->stop();
    server_->Shutdown(std::chrono::system_clock::now() + 2s);
  }

  // Waits until the registry lists `name` at `version`.
  bool listed(const std::string& name, std::uint64_t version) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (const auto& f : fleet_.list())
        if (f.name == name && f.version == version && f.reports && f.connected) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  metrics::Registry registry_;
  std::unique_ptr<feed::ChangeFeed> feed_;
  testing::WatchOnlyZones zones_;
  feed::FleetRegistry fleet_;
  std::unique_ptr<WatchService> watch_;
  std::unique_ptr<SyncRpc> rpc_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<mcns::v1::SyncService::Stub> stub_;
};

TEST_F(ReportTest, ReportsMoveTheFrontendsVersionInTheFleet) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer mcns-dns");
  mcns::v1::ReportAck ack;
  auto writer = stub_->Report(&ctx, &ack);
  mcns::v1::FrontendReport report;
  report.set_name("rift");
  report.set_version(3);
  ASSERT_TRUE(writer->Write(report));
  EXPECT_TRUE(listed("rift", 3));
  report.set_version(4);
  ASSERT_TRUE(writer->Write(report));
  EXPECT_TRUE(listed("rift", 4));
  ASSERT_TRUE(writer->WritesDone());
  EXPECT_TRUE(writer->Finish().ok());
  // Closed (when the server's reactor is done): kept a while as disconnected.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::vector<feed::FrontendInfo> all = fleet_.list();
  while (!all.empty() && all[0].connected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    all = fleet_.list();
  }
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].connected);
  EXPECT_EQ(all[0].version, 4u);
}

TEST_F(ReportTest, ReportsAreAuthorizedAsWatch) {
  struct Case {
    const char* authorization;
    grpc::StatusCode want;
  };
  for (const Case& c : {Case{"", grpc::StatusCode::UNAUTHENTICATED},
                        Case{"Bearer metacrypt", grpc::StatusCode::PERMISSION_DENIED}}) {
    grpc::ClientContext ctx;
    if (*c.authorization) ctx.AddMetadata("authorization", c.authorization);
    mcns::v1::ReportAck ack;
    auto writer = stub_->Report(&ctx, &ack);
    mcns::v1::FrontendReport report;
    report.set_name("intruder");
    writer->Write(report);  // may fail: the call is already finished
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), c.want) << c.authorization;
  }
  grpc::ClientContext twice;
  twice.AddMetadata("authorization", "Bearer mcns-dns");
  twice.AddMetadata("authorization", "Bearer admin");
  mcns::v1::ReportAck ack;
  auto writer = stub_->Report(&twice, &ack);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(fleet_.list().empty());
}

}  // namespace
}  // namespace mcns::control::sync
