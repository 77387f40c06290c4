#include "services/dns-frontend/watch/watch_client.h"

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>

#include <unistd.h>

#include "common/base/strings.h"
#include "mcns/v1/sync.grpc.pb.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/watch/sync_messages_for_test.h"

namespace mcns::frontend::watch {
namespace {

using namespace std::chrono_literals;

// A scripted SyncService: each Watch call records its request and metadata, then writes
// whatever the test queues until the test ends the stream (or the client cancels).
class FakeSync final : public mcns::v1::SyncService::Service {
 public:
  grpc::Status Watch(grpc::ServerContext* ctx, const mcns::v1::WatchRequest* req,
                     grpc::ServerWriter<mcns::v1::WatchEvent>* writer) override {
    std::unique_lock lock(mu_);
    requests_.push_back(*req);
    auto auth = ctx->client_metadata().find("authorization");
    tokens_.emplace_back(auth == ctx->client_metadata().end() ? "" : std::string(auth->second.data(), auth->second.size()));
    if (deny_) return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "account not allowed to watch");
    std::size_t stream = ++streams_;
    cv_.notify_all();
    while (!ctx->IsCancelled()) {
      if (end_stream_ >= stream) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "control going away");
      if (!queue_.empty()) {
        auto ev = queue_.front();
        queue_.pop_front();
        lock.unlock();
        bool ok = writer->Write(ev);
        lock.lock();
        if (!ok) break;
        continue;
      }
      cv_.wait_for(lock, 20ms);
    }
    return grpc::Status::OK;
  }

  void push(mcns::v1::WatchEvent ev) {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(ev));
    cv_.notify_all();
  }
  void end_current_stream() {
    std::lock_guard lock(mu_);
    end_stream_ = streams_;
    cv_.notify_all();
  }
  void set_deny(bool d) {
    std::lock_guard lock(mu_);
    deny_ = d;
  }
  bool wait_streams(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return streams_ >= n; });
  }
  std::vector<mcns::v1::WatchRequest> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  std::vector<std::string> tokens() {
    std::lock_guard lock(mu_);
    return tokens_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<mcns::v1::WatchEvent> queue_;
  std::vector<mcns::v1::WatchRequest> requests_;
  std::vector<std::string> tokens_;
  std::size_t streams_ = 0;
  std::size_t end_stream_ = 0;
  bool deny_ = false;
};

using testing::sync_zone;
mcns::v1::SyncRecord a_record(std::int64_t id, const std::string& name, const std::string& addr) {
  return testing::sync_record(id, name, "A", addr);
}

mcns::v1::WatchEvent snapshot_chunk(std::uint64_t version, bool first, bool last,
                                    std::vector<std::pair<std::string, std::vector<mcns::v1::SyncRecord>>> zones) {
  mcns::v1::WatchEvent ev;
  ev.set_version(version);
  auto* chunk = ev.mutable_snapshot();
  chunk->set_first(first);
  chunk->set_last(last);
  for (auto& [name, records] : zones) {
    auto* zd = chunk->add_zones();
    *zd->mutable_zone() = sync_zone(name, static_cast<std::uint32_t>(version));
    for (auto& r : records) *zd->add_records() = r;
  }
  return ev;
}

mcns::v1::WatchEvent add_change(std::uint64_t version, const std::string& zone, mcns::v1::SyncRecord r) {
  mcns::v1::WatchEvent ev;
  ev.set_version(version);
  auto* op = ev.mutable_change()->add_ops()->mutable_record_add();
  op->set_zone(zone);
  *op->mutable_record() = std::move(r);
  return ev;
}

mcns::v1::WatchEvent heartbeat(std::uint64_t version) {
  mcns::v1::WatchEvent ev;
  ev.set_version(version);
  ev.mutable_heartbeat();
  return ev;
}

