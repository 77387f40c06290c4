// One test per record type, end to end: the record is created through REST on a real
// mcns-control, and a real mcns-dns following it must answer it — the answer read with
// kdig, and, for the types with a name in their RDATA, checked on the wire for what the
// type registry says (common/dns/rr_type.cpp: is the name compressed, do its addresses
// go to the additional section).
#include <regex>
#include <set>
#include <sstream>

#include "common/base/strings.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/sync/sync_fixture.h"
#include "tests/integration/types/wire_answer.h"

namespace mcns::test::types {
namespace {

using sync::eventually;

constexpr const char* kZone = sync::SyncTest::kZone;
std::string fqdn(const std::string& name) { return name == "@" ? str_cat(kZone, ".") : str_cat(name, ".", kZone, "."); }

// The records of a kdig section, one per line, white space collapsed, lower case.
std::set<std::string> section(const std::string& kdig_output) {
  std::set<std::string> out;
  std::istringstream lines(kdig_output);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == ';') continue;
    std::istringstream words(line);
    std::string word, joined;
    while (words >> word) joined += (joined.empty() ? "" : " ") + word;
    if (!joined.empty()) out.insert(to_lower(joined));
  }
  return out;
}

class TypesTest : public sync::SyncTest {
 protected:
  void SetUp() override {
    sync::SyncTest::SetUp();
    if (HasFatalFailure()) return;
    frontend_ = start_frontend();
    ASSERT_TRUE(frontend_) << "mcns-dns did not start";
    ASSERT_TRUE(caught_up(*frontend_));
  }

  void add(const std::string& name, const std::string& type, const std::string& value, int ttl) {
    auto r = create(name, type, value, ttl);
    ASSERT_EQ(r.status, 201) << name << " " << type << " " << value << ": " << r.body;
  }

  // Waits until kdig's `sections` (e.g. "+answer") for (name, type) hold `want`; returns
  // the last output for the failure message.
  bool served(const std::string& name, const std::string& type, const std::string& sections,
              const std::set<std::string>& want, std::string* last = nullptr) {
    std::string out;
    bool ok = eventually([&] {
      out = dns::kdig(frontend_->dns_port(), str_cat("+noall ", sections, " ", fqdn(name), " ", type));
      std::set<std::string> got = section(out);
      return std::includes(got.begin(), got.end(), want.begin(), want.end());
    });
    if (last) *last = out;
    return ok;
  }

  std::unique_ptr<dns::DnsProcess> frontend_;
};

TEST_F(TypesTest, MX) {
  add("mail1", "A", "192.0.2.25", 300);
  add("mx1", "MX", "10 mail1.svc.mcp.metacircular.net", 600);
  std::string out;
  EXPECT_TRUE(served("mx1", "MX", "+answer",
                     {"mx1.svc.mcp.metacircular.net. 600 in mx 10 mail1.svc.mcp.metacircular.net."}, &out)) << out;
  // The exchange's address rides along in the additional section.
  EXPECT_TRUE(served("mx1", "MX", "+additional", {"mail1.svc.mcp.metacircular.net. 300 in a 192.0.2.25"}, &out))
      << out;
  auto wire = first_answer(frontend_->dns_port(), fqdn("mx1"), 15);
  ASSERT_TRUE(wire);
  EXPECT_TRUE(name_is_compressed(wire->rdata, 2)) << "MX exchange is compressed (RFC 1035)";
  EXPECT_GE(wire->additional, 1);
}

TEST_F(TypesTest, TXT) {
  add("txt1", "TXT", "hello world", 300);
  add("txt2", "TXT", "\"a\" \"b c\"", 120);
  std::string out;
  EXPECT_TRUE(served("txt1", "TXT", "+answer", {"txt1.svc.mcp.metacircular.net. 300 in txt \"hello world\""}, &out))
      << out;
  EXPECT_TRUE(served("txt2", "TXT", "+answer", {"txt2.svc.mcp.metacircular.net. 120 in txt \"a\" \"b c\""}, &out))
      << out;
}

