#include "services/dns-frontend/zonesrc/zone_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/dns/name.h"
#include "common/zone/shard_encoder.h"
#include "common/zone/zone_set.h"

namespace mcns::frontend::zonesrc {
namespace {

class ZoneFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mcns-zonefile-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  std::string dir_;
};

constexpr const char* kGood = R"($ORIGIN Example.COM.
$TTL 600
@   IN SOA ns1 hostmaster 2024010101 3600 600 86400 300
    IN NS  ns1
    IN NS  ns2.other.net.
ns1 IN A   192.0.2.1
www 300 IN A 192.0.2.10
www IN AAAA 2001:db8::10
web IN CNAME www
@   IN MX  10 mail
mail IN A 192.0.2.25
txt IN TXT "hello world" "second"
_sip._tcp IN SRV 10 5 5060 sip
sip IN A 192.0.2.26
; a comment line

*.wild IN A 192.0.2.99
)";

TEST_F(ZoneFileTest, LoadsAValidZone) {
  zone::ZoneSetBuilder b;
  auto info = load_zone_file(write("example.zone", kGood), b);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->zone, "example.com");
  EXPECT_EQ(info->serial, 2024010101u);
  EXPECT_EQ(info->records, 13u);
  auto built = b.build();
  ASSERT_TRUE(built.ok());
  ASSERT_NE((*built)->find_zone("example.com"), nullptr);
  auto stats = (*built)->stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].records, 13u);
  EXPECT_EQ(stats[0].serial, 2024010101u);
}

TEST_F(ZoneFileTest, RecordsBeforeTheSoaAreAccepted) {
  zone::ZoneSetBuilder b;
  auto info = load_zone_file(write("late-soa.zone", "www.example.org. 60 IN A 192.0.2.1\n"
                                                    "example.org. 60 IN SOA ns.example.org. h.example.org. 1 2 3 4 5\n"),
                             b);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->records, 2u);
}

TEST_F(ZoneFileTest, ErrorsNameTheFileAndLine) {
  struct Case {
    const char* name;
    std::string text;
    std::string want;  // substring of the message
  };
  const std::string soa = "$ORIGIN example.net.\n@ 300 IN SOA ns h 1 2 3 4 5\n";
  std::vector<Case> cases = {
      {"syntax", soa + "www IN A 192.0.2.1\nbad IN A 999.1.1.1\n", ":4: "},
      {"no-soa", "$ORIGIN example.net.\nwww 300 IN A 192.0.2.1\n", "no SOA"},
      {"two-soa", soa + "@ 300 IN SOA ns h 2 2 3 4 5\n", ":3: a second SOA"},
      {"cname-and-a", soa + "x IN A 192.0.2.1\nx IN CNAME www\n", ":4: CNAME and other data"},
      {"a-after-cname", soa + "x IN CNAME www\nx IN TXT \"t\"\n", ":4: CNAME and other data"},
      {"two-cnames", soa + "x IN CNAME a\nx IN CNAME b\n", ":4: a second CNAME"},
      {"apex-cname", soa + "@ IN CNAME www\n", ":3: a CNAME cannot be at the zone apex"},
      {"outside", soa + "www.example.org. IN A 192.0.2.1\n", ":3: owner \"www.example.org.\" is outside the zone"},
      {"include", soa + "$INCLUDE other.zone\n", "$INCLUDE is not supported"},
      {"chaos", soa + "www CH TXT \"x\"\n", ":3: only class IN"},
  };
  for (const auto& c : cases) {
    zone::ZoneSetBuilder b;
    std::string path = write(std::string(c.name) + ".zone", c.text);
    auto info = load_zone_file(path, b);
    ASSERT_FALSE(info.ok()) << c.name;
    EXPECT_NE(info.status().message().find("zone file " + path), std::string::npos) << info.status();
    EXPECT_NE(info.status().message().find(c.want), std::string::npos) << c.name << ": " << info.status();
  }
}

// The TTLs served are the reader's (BIND's): no $TTL, so the SOA minimum (120) from the
// SOA on, an explicit TTL for its own record only, then $TTL 900.
TEST_F(ZoneFileTest, MissingTtlsDefaultAsBindDoes) {
  zone::ZoneSetBuilder b;
  auto info = load_zone_file(write("ttl.zone", "$ORIGIN example.org.\n"
                                               "@ IN SOA ns h 1 3600 600 86400 120\n"
                                               "a IN A 192.0.2.1\n"
                                               "b 500 IN A 192.0.2.2\n"
                                               "c IN A 192.0.2.3\n"
                                               "$TTL 900\n"
                                               "d IN A 192.0.2.4\n"),
                             b);
  ASSERT_TRUE(info.ok()) << info.status();
  auto built = b.build();
  ASSERT_TRUE(built.ok());
  const zone::Zone* z = (*built)->find_zone("example.org");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->soa_ttl(), 120u);
  auto ttl_of = [&](const char* absolute) {
    std::vector<std::uint8_t> w = dns::name_to_wire(absolute);
    zone::NodeRef n = z->find(w.data(), w.size());
    std::uint32_t ttl = 0;
    if (n) zone::for_each_record(*n.shard, *n.node, [&](std::uint16_t, std::uint32_t t, auto) { ttl = t; });
    return ttl;
  };
  EXPECT_EQ(ttl_of("a.example.org."), 120u);
  EXPECT_EQ(ttl_of("b.example.org."), 500u);
  EXPECT_EQ(ttl_of("c.example.org."), 120u);
  EXPECT_EQ(ttl_of("d.example.org."), 900u);
}

TEST_F(ZoneFileTest, MissingFileIsNotFound) {
  zone::ZoneSetBuilder b;
  auto info = load_zone_file(dir_ + "/absent.zone", b);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kNotFound);
  EXPECT_NE(info.status().message().find("absent.zone"), std::string::npos);
}

TEST_F(ZoneFileTest, CheckCallbackCanRefuseTheZone) {
  zone::ZoneSetBuilder b;
  auto info = load_zone_file(write("x.zone", kGood), b, [](const std::string& zone) {
    return already_exists("zone " + zone + " taken");
  });
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(info.status().message().find("x.zone:3: zone example.com taken"), std::string::npos) << info.status();
}

}  // namespace
}  // namespace mcns::frontend::zonesrc
