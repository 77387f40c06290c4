#include "common/zonefile/zone_file_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <tuple>

#include "common/base/strings.h"
#include "common/zonefile/sample_zone_for_test.h"

namespace mcns::zonefile {
namespace {

// (owner, TTL, type) of every record, in delivery order (the SOA first).
using Row = std::tuple<std::string, std::uint32_t, std::string>;

std::vector<Row> rows(const ZoneFile& z) {
  std::vector<Row> out;
  for (const Record& r : z.records) out.emplace_back(to_lower(name_text(r.owner)), r.ttl, type_text(r.type));
  return out;
}

StatusOr<ZoneFile> read(std::string_view text, std::string zone = "") {
  ReadOptions o;
  o.zone = std::move(zone);
  return read_zone_text(text, o);
}

// ---- TTL defaults: what BIND 9.18's `named-checkzone -i local -D` prints for these
// files (run by hand when this was written; TtlDefaultsMatchNamedCheckzone re-checks
// them when named-checkzone is installed). The NS and its address are written last and
// without a TTL so they show the default in force at the end of the file.

struct TtlCase {
  const char* name;
  std::string text;
  std::vector<Row> want;  // in file order, the SOA first
};

constexpr std::string_view kSoa = "example.com. IN SOA ns.example.com. h.example.com. 1 3600 600 86400 120\n";
// a and c take the default, b has its own TTL (500).
constexpr std::string_view kAbc = "a IN A 192.0.2.1\nb 500 IN A 192.0.2.2\nc IN A 192.0.2.3\n";
// The rows of an SOA followed by kAbc.
std::vector<Row> soa_abc(std::uint32_t soa, std::uint32_t a, std::uint32_t c) {
  return {{"example.com.", soa, "SOA"}, {"a.example.com.", a, "A"}, {"b.example.com.", 500, "A"}, {"c.example.com.", c, "A"}};
}

// A case: `head` then the NS and its address without a TTL; `want` the rows of `head`
// (the SOA first), to which the last two are added with `tail_ttl`.
TtlCase ttl_case(const char* name, std::string head, std::vector<Row> want, std::uint32_t tail_ttl) {
  want.emplace_back("example.com.", tail_ttl, "NS");
  want.emplace_back("ns.example.com.", tail_ttl, "A");
  return {name, str_cat(head, "@ IN NS ns.example.com.\nns.example.com. IN A 192.0.2.53\n"), std::move(want)};
}

const std::vector<TtlCase>& ttl_cases() {
  static const std::vector<TtlCase> cases = {
      // named: "no TTL specified; using SOA MINTTL instead"; the minimum (120) then
      // stays the default even after an explicit TTL, as a $TTL would.
      ttl_case("soa_minimum_becomes_the_default", str_cat(kSoa, kAbc),
               soa_abc(120, 120, 120), 120),
      ttl_case("dollar_ttl", str_cat("$TTL 700\n", kSoa, kAbc), soa_abc(700, 700, 700),
               700),
      // named: "using RFC1035 TTL semantics".
      ttl_case("rfc1035_last_explicit_ttl",
               str_cat("example.com. 900 IN SOA ns.example.com. h.example.com. 1 3600 600 86400 120\n", kAbc),
               soa_abc(900, 900, 500), 500),
      ttl_case("dollar_ttl_mid_file",
               str_cat(kSoa,
                       "a IN A 192.0.2.1\n"
                       "b 500 IN A 192.0.2.2\n"
                       "$TTL 800\n"
                       "c IN A 192.0.2.3\n"
                       "d 40 IN A 192.0.2.4\n"
                       "e IN A 192.0.2.5\n"),
               {{"example.com.", 120, "SOA"},
                {"a.example.com.", 120, "A"},
                {"b.example.com.", 500, "A"},
                {"c.example.com.", 800, "A"},
                {"d.example.com.", 40, "A"},
                {"e.example.com.", 800, "A"}},
               800),
      // The SOA takes the TTL before it; its minimum is not used.
      ttl_case("soa_after_an_explicit_ttl",
               str_cat("a.example.com. 50 IN A 192.0.2.1\n", kSoa, "b.example.com. IN A 192.0.2.2\n"),
               {{"example.com.", 50, "SOA"}, {"a.example.com.", 50, "A"}, {"b.example.com.", 50, "A"}}, 50),
  };
  return cases;
}

TEST(ZoneFileReaderTest, TtlDefaultsAsBindDoes) {
  for (const TtlCase& c : ttl_cases()) {
    SCOPED_TRACE(c.name);
    auto z = read(c.text, "example.com");  // named-checkzone's origin argument
    ASSERT_TRUE(z.ok()) << z.status();
    // Records before the SOA are delivered right after it; compare as sets of rows.
    std::vector<Row> got = rows(*z), want = c.want;
    EXPECT_EQ(got.front(), want.front());
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
  }
}

TEST(ZoneFileReaderTest, NoTtlBeforeTheSoaIsRefusedAsBindDoes) {
  // named: "no TTL specified; zone rejected".
  auto z = read("a.example.com. IN A 192.0.2.1\n"
                "example.com. IN SOA ns.example.com. h.example.com. 1 3600 600 86400 120\n",
                "example.com");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(z.status().message(), "line 1: no TTL, and no $TTL or earlier record to take one from");
  // Without an SOA at all, that is what is said first.
  EXPECT_EQ(read("a IN A 192.0.2.1\n", "example.com").status().message(),
            "no SOA record: a zone file needs exactly one, at the zone's apex");
}

// CNAME exclusivity is the callers' rule (the control plane's domain, the frontend's
// loader), each with its own messages: the reader delivers such records as they are.
TEST(ZoneFileReaderTest, CnameRulesAreTheCallers) {
  auto z = read("$ORIGIN example.net.\n@ 300 IN SOA ns h 1 2 3 4 5\nx IN A 192.0.2.1\nx IN CNAME www\n");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->records.size(), 3u);
}

TEST(ZoneFileReaderTest, AnExplicitMaximumTtlIsNotTakenForAMissingOne) {
  auto z = read("$TTL 60\nexample.com. IN SOA ns. h. 1 2 3 4 5\na 4294967295 IN A 192.0.2.1\nb IN A 192.0.2.2\n",
                "example.com");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(rows(*z), (std::vector<Row>{{"example.com.", 60, "SOA"},
                                        {"a.example.com.", 4294967295u, "A"},
                                        {"b.example.com.", 60, "A"}}));
}

// Runs named-checkzone (bind9-utils) on each TTL case and checks that it still gives the
// pinned answers. Skipped where BIND's tools are not installed.
TEST(ZoneFileReaderTest, TtlDefaultsMatchNamedCheckzone) {
  const char* tool = "/usr/bin/named-checkzone";
  if (::access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed (bind9-utils)";
  char tmpl[] = "/tmp/mcns-zonefile-bind-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string dir = tmpl;
  for (const TtlCase& c : ttl_cases()) {
    SCOPED_TRACE(c.name);
    std::string path = dir + "/" + c.name + ".zone";
    std::ofstream(path) << c.text;
    std::string cmd = str_cat(tool, " -q -i local -D -o - example.com ", path, " 2>/dev/null");
    std::unique_ptr<FILE, int (*)(FILE*)> p(::popen(cmd.c_str(), "r"), ::pclose);
    ASSERT_TRUE(p);
    std::string out;
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p.get())) out.append(buf.data(), n);
    std::vector<Row> got;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::string owner, klass, type;
      std::uint32_t ttl = 0;
      if (fields >> owner >> ttl >> klass >> type) got.emplace_back(to_lower(owner), ttl, type);
    }
    std::vector<Row> want = c.want;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << out;
  }
  std::filesystem::remove_all(dir);
}

