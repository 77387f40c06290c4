#include "services/control/sync/watch_service.h"

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <set>

#include "common/base/strings.h"
#include "services/control/feed/change_feed.h"
#include "services/control/feed/commit_zone_for_test.h"
#include "services/control/feed/test_support.h"
#include "services/control/store/sync_mapping.h"
#include "services/control/store/test_support.h"
#include "services/control/sync/test_support.h"

namespace mcns::control::sync {
namespace {

using namespace std::chrono_literals;
using testing::WatchOnlyZones;

class WatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { open(feed::FeedOptions{}); }
  std::atomic<std::uint64_t> latest_seen_{0};
  // The reactors ran on gRPC's threads; only the feed thread may have read the store.
  void TearDown() override {
    shutdown();
    if (!recorder_) return;
    EXPECT_LE(recorder_->threads().size(), 1u) << "the store was read outside the feed thread";
  }

  void open(feed::FeedOptions options) {
    auto s = store::Store::open(dir_.file("mcns.db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
    options.on_latest = [this](std::uint64_t v) { latest_seen_ = v; };
    recorder_ = std::make_unique<testing::ThreadRecordingStore>(*store_);
    feed_ = std::make_unique<feed::ChangeFeed>(*recorder_, registry_, options);
    ASSERT_TRUE(feed_->start().ok());
    recorder_->clear();  // start() reads on the caller's thread, before any stream exists
    service_ = std::make_unique<WatchService>(*feed_, zones_, [this](std::string_view authorization)
                                                                   -> StatusOr<auth::Principal> {
      if (authorization.empty()) return unauthenticated("no token");
      std::string token(authorization);
      {
        std::lock_guard lock(revoked_mu_);
        if (revoked_.count(token)) return unauthenticated("invalid or expired token");
      }
      auth::Principal p;
      p.username = token.substr(std::string("Bearer ").size());
      p.account_type = auth::AccountType::kSystem;
      return p;
    });
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = mcns::v1::SyncService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }

  void shutdown() {
    if (!server_) return;
    feed_->stop();
    server_->Shutdown(std::chrono::system_clock::now() + 2s);
    server_.reset();
    feed_.reset();
  }

  std::uint64_t commit_zone(const std::string& name, int records = 0) {
    return testing::commit_zone(*store_, *feed_, name, records);
  }

  struct Stream {
    std::unique_ptr<grpc::ClientContext> ctx = std::make_unique<grpc::ClientContext>();
    std::unique_ptr<grpc::ClientReader<mcns::v1::WatchEvent>> reader;
    mcns::v1::WatchEvent next() {
      mcns::v1::WatchEvent ev;
      if (!reader->Read(&ev)) ev.set_version(~0ull);
      return ev;
    }
  };
  Stream watch(std::uint64_t after, const std::string& account = "mcns-dns",
               std::optional<std::uint64_t> after_chain = std::nullopt) {
    Stream s;
    if (!account.empty()) s.ctx->AddMetadata("authorization", "Bearer " + account);
    s.ctx->set_deadline(std::chrono::system_clock::now() + 20s);
    mcns::v1::WatchRequest req;
    req.set_after_version(after);
    if (after_chain) req.set_after_chain(*after_chain);
    req.set_frontend("test");
    s.reader = stub_->Watch(s.ctx.get(), req);
    return s;
  }
  // Reads a whole snapshot; returns its version and the zone names it carried.
  std::pair<std::uint64_t, std::set<std::string>> read_snapshot(Stream& s, std::size_t* chunks = nullptr) {
    return testing::read_snapshot_stream([&] { return std::optional(s.next()); }, chunks);
  }

  // A series' value in the exposition ("name 3"), -1 when absent.
  double metric_value(const std::string& name) const {
    std::string text = registry_.serialize();
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }

  std::mutex revoked_mu_;
  std::set<std::string> revoked_;  // authorization values the test authenticator refuses (revoked_mu_)
  void revoke(const std::string& authorization) {
    std::lock_guard lock(revoked_mu_);
    revoked_.insert(authorization);
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  metrics::Registry registry_;
  std::unique_ptr<testing::ThreadRecordingStore> recorder_;
  std::unique_ptr<feed::ChangeFeed> feed_;
  WatchOnlyZones zones_;
  std::unique_ptr<WatchService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<mcns::v1::SyncService::Stub> stub_;
};

TEST_F(WatchServiceTest, AFrontendWithTheSameHistoryResumesAndOneWithAnotherGetsASnapshot) {
  commit_zone("a.example");
  commit_zone("b.example");
  commit_zone("c.example");
  auto chain2 = *store_->chain_at(2);
  ASSERT_TRUE(chain2);
  auto snapshots = [&] { return metric_value("mcns_watch_snapshots_total"); };
  const double before = snapshots();

  // Same history at version 2: the next change, with the chain value it brings.
  auto same = watch(2, "mcns-dns", *chain2);
  auto ev = same.next();
  ASSERT_TRUE(ev.has_change()) << ev.DebugString();
  EXPECT_EQ(ev.version(), 3u);
  ASSERT_TRUE(ev.has_chain());
  EXPECT_EQ(ev.chain(), **store_->chain_at(3));
  same.ctx->TryCancel();
  EXPECT_EQ(snapshots(), before);

  // Another history with the same version number (a restored backup): a snapshot,
  // carrying this control's chain value for its version.
  auto other = watch(2, "mcns-dns", *chain2 ^ 1);
  std::size_t chunks = 0;
  auto [version, zones] = read_snapshot(other, &chunks);
  EXPECT_EQ(version, 3u);
  EXPECT_TRUE(zones.contains("c.example"));
  EXPECT_EQ(snapshots(), before + 1);
  other.ctx->TryCancel();

  // A version this control cannot vouch for (compacted before it): a snapshot too.
  ASSERT_TRUE(store_->compact_change_log(1).ok());
  auto compacted = watch(1, "mcns-dns", *chain2);
  auto first = compacted.next();
  EXPECT_TRUE(first.has_snapshot()) << first.DebugString();
  EXPECT_EQ(first.chain(), **store_->chain_at(3));
  compacted.ctx->TryCancel();
}

TEST_F(WatchServiceTest, AStreamWhoseTokenIsRevokedEndsAtTheNextCheck) {
  auto kept = watch(0, "mcns-dns");
  auto revoked = watch(0, "mcns-dns-2");
  read_snapshot(kept);
  read_snapshot(revoked);
  revoke("Bearer mcns-dns-2");
  service_->recheck();
  // The revoked stream ends with the authenticator's verdict; the other one goes on.
  mcns::v1::WatchEvent ev;
  while (revoked.reader->Read(&ev)) {
  }
  auto status = revoked.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
  auto v = commit_zone("after-revoke.example");
  auto next = kept.next();
  EXPECT_TRUE(next.has_change()) << next.DebugString();
  EXPECT_EQ(next.version(), v);
  kept.ctx->TryCancel();
}

TEST_F(WatchServiceTest, SeveralAuthorizationValuesAreRefused) {
  Stream s;
  s.ctx->AddMetadata("authorization", "Bearer mcns-dns");
  s.ctx->AddMetadata("authorization", "Bearer admin");
  s.ctx->set_deadline(std::chrono::system_clock::now() + 20s);
  mcns::v1::WatchRequest req;
  s.reader = stub_->Watch(s.ctx.get(), req);
  mcns::v1::WatchEvent ev;
  EXPECT_FALSE(s.reader->Read(&ev));
  EXPECT_EQ(s.reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(WatchServiceTest, VersionZeroGetsASnapshotThenEveryLaterChangeInOrder) {
  auto stream = watch(0);
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
  EXPECT_TRUE(zones.count("svc.mcp.metacircular.net"));  // the seed
  std::uint64_t a = commit_zone("a.example");
  std::uint64_t b = commit_zone("b.example");
  EXPECT_EQ(b, a + 1);
  for (std::uint64_t want : {a, b}) {
    auto ev = stream.next();
    ASSERT_TRUE(ev.has_change()) << ev.DebugString();
    EXPECT_EQ(ev.version(), want);
  }
  std::uint64_t c = commit_zone("c.example");
  auto ev = stream.next();
  EXPECT_EQ(ev.version(), c);
  EXPECT_EQ(ev.change().ops(0).zone_upsert().name(), "c.example");
}

TEST_F(WatchServiceTest, OnlyAllowedAccountsMayWatch) {
  auto anonymous = watch(0, "");
  mcns::v1::WatchEvent ev;
  EXPECT_FALSE(anonymous.reader->Read(&ev));
  EXPECT_EQ(anonymous.reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto other = watch(0, "metacrypt");
  EXPECT_FALSE(other.reader->Read(&ev));
  auto status = other.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(status.error_message().find("metacrypt"), std::string::npos);
}

TEST_F(WatchServiceTest, StreamsAreCountedAndEndedOnStop) {
  auto one = watch(0);
  auto two = watch(0);
  read_snapshot(one);
  read_snapshot(two);
  EXPECT_EQ(feed_->watcher_count(), 2u);
  EXPECT_NE(registry_.serialize().find("mcns_watch_streams 2"), std::string::npos);
  feed_->stop();
  mcns::v1::WatchEvent ev;
  while (one.reader->Read(&ev)) {
  }
  EXPECT_EQ(one.reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(WatchServiceTest, ACancelledStreamIsRemoved) {
  {
    auto one = watch(0);
    read_snapshot(one);
    EXPECT_EQ(feed_->watcher_count(), 1u);
    one.ctx->TryCancel();
    mcns::v1::WatchEvent ev;
    while (one.reader->Read(&ev)) {
    }
    one.reader->Finish();
  }
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (feed_->watcher_count() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(feed_->watcher_count(), 0u);
}

}  // namespace
}  // namespace mcns::control::sync