// Builds a query, runs it through the snapshot, returns the rcode and the answer count.
std::pair<int, int> ask(zone::SnapshotHolder& holder, const std::string& name) {
  std::vector<std::uint8_t> q = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  for (auto label : split(name, '.')) {
    q.push_back(static_cast<std::uint8_t>(label.size()));
    q.insert(q.end(), label.begin(), label.end());
  }
  q.insert(q.end(), {0, 0, 1, 0, 1});
  std::array<std::uint8_t, 1232> out{};
  auto set = holder.load();
  auto r = process_query(*set, q, out, Transport::kUdp, false);
  if (r.action != QueryAction::kRespond) return {-1, 0};
  return {out[3] & 0x0f, (out[6] << 8) | out[7]};
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

class WatchClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    // Unique per test and process: ctest runs the cases of this binary in parallel.
    token_path_ = std::filesystem::path(::testing::TempDir()) /
                  str_cat("watch_token_", ::testing::UnitTest::GetInstance()->current_test_info()->name(), "_", getpid());
    std::ofstream(token_path_) << "secret-token\n";
  }
  void TearDown() override {
    if (client_) client_->stop();
    std::filesystem::remove(token_path_);
    server_->Shutdown(std::chrono::system_clock::now() + 1s);
  }
  void start(WatchOptions options = {}, std::vector<std::string> zone_files = {}) {
    options.token_file = token_path_.string();
    options.backoff_initial = 20ms;
    options.backoff_max = 200ms;
    ASSERT_TRUE(catalog_.load_files(zone_files).ok());
    client_ = std::make_unique<WatchClient>(options, catalog_);
    client_->set_channel_for_test(server_->InProcessChannel(grpc::ChannelArguments()));
    client_->start();
  }

  FakeSync fake_;
  std::unique_ptr<grpc::Server> server_;
  std::filesystem::path token_path_;
  // A zone file for files.example, in the test's temp dir.
  std::string files_zone() {
    auto path = std::filesystem::path(::testing::TempDir()) / str_cat("files.example.zone.", getpid());
    std::ofstream(path) << "$ORIGIN files.example.\n$TTL 300\n"
                           "@ SOA ns.files.example. hostmaster.files.example. 1 3600 600 86400 300\n"
                           "@ NS ns.files.example.\nns A 10.9.9.9\n";
    return path.string();
  }

  zone::SnapshotHolder holder_;
  zonesrc::ZoneCatalog catalog_{holder_, true};
  metrics::Registry registry_;
  std::unique_ptr<WatchClient> client_;
};

TEST_F(WatchClientTest, NotReadyUntilTheFirstSnapshotThenFollowsChanges) {
  start();
  ASSERT_TRUE(fake_.wait_streams(1));
  EXPECT_EQ(fake_.requests()[0].after_version(), 0u);
  EXPECT_EQ(fake_.tokens()[0], "Bearer secret-token");
  EXPECT_FALSE(client_->state().ready);
  EXPECT_EQ(ask(holder_, "www.example.com").first, 5);  // REFUSED before the snapshot

  // A snapshot in two chunks: one zone spread over both.
  fake_.push(snapshot_chunk(7, true, false, {{"example.com", {a_record(1, "www", "10.0.0.1")}}}));
  fake_.push(snapshot_chunk(7, false, true, {{"example.com", {a_record(2, "db", "10.0.0.2")}}}));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 7; }));
  EXPECT_TRUE(client_->state().ready);
  EXPECT_TRUE(client_->state().connected);
  EXPECT_EQ(ask(holder_, "www.example.com"), std::make_pair(0, 1));
  EXPECT_EQ(ask(holder_, "db.example.com"), std::make_pair(0, 1));
  EXPECT_EQ(ask(holder_, "new.example.com").first, 3);  // NXDOMAIN

  fake_.push(add_change(8, "example.com", a_record(3, "new", "10.0.0.3")));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 8; }));
  EXPECT_EQ(ask(holder_, "new.example.com"), std::make_pair(0, 1));
  catalog_.register_metrics(registry_);
  EXPECT_NE(registry_.serialize().find("mcns_sync_version 8"), std::string::npos) << registry_.serialize();
  EXPECT_NE(registry_.serialize().find("mcns_sync_connected 1"), std::string::npos);
  EXPECT_EQ(catalog_.version(), 8u);
  EXPECT_TRUE(catalog_.ready());
}

