#include "services/control/domain/zone_service_impl.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <tuple>
#include <mutex>
#include <thread>

#include "common/base/strings.h"
#include "services/control/store/test_support.h"

namespace mcns::control::domain {
namespace {

using auth::AccountType;
using auth::Principal;
using testing::dump_file;
using testing::FakeClock;
using testing::TempDir;

constexpr const char* kSvc = "svc.mcp.metacircular.net";
constexpr const char* kMcp = "mcp.metacircular.net";

class ZoneServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = open_store();
    ASSERT_TRUE(store_);
    svc_ = make_service(*store_);
  }

  std::unique_ptr<store::Store> open_store() {
    auto store = store::Store::open(path_, {.migrate = true, .create = true, .clock = clock_.as_clock()});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::unique_ptr<ZoneServiceImpl> make_service(store::Store& store) {
    return std::make_unique<ZoneServiceImpl>(store, AuthzPolicy{}, clock_.as_clock(), [this](std::uint64_t v) {
      std::lock_guard lock(commits_mu_);
      commits_.push_back(v);
    });
  }

  std::vector<std::uint64_t> commits() {
    std::lock_guard lock(commits_mu_);
    return commits_;
  }

  StatusOr<Record> add(std::string_view zone, std::string name, std::string type, std::string value,
                       std::optional<std::int64_t> ttl = std::nullopt, const Principal* who = nullptr) {
    return svc_->create_record(who ? *who : admin_,
                               CreateRecord{std::string(zone), RecordFields{std::move(name), std::move(type),
                                                                            std::move(value), ttl}});
  }

  std::uint32_t serial(std::string_view zone) { return svc_->get_zone(admin_, zone)->serial; }

  void set_serial(std::string_view zone_name, std::uint32_t serial) {
    auto v = store_->write([&](store::WriteTx& tx) -> Status {
      MCNS_ASSIGN_OR_RETURN(auto zone, tx.find_zone(zone_name));
      if (!zone) return not_found("zone");
      zone->serial = serial;
      return tx.update_zone(*zone);
    });
    ASSERT_TRUE(v.ok()) << v.status();
  }

  std::vector<store::VersionedChange> changes_after(std::uint64_t v) {
    auto changes = store_->changes_after(v, 1000);
    EXPECT_TRUE(changes.ok()) << changes.status();
    return changes.ok() ? *changes : std::vector<store::VersionedChange>{};
  }

  TempDir dir_;
  std::string path_ = dir_.file("mcns.db");
  FakeClock clock_;  // 2026-11-29
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ZoneServiceImpl> svc_;
  std::mutex commits_mu_;
  std::vector<std::uint64_t> commits_;

  Principal admin_{"root", "", {"admin"}, AccountType::kHuman};
  Principal agent_{"mcp-agent", "", {}, AccountType::kSystem};
  Principal metacrypt_{"metacrypt", "", {}, AccountType::kSystem};
  Principal reader_{"alice", "", {"user"}, AccountType::kHuman};
  Principal guest_{"visitor", "", {"guest"}, AccountType::kHuman};
};

// ---- validation ----

TEST_F(ZoneServiceTest, BadRecordsAreRefusedAndChangeNothing) {
  const std::string label64(64, 'a');
  const std::string label63(63, 'b');
  // Four 63-octet labels are 256 octets before the zone is even added.
  const std::string too_long = label63 + "." + label63 + "." + label63 + "." + label63;
  struct Case {
    std::string zone, name, type, value;
    std::optional<std::int64_t> ttl;
    std::string want_message;  // a substring of the error
  };
  const Case cases[] = {
      {kSvc, label64, "A", "10.0.0.1", {}, "longer than 63 octets"},
      {kSvc, too_long, "A", "10.0.0.1", {}, "longer than 255 octets"},
      {kSvc, "bad name", "A", "10.0.0.1", {}, "character ' ' is not allowed"},
      {kSvc, "a!b", "A", "10.0.0.1", {}, "character '!' is not allowed"},
      {kSvc, "www.", "A", "10.0.0.1", {}, "drop the trailing dot"},
      {kSvc, "", "A", "10.0.0.1", {}, "empty name"},
      {kSvc, "-www", "A", "10.0.0.1", {}, "starts or ends with '-'"},
      {kSvc, "a..b", "A", "10.0.0.1", {}, "empty label"},
      {kSvc, "a.*", "A", "10.0.0.1", {}, "'*' is only allowed as the leftmost label"},
      {kSvc, "www", "A", "256.1.1.1", {}, "invalid A value \"256.1.1.1\": not an IPv4 address"},
      {kSvc, "www", "A", "1.2.3", {}, "not an IPv4 address"},
      {kSvc, "www", "A", "010.0.0.1", {}, "not an IPv4 address"},
      {kSvc, "www", "A", "::1", {}, "not an IPv4 address"},
      {kSvc, "www", "AAAA", "2001:db8::g", {}, "invalid AAAA value"},
      {kSvc, "www", "AAAA", "10.0.0.1", {}, "not an IPv6 address"},
      {kSvc, "www", "AAAA", "fe80::1%eth0", {}, "not an IPv6 address"},
      {kSvc, "www", "CNAME", "bad..name", {}, "invalid CNAME value"},
      {kSvc, "www", "NS", "ns!.example.com", {}, "invalid NS value"},
      {kSvc, "www", "A", "", {}, "empty value"},
      {kSvc, "www", "A", "10.0.0.1", 0, "invalid TTL 0: must be between 1 and 2147483647"},
      {kSvc, "www", "A", "10.0.0.1", -1, "invalid TTL -1"},
      {kSvc, "www", "A", "10.0.0.1", 2147483648, "invalid TTL 2147483648"},
      {kSvc, "www", "XYZ", "10.0.0.1", {}, "unknown record type \"XYZ\""},
      {kSvc, "www", "", "10.0.0.1", {}, "record type is missing"},
      {kSvc, "www", "SOA", "a. b. 1 2 3 4 5", {}, "record type SOA cannot be created"},
      {"bad zone!", "www", "A", "10.0.0.1", {}, "invalid zone name"},
      {"", "www", "A", "10.0.0.1", {}, "invalid zone name"},
  };
  const std::string before = dump_file(path_);
  for (const Case& c : cases) {
    SCOPED_TRACE(str_cat(c.zone, " / ", c.name, " ", c.type, " ", c.value));
    auto r = add(c.zone, c.name, c.type, c.value, c.ttl);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
    EXPECT_NE(r.status().message().find(c.want_message), std::string::npos) << r.status();
  }
  EXPECT_EQ(dump_file(path_), before);
  EXPECT_TRUE(commits().empty());
}

TEST_F(ZoneServiceTest, GoodRecordsAreStoredCanonically) {
  const std::string label63(63, 'b');
  // 63 + 1 + 63 + 1 + 63 + 1 + 30 = 222 characters; with ".svc.mcp.metacircular.net." the
  // wire form is exactly 255 octets... minus what the zone takes. Built to fit exactly.
  const std::string zone_part = std::string(kSvc);
  const std::size_t room = 255 - 2 - zone_part.size() - 1;  // wire: label octets + root
  std::string longest = label63 + "." + label63 + "." + label63 + ".";
  longest += std::string(room - longest.size(), 'c');
  struct Case {
    std::string name, type, value;
    std::optional<std::int64_t> ttl;
    std::string want_name, want_type, want_value;
    std::uint32_t want_ttl;
  };
  const Case cases[] = {
      {"WWW", "a", "10.0.0.1", {}, "www", "A", "10.0.0.1", 300},
      {"v6", "AAAA", "2001:DB8:0:0::1", 60, "v6", "AAAA", "2001:db8::1", 60},
      {"alias", "CNAME", "Web.Example.COM", {}, "alias", "CNAME", "web.example.com.", 300},
      {"alias2", "cname", "web.example.com.", 1, "alias2", "CNAME", "web.example.com.", 1},
      {"*.dev", "A", "10.0.0.2", 2147483647, "*.dev", "A", "10.0.0.2", 2147483647},
      {"_dmarc", "TXT", "v=DMARC1; p=none", {}, "_dmarc", "TXT", "\"v=DMARC1; p=none\"", 300},
      {"@", "MX", "10 Mail.Example.com.", {}, "@", "MX", "10 mail.example.com.", 300},
      {label63, "A", "10.0.0.3", {}, label63, "A", "10.0.0.3", 300},
      {longest, "A", "10.0.0.4", {}, longest, "A", "10.0.0.4", 300},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = add("SVC.mcp.metacircular.NET.", c.name, c.type, c.value, c.ttl);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->name, c.want_name);
    EXPECT_EQ(r->type, c.want_type);
    EXPECT_EQ(r->value, c.want_value);
    EXPECT_EQ(r->ttl, c.want_ttl);
    EXPECT_GT(r->id, 0);
    auto stored = svc_->get_record(reader_, kSvc, r->id);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->value, c.want_value);
    EXPECT_EQ(stored->created_at, clock_.now());
  }
  // One label more than fits is refused.
  auto too_long = add(kSvc, longest + "c", "A", "10.0.0.5");
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ZoneServiceTest, ZoneValidationDefaultsAndForms) {
  const std::string before = dump_file(path_);
  struct Bad {
    CreateZone cmd;
    std::string want;
  };
  const Bad bad[] = {
      {{"", {}}, "invalid zone name"},
      {{".", {}}, "root zone"},
      {{std::string(64, 'a') + ".com", {}}, "longer than 63 octets"},
      {{"bad_zone!.com", {}}, "character '!' is not allowed"},
      {{"example.com", {.admin_email = "first.last@example.com"}}, "may not contain dots"},
      {{"example.com", {.primary_ns = "ns..example.com"}}, "invalid primary_ns"},
      {{"example.com", {.refresh = 0}}, "invalid refresh 0"},
      {{"example.com", {.minimum_ttl = 2147483648}}, "invalid minimum_ttl"},
  };
  for (const Bad& b : bad) {
    auto z = svc_->create_zone(admin_, b.cmd);
    ASSERT_FALSE(z.ok()) << b.cmd.name;
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument) << z.status();
    EXPECT_NE(z.status().message().find(b.want), std::string::npos) << z.status();
  }
  EXPECT_EQ(dump_file(path_), before);

  auto z = svc_->create_zone(admin_, {"Example.COM.", {}});
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->name, "example.com");
  EXPECT_EQ(z->primary_ns, "ns.example.com.");
  EXPECT_EQ(z->admin_email, "hostmaster.example.com.");
  EXPECT_EQ(z->refresh, 3600u);
  EXPECT_EQ(z->retry, 600u);
  EXPECT_EQ(z->expire, 86400u);
  EXPECT_EQ(z->minimum_ttl, 300u);
  EXPECT_EQ(z->serial, 2026112901u);
  EXPECT_EQ(svc_->get_zone(reader_, "EXAMPLE.com.")->id, z->id);

  auto z2 = svc_->create_zone(admin_, {"example.org", {.primary_ns = "ns1.example.org", .admin_email =
                                                                                             "admin@example.org"}});
  ASSERT_TRUE(z2.ok()) << z2.status();
  EXPECT_EQ(z2->primary_ns, "ns1.example.org.");
  EXPECT_EQ(z2->admin_email, "admin.example.org.");

  auto dup = svc_->create_zone(admin_, {"EXAMPLE.com", {}});
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dup.status().message(), "zone \"example.com\" already exists");
}