TEST_F(TypesTest, SRV) {
  add("sip", "A", "192.0.2.26", 300);
  add("_sip._tcp", "SRV", "10 5 5060 sip.svc.mcp.metacircular.net", 300);
  std::string out;
  EXPECT_TRUE(served("_sip._tcp", "SRV", "+answer",
                     {"_sip._tcp.svc.mcp.metacircular.net. 300 in srv 10 5 5060 sip.svc.mcp.metacircular.net."}, &out))
      << out;
  EXPECT_TRUE(served("_sip._tcp", "SRV", "+additional", {"sip.svc.mcp.metacircular.net. 300 in a 192.0.2.26"}, &out))
      << out;
  auto wire = first_answer(frontend_->dns_port(), fqdn("_sip._tcp"), 33);
  ASSERT_TRUE(wire);
  EXPECT_FALSE(name_is_compressed(wire->rdata, 6)) << "SRV target is never compressed (RFC 2782)";
  // Priority, weight, port, then "sip.svc.mcp.metacircular.net." in full (30 octets).
  EXPECT_EQ(wire->rdata.size(), 36u);
  EXPECT_GE(wire->additional, 1);
}

TEST_F(TypesTest, CAA) {
  add("caa1", "CAA", "0 issue \"letsencrypt.org\"", 300);
  std::string out;
  EXPECT_TRUE(served("caa1", "CAA", "+answer", {"caa1.svc.mcp.metacircular.net. 300 in caa 0 issue \"letsencrypt.org\""},
                     &out))
      << out;
}

TEST_F(TypesTest, PTR) {
  add("ptr1", "PTR", "app.svc.mcp.metacircular.net", 300);
  std::string out;
  EXPECT_TRUE(served("ptr1", "PTR", "+answer", {"ptr1.svc.mcp.metacircular.net. 300 in ptr app.svc.mcp.metacircular.net."},
                     &out))
      << out;
  auto wire = first_answer(frontend_->dns_port(), fqdn("ptr1"), 12);
  ASSERT_TRUE(wire);
  EXPECT_TRUE(name_is_compressed(wire->rdata, 0)) << "PTR name is compressed (RFC 3597 section 4)";
  EXPECT_EQ(wire->additional, 0) << "PTR targets get no additional data";
}

TEST_F(TypesTest, NS) {
  // At the apex: an answer, with the new server's address as additional data.
  add("ns2", "A", "192.0.2.2", 300);
  add("@", "NS", "ns2.svc.mcp.metacircular.net", 300);
  std::string out;
  EXPECT_TRUE(served("@", "NS", "+answer", {"svc.mcp.metacircular.net. 300 in ns ns2.svc.mcp.metacircular.net."}, &out))
      << out;
  EXPECT_TRUE(served("@", "NS", "+additional", {"ns2.svc.mcp.metacircular.net. 300 in a 192.0.2.2"}, &out)) << out;
  auto wire = first_answer(frontend_->dns_port(), fqdn("@"), 2);
  ASSERT_TRUE(wire);
  EXPECT_TRUE(name_is_compressed(wire->rdata, 0)) << "NS name is compressed (RFC 1035)";
  // Below the apex: a delegation, answered with a referral and its glue.
  add("ns1.sub", "A", "192.0.2.53", 300);
  add("sub", "NS", "ns1.sub.svc.mcp.metacircular.net", 300);
  EXPECT_TRUE(served("www.sub", "A", "+authority",
                     {"sub.svc.mcp.metacircular.net. 300 in ns ns1.sub.svc.mcp.metacircular.net."}, &out))
      << out;
  EXPECT_TRUE(served("www.sub", "A", "+additional", {"ns1.sub.svc.mcp.metacircular.net. 300 in a 192.0.2.53"}, &out))
      << out;
  EXPECT_EQ(dns::status_of(dns::kdig(frontend_->dns_port(), str_cat(fqdn("www.sub"), " A"))), "NOERROR");
}

}  // namespace
}  // namespace mcns::test::types
