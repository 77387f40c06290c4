// Table-driven tests of the authoritative query path (SPEC section 9) on zones built
// from testdata/*.zone through the public builder API. Replies are decoded with ldns,
// an independent parser.
//
// "knot" in a case marks behaviour checked against knotd 3.2.6 serving the same
// testdata zones on loopback (kdig + raw packets, see testdata/README.md); the
// byte-exact comparisons are in knot_golden_test.cpp. "nsd" marks cases where Knot
// drops the packet and we follow NSD 4.6 (FORMERR) as SPEC section 9 requires.
// "deviation" marks the documented differences from Knot.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/base/strings.h"
#include "common/dns_wire/wire.h"
#include "common/zone/zone.h"
#include "common/zone/zone_set_builder.h"
#include "common/zone/zone_text_for_test.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/query/query_test_util.h"

namespace mcns::frontend {
namespace {

using testing::ask;
using testing::make_query;
using testing::QueryOptions;
using testing::Reply;
using Strings = std::vector<std::string>;

constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, MX = 15, TXT = 16, AAAA = 28, SRV = 33, DS = 43,
                        AXFR = 252, IXFR = 251, ANY = 255;
constexpr const char* kSoa = "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010103 3600 600 86400 300";

const zone::ZoneSet& zones() {
  static const zone::ZoneSetPtr z = testing::example_zones();
  return *z;
}

struct Case {
  std::string name;  // also says how it was checked: knot / nsd / deviation
  std::string qname;
  std::uint16_t qtype;
  QueryOptions opts;
  Transport transport = Transport::kUdp;
  int rcode = 0;
  bool aa = true;
  bool tc = false;
  Strings answer;
  Strings authority;
  Strings additional;  // without the OPT
};

QueryOptions edns(std::uint16_t size = 1232) {
  QueryOptions o;
  o.edns = true;
  o.bufsize = size;
  return o;
}

std::vector<Case> cases() {
  const std::string w = "www.example.com. 3600 IN ";
  std::vector<Case> c = {
      {"knot: positive answer, no authority NS (minimal like Knot)", "www.example.com", A, {}, Transport::kUdp, 0, true,
       false, {w + "A 192.0.2.80", w + "A 192.0.2.81"}, {}, {}},
      {"knot: AAAA", "www.example.com", AAAA, {}, Transport::kUdp, 0, true, false, {w + "AAAA 2001:db8::80"}, {}, {}},
      {"knot: owner stored in mixed case matches lower-case query", "mixed.example.com", A, {}, Transport::kUdp, 0, true,
       false, {"mixed.example.com. 3600 IN A 192.0.2.99"}, {}, {}},
      {"knot: apex NS with in-zone glue in additional", "example.com", NS, {}, Transport::kUdp, 0, true, false,
       {"example.com. 3600 IN NS ns1.example.com.", "example.com. 3600 IN NS ns2.example.net."}, {},
       {"ns1.example.com. 3600 IN A 192.0.2.53", "ns1.example.com. 3600 IN AAAA 2001:db8::53"}},
      {"knot: apex SOA with its own TTL", "example.com", SOA, {}, Transport::kUdp, 0, true, false,
       {"example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010103 3600 600 86400 300"}, {}, {}},
      {"knot: MX with target addresses", "example.com", MX, {}, Transport::kUdp, 0, true, false,
       {"example.com. 3600 IN MX 10 mail.example.com.", "example.com. 3600 IN MX 20 mail.example.net."}, {},
       {"mail.example.com. 3600 IN A 192.0.2.25", "mail.example.com. 3600 IN AAAA 2001:db8::25"}},
      {"knot: apex A", "example.com", A, {}, Transport::kUdp, 0, true, false, {"example.com. 3600 IN A 192.0.2.1"}, {}, {}},
      {"knot: NODATA at apex, SOA TTL = min(3600, 300)", "example.com", AAAA, {}, Transport::kUdp, 0, true, false, {},
       {kSoa}, {}},
      {"knot: NXDOMAIN with SOA", "nx.example.com", A, {}, Transport::kUdp, 3, true, false, {}, {kSoa}, {}},
      {"knot: NXDOMAIN deep below", "a.b.c.d.nx.example.com", A, {}, Transport::kUdp, 3, true, false, {}, {kSoa}, {}},
      {"knot: empty non-terminal is NODATA", "ent.example.com", A, {}, Transport::kUdp, 0, true, false, {}, {kSoa}, {}},
      {"knot: deeper empty non-terminal is NODATA", "c.ent.example.com", TXT, {}, Transport::kUdp, 0, true, false, {},
       {kSoa}, {}},
      {"knot: below an ENT is NXDOMAIN", "x.c.ent.example.com", A, {}, Transport::kUdp, 3, true, false, {}, {kSoa}, {}},
      {"knot: CNAME followed in zone", "alias.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"alias.example.com. 3600 IN CNAME www.example.com.", w + "A 192.0.2.80", w + "A 192.0.2.81"}, {}, {}},
      {"knot: CNAME query is not followed", "alias.example.com", CNAME, {}, Transport::kUdp, 0, true, false,
       {"alias.example.com. 3600 IN CNAME www.example.com."}, {}, {}},
      {"knot: CNAME chain", "chain1.example.com", AAAA, {}, Transport::kUdp, 0, true, false,
       {"chain1.example.com. 3600 IN CNAME chain2.example.com.", "chain2.example.com. 3600 IN CNAME www.example.com.",
        w + "AAAA 2001:db8::80"},
       {}, {}},
      {"knot: CNAME loop stops, NOERROR", "loop1.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"loop1.example.com. 3600 IN CNAME loop2.example.com.", "loop2.example.com. 3600 IN CNAME loop1.example.com."},
       {}, {}},
      {"knot: CNAME to itself", "self.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"self.example.com. 3600 IN CNAME self.example.com."}, {}, {}},
      {"knot: CNAME out of our zones is the whole answer", "ext.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"ext.example.com. 3600 IN CNAME www.example.net."}, {}, {}},
      {"knot: dangling CNAME is NXDOMAIN (RFC 6604) with SOA", "dangling.example.com", A, {}, Transport::kUdp, 3, true,
       false, {"dangling.example.com. 3600 IN CNAME nothere.example.com."}, {kSoa}, {}},
      {"knot: CNAME to an ENT is NODATA", "toent.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"toent.example.com. 3600 IN CNAME ent.example.com."}, {kSoa}, {}},
      {"knot: CNAME to a wildcard", "towild.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"towild.example.com. 3600 IN CNAME foo.wild.example.com.", "foo.wild.example.com. 3600 IN A 192.0.2.77"}, {},
       {}},
      {"knot: CNAME into a delegation: CNAME + referral, AA kept", "todeleg.example.com", A, {}, Transport::kUdp, 0, true,
       false, {"todeleg.example.com. 3600 IN CNAME x.sub.example.com."},
       {"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns.other.net."},
       {"ns.sub.example.com. 3600 IN A 192.0.2.54", "ns.sub.example.com. 3600 IN AAAA 2001:db8::54"}},
      {"knot: wildcard A, owner is the query name", "foo.wild.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"foo.wild.example.com. 3600 IN A 192.0.2.77"}, {}, {}},
      {"knot: wildcard TXT", "foo.wild.example.com", TXT, {}, Transport::kUdp, 0, true, false,
       {"foo.wild.example.com. 3600 IN TXT \"wild\""}, {}, {}},
      {"knot: wildcard NODATA", "foo.wild.example.com", MX, {}, Transport::kUdp, 0, true, false, {}, {kSoa}, {}},
      {"knot: wildcard matches several labels", "x.y.wild.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"x.y.wild.example.com. 3600 IN A 192.0.2.77"}, {}, {}},
      {"knot: the wildcard name itself", "*.wild.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"*.wild.example.com. 3600 IN A 192.0.2.77"}, {}, {}},
      {"knot: wildcard CNAME synthesised and followed", "foo.wc.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"foo.wc.example.com. 3600 IN CNAME www.example.com.", w + "A 192.0.2.80", w + "A 192.0.2.81"}, {}, {}},
      {"knot: no wildcard above the parent of the wildcard", "wild.example.com", A, {}, Transport::kUdp, 0, true, false,
       {}, {kSoa}, {}},
      {"knot: referral at the cut, no AA, glue", "sub.example.com", A, {}, Transport::kUdp, 0, false, false, {},
       {"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns.other.net."},
       {"ns.sub.example.com. 3600 IN A 192.0.2.54", "ns.sub.example.com. 3600 IN AAAA 2001:db8::54"}},
      {"knot: referral below the cut", "x.sub.example.com", A, {}, Transport::kUdp, 0, false, false, {},
       {"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns.other.net."},
       {"ns.sub.example.com. 3600 IN A 192.0.2.54", "ns.sub.example.com. 3600 IN AAAA 2001:db8::54"}},
      {"knot: glue name itself is a referral", "ns.sub.example.com", A, {}, Transport::kUdp, 0, false, false, {},
       {"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns.other.net."},
       {"ns.sub.example.com. 3600 IN A 192.0.2.54", "ns.sub.example.com. 3600 IN AAAA 2001:db8::54"}},
      {"knot: NS at the cut is a referral", "sub.example.com", NS, {}, Transport::kUdp, 0, false, false, {},
       {"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns.other.net."},
       {"ns.sub.example.com. 3600 IN A 192.0.2.54", "ns.sub.example.com. 3600 IN AAAA 2001:db8::54"}},
      {"knot: DS at the cut is answered by the parent (NODATA)", "sub.example.com", DS, {}, Transport::kUdp, 0, true,
       false, {}, {kSoa}, {}},
      {"knot: SRV with target address", "_sip._tcp.example.com", SRV, {}, Transport::kUdp, 0, true, false,
       {"_sip._tcp.example.com. 3600 IN SRV 0 5 5060 sipserver.example.com."}, {},
       {"sipserver.example.com. 3600 IN A 192.0.2.60"}},
      {"knot: MX target under a delegation gets the glue", "mxsub.example.com", MX, {}, Transport::kUdp, 0, true, false,
       {"mxsub.example.com. 3600 IN MX 10 ns.sub.example.com."}, {},
       {"ns.sub.example.com. 3600 IN A 192.0.2.54", "ns.sub.example.com. 3600 IN AAAA 2001:db8::54"}},
      {"knot: ANY gives the lowest-type RRset (RFC 8482)", "www.example.com", ANY, {}, Transport::kUdp, 0, true, false,
       {w + "A 192.0.2.80", w + "A 192.0.2.81"}, {}, {}},
      {"knot: ANY at the apex (A before NS and SOA)", "example.com", ANY, {}, Transport::kUdp, 0, true, false,
       {"example.com. 3600 IN A 192.0.2.1"}, {}, {}},
      {"knot: ANY over TCP is the same", "example.com", ANY, {}, Transport::kTcp, 0, true, false,
       {"example.com. 3600 IN A 192.0.2.1"}, {}, {}},
      {"knot: ANY picks MX before TXT, with additional", "mxtxt.example.com", ANY, {}, Transport::kUdp, 0, true, false,
       {"mxtxt.example.com. 3600 IN MX 10 mail.example.com."}, {},
       {"mail.example.com. 3600 IN A 192.0.2.25", "mail.example.com. 3600 IN AAAA 2001:db8::25"}},
      {"knot: ANY picks TXT before AAAA", "aaaatxt.example.com", ANY, {}, Transport::kUdp, 0, true, false,
       {"aaaatxt.example.com. 3600 IN TXT \"t\""}, {}, {}},
      {"knot: ANY at a CNAME is the CNAME, not followed", "alias.example.com", ANY, {}, Transport::kUdp, 0, true, false,
       {"alias.example.com. 3600 IN CNAME www.example.com."}, {}, {}},
      {"knot: ANY at an ENT is NODATA", "ent.example.com", ANY, {}, Transport::kUdp, 0, true, false, {}, {kSoa}, {}},
      {"knot: ANY at a wildcard", "foo.wild.example.com", ANY, {}, Transport::kUdp, 0, true, false,
       {"foo.wild.example.com. 3600 IN A 192.0.2.77"}, {}, {}},
      {"knot: ANY NXDOMAIN", "nx.example.com", ANY, {}, Transport::kUdp, 3, true, false, {}, {kSoa}, {}},
      {"knot: ANY below a cut is a referral", "sub.example.com", ANY, {}, Transport::kUdp, 0, false, false, {},
       {"sub.example.com. 3600 IN NS ns.sub.example.com.", "sub.example.com. 3600 IN NS ns.other.net."},
       {"ns.sub.example.com. 3600 IN A 192.0.2.54", "ns.sub.example.com. 3600 IN AAAA 2001:db8::54"}},
      {"knot: longest-suffix zone match (child zone)", "host.child.example.com", A, {}, Transport::kUdp, 0, true, false,
       {"host.child.example.com. 600 IN A 192.0.2.200"}, {}, {}},
      {"knot: NXDOMAIN in the child zone uses the child SOA, min(600,120)", "nx.child.example.com", A, {},
       Transport::kUdp, 3, true, false, {},
       {"child.example.com. 120 IN SOA ns1.example.com. hostmaster.example.com. 7 3600 600 86400 120"}, {}},
      {"deviation: CNAME followed into another served zone (Knot stops at its zone)", "back.child.example.com", A, {},
       Transport::kUdp, 0, true, false,
       {"back.child.example.com. 600 IN CNAME www.example.com.", w + "A 192.0.2.80", w + "A 192.0.2.81"}, {}, {}},
      {"deviation: CNAME into a child zone we serve (Knot: NXDOMAIN from the parent)", "xzone.example.com", A, {},
       Transport::kUdp, 0, true, false,
       {"xzone.example.com. 3600 IN CNAME host.child.example.com.", "host.child.example.com. 600 IN A 192.0.2.200"}, {},
       {}},
      {"knot: qtype without data is NODATA (any type number)", "www.example.com", 65000, {}, Transport::kUdp, 0, true,
       false, {}, {kSoa}, {}},
      {"knot: class ANY is answered as IN", "www.example.com", A, QueryOptions{0x1234, 0, 255}, Transport::kUdp, 0, true,
       false, {w + "A 192.0.2.80", w + "A 192.0.2.81"}, {}, {}},
      {"knot: TC without EDNS (512), sections emptied, AA kept", "big.example.com", TXT, {}, Transport::kUdp, 0, true,
       true, {}, {}, {}},
      {"knot: TC with EDNS 512", "big.example.com", TXT, edns(512), Transport::kUdp, 0, true, true, {}, {}, {}},
      {"knot: TC for 32 A records without EDNS", "manyaddr.example.com", A, {}, Transport::kUdp, 0, true, true, {}, {},
       {}},
  };
  // Generated RRsets.
  Strings big, many;
  for (int i = 1; i <= 7; ++i)
    big.push_back(str_cat("big.example.com. 3600 IN TXT \"", std::string(82, 'a'), i, "\""));
  for (int i = 1; i <= 32; ++i) many.push_back(str_cat("manyaddr.example.com. 3600 IN A 10.0.0.", i));
  c.push_back({"knot: EDNS 1232 holds the big TXT", "big.example.com", TXT, edns(), Transport::kUdp, 0, true, false, big,
               {}, {}});
  c.push_back({"knot: TCP holds the big TXT", "big.example.com", TXT, {}, Transport::kTcp, 0, true, false, big, {}, {}});
  c.push_back({"knot: EDNS 600 holds 32 A records", "manyaddr.example.com", A, edns(600), Transport::kUdp, 0, true, false,
               many, {}, {}});
  Strings chain;
  for (int i = 1; i <= 5; ++i)
    chain.push_back(str_cat("c", i, ".example.com. 3600 IN CNAME c", i + 1, ".example.com."));
  c.push_back({"knot: CNAME chain stops after five", "c1.example.com", A, {}, Transport::kUdp, 0, true, false, chain, {},
               {}});
  return c;
}

std::string join_lines(const Strings& v) {
  std::string out;
  for (const auto& s : v) out += "  " + s + "\n";
  return out;
}

TEST(QueryProcessor, RfcCases) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name + " (" + c.qname + ")");
    Reply r = ask(zones(), make_query(c.qname, c.qtype, c.opts), c.transport);
    ASSERT_EQ(r.result.action, QueryAction::kRespond);
    ASSERT_TRUE(r.parsed) << testing::to_hex(r.bytes);
    EXPECT_EQ(r.id, 0x1234);
    EXPECT_EQ(r.rcode, c.rcode);
    EXPECT_EQ(r.result.rcode, c.rcode);
    EXPECT_EQ(r.result.qtype, c.qtype);
    EXPECT_EQ(r.aa, c.aa);
    EXPECT_EQ(r.tc, c.tc);
    EXPECT_FALSE(r.ra);
    ASSERT_EQ(r.question.size(), 1u);
    EXPECT_EQ(r.answer, c.answer) << "got:\n" << join_lines(r.answer);
    EXPECT_EQ(r.authority, c.authority) << "got:\n" << join_lines(r.authority);
    EXPECT_EQ(r.additional, c.additional) << "got:\n" << join_lines(r.additional);
    EXPECT_EQ(r.edns, c.opts.edns);
    if (c.opts.edns) {
      EXPECT_EQ(r.edns_size, kMaxUdpPayload);
      EXPECT_EQ(r.edns_version, 0);
    }
    if (c.transport == Transport::kUdp) {
      std::size_t limit = c.opts.edns ? std::max<std::size_t>(512, std::min<std::size_t>(c.opts.bufsize, 1232)) : 512;
      EXPECT_LE(r.bytes.size(), limit);
    }
  }
}

TEST(QueryProcessor, QuestionCasePreservedAndOwnersPointToIt) {
  Reply r = ask(zones(), make_query("WwW.ExAmPlE.CoM", A));
  ASSERT_TRUE(r.parsed);
  ASSERT_EQ(r.question.size(), 1u);
  EXPECT_EQ(r.question[0], "WwW.ExAmPlE.CoM. IN A");
  ASSERT_EQ(r.answer.size(), 2u);
  EXPECT_EQ(r.answer[0], "WwW.ExAmPlE.CoM. 3600 IN A 192.0.2.80");  // knot: pointer to the question
  Reply nx = ask(zones(), make_query("NX.Example.COM", A));
  ASSERT_EQ(nx.authority.size(), 1u);
  EXPECT_EQ(nx.authority[0].substr(0, 13), "Example.COM. ");  // knot: SOA owner points into the question
}

TEST(QueryProcessor, EdnsHandling) {
  // knot: OPT echoed with our payload size; DO copied; other flags cleared.
  QueryOptions o = edns(4096);
  o.dnssec_ok = true;
  Reply r = ask(zones(), make_query("www.example.com", A, o));
  EXPECT_TRUE(r.edns);
  EXPECT_EQ(r.edns_size, 1232);
  EXPECT_TRUE(r.edns_do);
  EXPECT_EQ(r.answer.size(), 2u);
  // knot: a payload below 512 counts as 512.
  Reply small = ask(zones(), make_query("manyaddr.example.com", A, edns(100)));
  EXPECT_TRUE(small.tc);
  EXPECT_LE(small.bytes.size(), 512u);
  // knot: version 1 -> BADVERS (16), no AA, question kept, OPT version 0.
  QueryOptions v1 = edns();
  v1.version = 1;
  for (std::string name : {"www.example.com", "nx.example.com", "other.org"}) {
    Reply b = ask(zones(), make_query(name, A, v1));
    EXPECT_EQ(b.rcode, 16) << name;
    EXPECT_EQ(b.result.rcode, 16);
    EXPECT_FALSE(b.aa);
    EXPECT_EQ(b.question.size(), 1u);
    EXPECT_TRUE(b.answer.empty());
    EXPECT_EQ(b.edns_version, 0);
  }
  // knot: REFUSED for a name outside every zone carries EDE 20 (Not Authoritative).
  Reply refused = ask(zones(), make_query("other.org", A, edns()));
  EXPECT_EQ(refused.rcode, 5);
  EXPECT_EQ(refused.ede, std::vector<std::uint16_t>{20});
  // The TC reply keeps the OPT (knot).
  Reply tc = ask(zones(), make_query("big.example.com", TXT, edns(512)));
  EXPECT_TRUE(tc.tc);
  EXPECT_TRUE(tc.edns);
}

TEST(QueryProcessor, RefusedOutsideZonesAndForwarding) {
  for (std::string name : {"other.org", ".", "com", "example.net", "xexample.com"}) {
    Reply r = ask(zones(), make_query(name, A));
    EXPECT_EQ(r.rcode, 5) << name;  // knot
    EXPECT_FALSE(r.aa);
    EXPECT_EQ(r.question.size(), 1u);
    std::vector<std::uint8_t> out(512, 0xee);
    QueryResult f = process_query(zones(), make_query(name, A), out, Transport::kUdp, true);
    EXPECT_EQ(f.action, QueryAction::kForward) << name;
    EXPECT_EQ(f.qtype, A);
    EXPECT_EQ(out[0], 0xee);  // untouched
  }
  // Only class IN is forwarded.
  Reply ch = ask(zones(), make_query("other.org", TXT, QueryOptions{0x1234, 0, 3}), Transport::kUdp, true);
  EXPECT_EQ(ch.result.action, QueryAction::kRespond);
  EXPECT_EQ(ch.rcode, 5);
  // In-zone names are answered even when forwarding is allowed, with RA set.
  Reply in = ask(zones(), make_query("www.example.com", A, QueryOptions{0x1234, 0x0100}), Transport::kUdp, true);
  EXPECT_EQ(in.result.action, QueryAction::kRespond);
  EXPECT_TRUE(in.aa);
  EXPECT_TRUE(in.ra);
  EXPECT_TRUE(in.rd);
}

TEST(QueryProcessor, ClassesTypesAndOpcodes) {
  // knot: CH, NONE, HS and unknown classes are REFUSED.
  for (std::uint16_t cls : {3, 4, 5, 254}) {
    Reply r = ask(zones(), make_query("www.example.com", A, QueryOptions{0x1234, 0, cls}));
    EXPECT_EQ(r.rcode, 5) << cls;
    EXPECT_FALSE(r.aa);
  }
  // knot: qtype 0 NOTIMP; AXFR over UDP NOTIMP, over TCP NOTAUTH; IXFR NOTAUTH.
  EXPECT_EQ(ask(zones(), make_query("www.example.com", 0)).rcode, 4);
  EXPECT_EQ(ask(zones(), make_query("example.com", AXFR)).rcode, 4);
  EXPECT_EQ(ask(zones(), make_query("other.org", AXFR)).rcode, 4);
  EXPECT_EQ(ask(zones(), make_query("example.com", AXFR), Transport::kTcp).rcode, 9);
  EXPECT_EQ(ask(zones(), make_query("example.com", IXFR)).rcode, 9);
  EXPECT_EQ(ask(zones(), make_query("example.com", IXFR), Transport::kTcp).rcode, 9);
  // knot: opcodes other than QUERY are NOTIMP with the question (deviation: Knot says
  // NOTAUTH to NOTIFY and FORMERR to this UPDATE). UPDATE is REFUSED: updates go to
  // mcns-control, never to a frontend (SPEC 13).
  for (std::uint16_t op : {1, 2, 3, 4, 5, 6, 15}) {
    Reply r = ask(zones(), make_query("www.example.com", A, QueryOptions{0x1234, static_cast<std::uint16_t>(op << 11)}));
    EXPECT_EQ(r.rcode, op == 5 ? 5 : 4) << op;
    EXPECT_EQ(r.opcode, op);
    EXPECT_EQ(r.question.size(), 1u);
    EXPECT_FALSE(r.aa);
  }
  // knot: RD copied; AA/TC/AD/CD/Z and the query's RCODE bits are not.
  Reply r = ask(zones(), make_query("www.example.com", A, QueryOptions{0x1234, 0x0100 | 0x0400 | 0x0200 | 0x0040 | 0x0020 | 0x0010 | 0x0003}));
  EXPECT_TRUE(r.rd);
  EXPECT_TRUE(r.aa);  // ours, for the answer
  EXPECT_FALSE(r.tc);
  EXPECT_FALSE(r.ad);
  EXPECT_FALSE(r.cd);
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(r.bytes[2], 0x85);
  EXPECT_EQ(r.bytes[3], 0x00);
}

TEST(QueryProcessor, NotReadyRefusesEverything) {
  zone::ZoneSet empty;  // what SnapshotHolder starts with
  ASSERT_FALSE(empty.ready());
  for (std::string name : {"www.example.com", "other.org"}) {
    Reply r = ask(empty, make_query(name, A, edns()), Transport::kUdp, true);
    ASSERT_EQ(r.result.action, QueryAction::kRespond);
    EXPECT_EQ(r.rcode, 5);
    EXPECT_FALSE(r.aa);
    EXPECT_EQ(r.ede, std::vector<std::uint16_t>{14});  // Not Ready
  }
  // A built but empty set is ready: names are outside every zone.
  auto built = zone::ZoneSetBuilder().build();
  ASSERT_TRUE(built.ok());
  EXPECT_TRUE((*built)->ready());
  std::vector<std::uint8_t> out(512);
  EXPECT_EQ(process_query(**built, make_query("www.example.com", A), out, Transport::kUdp, true).action,
            QueryAction::kForward);
}

TEST(QueryProcessor, SmallOutputBuffers) {
  // Header-only and tiny buffers never overrun and still reply sensibly.
  for (std::size_t size : {0, 11, 12, 20, 33, 44, 100, 511}) {
    std::vector<std::uint8_t> out(size + 16, 0xab);
    std::span<std::uint8_t> view(out.data(), size);
    QueryResult r = process_query(zones(), make_query("big.example.com", TXT, edns()), view, Transport::kTcp, false);
    if (size < 12) {
      EXPECT_EQ(r.action, QueryAction::kDrop);
    } else {
      EXPECT_EQ(r.action, QueryAction::kRespond);
      EXPECT_LE(r.size, size);
    }
    for (std::size_t i = size; i < out.size(); ++i) ASSERT_EQ(out[i], 0xab) << "overrun at " << i;
  }
}

}  // namespace
}  // namespace mcns::frontend

namespace mcns::frontend {
namespace {

// RFC 9471: a referral whose in-domain glue (addresses of NS names at or below the cut)
// does not fit goes out with TC; sibling glue (NS names elsewhere in the zone) may be
// dropped without TC.
zone::ZoneSetPtr glue_zones() {
  std::string z = "$ORIGIN example.org.\n$TTL 3600\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\n"
                  "ns1 A 192.0.2.1\n";
  for (int i = 1; i <= 10; ++i) {
    z += str_cat("big NS ns", i, ".big\nns", i, ".big A 192.0.2.", i, "\nns", i, ".big AAAA 2001:db8::", i, "\n");
    z += str_cat("sib NS host", i, "\nhost", i, " A 198.51.100.", i, "\nhost", i, " AAAA 2001:db8:1::", i, "\n");
  }
  // One in-domain name (small) plus many siblings: the in-domain glue comes first.
  z += "mixed NS ns.mixed\nns.mixed A 192.0.2.200\n";
  for (int i = 1; i <= 10; ++i) z += str_cat("mixed NS host", i, "\n");
  auto zs = zone::testing::zone_set_from_text({{"example.org", z}});
  EXPECT_TRUE(zs.ok()) << zs.status().to_string();
  return *zs;
}

TEST(QueryProcessor, ReferralWithInDomainGlueThatDoesNotFitIsTruncated) {
  zone::ZoneSetPtr zs = glue_zones();
  Reply small = ask(*zs, make_query("www.big.example.org", A));  // no EDNS: 512
  ASSERT_TRUE(small.parsed);
  EXPECT_TRUE(small.tc);
  EXPECT_FALSE(small.aa);
  EXPECT_TRUE(small.authority.empty());  // sections emptied, as every TC reply
  EXPECT_LE(small.bytes.size(), 512u);
  QueryOptions e512 = edns(512);
  EXPECT_TRUE(ask(*zs, make_query("www.big.example.org", A, e512)).tc);
  // With room for it (EDNS 1232, TCP) the whole referral, all 20 glue records, no TC.
  for (Reply r : {ask(*zs, make_query("www.big.example.org", A, edns(1232))),
                  ask(*zs, make_query("www.big.example.org", A), Transport::kTcp)}) {
    ASSERT_TRUE(r.parsed);
    EXPECT_FALSE(r.tc);
    EXPECT_EQ(r.authority.size(), 10u);
    EXPECT_EQ(r.additional.size(), 20u);
  }
}

TEST(QueryProcessor, ReferralDropsSiblingGlueWithoutTruncation) {
  zone::ZoneSetPtr zs = glue_zones();
  Reply r = ask(*zs, make_query("www.sib.example.org", A));
  ASSERT_TRUE(r.parsed);
  EXPECT_FALSE(r.tc);
  EXPECT_FALSE(r.aa);
  EXPECT_EQ(r.authority.size(), 10u);
  EXPECT_LT(r.additional.size(), 20u);  // some sibling glue left out...
  EXPECT_GT(r.additional.size(), 0u);   // ...not all of it
  EXPECT_LE(r.bytes.size(), 512u);
  // In-domain glue goes in before sibling glue, so it is kept when siblings are dropped.
  Reply m = ask(*zs, make_query("www.mixed.example.org", A));
  ASSERT_TRUE(m.parsed);
  EXPECT_FALSE(m.tc);
  EXPECT_EQ(m.authority.size(), 11u);
  ASSERT_FALSE(m.additional.empty());
  EXPECT_EQ(m.additional[0], "ns.mixed.example.org. 3600 IN A 192.0.2.200");
  EXPECT_LT(m.additional.size(), 21u);
}

}  // namespace
}  // namespace mcns::frontend

namespace mcns::frontend {
namespace {

std::vector<std::uint8_t> bytes_of_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// A query signed with a key this server does not hold (dnspython, key "nokey",
// hmac-sha256, EDNS 1232) and knotd 3.2's reply to it, byte for byte: NOTAUTH, the
// question, OPT, and an unsigned TSIG with BADKEY echoing key, algorithm, time and fudge.
TEST(QueryProcessor, ASignedQueryGetsKnotsNotauthBadkeyByteForByte) {
  auto request = bytes_of_hex(
      "199c01000001000000000002076578616d706c6503636f6d000006000100002904d0000000000000056e6f6b65790000fa00ff0000000000"
      "3d0b686d61632d7368613235360000006b0dd56e012c0020659859e211698dbaf9a8a25642bafb8c91e61dc74cc4216eaa12a88626d7beef"
      "199c00000000");
  auto knot = bytes_of_hex(
      "199c81090001000000000002076578616d706c6503636f6d000006000100002904d0000000000000056e6f6b65790000fa00ff0000000000"
      "1d0b686d61632d7368613235360000006b0dd56e012c0000199c00110000");
  std::vector<std::uint8_t> out(1232);
  for (Transport t : {Transport::kUdp, Transport::kTcp}) {
    QueryResult r = process_query(zones(), request, out, t, false);
    ASSERT_EQ(r.action, QueryAction::kRespond);
    EXPECT_EQ(r.rcode, 9);
    EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(r.size)), knot);
  }
  // A TSIG that is not the last record is FORMERR (RFC 8945 5.1).
  auto misplaced = request;
  misplaced.push_back(0);
  EXPECT_EQ(process_query(zones(), misplaced, out, Transport::kUdp, false).rcode, 1);
}

}  // namespace
}  // namespace mcns::frontend