TEST_F(ZoneServiceTest, ListsAndFilters) {
  auto zones = svc_->list_zones(reader_);
  ASSERT_TRUE(zones.ok());
  ASSERT_EQ(zones->size(), 2u);
  EXPECT_EQ((*zones)[0].name, kMcp);
  EXPECT_EQ((*zones)[1].name, kSvc);

  auto all = svc_->list_records(reader_, {kSvc, {}, {}});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 9u);
  auto mcr = svc_->list_records(reader_, {kSvc, "MCR", {}});
  ASSERT_TRUE(mcr.ok());
  ASSERT_EQ(mcr->size(), 2u);
  EXPECT_EQ((*mcr)[0].name, "mcr");
  auto ns = svc_->list_records(reader_, {kSvc, {}, "ns"});
  ASSERT_TRUE(ns.ok());
  ASSERT_EQ(ns->size(), 1u);
  EXPECT_EQ((*ns)[0].name, "@");
  EXPECT_EQ(svc_->list_records(reader_, {kSvc, "mcr", "AAAA"})->size(), 0u);

  EXPECT_EQ(svc_->list_records(reader_, {kSvc, {}, "BOGUS"}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->list_records(reader_, {kSvc, "www.", {}}).status().code(), StatusCode::kInvalidArgument);
  auto missing = svc_->list_records(reader_, {"nope.example", {}, {}});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "zone \"nope.example\" not found");
}