TEST_F(WatchClientTest, AGapMakesItReconnectFromItsLastVersion) {
  start();
  ASSERT_TRUE(fake_.wait_streams(1));
  fake_.push(snapshot_chunk(3, true, true, {{"example.com", {}}}));
  fake_.push(add_change(5, "example.com", a_record(1, "skipped", "10.0.0.9")));  // 4 is missing
  ASSERT_TRUE(fake_.wait_streams(2));
  EXPECT_EQ(fake_.requests()[1].after_version(), 3u);
  EXPECT_EQ(client_->state().version, 3u);
  EXPECT_EQ(ask(holder_, "skipped.example.com").first, 3);
  EXPECT_NE(client_->state().last_error.find("version gap"), std::string::npos) << client_->state().last_error;
}

TEST_F(WatchClientTest, ItResumesWithTheChainValueOfItsVersion) {
  start();
  ASSERT_TRUE(fake_.wait_streams(1));
  EXPECT_FALSE(fake_.requests()[0].has_after_chain());  // nothing applied yet
  auto snap = snapshot_chunk(3, true, true, {{"example.com", {}}});
  snap.set_chain(0x1111);
  fake_.push(snap);
  auto change = add_change(4, "example.com", a_record(1, "www", "10.0.0.1"));
  change.set_chain(0x2222);
  fake_.push(change);
  ASSERT_TRUE(eventually([&] { return client_->state().version == 4; }));
  EXPECT_EQ(client_->state().chain, std::optional<std::uint64_t>(0x2222));
  fake_.end_current_stream();
  ASSERT_TRUE(fake_.wait_streams(2));
  EXPECT_EQ(fake_.requests()[1].after_version(), 4u);
  ASSERT_TRUE(fake_.requests()[1].has_after_chain());
  EXPECT_EQ(fake_.requests()[1].after_chain(), 0x2222u);
  // A control of the first release sends no chain: the frontend sends none back.
  fake_.push(add_change(5, "example.com", a_record(2, "db", "10.0.0.2")));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 5; }));
  fake_.end_current_stream();
  ASSERT_TRUE(fake_.wait_streams(3));
  EXPECT_FALSE(fake_.requests()[2].has_after_chain());
}

TEST_F(WatchClientTest, AChangeThatCannotBeAppliedIsReportedAndAsksForASnapshot) {
  start();
  ASSERT_TRUE(fake_.wait_streams(1));
  fake_.push(snapshot_chunk(3, true, true, {{"example.com", {a_record(1, "www", "10.0.0.1")}}}));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 3; }));
  fake_.push(add_change(4, "example.com", a_record(2, "bad", "not-an-address")));
  ASSERT_TRUE(fake_.wait_streams(2));
  EXPECT_EQ(fake_.requests()[1].after_version(), 0u) << "a full snapshot, not the same change again";
  EXPECT_EQ(client_->state().version, 3u);
  EXPECT_EQ(ask(holder_, "www.example.com"), std::make_pair(0, 1));  // still serving
  EXPECT_NE(catalog_.readyz_json().find("\"apply_error\":\"change 4: "), std::string::npos) << catalog_.readyz_json();
  catalog_.register_metrics(registry_);
  EXPECT_NE(registry_.serialize().find("mcns_sync_apply_errors_total 1"), std::string::npos) << registry_.serialize();
  // A good snapshot clears the report.
  fake_.push(snapshot_chunk(4, true, true, {{"example.com", {a_record(1, "www", "10.0.0.1")}}}));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 4; }));
  EXPECT_EQ(catalog_.readyz_json().find("apply_error"), std::string::npos) << catalog_.readyz_json();
}