// ---- reading

using testing::kSampleZone;

TEST(ZoneFileReaderTest, ReadsARealisticFile) {
  ReadOptions o;
  o.with_text = true;
  auto z = read_zone_text(kSampleZone, o);
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->zone, "example.com");
  EXPECT_EQ(z->soa.primary_ns, "ns1.example.com.");
  EXPECT_EQ(z->soa.admin, "Admin.Example.com.");
  EXPECT_EQ(z->soa.serial, 2024010105u);
  EXPECT_EQ(z->soa.refresh, 7200u);
  EXPECT_EQ(z->soa.retry, 900u);
  EXPECT_EQ(z->soa.expire, 1209600u);
  EXPECT_EQ(z->soa.minimum, 60u);
  EXPECT_EQ(rows(*z), (std::vector<Row>{{"example.com.", 3600, "SOA"},
                                        {"example.com.", 3600, "NS"},
                                        {"ns1.example.com.", 3600, "A"},
                                        {"www.example.com.", 300, "A"},
                                        {"www.example.com.", 3600, "AAAA"},
                                        {"alias.example.com.", 3600, "CNAME"},
                                        {"example.com.", 3600, "MX"},
                                        {"txt.example.com.", 3600, "TXT"},
                                        {"*.dev.example.com.", 3600, "A"},
                                        {"host.sub.example.com.", 3600, "A"}}));
  // Lines are where each record starts; the owner keeps its case.
  std::vector<int> lines;
  for (const Record& r : z->records) lines.push_back(r.line);
  EXPECT_EQ(lines, (std::vector<int>{4, 10, 11, 12, 13, 14, 15, 16, 18, 20}));
  EXPECT_EQ(name_text(z->records[3].owner), "WWW.example.com.");
  EXPECT_EQ(z->records[7].fields, (std::vector<std::string>{"\"hello world\"", "\"second\""}));
  EXPECT_EQ(z->records[4].fields, (std::vector<std::string>{"2001:db8::10"}));
  EXPECT_EQ(z->records[2].rdata, (std::vector<std::uint8_t>{192, 0, 2, 1}));
  EXPECT_EQ(z->records[2].fields, (std::vector<std::string>{"192.0.2.1"}));
}

