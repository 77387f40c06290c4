// Change control (SPEC 14) with real processes: history, rollback, conditional writes,
// batches and write-and-wait, through REST and gRPC against a real mcns-control and real
// mcns-dns frontends that are asked with DNS after each step.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <latch>
#include <thread>
#include <tuple>

#include "common/base/strings.h"
#include "common/grpcutil/grpcutil.h"
#include "mcns/v1/change.grpc.pb.h"
#include "mcns/v1/record.grpc.pb.h"
#include "mcns/v1/zone.grpc.pb.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/sync/sync_fixture.h"

namespace mcns::test::sync {
namespace {

using RecordSet = std::set<std::tuple<std::string, std::string, std::string, std::uint32_t>>;

class ChangesTest : public SyncTest {
 protected:
  void SetUp() override {
    SyncTest::SetUp();
    if (HasFatalFailure()) return;
    auto creds = grpcutil::channel_credentials(test_pki().ca_cert);
    ASSERT_TRUE(creds.ok());
    channel_ = grpc::CreateChannel(control_->grpc_target(), *creds);
    changes_ = mcns::v1::ChangeService::NewStub(channel_);
    records_ = mcns::v1::RecordService::NewStub(channel_);
    zones_ = mcns::v1::ZoneService::NewStub(channel_);
  }

  std::unique_ptr<grpc::ClientContext> context(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", str_cat("Bearer ", token));
    ctx->set_deadline(std::chrono::system_clock::now() + 30s);
    return ctx;
  }