TEST_F(WatchClientTest, AHeartbeatAheadOfItMeansAMissedChange) {
  start();
  ASSERT_TRUE(fake_.wait_streams(1));
  fake_.push(snapshot_chunk(3, true, true, {{"example.com", {}}}));
  fake_.push(heartbeat(3));  // in step: fine
  fake_.push(heartbeat(4));  // ahead: resync
  ASSERT_TRUE(fake_.wait_streams(2));
  EXPECT_EQ(fake_.requests()[1].after_version(), 3u);
}

TEST_F(WatchClientTest, KeepsServingWhileDisconnectedAndResumes) {
  start();
  ASSERT_TRUE(fake_.wait_streams(1));
  fake_.push(snapshot_chunk(10, true, true, {{"example.com", {a_record(1, "www", "10.0.0.1")}}}));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 10; }));
  fake_.set_deny(true);  // the control comes back unwilling for a while
  fake_.end_current_stream();
  ASSERT_TRUE(eventually([&] { return !client_->state().connected; }));
  EXPECT_EQ(ask(holder_, "www.example.com"), std::make_pair(0, 1));  // stale, never empty
  EXPECT_TRUE(eventually([&] { return client_->state().last_error.find("PERMISSION_DENIED") != std::string::npos; }));
  fake_.set_deny(false);
  ASSERT_TRUE(eventually([&] { return client_->state().connected || fake_.requests().size() >= 3; }));
  fake_.push(add_change(11, "example.com", a_record(2, "later", "10.0.0.2")));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 11; }));
  EXPECT_EQ(fake_.requests().back().after_version(), 10u);
  EXPECT_EQ(ask(holder_, "later.example.com"), std::make_pair(0, 1));
}

TEST_F(WatchClientTest, ASnapshotReplacesEverythingButFileZones) {
  start({}, {files_zone()});
  ASSERT_TRUE(fake_.wait_streams(1));
  fake_.push(snapshot_chunk(1, true, true, {{"old.example", {}}}));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 1; }));
  fake_.push(snapshot_chunk(2, true, true, {{"new.example", {}}}));
  ASSERT_TRUE(eventually([&] { return client_->state().version == 2; }));
  auto set = holder_.load();
  EXPECT_EQ(set->find_zone("old.example"), nullptr);
  EXPECT_NE(set->find_zone("new.example"), nullptr);
  EXPECT_NE(set->find_zone("files.example"), nullptr);
}

TEST_F(WatchClientTest, AFileZoneInTheFirstSnapshotIsFatal) {
  std::promise<Status> fatal;
  WatchOptions options;
  options.on_fatal = [&](const Status& s) { fatal.set_value(s); };
  start(options, {files_zone()});
  ASSERT_TRUE(fake_.wait_streams(1));
  fake_.push(snapshot_chunk(1, true, true, {{"files.example", {}}}));
  auto f = fatal.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get().code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(client_->state().ready);
}

TEST_F(WatchClientTest, ASilentStreamIsReconnected) {
  WatchOptions options;
  options.heartbeat_timeout = 200ms;
  start(options);
  ASSERT_TRUE(fake_.wait_streams(2));  // the first went silent and was cancelled
}

TEST_F(WatchClientTest, AMissingTokenFileIsReported) {
  std::filesystem::remove(token_path_);
  WatchOptions options;
  options.token_file = token_path_.string();
  client_ = std::make_unique<WatchClient>(options, catalog_);
  client_->set_channel_for_test(server_->InProcessChannel(grpc::ChannelArguments()));
  client_->start();
  EXPECT_TRUE(eventually([&] { return client_->state().last_error.find(token_path_.string()) != std::string::npos; }));
  EXPECT_FALSE(client_->state().ready);
}

}  // namespace
}  // namespace mcns::frontend::watch