TEST(ZoneFileReaderTest, WithoutTextOnlyWire) {
  auto z = read(kSampleZone);
  ASSERT_TRUE(z.ok()) << z.status();
  for (const Record& r : z->records) EXPECT_TRUE(r.fields.empty());
}

TEST(ZoneFileReaderTest, TheZoneOptionIsTheOriginAndTheApex) {
  auto z = read("@ IN SOA ns. admin. 1 2 3 4 5\nwww 60 IN A 192.0.2.1", "Example.COM.");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(z->zone, "example.com");
  EXPECT_EQ(rows(*z), (std::vector<Row>{{"example.com.", 5, "SOA"}, {"www.example.com.", 60, "A"}}));
  auto elsewhere = read("other.org. 60 IN SOA ns. admin. 1 2 3 4 5\n", "example.com");
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.status().message(), "line 1: the SOA record must be at the zone apex (\"example.com.\")");
  EXPECT_EQ(read("@ IN SOA ns. admin. 1 2 3 4 5\n", "bad zone!").status().code(), StatusCode::kInvalidArgument);
}

TEST(ZoneFileReaderTest, RecordsBeforeTheSoaComeAfterIt) {
  auto z = read("www.example.org. 60 IN A 192.0.2.1\nexample.org. 60 IN SOA ns.example.org. h.example.org. 1 2 3 4 5\n");
  ASSERT_TRUE(z.ok()) << z.status();
  EXPECT_EQ(rows(*z), (std::vector<Row>{{"example.org.", 60, "SOA"}, {"www.example.org.", 60, "A"}}));
  EXPECT_EQ(z->records[1].line, 1);
}