  std::string path(const std::string& zone, const std::string& rest = "") {
    return str_cat("/v1/zones/", zone, rest);
  }
  std::uint32_t serial(const std::string& zone = kZone) {
    return rest_->get(path(zone), admin_token_).json()["Serial"].get<std::uint32_t>();
  }
  RecordSet records(const std::string& zone = kZone) {
    RecordSet out;
    auto body = rest_->get(path(zone, "/records"), admin_token_).json();
    for (const auto& r : body["records"])
      out.emplace(r["Name"].get<std::string>(), r["Type"].get<std::string>(), r["Value"].get<std::string>(),
                  r["TTL"].get<std::uint32_t>());
    return out;
  }
  nlohmann::json history(const std::string& zone, std::uint32_t after_serial) {
    auto reply = rest_->get(path(zone, str_cat("/changes?after_serial=", after_serial)), admin_token_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json()["changes"];
  }
  RestReply post_record(const std::string& name, const std::string& value, const std::string& query = "",
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    nlohmann::json body{{"name", name}, {"type", "A"}, {"value", value}, {"ttl", 300}};
    return rest_->send("POST", path(kZone, "/records" + query), admin_token_, body.dump(), std::move(headers));
  }
  std::string fqdn(const std::string& name) { return str_cat(name, ".", kZone); }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<mcns::v1::ChangeService::Stub> changes_;
  std::unique_ptr<mcns::v1::RecordService::Stub> records_;
  std::unique_ptr<mcns::v1::ZoneService::Stub> zones_;
};

TEST_F(ChangesTest, HistoryShowsEveryWayInWithItsUserAndSurvivesARestart) {
  const std::uint32_t before = serial();
  ASSERT_EQ(create("h-rest", "A", "10.5.0.1").status, 201);
  // A system account on its own name, through REST.
  ASSERT_EQ(rest_->post(path(kZone, "/records"),
                        nlohmann::json{{"name", "metacrypt"}, {"type", "A"}, {"value", "10.5.0.2"}}, other_token_)
                .status,
            201);
  {
    mcns::v1::CreateRecordRequest req;
    req.set_zone(kZone);
    req.set_name("h-grpc");
    req.set_type("A");
    req.set_value("10.5.0.3");
    mcns::v1::Record out;
    auto ctx = context(admin_token_);
    ASSERT_TRUE(records_->CreateRecord(ctx.get(), req, &out).ok());
  }
  const std::uint32_t before_import = serial();
  {
    auto zone_file = rest_->get(path(kZone, "/export"), admin_token_);
    ASSERT_EQ(zone_file.status, 200);
    mcns::v1::ImportZoneRequest req;
    req.set_zone(kZone);
    req.set_zone_file(zone_file.body + "h-import 300 IN A 10.5.0.4\n");
    mcns::v1::ImportZoneResponse out;
    auto ctx = context(admin_token_);
    auto s = zones_->ImportZone(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  auto rolled = rest_->post(path(kZone, "/rollback"), nlohmann::json{{"to_serial", before_import}}, admin_token_);
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  EXPECT_EQ(rolled.json()["Via"], "rollback");

  const std::vector<std::pair<std::string, std::string>> want = {
      {"admin", "rest"}, {"metacrypt", "rest"}, {"admin", "grpc"}, {"admin", "import"}, {"admin", "rollback"}};
  auto check = [&](const nlohmann::json& changes) {
    ASSERT_EQ(changes.size(), want.size()) << changes.dump();
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(changes[i]["User"], want[i].first) << i << changes.dump();
      EXPECT_EQ(changes[i]["Via"], want[i].second) << i << changes.dump();
      EXPECT_EQ(changes[i]["Serial"], before + 1 + i);
      EXPECT_TRUE(changes[i]["Time"].get<std::string>().ends_with("Z"));
      EXPECT_EQ(changes[i]["Ops"][0]["Op"], "zone");
    }
    EXPECT_EQ(changes[0]["Ops"][1]["Op"], "add");
    EXPECT_EQ(changes[0]["Ops"][1]["Record"]["Value"], "10.5.0.1");
    EXPECT_EQ(changes[4]["Ops"][1]["Op"], "remove");
    EXPECT_EQ(changes[4]["Ops"][1]["Record"]["Name"], "h-import");
  };
  auto seen = history(kZone, before);
  check(seen);
  // limit keeps the first K after after_serial.
  auto limited = rest_->get(path(kZone, str_cat("/changes?after_serial=", before, "&limit=2")), admin_token_).json();
  ASSERT_EQ(limited["changes"].size(), 2u);
  EXPECT_EQ(limited["changes"][1]["Version"], seen[1]["Version"]);
  // A reader (the frontend's account reads zones too) may list it; gRPC gives the same.
  EXPECT_EQ(rest_->get(path(kZone, "/changes"), other_token_).status, 200);
  {
    mcns::v1::ListChangesRequest req;
    req.set_zone(kZone);
    req.set_after_serial(before);
    mcns::v1::ListChangesResponse out;
    auto ctx = context(admin_token_);
    ASSERT_TRUE(changes_->ListChanges(ctx.get(), req, &out).ok());
    ASSERT_EQ(out.changes_size(), 5);
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(out.changes(i).via(), want[i].second);
      EXPECT_EQ(out.changes(i).version(), seen[i]["Version"].get<std::uint64_t>());
    }
  }
  EXPECT_EQ(rest_->get(path(kZone, "/changes?limit=x"), admin_token_).status, 400);
  EXPECT_EQ(rest_->get(path("nope.example", "/changes"), admin_token_).status, 404);

  ASSERT_EQ(control_->stop(SIGTERM), 0);
  ASSERT_TRUE(restart_control_on_same_ports());
  check(history(kZone, before));
}

TEST_F(ChangesTest, RollbackAfterTwentyChangesRestoresTheRecordSetAndTheFrontendServesIt) {
  auto frontend = start_frontend("", "fe-rollback");
  ASSERT_TRUE(frontend);
  ASSERT_EQ(create("rb-keep", "A", "10.6.0.1").status, 201);
  const std::uint32_t target = serial();
  const RecordSet at_target = records();

  // Twenty mixed changes: adds, updates, deletes, TXT and CNAME.
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 8; ++i) {
    auto r = create(str_cat("rb", i), "A", str_cat("10.6.1.", i));
    ASSERT_EQ(r.status, 201);
    ids.push_back(r.json()["ID"].get<std::int64_t>());
  }
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(rest_->put(path(kZone, str_cat("/records/", ids[i])),
                         nlohmann::json{{"name", str_cat("rb", i)}, {"type", "A"}, {"value", str_cat("10.6.2.", i)},
                                        {"ttl", 120}},
                         admin_token_)
                  .status,
              200);
  for (int i = 5; i < 8; ++i) ASSERT_EQ(rest_->del(path(kZone, str_cat("/records/", ids[i])), admin_token_).status, 204);
  auto keep = rest_->get(path(kZone, "/records?name=rb-keep"), admin_token_).json()["records"][0]["ID"];
  ASSERT_EQ(rest_->del(path(kZone, str_cat("/records/", keep.get<std::int64_t>())), admin_token_).status, 204);
  ASSERT_EQ(create("rb-alias", "CNAME", str_cat("rb0.", kZone, ".")).status, 201);
  ASSERT_EQ(create("rb-text", "TXT", "\"twenty\"").status, 201);
  ASSERT_EQ(create("rb-keep", "AAAA", "2001:db8::6").status, 201);
  const std::uint32_t before = serial();
  ASSERT_EQ(before, target + 20);
  ASSERT_TRUE(caught_up(*frontend));
  ASSERT_EQ(ask(frontend->dns_port(), fqdn("rb-keep"), "A").rrs.size(), 0u);

