#include "services/control/feed/change_feed.h"

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <set>

#include "common/base/strings.h"
#include "services/control/feed/watch_service.h"
#include "services/control/store/test_support.h"

namespace mcns::control::feed {
namespace {

using namespace std::chrono_literals;

// Only authorize_watch matters here; the rest of the interface is not used by the feed.
class WatchOnlyZones final : public domain::ZoneService {
 public:
  Status authorize_watch(const auth::Principal& who) override {
    if (who.username.starts_with("mcns-dns") || who.is_admin()) return ok_status();
    return permission_denied(str_cat("account ", who.username, " may not open the watch stream"));
  }
  StatusOr<std::vector<domain::Zone>> list_zones(const auth::Principal&) override { return unimplemented("x"); }
  StatusOr<domain::Zone> get_zone(const auth::Principal&, std::string_view) override { return unimplemented("x"); }
  StatusOr<domain::Zone> create_zone(const auth::Principal&, const domain::CreateZone&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Zone> update_zone(const auth::Principal&, const domain::UpdateZone&) override {
    return unimplemented("x");
  }
  Status delete_zone(const auth::Principal&, std::string_view, domain::ExpectedSerial) override {
    return unimplemented("x");
  }
  StatusOr<std::vector<domain::Record>> list_records(const auth::Principal&, const domain::RecordFilter&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Record> get_record(const auth::Principal&, std::string_view, std::int64_t) override {
    return unimplemented("x");
  }
  StatusOr<domain::Record> create_record(const auth::Principal&, const domain::CreateRecord&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Record> update_record(const auth::Principal&, const domain::UpdateRecord&) override {
    return unimplemented("x");
  }
  Status delete_record(const auth::Principal&, std::string_view, std::int64_t, domain::ExpectedSerial) override {
    return unimplemented("x");
  }
  StatusOr<std::vector<domain::Change>> list_changes(const auth::Principal&, const domain::HistoryQuery&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Change> rollback(const auth::Principal&, const domain::Rollback&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Change> apply_changes(const auth::Principal&, const domain::ChangeRequest&) override {
    return unimplemented("x");
  }
  StatusOr<std::uint64_t> latest_version() override { return unimplemented("x"); }
};

class FeedTest : public ::testing::Test {
 protected:
  void SetUp() override { open(FeedOptions{}); }
  std::atomic<std::uint64_t> latest_seen_{0};
  void TearDown() override { shutdown(); }

  void open(FeedOptions options) {
    auto s = store::Store::open(dir_.file("mcns.db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
    options.on_latest = [this](std::uint64_t v) { latest_seen_ = v; };
    feed_ = std::make_unique<ChangeFeed>(*store_, registry_, options);
    ASSERT_TRUE(feed_->start().ok());
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

  // Commits one zone creation (one change-log row) and tells the feed, as the domain does.
  std::uint64_t commit_zone(const std::string& name, int records = 0) {
    auto v = store_->write(
        [&](store::WriteTx& tx) -> Status {
          domain::Zone z;
          z.name = name;
          z.primary_ns = "ns." + name + ".";
          z.admin_email = "hostmaster." + name + ".";
          z.serial = 2026112901;
          MCNS_ASSIGN_OR_RETURN(z.id, tx.insert_zone(z));
          mcns::v1::Change change;
          *change.add_ops()->mutable_zone_upsert() = store::to_sync_zone(z);
          for (int i = 0; i < records; ++i) {
            domain::Record r;
            r.zone_id = z.id;
            r.name = str_cat("host", i);
            r.type = "A";
            r.value = str_cat("10.0.", i / 256, ".", i % 256);
            MCNS_ASSIGN_OR_RETURN(r.id, tx.insert_record(r));
            auto* op = change.add_ops()->mutable_record_add();
            op->set_zone(name);
            *op->mutable_record() = store::to_sync_record(r);
          }
          return tx.append_change(name, change, domain::Timestamp{}, {}).status();
        },
        [&](std::uint64_t version) { feed_->notify(version); });
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : 0;
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
    std::set<std::string> zones;
    std::uint64_t version = 0;
    std::size_t n = 0;
    while (true) {
      auto ev = s.next();
      EXPECT_TRUE(ev.has_snapshot()) << ev.DebugString();
      if (!ev.has_snapshot()) break;
      EXPECT_EQ(ev.snapshot().first(), n == 0);
      version = ev.version();
      for (const auto& z : ev.snapshot().zones()) zones.insert(z.zone().name());
      ++n;
      if (ev.snapshot().last()) break;
    }
    if (chunks) *chunks = n;
    return {version, zones};
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
  std::unique_ptr<ChangeFeed> feed_;
  WatchOnlyZones zones_;
  std::unique_ptr<WatchService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<mcns::v1::SyncService::Stub> stub_;
};

TEST(SnapshotEventsTest, ChunksSplitZonesAndRepeatTheirHeader) {
  store::Snapshot snap;
  snap.version = 9;
  for (const char* name : {"a.example", "b.example"}) {
    store::ZoneContents zc;
    zc.zone.name = name;
    for (int i = 0; i < 3; ++i) {
      domain::Record r;
      r.name = str_cat("h", i);
      r.type = "A";
      r.value = "10.0.0.1";
      zc.records.push_back(r);
    }
    snap.zones.push_back(zc);
  }
  auto events = make_snapshot_events(snap, 2);
  ASSERT_EQ(events->size(), 3u);  // 6 records, 2 per chunk
  EXPECT_EQ(events->records(), 6u);
  EXPECT_TRUE(events->at(0)->snapshot().first());
  EXPECT_EQ(events->at(0)->snapshot().total_records(), 6u);
  EXPECT_FALSE(events->at(1)->snapshot().first());
  EXPECT_TRUE(events->at(2)->snapshot().last());
  // The middle chunk holds the end of a.example and the start of b.example.
  ASSERT_EQ(events->at(1)->snapshot().zones_size(), 2);
  EXPECT_EQ(events->at(1)->snapshot().zones(0).zone().name(), "a.example");
  EXPECT_EQ(events->at(1)->snapshot().zones(1).zone().name(), "b.example");
  for (std::size_t i = 0; i < events->size(); ++i) EXPECT_EQ(events->at(i)->version(), 9u);
  EXPECT_TRUE(events->complete());

  auto empty = make_snapshot_events(store::Snapshot{}, 2);
  ASSERT_EQ(empty->size(), 1u);
  EXPECT_TRUE(empty->at(0)->snapshot().first());
  EXPECT_TRUE(empty->at(0)->snapshot().last());
}

TEST_F(FeedTest, AFrontendWithTheSameHistoryResumesAndOneWithAnotherGetsASnapshot) {
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

TEST_F(FeedTest, AStreamWhoseTokenIsRevokedEndsAtTheNextCheck) {
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

TEST_F(FeedTest, SeveralAuthorizationValuesAreRefused) {
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

TEST_F(FeedTest, VersionZeroGetsASnapshotThenEveryLaterChangeInOrder) {
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

TEST_F(FeedTest, ChangesCommittedByAnotherProcessAreFound) {
  auto stream = watch(0);
  read_snapshot(stream);
  // A second store on the same file, as `mcns-control import` would be: no notify().
  auto other = store::Store::open(dir_.file("mcns.db"));
  ASSERT_TRUE(other.ok());
  auto v = (*other)->write([&](store::WriteTx& tx) -> Status {
    domain::Zone z;
    z.name = "imported.example";
    z.primary_ns = "ns.imported.example.";
    z.admin_email = "hostmaster.imported.example.";
    MCNS_ASSIGN_OR_RETURN(z.id, tx.insert_zone(z));
    mcns::v1::Change change;
    *change.add_ops()->mutable_zone_upsert() = store::to_sync_zone(z);
    return tx.append_change(z.name, change, domain::Timestamp{}, {}).status();
  });
  ASSERT_TRUE(v.ok());
  auto ev = stream.next();
  ASSERT_TRUE(ev.has_change()) << ev.DebugString();
  EXPECT_EQ(ev.version(), *v);
  EXPECT_EQ(latest_seen_.load(), *v) << "on_latest tells the store-version gauge about it too";
}

TEST_F(FeedTest, ARecentVersionGetsOnlyTheLaterChanges) {
  std::uint64_t a = commit_zone("a.example");
  std::uint64_t b = commit_zone("b.example");
  auto stream = watch(a);
  auto ev = stream.next();
  ASSERT_TRUE(ev.has_change()) << ev.DebugString();
  EXPECT_EQ(ev.version(), b);
  EXPECT_EQ(ev.change().ops(0).zone_upsert().name(), "b.example");
}

TEST_F(FeedTest, ACompactedVersionGetsASnapshot) {
  std::uint64_t a = commit_zone("a.example");
  commit_zone("b.example");
  commit_zone("c.example");
  ASSERT_TRUE(store_->compact_change_log(1).ok());
  auto stream = watch(a);
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
  EXPECT_TRUE(zones.count("c.example"));
}

TEST_F(FeedTest, AVersionAheadOfTheControlGetsASnapshot) {
  auto stream = watch(feed_->latest() + 100);  // e.g. a database restored from an older backup
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
}

TEST_F(FeedTest, BigZonesArriveInChunks) {
  shutdown();
  FeedOptions options;
  options.snapshot_chunk_records = 100;
  open(options);
  commit_zone("big.example", 1000);
  auto stream = watch(0);
  std::size_t chunks = 0;
  auto [version, zones] = read_snapshot(stream, &chunks);
  EXPECT_GE(chunks, 10u);
  EXPECT_TRUE(zones.count("big.example"));
}

TEST_F(FeedTest, AWatcherTooFarBehindGetsASnapshotInsteadOfAReplay) {
  shutdown();
  FeedOptions options;
  options.max_replay = 3;
  open(options);
  std::uint64_t first = commit_zone("z0.example");
  for (int i = 1; i < 6; ++i) commit_zone(str_cat("z", i, ".example"));
  auto stream = watch(first);
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
  EXPECT_EQ(zones.count("z5.example"), 1u);
}

TEST_F(FeedTest, IdleStreamsGetHeartbeatsWithTheirVersion) {
  shutdown();
  FeedOptions options;
  options.heartbeat_interval = 100ms;
  open(options);
  auto stream = watch(0);
  auto [version, zones] = read_snapshot(stream);
  auto ev = stream.next();
  ASSERT_TRUE(ev.has_heartbeat()) << ev.DebugString();
  EXPECT_EQ(ev.version(), version);
}

TEST_F(FeedTest, OnlyAllowedAccountsMayWatch) {
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

TEST_F(FeedTest, StreamsAreCountedAndEndedOnStop) {
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

TEST_F(FeedTest, ACancelledStreamIsRemoved) {
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
}  // namespace mcns::control::feed
