// The real mcns-dns binary, standalone with zone files, queried with kdig and dig over
// UDP and TCP (SPEC section 9), and with a raw socket for TCP pipelining.
#include <gtest/gtest.h>

#include "common/base/strings.h"

#include "services/dns-frontend/forward/forward_test_util.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/dns/suite_process.h"
#include "tests/integration/dns/test_zones.h"

namespace mcns::test::dns {
namespace {

namespace fw = frontend::forward::testing;

class Authoritative : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_.start([](ScratchDir& dir) {
      DnsOptions o;
      o.zone_files = {dir.write("example.zone", example_zone()), dir.write("svc.zone", svc_zone())};
      return o;
    });
  }
  static void TearDownTestSuite() { suite_.stop(); }
  std::uint16_t port() const { return suite_.process().dns_port(); }

  static inline SuiteProcess suite_;
};

TEST_F(Authoritative, AnswersOverUdpAndTcpWithKdigAndDig) {
  EXPECT_EQ(kdig(port(), "+short www.example.com A"), "192.0.2.10\n");
  EXPECT_EQ(kdig(port(), "+tcp +short www.example.com AAAA"), "2001:db8::10\n");
  EXPECT_EQ(dig(port(), "+short www.example.com A"), "192.0.2.10\n");
  EXPECT_EQ(dig(port(), "+tcp +short www.example.com AAAA"), "2001:db8::10\n");
  std::string out = kdig(port(), "metacrypt.svc.mcp.metacircular.net A");
  EXPECT_EQ(status_of(out), "NOERROR") << out;
  EXPECT_NE(out.find("Flags: qr aa"), std::string::npos) << out;
  EXPECT_NE(out.find("192.168.88.181"), std::string::npos);
  EXPECT_NE(out.find("100.95.252.120"), std::string::npos);
}

// SPEC 13: a frontend holds no TSIG keys: a signed query is NOTAUTH with a BADKEY TSIG
// (as Knot and NSD answer), an UPDATE is REFUSED, and nothing of the zone is shown.
TEST_F(Authoritative, SignedMessagesAreNotauthBadkeyAndUpdatesAreRefused) {
  const std::string key = "-y hmac-sha256:xfr.rift:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ== ";
  for (const char* transport : {"", "+tcp "}) {
    std::string out = dig(port(), str_cat(transport, key, "www.example.com A"));
    EXPECT_NE(out.find("status: NOTAUTH"), std::string::npos) << out;
    EXPECT_NE(out.find("BADKEY"), std::string::npos) << out;
    EXPECT_EQ(out.find("192.0.2.10"), std::string::npos) << out;
    std::string k = kdig(port(), str_cat(transport, key, "AXFR example.com"));
    EXPECT_NE(k.find("BADKEY"), std::string::npos) << k;
  }
  std::string update = shell(str_cat("printf 'server 127.0.0.1 ", port(),
                                     "\\nzone example.com\\nupdate add x.example.com 300 A 10.0.0.1\\nsend\\n' | "
                                     "nsupdate -t 2 2>&1"));
  EXPECT_NE(update.find("REFUSED"), std::string::npos) << update;
  EXPECT_EQ(kdig(port(), "+short x.example.com A"), "");
}

TEST_F(Authoritative, CnameChainIsFollowedInsideTheZones) {
  std::string out = dig(port(), "+noall +answer web.example.com A");
  EXPECT_NE(out.find("CNAME\twww.example.com."), std::string::npos) << out;
  EXPECT_NE(out.find("192.0.2.10"), std::string::npos) << out;
  out = kdig(port(), "loop1.example.com A");  // a loop ends, it does not hang
  EXPECT_EQ(status_of(out), "NOERROR") << out;
}

TEST_F(Authoritative, NxdomainAndNodataCarryTheSoa) {
  std::string nx = dig(port(), "nope.example.com A");
  EXPECT_EQ(status_of(nx), "NXDOMAIN") << nx;
  EXPECT_NE(nx.find("AUTHORITY: 1"), std::string::npos) << nx;
  EXPECT_NE(nx.find("60\tIN\tSOA"), std::string::npos) << nx;  // min(SOA TTL 300, minimum 60)
  std::string nodata = kdig(port(), "www.example.com MX");
  EXPECT_EQ(status_of(nodata), "NOERROR") << nodata;
  EXPECT_NE(nodata.find("ANSWER: 0"), std::string::npos) << nodata;
  EXPECT_NE(nodata.find("SOA"), std::string::npos) << nodata;
  std::string ent = dig(port(), "b.c.example.com A");  // an empty non-terminal
  EXPECT_EQ(status_of(ent), "NOERROR") << ent;
  EXPECT_NE(ent.find("ANSWER: 0"), std::string::npos) << ent;
}