  EXPECT_EQ(rest_->post(path(kZone, "/rollback"), nlohmann::json{{"to_serial", target}}, other_token_).status, 403);
  EXPECT_EQ(rest_->post(path(kZone, "/rollback"), nlohmann::json{{"to_serial", 12345}}, admin_token_).status, 404);
  EXPECT_EQ(rest_->post(path(kZone, "/rollback"), nlohmann::json{{"to", 1}}, admin_token_).status, 400);
  EXPECT_EQ(serial(), before);

  auto rolled = rest_->post(path(kZone, "/rollback?wait=serving"), nlohmann::json{{"to_serial", target}}, admin_token_);
  ASSERT_EQ(rolled.status, 200) << rolled.body;
  EXPECT_EQ(rolled.json()["Serial"], before + 1);
  EXPECT_EQ(serial(), before + 1);
  EXPECT_EQ(records(), at_target);
  // Served at once (write-and-wait): the restored name answers, the later ones are gone.
  EXPECT_EQ(ask(frontend->dns_port(), fqdn("rb-keep"), "A").rrs, (std::set<std::string>{"a 10.6.0.1"}));
  EXPECT_EQ(ask(frontend->dns_port(), fqdn("rb-keep"), "AAAA").rrs.size(), 0u);
  EXPECT_EQ(ask(frontend->dns_port(), fqdn("rb-text"), "TXT").rcode, 3);  // NXDOMAIN
  EXPECT_EQ(ask(frontend->dns_port(), fqdn("rb0"), "A").rcode, 3);
  auto last = history(kZone, before);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0]["Via"], "rollback");
}