TEST_F(ZoneServiceTest, NotFoundCases) {
  EXPECT_EQ(svc_->get_zone(reader_, "nope.example").status().code(), StatusCode::kNotFound);
  auto in_svc = svc_->list_records(reader_, {kSvc, "mcr", {}});
  std::int64_t svc_id = (*in_svc)[0].id;
  // A record id of another zone is not found in this one.
  auto other = svc_->get_record(reader_, kMcp, svc_id);
  EXPECT_EQ(other.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(other.status().message(), str_cat("record ", svc_id, " not found in zone \"", kMcp, "\""));
  const std::string before = dump_file(path_);
  EXPECT_EQ(svc_->delete_record(admin_, kMcp, svc_id, std::nullopt).code(), StatusCode::kNotFound);
  EXPECT_EQ(svc_->delete_record(admin_, kSvc, 999999, std::nullopt).code(), StatusCode::kNotFound);
  EXPECT_EQ(svc_->update_record(admin_, {kMcp, svc_id, {"x", "A", "10.0.0.1", {}}}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(svc_->update_zone(admin_, {"nope.example", {.refresh = 10}}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(svc_->delete_zone(admin_, "nope.example", std::nullopt).code(), StatusCode::kNotFound);
  EXPECT_EQ(add("nope.example", "www", "A", "10.0.0.1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(dump_file(path_), before);
  EXPECT_TRUE(commits().empty());
}

// ---- CNAME exclusivity ----

TEST_F(ZoneServiceTest, CnameRefusedWhereOtherDataExists) {
  const std::string before = dump_file(path_);
  auto r = add(kSvc, "mcr", "CNAME", "elsewhere.example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(r.status().message(), "CNAME conflict: \"mcr\" already has A records");
  EXPECT_EQ(dump_file(path_), before);
}

TEST_F(ZoneServiceTest, OtherDataRefusedWhereCnameExists) {
  ASSERT_TRUE(add(kSvc, "www", "CNAME", "web.example.com").ok());
  const std::string before = dump_file(path_);
  auto a = add(kSvc, "WWW", "A", "10.0.0.1");
  EXPECT_EQ(a.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(a.status().message(), "CNAME conflict: \"www\" already has a CNAME record, so it cannot have A records");
  EXPECT_EQ(add(kSvc, "www", "TXT", "hello").status().code(), StatusCode::kAlreadyExists);
  auto second = add(kSvc, "www", "CNAME", "other.example.com");
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(second.status().message().find("already has a CNAME record"), std::string::npos);
  auto same = add(kSvc, "www", "CNAME", "WEB.example.com.");
  EXPECT_EQ(same.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(same.status().message(), "record already exists: www CNAME web.example.com.");
  EXPECT_EQ(dump_file(path_), before);
  // The same name in another zone is another name.
  EXPECT_TRUE(add(kMcp, "www", "A", "10.0.0.1").ok());
}

TEST_F(ZoneServiceTest, CnameRefusedAtTheApex) {
  const std::string before = dump_file(path_);
  auto r = add(kSvc, "@", "CNAME", "elsewhere.example.com");
  EXPECT_EQ(r.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(r.status().message().find("CNAME conflict: a CNAME cannot be at the apex"), std::string::npos);
  // Also in a freshly created zone (whose apex holds only its NS).
  ASSERT_TRUE(svc_->create_zone(admin_, {"empty.example", {}}).ok());
  const std::string after_zone = dump_file(path_);
  EXPECT_EQ(add("empty.example", "@", "CNAME", "x.example.com").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(dump_file(path_), after_zone);
}

TEST_F(ZoneServiceTest, UpdatesObeyCnameExclusivity) {
  auto alias = add(kSvc, "alias", "CNAME", "a.example.com");
  ASSERT_TRUE(alias.ok());
  auto lone = add(kSvc, "lone", "A", "10.0.0.9");
  ASSERT_TRUE(lone.ok());
  const std::string before = dump_file(path_);
  // Moving an A record onto a CNAME's name, or turning it into a CNAME where A records live.
  EXPECT_EQ(svc_->update_record(admin_, {kSvc, lone->id, {"alias", "A", "10.0.0.9", {}}}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(svc_->update_record(admin_, {kSvc, lone->id, {"mcr", "CNAME", "x.example.com", {}}}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(svc_->update_record(admin_, {kSvc, lone->id, {"@", "CNAME", "x.example.com", {}}}).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(dump_file(path_), before);
  // A CNAME does not conflict with itself: its target and TTL can change in place.
  auto moved = svc_->update_record(admin_, {kSvc, alias->id, {"alias", "CNAME", "b.example.com", 60}});
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->id, alias->id);
  EXPECT_EQ(moved->value, "b.example.com.");
  // A lone A record can become a CNAME.
  auto turned = svc_->update_record(admin_, {kSvc, lone->id, {"lone", "CNAME", "c.example.com", {}}});
  EXPECT_TRUE(turned.ok()) << turned.status();
}

TEST_F(ZoneServiceTest, RacingCnameAndAExactlyOneWins) {
  // Two stores on one file: no shared mutex, so only the transaction's check decides.
  auto other_store = open_store();
  ASSERT_TRUE(other_store);
  auto other_svc = make_service(*other_store);
  constexpr int kRounds = 60;
  int cname_wins = 0, a_wins = 0;
  for (int round = 0; round < kRounds; ++round) {
    std::string name = str_cat("race", round);
    std::latch start(2);
    StatusOr<Record> cname = internal_error("not run"), a = internal_error("not run");
    std::thread t1([&] {
      start.arrive_and_wait();
      cname = svc_->create_record(agent_, {kSvc, {name, "CNAME", "target.example.com", {}}});
    });
    std::thread t2([&] {
      start.arrive_and_wait();
      a = other_svc->create_record(agent_, {kSvc, {name, "A", "10.1.2.3", {}}});
    });
    t1.join();
    t2.join();
    ASSERT_NE(cname.ok(), a.ok()) << "round " << round << ": " << cname.status() << " / " << a.status();
    const Status& loser = cname.ok() ? a.status() : cname.status();
    EXPECT_EQ(loser.code(), StatusCode::kAlreadyExists) << loser;
    EXPECT_NE(loser.message().find("CNAME conflict"), std::string::npos) << loser;
    (cname.ok() ? cname_wins : a_wins)++;
    auto at_name = svc_->list_records(reader_, {kSvc, name, {}});
    ASSERT_TRUE(at_name.ok());
    EXPECT_EQ(at_name->size(), 1u);
  }
  EXPECT_EQ(cname_wins + a_wins, kRounds);
  // Exactly one commit (and one change-log row) per winner.
  EXPECT_EQ(*store_->latest_version(), static_cast<std::uint64_t>(kRounds));
  EXPECT_EQ(serial(kSvc), 2026112901u + kRounds);
}

// ---- serials ----

TEST_F(ZoneServiceTest, SerialSameDayIncrementsNewDayResets) {
  EXPECT_EQ(serial(kSvc), 2026112901u);
  ASSERT_TRUE(add(kSvc, "a1", "A", "10.0.0.1").ok());
  EXPECT_EQ(serial(kSvc), 2026112902u);
  ASSERT_TRUE(add(kSvc, "a2", "A", "10.0.0.1").ok());
  EXPECT_EQ(serial(kSvc), 2026112903u);
  EXPECT_EQ(serial(kMcp), 2026112901u);  // other zones are untouched
  clock_.set(2026, 11, 30, 0, 0);
  ASSERT_TRUE(add(kSvc, "a3", "A", "10.0.0.1").ok());
  EXPECT_EQ(serial(kSvc), 2026113001u);
  clock_.set(2027, 1, 1, 23, 59);
  ASSERT_TRUE(svc_->update_zone(admin_, {kSvc, {.refresh = 7200}}).ok());
  EXPECT_EQ(serial(kSvc), 2027010101u);
}

TEST_F(ZoneServiceTest, SerialNeverGoesBackwards) {
  set_serial(kSvc, 2026112999);
  ASSERT_TRUE(add(kSvc, "a1", "A", "10.0.0.1").ok());
  EXPECT_EQ(serial(kSvc), 2026113000u);  // NN would pass 99: plain increment
  ASSERT_TRUE(add(kSvc, "a2", "A", "10.0.0.1").ok());
  EXPECT_EQ(serial(kSvc), 2026113001u);
  set_serial(kMcp, 2030010100);
  ASSERT_TRUE(add(kMcp, "a1", "A", "10.0.0.1").ok());
  EXPECT_EQ(serial(kMcp), 2030010101u);  // ahead of today: plain increment
}

TEST_F(ZoneServiceTest, EachMutationBumpsTheSerialExactlyOnce) {
  std::uint32_t s = serial(kSvc);
  auto r = add(kSvc, "x", "A", "10.0.0.1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(serial(kSvc), ++s);
  ASSERT_TRUE(svc_->update_record(admin_, {kSvc, r->id, {"x", "A", "10.0.0.2", {}}}).ok());
  EXPECT_EQ(serial(kSvc), ++s);
  // An update to identical values is not a mutation.
  ASSERT_TRUE(svc_->update_record(admin_, {kSvc, r->id, {"X", "A", "10.0.0.2", 300}}).ok());
  EXPECT_EQ(serial(kSvc), s);
  ASSERT_TRUE(svc_->update_zone(admin_, {kSvc, {.retry = 900}}).ok());
  EXPECT_EQ(serial(kSvc), ++s);
  ASSERT_TRUE(svc_->update_zone(admin_, {kSvc, {.retry = 900}}).ok());
  EXPECT_EQ(serial(kSvc), s);
  ASSERT_TRUE(svc_->delete_record(admin_, kSvc, r->id, std::nullopt).ok());
  EXPECT_EQ(serial(kSvc), ++s);
  // A refused mutation does not bump.
  ASSERT_FALSE(add(kSvc, "mcr", "CNAME", "x.example.com").ok());
  EXPECT_EQ(serial(kSvc), s);
  EXPECT_EQ(commits().size(), 4u);
}

// ---- change log ----

TEST_F(ZoneServiceTest, EveryCommittedMutationAppendsOneChange) {
  ASSERT_TRUE(svc_->create_zone(admin_, {"example.com", {}}).ok());
  auto rec = add("example.com", "www", "A", "10.0.0.1");
  ASSERT_TRUE(rec.ok());
  auto upd = svc_->update_record(admin_, {"example.com", rec->id, {"web", "A", "10.0.0.2", 60}});
  ASSERT_TRUE(upd.ok());
  ASSERT_TRUE(svc_->delete_record(admin_, "example.com", rec->id, std::nullopt).ok());
  ASSERT_TRUE(svc_->update_zone(admin_, {"example.com", {.admin_email = "me@example.com"}}).ok());
  ASSERT_TRUE(svc_->delete_zone(admin_, "example.com", std::nullopt).ok());

  EXPECT_EQ(commits(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  auto changes = changes_after(0);
  ASSERT_EQ(changes.size(), 6u);
  for (std::size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(changes[i].version, i + 1);
    EXPECT_EQ(changes[i].zone, "example.com");
  }
  // create_zone: the zone's SOA and its apex NS record.
  ASSERT_EQ(changes[0].change.ops_size(), 2);
  EXPECT_EQ(changes[0].change.ops(0).zone_upsert().serial(), 2026112901u);
  EXPECT_EQ(changes[0].change.ops(0).zone_upsert().primary_ns(), "ns.example.com.");
  EXPECT_EQ(changes[0].change.ops(1).record_add().record().name(), "@");
  EXPECT_EQ(changes[0].change.ops(1).record_add().record().type(), "NS");
  EXPECT_EQ(changes[0].change.ops(1).record_add().record().value(), "ns.example.com.");
  // create_record: new SOA + the record.
  ASSERT_EQ(changes[1].change.ops_size(), 2);
  EXPECT_EQ(changes[1].change.ops(0).zone_upsert().serial(), 2026112902u);
  const auto& added = changes[1].change.ops(1).record_add();
  EXPECT_EQ(added.zone(), "example.com");
  EXPECT_EQ(added.record().id(), rec->id);
  EXPECT_EQ(added.record().name(), "www");
  EXPECT_EQ(added.record().type(), "A");
  EXPECT_EQ(added.record().value(), "10.0.0.1");
  EXPECT_EQ(added.record().ttl(), 300u);
  // update_record: SOA, remove(old), add(new) with the same id.
  ASSERT_EQ(changes[2].change.ops_size(), 3);
  EXPECT_EQ(changes[2].change.ops(0).zone_upsert().serial(), 2026112903u);
  EXPECT_EQ(changes[2].change.ops(1).record_remove().record().name(), "www");
  EXPECT_EQ(changes[2].change.ops(1).record_remove().record().value(), "10.0.0.1");
  EXPECT_EQ(changes[2].change.ops(2).record_add().record().name(), "web");
  EXPECT_EQ(changes[2].change.ops(2).record_add().record().ttl(), 60u);
  EXPECT_EQ(changes[2].change.ops(2).record_add().record().id(), rec->id);
  // delete_record: SOA + remove.
  ASSERT_EQ(changes[3].change.ops_size(), 2);
  EXPECT_EQ(changes[3].change.ops(1).record_remove().record().name(), "web");
  // update_zone: the new SOA only.
  ASSERT_EQ(changes[4].change.ops_size(), 1);
  EXPECT_EQ(changes[4].change.ops(0).zone_upsert().admin_email(), "me.example.com.");
  EXPECT_EQ(changes[4].change.ops(0).zone_upsert().serial(), 2026112905u);
  // delete_zone.
  ASSERT_EQ(changes[5].change.ops_size(), 1);
  EXPECT_EQ(changes[5].change.ops(0).zone_delete(), "example.com");

  EXPECT_EQ(changes_after(4).size(), 2u);
  EXPECT_EQ(changes_after(4)[0].version, 5u);
  EXPECT_TRUE(changes_after(6).empty());
}

TEST_F(ZoneServiceTest, RefusedMutationsAppendNothingAndNotifyNobody) {
  ASSERT_TRUE(add(kSvc, "www", "CNAME", "web.example.com").ok());
  ASSERT_EQ(commits().size(), 1u);
  const std::string before = dump_file(path_);
  EXPECT_FALSE(add(kSvc, "www", "A", "10.0.0.1").ok());                   // conflict
  EXPECT_FALSE(add(kSvc, "mcr", "A", "192.168.88.181").ok());             // duplicate
  EXPECT_FALSE(add(kSvc, "x", "A", "10.0.0.1", 0).ok());                  // invalid
  EXPECT_FALSE(add(kSvc, "x", "A", "10.0.0.1", {}, &reader_).ok());       // not allowed
  EXPECT_FALSE(svc_->create_zone(admin_, {kSvc, {}}).ok());               // exists
  EXPECT_EQ(dump_file(path_), before);
  EXPECT_EQ(commits().size(), 1u);
  EXPECT_EQ(*store_->latest_version(), 1u);
  auto next = add(kSvc, "y", "A", "10.0.0.1");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(commits(), (std::vector<std::uint64_t>{1, 2}));
}

ZoneImport example_import();

TEST_F(ZoneServiceTest, ARecreatedZoneStartsAboveItsLastSerialAlsoThroughImport) {
  set_serial(kSvc, 2030010107);  // ahead of today, as after many changes
  ASSERT_TRUE(svc_->delete_zone(admin_, kSvc, std::nullopt).ok());
  auto again = svc_->create_zone(admin_, {kSvc, {}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->serial, 2030010108u);
  // Deleted again, then brought back by an import of a file without a newer serial.
  ASSERT_TRUE(svc_->delete_zone(admin_, kSvc, std::nullopt).ok());
  ZoneImport in = example_import();
  in.zone = kSvc;
  in.records = {{{"www", "A", "10.0.0.1", 300}, 2}};
  auto imported = svc_->import_zone(admin_, in);
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_EQ(imported->zone.serial, 2030010109u);
  // A name that never existed starts from today.
  EXPECT_EQ(svc_->create_zone(admin_, {"new.example", {}})->serial, 2026112901u);
}

TEST_F(ZoneServiceTest, DeleteZoneRemovesItsRecords) {
  ASSERT_TRUE(svc_->delete_zone(admin_, "SVC.mcp.metacircular.net", std::nullopt).ok());
  EXPECT_EQ(svc_->list_zones(reader_)->size(), 1u);
  auto snap = testing::read_snapshot(*store_);
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->zones.size(), 1u);
  EXPECT_EQ(snap->version, 1u);
  // The name can be used again, with a serial above the last one it published: a
  // secondary holding 2026112903 must see the new zone as newer (SPEC 13).
  auto again = svc_->create_zone(admin_, {kSvc, {}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->serial, 2026112902u);
  auto records = svc_->list_records(reader_, {kSvc, {}, {}});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);  // only the apex NS a new zone starts with
  EXPECT_EQ((*records)[0].type, "NS");
}

// ---- authorization through the service ----

TEST_F(ZoneServiceTest, AuthorizationMatrix) {
  const std::string before = dump_file(path_);
  auto denied = [](const Status& s) { return s.code() == StatusCode::kPermissionDenied; };
  std::int64_t mcr_id = (*svc_->list_records(admin_, {kSvc, "mcr", {}}))[0].id;
  std::int64_t metacrypt_id = (*svc_->list_records(admin_, {kSvc, "metacrypt", {}}))[0].id;

  // Zones: admin only.
  for (const Principal* p : {&agent_, &metacrypt_, &reader_, &guest_}) {
    SCOPED_TRACE(p->username);
    EXPECT_TRUE(denied(svc_->create_zone(*p, {"new.example", {}}).status()));
    EXPECT_TRUE(denied(svc_->update_zone(*p, {kSvc, {.refresh = 1}}).status()));
    EXPECT_TRUE(denied(svc_->delete_zone(*p, kSvc, std::nullopt)));
  }
  // Reads: everyone but the guest.
  for (const Principal* p : {&admin_, &agent_, &metacrypt_, &reader_}) {
    EXPECT_TRUE(svc_->list_zones(*p).ok());
    EXPECT_TRUE(svc_->get_zone(*p, kSvc).ok());
    EXPECT_TRUE(svc_->list_records(*p, {kSvc, {}, {}}).ok());
    EXPECT_TRUE(svc_->get_record(*p, kSvc, mcr_id).ok());
  }
  EXPECT_TRUE(denied(svc_->list_zones(guest_).status()));
  EXPECT_TRUE(denied(svc_->get_zone(guest_, kSvc).status()));
  EXPECT_TRUE(denied(svc_->list_records(guest_, {kSvc, {}, {}}).status()));
  EXPECT_TRUE(denied(svc_->get_record(guest_, kSvc, mcr_id).status()));

  // A read-only user and a guest may not touch records; the check comes before
  // validation, so even bad input says "permission denied".
  for (const Principal* p : {&reader_, &guest_}) {
    EXPECT_TRUE(denied(add(kSvc, "x", "A", "10.0.0.1", {}, p).status()));
    EXPECT_TRUE(denied(add(kSvc, "bad name!", "A", "nope", {}, p).status()));
    EXPECT_TRUE(denied(svc_->update_record(*p, {kSvc, mcr_id, {"mcr", "A", "10.0.0.1", {}}}).status()));
    EXPECT_TRUE(denied(svc_->delete_record(*p, kSvc, mcr_id, std::nullopt)));
  }
  // A system account changes only its own name, both before and after an update.
  EXPECT_TRUE(denied(add(kSvc, "mcr", "A", "10.0.0.1", {}, &metacrypt_).status()));
  EXPECT_TRUE(denied(svc_->delete_record(metacrypt_, kSvc, mcr_id, std::nullopt)));
  EXPECT_TRUE(denied(svc_->update_record(metacrypt_, {kSvc, mcr_id, {"metacrypt", "A", "10.0.0.1", {}}}).status()));
  EXPECT_TRUE(
      denied(svc_->update_record(metacrypt_, {kSvc, metacrypt_id, {"mcr", "A", "10.0.0.1", {}}}).status()));
  EXPECT_EQ(dump_file(path_), before);
  EXPECT_TRUE(commits().empty());

  auto own = add(kSvc, "MetaCrypt", "A", "10.0.0.7", {}, &metacrypt_);
  ASSERT_TRUE(own.ok()) << own.status();
  EXPECT_TRUE(svc_->update_record(metacrypt_, {kSvc, own->id, {"metacrypt", "A", "10.0.0.8", {}}}).ok());
  EXPECT_TRUE(svc_->delete_record(metacrypt_, kSvc, own->id, std::nullopt).ok());
  // The record admin changes any record, but no zone.
  auto any = add(kSvc, "anything", "A", "10.0.0.9", {}, &agent_);
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_TRUE(svc_->update_record(agent_, {kSvc, mcr_id, {"mcr", "A", "10.0.0.10", {}}}).ok());
  EXPECT_TRUE(svc_->delete_record(agent_, kSvc, any->id, std::nullopt).ok());
  // Admin: everything.
  EXPECT_TRUE(svc_->update_zone(admin_, {kSvc, {.refresh = 1800}}).ok());

  // Watch: admins and [sync] allowed_accounts.
  EXPECT_TRUE(svc_->authorize_watch(admin_).ok());
  EXPECT_TRUE(svc_->authorize_watch(Principal{"MCNS-DNS", "", {}, AccountType::kSystem}).ok());
  EXPECT_TRUE(denied(svc_->authorize_watch(agent_)));
  EXPECT_TRUE(denied(svc_->authorize_watch(reader_)));
  EXPECT_TRUE(denied(svc_->authorize_watch(guest_)));
}

TEST_F(ZoneServiceTest, PolicyComesFromConfiguration) {
  ZoneServiceImpl custom(*store_, AuthzPolicy{{"deployer"}, {"edge"}}, clock_.as_clock());
  Principal deployer{"Deployer", "", {}, AccountType::kSystem};
  EXPECT_TRUE(custom.create_record(deployer, {kSvc, {"mcr", "A", "10.0.0.1", {}}}).ok());
  // mcp-agent is a record admin only because the default policy says so.
  EXPECT_EQ(custom.create_record(agent_, {kSvc, {"mcr", "A", "10.0.0.2", {}}}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(custom.authorize_watch(Principal{"edge", "", {}, AccountType::kSystem}).ok());
  EXPECT_EQ(custom.authorize_watch(Principal{"mcns-dns", "", {}, AccountType::kSystem}).code(),
            StatusCode::kPermissionDenied);
}

// ---- import ----

ZoneImport example_import() {
  ZoneImport in;
  in.zone = "example.com";
  in.soa = {.primary_ns = "ns1.example.com.", .admin_email = "admin.example.com.", .refresh = 7200,
            .retry = 900, .expire = 604800, .minimum_ttl = 60};
  in.serial = 1;
  in.records = {{{"@", "NS", "ns1.example.com.", 3600}, 3},
                {{"www", "A", "10.0.0.1", 300}, 4},
                {{"www", "AAAA", "2001:db8::1", 300}, 5},
                {{"alias", "CNAME", "www.example.com.", 300}, 6}};
  return in;
}

TEST_F(ZoneServiceTest, ImportCreatesAZoneInOneChange) {
  auto r = svc_->import_zone(admin_, example_import());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->created);
  EXPECT_EQ(r->added, 4u);
  EXPECT_EQ(r->version, 1u);
  EXPECT_EQ(r->zone.serial, 2026112901u);  // the file's serial 1 is behind today01
  EXPECT_EQ(r->zone.refresh, 7200u);
  EXPECT_EQ(svc_->list_records(reader_, {"example.com", {}, {}})->size(), 4u);
  auto changes = changes_after(0);
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(changes[0].change.ops_size(), 5);
  EXPECT_TRUE(changes[0].change.ops(0).has_zone_upsert());
  for (int i = 1; i < 5; ++i) EXPECT_TRUE(changes[0].change.ops(i).has_record_add());
  EXPECT_EQ(commits(), (std::vector<std::uint64_t>{1}));
}

TEST_F(ZoneServiceTest, ImportReplacesRecordsKeepingUnchangedIds) {
  ASSERT_TRUE(svc_->import_zone(admin_, example_import()).ok());
  auto www = (*svc_->list_records(reader_, {"example.com", "www", "A"}))[0];
  ZoneImport next = example_import();
  next.records = {{{"@", "NS", "ns1.example.com.", 3600}, 3},
                  {{"www", "A", "10.0.0.1", 120}, 4},       // TTL changed
                  {{"mail", "A", "10.0.0.5", 300}, 5}};     // new; AAAA and CNAME gone
  auto r = svc_->import_zone(admin_, next);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->created);
  EXPECT_EQ(r->added, 1u);
  EXPECT_EQ(r->removed, 2u);
  EXPECT_EQ(r->updated, 1u);
  EXPECT_EQ(r->unchanged, 1u);
  EXPECT_EQ(r->zone.serial, 2026112902u);  // bumped once
  auto www_after = (*svc_->list_records(reader_, {"example.com", "www", "A"}))[0];
  EXPECT_EQ(www_after.id, www.id);
  EXPECT_EQ(www_after.ttl, 120u);
  EXPECT_EQ(changes_after(1).size(), 1u);

  // The same file again changes nothing.
  auto same = svc_->import_zone(admin_, next);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->version, 0u);
  EXPECT_EQ(same->zone.serial, 2026112902u);
  EXPECT_EQ(commits().size(), 2u);
}

TEST_F(ZoneServiceTest, ImportKeepsAFileSerialThatIsAhead) {
  ZoneImport in = example_import();
  in.serial = 2030010105;
  auto r = svc_->import_zone(admin_, in);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->zone.serial, 2030010105u);
}

TEST_F(ZoneServiceTest, BadImportsChangeNothing) {
  ASSERT_TRUE(svc_->import_zone(admin_, example_import()).ok());
  const std::string before = dump_file(path_);
  struct Case {
    std::vector<ImportRecord> records;
    std::string want;
  };
  const Case cases[] = {
      {{{{"www", "A", "300.0.0.1", 300}, 7}}, "line 7: invalid A value"},
      {{{{"www", "A", "10.0.0.1", 300}, 7}, {{"www", "A", "10.0.0.1", 60}, 9}}, "line 9: duplicate record"},
      {{{{"www", "A", "10.0.0.1", 300}, 7}, {{"www", "CNAME", "x.example.com.", 60}, 9}},
       "line 9: CNAME conflict: \"www\" already has A records"},
      {{{{"@", "CNAME", "x.example.com.", 60}, 4}}, "line 4: CNAME conflict: a CNAME cannot be at the apex"},
      {{{{"a", "CNAME", "x.example.com.", 60}, 4}, {{"a", "CNAME", "y.example.com.", 60}, 5}},
       "line 5: CNAME conflict: \"a\" already has a CNAME record (a name can have only one)"},
      {{{{"ok", "A", "10.0.0.1", 300}, 4}, {{"bad name", "A", "10.0.0.1", 300}, 5}}, "line 5: invalid record name"},
      {{{{"x", "A", "10.0.0.1", 0}, 8}}, "line 8: invalid TTL 0"},
  };
  for (const Case& c : cases) {
    ZoneImport in = example_import();
    in.records = c.records;
    auto r = svc_->import_zone(admin_, in);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status();
  }
  ZoneImport bad_soa = example_import();
  bad_soa.soa.refresh = 0;
  EXPECT_EQ(svc_->import_zone(admin_, bad_soa).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(svc_->import_zone(agent_, example_import()).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(dump_file(path_), before);
  EXPECT_EQ(commits().size(), 1u);
}


// ---- batches (apply_batch) ----

BatchOp batch_op(BatchOpKind kind, std::string name, std::string type = "", std::string value = "",
                 std::optional<std::int64_t> ttl = std::nullopt) {
  return BatchOp{kind, RecordFields{std::move(name), std::move(type), std::move(value), ttl}};
}

TEST_F(ZoneServiceTest, BatchAppliesEveryOpInOneTransactionWithOneSerialBump) {
  ASSERT_TRUE(add(kSvc, "old", "A", "10.0.0.1").ok());
  ASSERT_TRUE(add(kSvc, "gone", "TXT", "a").ok());
  ASSERT_TRUE(add(kSvc, "gone", "A", "10.0.0.2").ok());
  const std::uint32_t before = serial(kSvc);
  const std::size_t commits_before = commits().size();
  BatchCommand cmd{kSvc,
                   {batch_op(BatchOpKind::kAdd, "New", "a", "10.0.0.3", 60),
                    batch_op(BatchOpKind::kAdd, "new", "A", "10.0.0.4", 120),  // the RRset's TTL becomes 120
                    batch_op(BatchOpKind::kRemoveOne, "old", "A", "10.0.0.1"),
                    batch_op(BatchOpKind::kRemoveName, "gone"),
                    batch_op(BatchOpKind::kRemoveRRset, "nothing", "MX"),    // nothing there: fine
                    batch_op(BatchOpKind::kRemoveName, "@")}};                // the apex keeps its NS
  auto result = svc_->apply_batch(admin_, cmd);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->added, 2u);
  EXPECT_EQ(result->removed, 3u);
  EXPECT_EQ(result->updated, 1u);
  EXPECT_EQ(serial(kSvc), before + 1);
  EXPECT_EQ(result->zone.serial, before + 1);
  ASSERT_EQ(commits().size(), commits_before + 1);
  EXPECT_EQ(commits().back(), result->version);
  auto records = svc_->list_records(admin_, RecordFilter{kSvc, std::string("new")});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);
  for (const Record& r : *records) EXPECT_EQ(r.ttl, 120u);
  EXPECT_TRUE(svc_->list_records(admin_, RecordFilter{kSvc, std::string("gone")})->empty());
  EXPECT_TRUE(svc_->list_records(admin_, RecordFilter{kSvc, std::string("old")})->empty());
  EXPECT_EQ(svc_->list_records(admin_, RecordFilter{kSvc, std::string("@"), std::string("NS")})->size(), 1u);
  // One change-log row: the zone upsert first, then the record ops in order.
  auto changes = changes_after(result->version - 1);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_TRUE(changes[0].change.ops(0).has_zone_upsert());
  EXPECT_EQ(changes[0].change.ops_size(), 1 + 2 + 2 + 3);  // upsert, 2 adds, TTL change, 3 removes

  // Nothing to change: no bump, no row, no notification.
  auto again = svc_->apply_batch(admin_, BatchCommand{kSvc, {batch_op(BatchOpKind::kRemoveName, "gone")}});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version, 0u);
  EXPECT_EQ(serial(kSvc), before + 1);
  EXPECT_EQ(commits().size(), commits_before + 1);
}

TEST_F(ZoneServiceTest, BatchFailsWholeOnAnInvalidOpAConflictOrAPrecondition) {
  ASSERT_TRUE(add(kSvc, "alias", "CNAME", "target.example.net.").ok());
  const std::uint32_t before = serial(kSvc);
  auto bad = svc_->apply_batch(admin_, BatchCommand{kSvc,
                                                    {batch_op(BatchOpKind::kAdd, "fine", "A", "10.1.0.1"),
                                                     batch_op(BatchOpKind::kAdd, "bad", "A", "999.1.1.1")}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("operation 2"), std::string::npos) << bad.status();

  BatchCommand conflict{kSvc,
                        {batch_op(BatchOpKind::kAdd, "fine", "A", "10.1.0.1"),
                         batch_op(BatchOpKind::kAdd, "alias", "A", "10.1.0.2")}};
  EXPECT_EQ(svc_->apply_batch(admin_, conflict).status().code(), StatusCode::kAlreadyExists);

  BatchCommand guarded{kSvc, {batch_op(BatchOpKind::kAdd, "fine", "A", "10.1.0.1")}};
  guarded.precondition = [](store::ReadTx&, const Zone&) { return failed_precondition("no"); };
  EXPECT_EQ(svc_->apply_batch(admin_, guarded).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(svc_->list_records(admin_, RecordFilter{kSvc, std::string("fine")})->empty());
  EXPECT_EQ(serial(kSvc), before);

  // RFC 2136 §3.4.2.2: under OnConflict::kSkip the conflicting add is ignored, the rest
  // applied, and a CNAME replaces a CNAME.
  conflict.on_conflict = OnConflict::kSkip;
  conflict.ops.push_back(batch_op(BatchOpKind::kAdd, "alias", "CNAME", "other.example.net."));
  auto skipped = svc_->apply_batch(admin_, conflict);
  ASSERT_TRUE(skipped.ok()) << skipped.status();
  EXPECT_EQ(skipped->skipped, 1u);
  auto alias = svc_->list_records(admin_, RecordFilter{kSvc, std::string("alias")});
  ASSERT_EQ(alias->size(), 1u);
  EXPECT_EQ((*alias)[0].value, "other.example.net.");
  EXPECT_EQ(serial(kSvc), before + 1);
}

TEST_F(ZoneServiceTest, BatchUsesTheAccountMatrixUnlessTheCallerAuthorizedItself) {
  BatchCommand cmd{kSvc, {batch_op(BatchOpKind::kAdd, "_acme-challenge", "TXT", "token")}};
  EXPECT_EQ(svc_->apply_batch(reader_, cmd).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->apply_batch(metacrypt_, cmd).status().code(), StatusCode::kPermissionDenied);
  Principal tsig{"tsig:acme", "", {}, AccountType::kSystem};
  EXPECT_EQ(svc_->apply_batch(tsig, cmd).status().code(), StatusCode::kPermissionDenied);
  auto ok = svc_->apply_batch(tsig, cmd, BatchAuthorization::kPreAuthorizedByCaller);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->added, 1u);
}

// ---- change control (SPEC 14) ----

using RecordSet = std::set<std::tuple<std::string, std::string, std::string, std::uint32_t>>;

RecordSet record_set(const std::vector<Record>& records) {
  RecordSet out;
  for (const Record& r : records) out.emplace(r.name, r.type, r.value, r.ttl);
  return out;
}

TEST_F(ZoneServiceTest, HistoryListsEveryChangeWithItsAuthorAndVia) {
  Principal rest = admin_;
  rest.via = "rest";
  Principal grpc = agent_;
  grpc.via = "grpc";
  const std::uint32_t before = serial(kSvc);
  auto a = svc_->create_record(rest, CreateRecord{kSvc, RecordFields{"h1", "A", "10.0.0.1", 60}});
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = svc_->update_record(grpc, UpdateRecord{kSvc, a->id, RecordFields{"h1", "A", "10.0.0.2", 60}});
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(svc_->delete_record(rest, kSvc, a->id, std::nullopt).ok());

  auto history = svc_->list_changes(reader_, HistoryQuery{kSvc, before, std::nullopt});
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 3u);
  const Change& created = (*history)[0];
  EXPECT_EQ(created.user, "root");
  EXPECT_EQ(created.via, "rest");
  EXPECT_EQ(created.serial, before + 1);
  ASSERT_EQ(created.ops.size(), 2u);
  EXPECT_EQ(created.ops[0].op, "zone");
  EXPECT_EQ(created.ops[0].zone.serial, before + 1);
  EXPECT_EQ(created.ops[1].op, "add");
  EXPECT_EQ(created.ops[1].record.value, "10.0.0.1");
  const Change& updated = (*history)[1];
  EXPECT_EQ(updated.user, "mcp-agent");
  EXPECT_EQ(updated.via, "grpc");
  ASSERT_EQ(updated.ops.size(), 3u);
  EXPECT_EQ(updated.ops[1].op, "remove");
  EXPECT_EQ(updated.ops[1].record.value, "10.0.0.1");
  EXPECT_EQ(updated.ops[2].op, "add");
  EXPECT_EQ(updated.ops[2].record.value, "10.0.0.2");
  EXPECT_EQ((*history)[2].ops[1].op, "remove");
  EXPECT_LT(created.version, updated.version);

  auto limited = svc_->list_changes(reader_, HistoryQuery{kSvc, before, 2});
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[1].version, updated.version);
  auto after = svc_->list_changes(reader_, HistoryQuery{kSvc, before + 2, std::nullopt});
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(svc_->list_changes(reader_, HistoryQuery{"nope.example", {}, {}}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(svc_->list_changes(guest_, HistoryQuery{kSvc, {}, {}}).status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ZoneServiceTest, HistorySurvivesCompactionAndIsPrunedByAge) {
  const std::uint32_t before = serial(kSvc);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(add(kSvc, str_cat("c", i), "A", "10.0.0.9").ok());
  ASSERT_TRUE(store_->compact_change_log(0).ok());
  auto history = svc_->list_changes(admin_, HistoryQuery{kSvc, before, {}});
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 5u);
  // Entries are dated 2026-11-29 by the fake clock: a cut a day later removes them all.
  auto pruned = store_->prune_history(Timestamp{std::chrono::sys_days{std::chrono::year{2026} / 11 / 30}});
  ASSERT_TRUE(pruned.ok());
  EXPECT_GE(*pruned, 5u);
  EXPECT_TRUE(svc_->list_changes(admin_, HistoryQuery{kSvc, before, {}})->empty());
}

TEST_F(ZoneServiceTest, RollbackRestoresTheRecordsOfASerialInOneNewChange) {
  ASSERT_TRUE(add(kSvc, "keep", "A", "10.0.0.1").ok());
  const std::uint32_t target = serial(kSvc);
  auto at_target = svc_->list_records(admin_, RecordFilter{kSvc});
  ASSERT_TRUE(at_target.ok());
  // Twenty mixed changes: adds, TTL and value updates, deletes, a CNAME.
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 8; ++i) {
    auto r = add(kSvc, str_cat("n", i), "A", str_cat("10.1.0.", i));
    ASSERT_TRUE(r.ok()) << r.status();
    ids.push_back(r->id);
  }
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(svc_->update_record(admin_, UpdateRecord{kSvc, ids[i], RecordFields{str_cat("n", i), "A",
                                                                                    str_cat("10.2.0.", i), 120}})
                    .ok());
  for (int i = 4; i < 8; ++i) ASSERT_TRUE(svc_->delete_record(admin_, kSvc, ids[i], std::nullopt).ok());
  auto keep = svc_->list_records(admin_, RecordFilter{kSvc, std::string("keep"), std::nullopt});
  ASSERT_EQ(keep->size(), 1u);
  ASSERT_TRUE(svc_->delete_record(admin_, kSvc, keep->front().id, std::nullopt).ok());
  ASSERT_TRUE(add(kSvc, "alias", "CNAME", "n0").ok());
  ASSERT_TRUE(add(kSvc, "t", "TXT", "\"x\"").ok());
  ASSERT_TRUE(add(kSvc, "keep", "AAAA", "2001:db8::1").ok());
  const std::uint32_t before_rollback = serial(kSvc);

  EXPECT_EQ(svc_->rollback(agent_, Rollback{kSvc, target, {}}).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->rollback(admin_, Rollback{kSvc, 1234, {}}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(svc_->rollback(admin_, Rollback{kSvc, target, before_rollback - 1}).status().code(),
            StatusCode::kFailedPrecondition);
  const std::size_t commits_before = commits().size();
  auto done = svc_->rollback(admin_, Rollback{kSvc, target, before_rollback});
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->via, "rollback");
  EXPECT_EQ(done->serial, before_rollback + 1);
  EXPECT_EQ(serial(kSvc), before_rollback + 1);
  EXPECT_EQ(commits().size(), commits_before + 1);
  EXPECT_EQ(record_set(*svc_->list_records(admin_, RecordFilter{kSvc})), record_set(*at_target));
  auto last = svc_->list_changes(admin_, HistoryQuery{kSvc, before_rollback, {}});
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ(last->front().via, "rollback");
  EXPECT_EQ(last->front().user, "root");
  // Rolling back to where the zone already is changes nothing.
  auto again = svc_->rollback(admin_, Rollback{kSvc, target, {}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 0u);
  EXPECT_EQ(serial(kSvc), before_rollback + 1);
}

TEST_F(ZoneServiceTest, ConditionalWritesNeedTheCurrentSerial) {
  const std::uint32_t now_serial = serial(kSvc);
  CreateRecord stale{kSvc, RecordFields{"c1", "A", "10.0.0.1", {}}, now_serial - 1};
  auto refused = svc_->create_record(admin_, stale);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("not the expected"), std::string::npos);
  EXPECT_EQ(serial(kSvc), now_serial);
  CreateRecord fresh{kSvc, RecordFields{"c1", "A", "10.0.0.1", {}}, now_serial};
  auto made = svc_->create_record(admin_, fresh);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_EQ(svc_->update_record(admin_, UpdateRecord{kSvc, made->id, RecordFields{"c1", "A", "10.0.0.2", {}},
                                                     now_serial})
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(svc_->delete_record(admin_, kSvc, made->id, now_serial).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(svc_->update_zone(admin_, UpdateZone{kSvc, SoaFields{.refresh = 7200}, now_serial}).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(svc_->delete_zone(admin_, kSvc, now_serial).code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(svc_->delete_record(admin_, kSvc, made->id, now_serial + 1).ok());
}

TEST_F(ZoneServiceTest, ConditionalWritesRacingOnOneSerialLetExactlyOneWin) {
  const std::uint32_t s = serial(kSvc);
  constexpr int kRacers = 8;
  std::latch start(kRacers);
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto r = svc_->create_record(admin_, CreateRecord{kSvc, RecordFields{str_cat("race", i), "A", "10.0.0.1", {}}, s});
      if (r.ok()) ++won;
      else if (r.status().code() == StatusCode::kFailedPrecondition) ++lost;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kRacers - 1);
}

ChangeRequestOp add_op(std::string name, std::string type, std::string value) {
  return ChangeRequestOp{ChangeOpKind::kAdd, RecordFields{std::move(name), std::move(type), std::move(value), {}}};
}

TEST_F(ZoneServiceTest, ChangeBatchIsAllOrNothingWithOneSerialBump) {
  const std::uint32_t before = serial(kSvc);
  auto records_before = record_set(*svc_->list_records(admin_, RecordFilter{kSvc}));
  // One invalid op (a bad address) anywhere: nothing written.
  ChangeRequest bad{kSvc, {add_op("b1", "A", "10.0.0.1"), add_op("b2", "A", "10.0.0.300")}};
  auto refused = svc_->apply_changes(admin_, bad);
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("operation 2"), std::string::npos) << refused.status();
  // A CNAME conflict found inside the transaction: nothing written either.
  ChangeRequest conflict{kSvc, {add_op("c1", "A", "10.0.0.1"), add_op("c1", "CNAME", "other")}};
  EXPECT_EQ(svc_->apply_changes(admin_, conflict).status().code(), StatusCode::kAlreadyExists);
  ChangeRequest missing{kSvc, {add_op("m1", "A", "10.0.0.1"),
                               ChangeRequestOp{ChangeOpKind::kRemoveId, {}, 999999, {}}}};
  EXPECT_EQ(svc_->apply_changes(admin_, missing).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(serial(kSvc), before);
  EXPECT_EQ(record_set(*svc_->list_records(admin_, RecordFilter{kSvc})), records_before);

  ChangeRequest fifty{kSvc, {}};
  for (int i = 0; i < 50; ++i) fifty.ops.push_back(add_op(str_cat("bulk", i), "A", str_cat("10.3.0.", i)));
  auto done = svc_->apply_changes(agent_, fifty);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->serial, before + 1);
  EXPECT_EQ(done->ops.size(), 51u);  // the zone op and 50 adds
  EXPECT_EQ(serial(kSvc), before + 1);
  EXPECT_EQ(svc_->list_changes(admin_, HistoryQuery{kSvc, before, {}})->size(), 1u);

  // remove by id, by value, replace an RRset.
  auto bulk0 = svc_->list_records(admin_, RecordFilter{kSvc, std::string("bulk0"), std::nullopt});
  ChangeRequestOp replace{ChangeOpKind::kReplace, RecordFields{"bulk2", "A", "", {}}, 0,
                          {RecordFields{"", "", "10.9.9.1", 60}, RecordFields{"", "", "10.9.9.2", 60}}};
  ChangeRequest mixed{kSvc,
                      {ChangeRequestOp{ChangeOpKind::kRemoveId, {}, bulk0->front().id, {}},
                       ChangeRequestOp{ChangeOpKind::kRemoveMatch, RecordFields{"bulk1", "A", "10.3.0.1", {}}, 0, {}},
                       replace},
                      before + 1};
  auto m = svc_->apply_changes(admin_, mixed);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->serial, before + 2);
  EXPECT_TRUE(svc_->list_records(admin_, RecordFilter{kSvc, std::string("bulk0"), std::nullopt})->empty());
  EXPECT_TRUE(svc_->list_records(admin_, RecordFilter{kSvc, std::string("bulk1"), std::nullopt})->empty());
  EXPECT_EQ(record_set(*svc_->list_records(admin_, RecordFilter{kSvc, std::string("bulk2"), std::nullopt})),
            (RecordSet{{"bulk2", "A", "10.9.9.1", 60}, {"bulk2", "A", "10.9.9.2", 60}}));
  // The same batch with the now stale serial: 412, nothing written.
  EXPECT_EQ(svc_->apply_changes(admin_, mixed).status().code(), StatusCode::kFailedPrecondition);
  // Per-op authorization: metacrypt may only write its own names.
  EXPECT_EQ(svc_->apply_changes(metacrypt_, ChangeRequest{kSvc, {add_op("other", "A", "10.0.0.1")}}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->apply_changes(reader_, ChangeRequest{kSvc, {add_op("x", "A", "10.0.0.1")}}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(svc_->apply_changes(admin_, ChangeRequest{kSvc, {}}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mcns::control::domain