TEST_F(Authoritative, QuestionCaseIsPreserved) {
  std::string out = dig(port(), "WwW.ExAmPlE.cOm A");  // (kdig lower-cases what it sends)
  EXPECT_NE(out.find(";WwW.ExAmPlE.cOm.\t"), std::string::npos) << out;
  EXPECT_NE(out.find("\nWwW.ExAmPlE.cOm.\t"), std::string::npos) << out;
  EXPECT_NE(out.find("192.0.2.10"), std::string::npos) << out;
}

TEST_F(Authoritative, Edns) {
  std::string out = kdig(port(), "+edns www.example.com A");
  EXPECT_NE(out.find("EDNS PSEUDOSECTION"), std::string::npos) << out;
  EXPECT_NE(out.find("Version: 0"), std::string::npos) << out;
  std::string plain = dig(port(), "+noedns www.example.com A");
  EXPECT_EQ(plain.find("OPT PSEUDOSECTION"), std::string::npos) << plain;
  std::string badvers = kdig(port(), "+edns=1 www.example.com A");
  EXPECT_EQ(status_of(badvers), "BADVERS") << badvers;
}

TEST_F(Authoritative, TruncatedUdpAnswerIsRetriedOverTcp) {
  std::string tc = dig(port(), "+noedns +ignore big.example.com TXT");
  EXPECT_NE(tc.find("flags: qr aa tc"), std::string::npos) << tc;
  std::string retried = dig(port(), "+noedns +noall +answer big.example.com TXT");  // dig retries over TCP
  int records = 0;
  for (std::size_t at = 0; (at = retried.find("\tTXT\t", at)) != std::string::npos; ++at) ++records;
  EXPECT_EQ(records, 4) << retried;
  std::string fits = kdig(port(), "+bufsize=1232 big.example.com TXT");  // fits 1232 with EDNS
  EXPECT_EQ(fits.find(" TC"), std::string::npos) << fits;
  EXPECT_NE(fits.find("ANSWER: 4"), std::string::npos) << fits;
}

TEST_F(Authoritative, OutsideEveryZoneIsRefusedWithoutForwarding) {
  std::string out = kdig(port(), "example.org A");
  EXPECT_EQ(status_of(out), "REFUSED") << out;
}

TEST_F(Authoritative, TcpPipeliningOnOneConnection) {
  TcpClient c(port());
  ASSERT_TRUE(c.connected());
  fw::Bytes all;
  const char* names[] = {"www.example.com", "nope.example.com", "web.example.com", "metacrypt.svc.mcp.metacircular.net"};
  for (std::uint16_t id = 0; id < 40; ++id) {
    fw::Bytes q = fw::make_query(names[id % 4], 1, {.id = static_cast<std::uint16_t>(1000 + id)});
    all.push_back(static_cast<std::uint8_t>(q.size() >> 8));
    all.push_back(static_cast<std::uint8_t>(q.size()));
    all.insert(all.end(), q.begin(), q.end());
  }
  ASSERT_TRUE(c.send_raw(all));  // 40 queries in one write, then read 40 answers
  for (std::uint16_t id = 0; id < 40; ++id) {
    auto r = c.read_frame();
    ASSERT_TRUE(r.has_value()) << id;
    EXPECT_EQ(fw::get16(*r, 0), 1000 + id);
    EXPECT_EQ((*r)[3] & 0x0f, id % 4 == 1 ? 3 : 0) << id;  // the NXDOMAIN one
  }
}

TEST_F(Authoritative, KdigKeepsOneTcpConnectionForSeveralQueries) {
  std::string out = kdig(port(), "+tcp +keepopen +short www.example.com A mail.example.com A ns1.example.com A");
  EXPECT_EQ(out, "192.0.2.10\n192.0.2.25\n192.0.2.1\n") << out;
}

}  // namespace
}  // namespace mcns::test::dns
