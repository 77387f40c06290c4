#include "services/control/domain/zone_file.h"

#include <gtest/gtest.h>

#include "common/zonefile/sample_zone_for_test.h"

namespace mcns::control::domain {
namespace {

using zonefile::testing::kSampleZone;

TEST(ZoneFileTest, ParsesARealisticFile) {
  auto z = parse_zone_file(kSampleZone, "Example.COM.");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->zone, "example.com");
  EXPECT_EQ(*z->soa.primary_ns, "ns1.example.com.");
  EXPECT_EQ(*z->soa.admin_email, "Admin.Example.com.");
  EXPECT_EQ(*z->serial, 2024010105u);
  EXPECT_EQ(*z->soa.refresh, 7200);
  EXPECT_EQ(*z->soa.retry, 900);
  EXPECT_EQ(*z->soa.expire, 1209600);
  EXPECT_EQ(*z->soa.minimum_ttl, 60);
  struct Want {
    const char* name;
    const char* type;
    const char* value;
    std::int64_t ttl;
  } want[] = {
      {"@", "NS", "ns1.example.com.", 3600},
      {"ns1", "A", "192.0.2.1", 3600},
      {"www", "A", "192.0.2.10", 300},
      {"www", "AAAA", "2001:db8::10", 3600},
      {"alias", "CNAME", "www.example.com.", 3600},
      {"@", "MX", "10 mail.example.com.", 3600},
      {"txt", "TXT", "\"hello world\" \"second\"", 3600},
      {"*.dev", "A", "192.0.2.20", 3600},
      {"host.sub", "A", "192.0.2.30", 3600},
  };
  ASSERT_EQ(z->records.size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(z->records[i].fields.name, want[i].name);
    EXPECT_EQ(z->records[i].fields.type, want[i].type);
    EXPECT_EQ(z->records[i].fields.value, want[i].value);
    EXPECT_EQ(*z->records[i].fields.ttl, want[i].ttl);
  }
  // Line numbers point at the record's line.
  EXPECT_EQ(z->records[1].line, 11);
  EXPECT_EQ(z->records[8].line, 20);
}

TEST(ZoneFileTest, RefusesWhatItCannotServe) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"", "no records"},
      {"; only a comment\n", "no records"},
      {"www 300 IN A 192.0.2.1\n", "no SOA record"},
      {"@ IN SOA ns. admin. 1 2 3 4 5\nwww 300 IN A 192.0.2.300\n", "line 2: "},
      {"@ IN SOA ns. admin. 1 2 3 4 5\nwww.other.org. 300 IN A 192.0.2.1\n",
       "line 2: owner \"www.other.org.\" is outside the zone \"example.com.\""},
      {"@ IN SOA ns. admin. 1 2 3 4 5\nwww 300 CH A 192.0.2.1\n", "line 2: only class IN"},
      {"@ IN SOA ns. admin. 1 2 3 4 5\nwww 300 IN HINFO \"a\" \"b\"\n", "line 2: record type HINFO is not supported"},
      {"@ IN SOA ns. admin. 1 2 3 4 5\n@ IN SOA ns. admin. 1 2 3 4 5\n", "line 2: a second SOA record (the first is on line 1)"},
      {"@ IN SOA ns. admin. 1 2 3 4 5\nsub IN SOA ns. admin. 1 2 3 4 5\n", "must be at the zone apex"},
      {"$INCLUDE other.zone\n@ IN SOA ns. admin. 1 2 3 4 5\n", "line 1: $INCLUDE is not supported"},
      {"$TTL soon\n@ IN SOA ns. admin. 1 2 3 4 5\n", "line 1: invalid $TTL"},
      {"@ IN SOA ns. admin. 1 2 3 4 5\nwww 300 IN A\n", "line 2: "},
      {"@ IN SOA ns. admin. 1 2 3 4 5\nthis is not a record\n", "line 2: "},
  };
  for (const auto& c : cases) {
    auto z = parse_zone_file(c.text, "example.com");
    ASSERT_FALSE(z.ok()) << c.text;
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument) << z.status();
    EXPECT_NE(z.status().message().find(c.want), std::string::npos) << c.text << " -> " << z.status();
  }
  EXPECT_EQ(parse_zone_file("@ IN SOA ns. admin. 1 2 3 4 5\n", "bad zone!").status().code(),
            StatusCode::kInvalidArgument);
}

// Records without a TTL get what BIND gives them (the reader's tests pin the cases):
// here no $TTL, so the SOA's minimum until an explicit TTL... and after it too, as the
// minimum became the default.
TEST(ZoneFileTest, MissingTtlsDefaultAsBindDoes) {
  auto z = parse_zone_file("@ IN SOA ns. admin. 1 2 3 4 120\na IN A 192.0.2.1\nb 500 IN A 192.0.2.2\n"
                           "c IN A 192.0.2.3\n$TTL 800\nd IN A 192.0.2.4\n",
                           "example.com");
  ASSERT_TRUE(z.ok()) << z.status();
  std::vector<std::int64_t> ttls;
  for (const auto& r : z->records) ttls.push_back(*r.fields.ttl);
  EXPECT_EQ(ttls, (std::vector<std::int64_t>{120, 500, 120, 800}));
  auto none = parse_zone_file("a IN A 192.0.2.1\n@ IN SOA ns. admin. 1 2 3 4 120\n", "example.com");
  EXPECT_EQ(none.status().message(), "line 1: no TTL, and no $TTL or earlier record to take one from");
}

TEST(ZoneFileTest, LastLineWithoutNewline) {
  auto z = parse_zone_file("@ IN SOA ns. admin. 1 2 3 4 5\nwww 60 IN A 192.0.2.1", "example.com");
  ASSERT_TRUE(z.ok()) << z.status();
  ASSERT_EQ(z->records.size(), 1u);
  EXPECT_EQ(z->records[0].fields.value, "192.0.2.1");
  auto bad = parse_zone_file("@ IN SOA ns. admin. 1 2 3 4 5\nwww 60 IN A 192.0.2", "example.com");
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace mcns::control::domain