TEST_F(ChangesTest, IfMatchWritesOnlyAtTheCurrentSerialAndOneOfTwoRacersWins) {
  auto zone = rest_->get(path(kZone), admin_token_);
  ASSERT_EQ(zone.status, 200);
  const std::string etag = zone.headers["etag"];  // the client lower-cases header names
  const std::uint32_t s = zone.json()["Serial"];
  ASSERT_EQ(etag, str_cat("\"", s, "\""));
  auto list = rest_->get(path(kZone, "/records"), admin_token_);
  EXPECT_EQ(list.headers["etag"], etag);

  auto stale = post_record("im-stale", "10.7.0.1", "", {{"If-Match", str_cat("\"", s - 1, "\"")}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(serial(), s);
  EXPECT_EQ(rest_->get(path(kZone, "/records?name=im-stale"), admin_token_).json()["records"].size(), 0u);
  EXPECT_EQ(post_record("im-bad", "10.7.0.1", "", {{"If-Match", "yesterday"}}).status, 400);

  auto made = post_record("im-ok", "10.7.0.2", "", {{"If-Match", etag}});
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(serial(), s + 1);
  // The old ETag no longer matches for updates and deletes either.
  const auto id = made.json()["ID"].get<std::int64_t>();
  EXPECT_EQ(rest_->send("DELETE", path(kZone, str_cat("/records/", id)), admin_token_, "", {{"If-Match", etag}}).status,
            412);
  EXPECT_EQ(rest_->send("PUT", path(kZone), admin_token_, R"({"refresh":7000})", {{"If-Match", etag}}).status, 412);

  // Two clients race with the same If-Match: exactly one wins.
  const std::string current = str_cat("\"", s + 1, "\"");
  RestClient second(control_->rest_url(), test_pki().ca_cert);
  std::latch go(2);
  int status_a = 0, status_b = 0;
  std::thread a([&] {
    go.arrive_and_wait();
    status_a = post_record("race-a", "10.7.1.1", "", {{"If-Match", current}}).status;
  });
  std::thread b([&] {
    go.arrive_and_wait();
    nlohmann::json body{{"name", "race-b"}, {"type", "A"}, {"value", "10.7.1.2"}};
    status_b = second.send("POST", path(kZone, "/records"), admin_token_, body.dump(), {{"If-Match", current}}).status;
  });
  a.join();
  b.join();
  EXPECT_EQ(std::multiset<int>({status_a, status_b}), std::multiset<int>({201, 412}));
  EXPECT_EQ(serial(), s + 2);

  // gRPC: expected_serial.
  mcns::v1::CreateRecordRequest req;
  req.set_zone(kZone);
  req.set_name("im-grpc");
  req.set_type("A");
  req.set_value("10.7.2.1");
  req.set_expected_serial(s);
  mcns::v1::Record out;
  auto ctx = context(admin_token_);
  EXPECT_EQ(records_->CreateRecord(ctx.get(), req, &out).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  req.set_expected_serial(s + 2);
  auto ctx2 = context(admin_token_);
  EXPECT_TRUE(records_->CreateRecord(ctx2.get(), req, &out).ok());
}

// The same 50 ops as a REST body and as a gRPC request.
nlohmann::json fifty_ops() {
  nlohmann::json ops = nlohmann::json::array();
  for (int i = 0; i < 45; ++i)
    ops.push_back({{"op", "add"}, {"record", {{"name", str_cat("b", i)}, {"type", "A"}, {"value", str_cat("10.8.0.", i)}}}});
  ops.push_back({{"op", "add"}, {"record", {{"name", "b-alias"}, {"type", "CNAME"}, {"value", "b0"}, {"ttl", 60}}}});
  ops.push_back({{"op", "remove"}, {"name", "b1"}, {"type", "A"}, {"value", "10.8.0.1"}});
  ops.push_back({{"op", "replace"}, {"name", "b2"}, {"type", "A"},
                 {"records", {{{"value", "10.8.1.1"}, {"ttl", 90}}, {{"value", "10.8.1.2"}}}}});
  ops.push_back({{"op", "add"}, {"record", {{"name", "b-txt"}, {"type", "TXT"}, {"value", "\"batch\""}}}});
  ops.push_back({{"op", "replace"}, {"name", "b3"}, {"type", "A"}, {"records", nlohmann::json::array()}});
  return ops;
}

TEST_F(ChangesTest, BatchesAreAllOrNothingOneSerialAndTheSameOnRestAndGrpc) {
  for (const char* z : {"rest.batch.test", "grpc.batch.test"})
    ASSERT_EQ(rest_->post("/v1/zones", nlohmann::json{{"name", z}}, admin_token_).status, 201);
  const std::uint32_t before = serial("rest.batch.test");
  const RecordSet records_before = records("rest.batch.test");

  // One invalid op (a bad address, last): nothing written.
  nlohmann::json bad = fifty_ops();
  bad.push_back({{"op", "add"}, {"record", {{"name", "oops"}, {"type", "A"}, {"value", "10.0.0.256"}}}});
  auto refused = rest_->post(path("rest.batch.test", "/changes"), nlohmann::json{{"ops", bad}}, admin_token_);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.error_message().find("operation 51"), std::string::npos) << refused.body;
  // A CNAME conflict inside the batch: nothing written.
  nlohmann::json conflict = fifty_ops();
  conflict.push_back({{"op", "add"}, {"record", {{"name", "b-alias"}, {"type", "A"}, {"value", "10.0.0.1"}}}});
  EXPECT_EQ(rest_->post(path("rest.batch.test", "/changes"), nlohmann::json{{"ops", conflict}}, admin_token_).status,
            409);
  EXPECT_EQ(rest_->post(path("rest.batch.test", "/changes"), nlohmann::json{{"ops", "x"}}, admin_token_).status, 400);
  EXPECT_EQ(rest_->send("POST", path("rest.batch.test", "/changes"), admin_token_, "{not json").status, 400);
  EXPECT_EQ(serial("rest.batch.test"), before);
  EXPECT_EQ(records("rest.batch.test"), records_before);

  auto applied = rest_->post(path("rest.batch.test", "/changes"), nlohmann::json{{"ops", fifty_ops()}}, admin_token_);
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(applied.json()["Serial"], before + 1);
  EXPECT_EQ(serial("rest.batch.test"), before + 1);
  EXPECT_EQ(history("rest.batch.test", before).size(), 1u);

  mcns::v1::ApplyChangesRequest req;
  req.set_zone("grpc.batch.test");
  for (const auto& op : fifty_ops()) {
    mcns::v1::BatchOp* o = req.add_ops();
    o->set_op(op["op"]);
    const nlohmann::json& r = op.contains("record") ? op["record"] : op;
    if (r.contains("name")) o->set_name(r["name"]);
    if (r.contains("type")) o->set_type(r["type"]);
    if (r.contains("value")) o->set_value(r["value"]);
    if (r.contains("ttl")) o->set_ttl(r["ttl"]);
    if (op.contains("records"))
      for (const auto& v : op["records"]) {
        mcns::v1::RecordValue* rv = o->add_records();
        rv->set_value(v["value"]);
        if (v.contains("ttl")) rv->set_ttl(v["ttl"]);
      }
  }
  mcns::v1::ChangeEntry entry;
  auto ctx = context(admin_token_);
  auto s = changes_->Apply(ctx.get(), req, &entry);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(entry.serial(), serial("grpc.batch.test"));
  EXPECT_EQ(entry.via(), "grpc");
  EXPECT_EQ(static_cast<std::size_t>(entry.ops_size()), applied.json()["Ops"].size());
  // The same records apart from the apex NS each zone got at creation (ns.<zone>.).
  auto without_apex = [](RecordSet set) {
    std::erase_if(set, [](const auto& r) { return std::get<0>(r) == "@"; });
    return set;
  };
  EXPECT_EQ(without_apex(records("grpc.batch.test")), without_apex(records("rest.batch.test")));
  // 45 A + CNAME + TXT, b1 removed, b2's one value replaced by two, b3 emptied.
  EXPECT_EQ(records("rest.batch.test").size(), records_before.size() + 46);

  // gRPC refuses the invalid batch with the same code and changes nothing.
  mcns::v1::ApplyChangesRequest invalid = req;
  mcns::v1::BatchOp* oops = invalid.add_ops();
  oops->set_op("add");
  oops->set_name("oops");
  oops->set_type("A");
  oops->set_value("10.0.0.256");
  const std::uint32_t grpc_serial = serial("grpc.batch.test");
  auto ctx2 = context(admin_token_);
  EXPECT_EQ(changes_->Apply(ctx2.get(), invalid, &entry).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(serial("grpc.batch.test"), grpc_serial);
}

TEST_F(ChangesTest, WriteAndWaitReturnsOnlyWhenBothFrontendsServeTheWrite) {
  auto a = start_frontend("", "fe-a");
  auto b = start_frontend("", "fe-b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(caught_up(*a) && caught_up(*b));
  // Both reporting before the first write (the fleet registry lists them).
  ASSERT_TRUE(eventually([&] {
    auto list = rest_->get("/v1/frontends", admin_token_).json()["frontends"];
    int reporting = 0;
    for (const auto& f : list) reporting += f["Reports"] == true && f["Connected"] == true;
    return reporting == 2;
  }));

  int misses = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string value = str_cat("10.9.", i / 250, ".", i % 250 + 1);
    auto r = post_record(str_cat("ww", i), value, "?wait=serving");
    ASSERT_EQ(r.status, 201) << r.body;
    for (auto* fe : {a.get(), b.get()})
      if (ask(fe->dns_port(), fqdn(str_cat("ww", i)), "A").rrs != std::set<std::string>{"a " + value}) ++misses;
  }
  EXPECT_EQ(misses, 0);

  // gRPC wait_serving.
  {
    mcns::v1::CreateRecordRequest req;
    req.set_zone(kZone);
    req.set_name("ww-grpc");
    req.set_type("A");
    req.set_value("10.9.9.9");
    req.set_wait_serving(true);
    mcns::v1::Record out;
    auto ctx = context(admin_token_);
    ASSERT_TRUE(records_->CreateRecord(ctx.get(), req, &out).ok());
    EXPECT_EQ(ask(a->dns_port(), fqdn("ww-grpc"), "A").rcode, 0);
    EXPECT_EQ(ask(b->dns_port(), fqdn("ww-grpc"), "A").rrs, std::set<std::string>{"a 10.9.9.9"});
  }
  EXPECT_EQ(post_record("ww-bad", "10.9.8.1", "?wait=soon").status, 400);
  EXPECT_EQ(post_record("ww-bad", "10.9.8.1", "?wait=serving&wait_timeout_ms=0").status, 400);
  EXPECT_EQ(rest_->get(path(kZone, "/records?name=ww-bad"), admin_token_).json()["records"].size(), 0u);

  // One frontend stopped: 504 within the timeout, naming it, and the write is committed.
  // Stopped for certain before the write (freeze waits for it): until then fe-b's other
  // threads could still take the change off the stream, apply and report it (201).
  ASSERT_TRUE(b->freeze());
  auto started = std::chrono::steady_clock::now();
  auto late = post_record("ww-stopped", "10.9.7.1", "?wait=serving&wait_timeout_ms=1000");
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(late.status, 504) << late.body;
  EXPECT_GE(took, 1000ms);
  EXPECT_LT(took, 3000ms);
  auto body = late.json();
  EXPECT_EQ(body["Committed"], true) << late.body;
  EXPECT_EQ(body["Serial"], serial());
  EXPECT_NE(late.error_message().find("fe-b"), std::string::npos) << late.body;
  EXPECT_EQ(late.error_message().find("fe-a"), std::string::npos) << late.body;
  EXPECT_EQ(rest_->get(path(kZone, "/records?name=ww-stopped"), admin_token_).json()["records"].size(), 1u);
  EXPECT_EQ(ask(a->dns_port(), fqdn("ww-stopped"), "A").rrs, std::set<std::string>{"a 10.9.7.1"});
  ASSERT_EQ(::kill(b->pid(), SIGCONT), 0);
  ASSERT_TRUE(caught_up(*b));

  // A frontend that lost its stream a few seconds ago is waited for, not skipped.
  ASSERT_EQ(::kill(b->pid(), SIGKILL), 0);
  ASSERT_TRUE(eventually([&] {
    for (const auto& f : rest_->get("/v1/frontends", admin_token_).json()["frontends"])
      if (f["Name"] == "fe-b" && f["Connected"] == true) return false;
    return true;
  }));
  auto gone = post_record("ww-gone", "10.9.6.1", "?wait=serving&wait_timeout_ms=1000");
  EXPECT_EQ(gone.status, 504) << gone.body;
  EXPECT_NE(gone.error_message().find("fe-b"), std::string::npos) << gone.body;
  // Back under the same name (a new connection): the next write waits for it and returns.
  auto back = start_frontend("", "fe-b");
  ASSERT_TRUE(back);
  auto again = post_record("ww-back", "10.9.5.1", "?wait=serving&wait_timeout_ms=20000");
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(ask(back->dns_port(), fqdn("ww-back"), "A").rrs, std::set<std::string>{"a 10.9.5.1"});
  EXPECT_EQ(ask(back->dns_port(), fqdn("ww-gone"), "A").rrs, std::set<std::string>{"a 10.9.6.1"});
}

}  // namespace
}  // namespace mcns::test::sync