TEST(ZoneFileReaderTest, RefusalsNameTheLine) {
  const std::string soa = "$ORIGIN example.net.\n@ 300 IN SOA ns h 1 2 3 4 5\n";
  struct Case {
    std::string text;
    std::string want;  // the whole message
  } cases[] = {
      {"", "the zone file has no records (an SOA record is required)"},
      {"; only a comment\n\n", "the zone file has no records (an SOA record is required)"},
      {"$ORIGIN example.net.\nwww 300 IN A 192.0.2.1\n", "no SOA record: a zone file needs exactly one, at the zone's apex"},
      {soa + "@ 300 IN SOA ns h 2 2 3 4 5\n", "line 3: a second SOA record (the first is on line 2)"},
      {soa + "www.example.org. IN A 192.0.2.1\n",
       "line 3: owner \"www.example.org.\" is outside the zone \"example.net.\""},
      {soa + "$INCLUDE other.zone\n", "line 3: $INCLUDE is not supported: put every record in one file"},
      {soa + "$GENERATE 1-2 h$ A 192.0.2.$\n", "line 3: unknown directive $GENERATE"},
      {soa + "www CH TXT \"x\"\n", "line 3: only class IN is supported"},
      {"$TTL soon\n@ IN SOA ns. admin. 1 2 3 4 5\n",
       "line 1: invalid $TTL \"soon\" (a number of seconds up to 2147483647, or 1h30m style)"},
      {"$TTL 2147483648\n", "line 1: invalid $TTL \"2147483648\" (a number of seconds up to 2147483647, or 1h30m style)"},
      {"www 300 IN A 192.0.2.1\n@ 300 IN SOA ns. h. 1 2 3 4 5\n",
       "line 1: relative owner \"www\" with no $ORIGIN before it"},
      {"@ 300 IN SOA ns. h. 1 2 3 4 5\n", "line 1: relative owner \"@\" with no $ORIGIN before it"},
      {"$ORIGIN sub\n", "line 1: relative $ORIGIN \"sub\" with no origin before it"},
      {"$ORIGIN example.net.\n@ 300 IN SOA ns h 1 2 3 4\n", "line 2: Syntax error, value expected"},
  };
  for (const auto& c : cases) {
    auto z = read(c.text);
    ASSERT_FALSE(z.ok()) << c.text;
    EXPECT_EQ(z.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(z.status().message(), c.want) << c.text;
  }
}

TEST(ZoneFileReaderTest, SyntaxErrorsNameTheLineAndTheSource) {
  ReadOptions o;
  o.source = "/etc/mcns/x.zone";
  auto z = read_zone_text("$ORIGIN example.net.\n@ 300 IN SOA ns h 1 2 3 4 5\nwww IN A 192.0.2.1\n\nbad IN A 999.1.1.1\n", o);
  ASSERT_FALSE(z.ok());
  EXPECT_TRUE(z.status().message().starts_with("zone file /etc/mcns/x.zone:5: ")) << z.status();
  auto none = read_zone_text("", o);
  EXPECT_EQ(none.status().message(), "zone file /etc/mcns/x.zone: the zone file has no records (an SOA record is required)");
  EXPECT_FALSE(read("@ IN SOA ns. admin. 1 2 3 4 5\nwww 60 IN A 192.0.2", "example.com").ok());
  EXPECT_TRUE(read("@ IN SOA ns. admin. 1 2 3 4 5\nwww 60 IN A 192.0.2.1 ; last line, no newline", "example.com").ok());
}

TEST(ZoneFileReaderTest, AHandlerStopsTheRead) {
  Handlers h;
  int records = 0;
  h.zone = [](const std::string&, const Soa&, const Record&) { return ok_status(); };
  h.record = [&](const Record&) {
    ++records;
    return already_exists("stop here");
  };
  Status st = read_zone_file(kSampleZone, {}, h);
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(st.message(), "stop here");
  EXPECT_EQ(records, 1);
}

TEST(ZoneFileReaderTest, NamesAndTypesAsText) {
  const std::vector<std::uint8_t> www = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  EXPECT_EQ(name_text(www), "www.example.");
  EXPECT_EQ(type_text(28), "AAAA");
  EXPECT_EQ(type_text(65280), "TYPE65280");
}

}  // namespace
}  // namespace mcns::zonefile
