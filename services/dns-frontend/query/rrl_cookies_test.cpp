// SPEC 16 on the query path: SipHash-2-4 against the paper's vectors, RFC 9018 server
// cookies, the RRL table, and process_query() with both.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "services/dns-frontend/query/cookies.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/query/query_test_util.h"
#include "services/dns-frontend/query/rrl.h"
#include "services/dns-frontend/query/siphash.h"

namespace mcns::frontend {
namespace {

using Bytes = std::vector<std::uint8_t>;

SipKey reference_key() {
  SipKey k;
  for (int i = 0; i < 16; ++i) k[i] = static_cast<std::uint8_t>(i);
  return k;
}

TEST(SipHash, ReferenceVectors) {
  // vectors_sip64 of the reference implementation: key 00..0f, message 00..(n-1).
  const std::uint8_t want[17][8] = {
      {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}, {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74},
      {0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d}, {0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85},
      {0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf}, {0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18},
      {0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb}, {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab},
      {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}, {0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e},
      {0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a}, {0xa7, 0xad, 0x6b, 0x22, 0x46, 0x2f, 0xb3, 0xf4},
      {0xfb, 0xe5, 0x0e, 0x86, 0xbc, 0x8f, 0x1e, 0x75}, {0x90, 0x3d, 0x84, 0xc0, 0x27, 0x56, 0xea, 0x14},
      {0xee, 0xf2, 0x7a, 0x8e, 0x90, 0xca, 0x23, 0xf7}, {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1},
      {0xdb, 0x9b, 0xc2, 0x57, 0x7f, 0xcc, 0x2a, 0x3f},
  };
  Bytes msg;
  for (std::size_t n = 0; n < 17; ++n) {
    std::uint64_t h = siphash24(reference_key(), msg);
    for (int i = 0; i < 8; ++i) EXPECT_EQ(static_cast<std::uint8_t>(h >> (8 * i)), want[n][i]) << "length " << n;
    msg.push_back(static_cast<std::uint8_t>(n));
  }
}

const Bytes kClientCookie = {1, 2, 3, 4, 5, 6, 7, 8};

TEST(Cookies, Rfc9018LayoutAndValidation) {
  const SipKey secret = reference_key();
  const ClientAddress ip = ClientAddress::v4(0xc0000201);  // 192.0.2.1
  const std::uint32_t now = 1'700'000'000;
  std::uint8_t sc[kServerCookieSize];
  make_server_cookie(secret, kClientCookie, now, ip, sc);
  EXPECT_EQ(sc[0], 1);
  EXPECT_EQ(sc[1] | sc[2] | sc[3], 0);
  EXPECT_EQ((std::uint32_t{sc[4]} << 24) | (sc[5] << 16) | (sc[6] << 8) | sc[7], now);
  std::uint32_t stamp = 0;
  EXPECT_TRUE(check_server_cookie(secret, kClientCookie, sc, now + 10, ip, stamp));
  EXPECT_EQ(stamp, now);
  EXPECT_TRUE(check_server_cookie(secret, kClientCookie, sc, now + kCookieMaxAge, ip, stamp));
  EXPECT_FALSE(check_server_cookie(secret, kClientCookie, sc, now + kCookieMaxAge + 1, ip, stamp)) << "too old";
  EXPECT_FALSE(check_server_cookie(secret, kClientCookie, sc, now - kCookieMaxSkew - 1, ip, stamp)) << "future";
  EXPECT_FALSE(check_server_cookie(secret, kClientCookie, sc, now, ClientAddress::v4(0xc0000202), stamp));
  Bytes other_client = kClientCookie;
  other_client[0] ^= 1;
  EXPECT_FALSE(check_server_cookie(secret, other_client, sc, now, ip, stamp));
  SipKey other = secret;
  other[15] ^= 1;
  EXPECT_FALSE(check_server_cookie(other, kClientCookie, sc, now, ip, stamp));
  for (int i = 0; i < 16; ++i) {
    std::uint8_t bad[kServerCookieSize];
    std::copy(sc, sc + kServerCookieSize, bad);
    bad[i] ^= 0x40;
    EXPECT_FALSE(check_server_cookie(secret, kClientCookie, bad, now, ip, stamp)) << "octet " << i;
  }
}

TEST(Cookies, SecretFile) {
  char dir[] = "/tmp/mcns-cookie-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/secret";
  std::ofstream(path) << "000102030405060708090a0b0c0d0E0F\n";
  ::chmod(path.c_str(), 0644);
  EXPECT_FALSE(load_cookie_secret(path).ok()) << "group/other-readable must be refused";
  ::chmod(path.c_str(), 0600);
  auto key = load_cookie_secret(path);
  ASSERT_TRUE(key.ok()) << key.status().message();
  EXPECT_EQ(*key, reference_key());
  std::ofstream(path) << "0001020304";
  EXPECT_FALSE(load_cookie_secret(path).ok());
  EXPECT_FALSE(load_cookie_secret(std::string(dir) + "/missing").ok());
  auto a = load_cookie_secret(""), b = load_cookie_secret("");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b) << "random secret per process";
  std::remove(path.c_str());
  ::rmdir(dir);
}

TEST(Rrl, TokenBucketPerPrefixWithSlip) {
  RateLimiter rl(5, 2, reference_key(), 1024);
  const ClientAddress a = ClientAddress::v4(0x7f000002), a2 = ClientAddress::v4(0x7f0000fe),
                      b = ClientAddress::v4(0x7f000102);
  const std::uint32_t t = 1000;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rl.check(i % 2 ? a : a2, t), RrlVerdict::kPass) << i;  // one /24
  EXPECT_EQ(rl.check(a, t), RrlVerdict::kDrop);
  EXPECT_EQ(rl.check(a2, t), RrlVerdict::kSlip);
  EXPECT_EQ(rl.check(a, t), RrlVerdict::kDrop);
  EXPECT_EQ(rl.check(a, t), RrlVerdict::kSlip);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rl.check(b, t), RrlVerdict::kPass) << "another /24";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rl.check(a, t + 1), RrlVerdict::kPass) << "refilled";
  EXPECT_NE(rl.check(a, t + 1), RrlVerdict::kPass);

  RateLimiter drop_all(1, 0, reference_key(), 1024), slip_all(1, 1, reference_key(), 1024);
  EXPECT_EQ(drop_all.check(a, t), RrlVerdict::kPass);
  EXPECT_EQ(slip_all.check(a, t), RrlVerdict::kPass);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(drop_all.check(a, t), RrlVerdict::kDrop);
    EXPECT_EQ(slip_all.check(a, t), RrlVerdict::kSlip);
  }
  // IPv6: one /56.
  ClientAddress v6;
  v6.length = 16;
  v6.bytes[0] = 0x20;
  v6.bytes[1] = 0x01;
  ClientAddress v6b = v6;
  v6b.bytes[7] = 0xff;  // same /56
  ClientAddress v6c = v6;
  v6c.bytes[6] = 0x01;  // another /56
  RateLimiter r6(2, 1, reference_key(), 1024);
  EXPECT_EQ(r6.check(v6, t), RrlVerdict::kPass);
  EXPECT_EQ(r6.check(v6b, t), RrlVerdict::kPass);
  EXPECT_EQ(r6.check(v6, t), RrlVerdict::kSlip);
  EXPECT_EQ(r6.check(v6c, t), RrlVerdict::kPass);
}

TEST(Rrl, SharesAddUp) {
  EXPECT_EQ(rrl_share(20, 0, 2) + rrl_share(20, 1, 2), 20u);
  EXPECT_EQ(rrl_share(7, 0, 3) + rrl_share(7, 1, 3) + rrl_share(7, 2, 3), 7u);
  EXPECT_EQ(rrl_share(1, 3, 4), 1u);
}

// A query with an OPT carrying a COOKIE option with `cookie` as its data.
Bytes with_cookie(const std::string& name, std::uint16_t qtype, const Bytes& cookie) {
  testing::QueryOptions o;
  o.edns = true;
  Bytes q = testing::make_query(name, qtype, o);
  // The OPT is last with RDLENGTH 0.
  q[q.size() - 2] = 0;
  q[q.size() - 1] = static_cast<std::uint8_t>(4 + cookie.size());
  q.push_back(0);
  q.push_back(10);
  q.push_back(0);
  q.push_back(static_cast<std::uint8_t>(cookie.size()));
  q.insert(q.end(), cookie.begin(), cookie.end());
  return q;
}

// The COOKIE option data at the end of a reply (the option this server writes last).
Bytes reply_cookie(const Bytes& reply, std::size_t size) {
  if (size < 28) return {};
  const std::uint8_t* p = reply.data() + size - 28;
  if (p[0] != 0 || p[1] != 10 || p[2] != 0 || p[3] != 24) return {};
  return Bytes(p + 4, p + 28);
}

struct Fixture {
  zone::ZoneSetPtr zones = testing::example_zones();
  SipKey secret = reference_key();
  Bytes out = Bytes(65535);
  QueryContext ctx(std::uint32_t now = 1'700'000'000) {
    QueryContext c;
    c.cookie_secret = &secret;
    c.client = ClientAddress::v4(0x7f000002);
    c.now = now;
    return c;
  }
};

TEST(QueryCookies, NewThenValidThenBad) {
  Fixture f;
  QueryContext c = f.ctx();
  QueryResult r = process_query(*f.zones, with_cookie("www.example.com", 1, kClientCookie), f.out,
                                Transport::kUdp, false, &c);
  ASSERT_EQ(r.action, QueryAction::kRespond);
  EXPECT_EQ(c.cookie, CookieResult::kNew);
  EXPECT_EQ(r.rcode, 0);
  Bytes cookie = reply_cookie(f.out, r.size);
  ASSERT_EQ(cookie.size(), 24u);
  EXPECT_EQ(Bytes(cookie.begin(), cookie.begin() + 8), kClientCookie);
  EXPECT_EQ(cookie[8], 1);
  testing::Reply decoded = testing::decode_reply(Bytes(f.out.begin(), f.out.begin() + r.size));
  EXPECT_TRUE(decoded.parsed);
  EXPECT_EQ(decoded.answer.size(), 2u);  // www.example.com has two A records

  // The same cookie validates ten minutes later and is echoed unchanged.
  QueryContext c2 = f.ctx(1'700'000'600);
  r = process_query(*f.zones, with_cookie("www.example.com", 1, cookie), f.out, Transport::kUdp, false, &c2);
  EXPECT_EQ(c2.cookie, CookieResult::kValid);
  EXPECT_EQ(reply_cookie(f.out, r.size), cookie);
  // After half an hour: still valid, refreshed.
  QueryContext c3 = f.ctx(1'700'002'000);
  r = process_query(*f.zones, with_cookie("www.example.com", 1, cookie), f.out, Transport::kUdp, false, &c3);
  EXPECT_EQ(c3.cookie, CookieResult::kValid);
  Bytes refreshed = reply_cookie(f.out, r.size);
  ASSERT_EQ(refreshed.size(), 24u);
  EXPECT_NE(refreshed, cookie);
  EXPECT_EQ(refreshed[7 + 8], static_cast<std::uint8_t>(1'700'002'000 & 0xff));

  // Tampered over UDP: BADCOOKIE (23) with a fresh cookie and no answer.
  Bytes bad = cookie;
  bad[23] ^= 1;
  QueryContext c4 = f.ctx();
  r = process_query(*f.zones, with_cookie("www.example.com", 1, bad), f.out, Transport::kUdp, false, &c4);
  EXPECT_EQ(c4.cookie, CookieResult::kBadCookie);
  EXPECT_EQ(r.rcode, 23);
  EXPECT_EQ(f.out[3] & 0x0f, 23 & 0x0f);
  EXPECT_EQ(f.out[6] | f.out[7], 0) << "no answer";
  EXPECT_EQ(reply_cookie(f.out, r.size), cookie) << "fresh cookie for the same second";
  // Over TCP: answered, with a fresh cookie.
  QueryContext c5 = f.ctx();
  r = process_query(*f.zones, with_cookie("www.example.com", 1, bad), f.out, Transport::kTcp, false, &c5);
  EXPECT_EQ(c5.cookie, CookieResult::kInvalid);
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(f.out[7], 2) << "answered";

  // Malformed lengths: FORMERR.
  for (std::size_t len : {0u, 7u, 9u, 15u, 41u}) {
    QueryContext c6 = f.ctx();
    r = process_query(*f.zones, with_cookie("www.example.com", 1, Bytes(len, 0xaa)), f.out, Transport::kUdp, false,
                      &c6);
    EXPECT_EQ(c6.cookie, CookieResult::kMalformed) << len;
    EXPECT_EQ(r.rcode, 1) << len;
  }
  // Without a context the option is ignored (the control responder; cookies off).
  r = process_query(*f.zones, with_cookie("www.example.com", 1, bad), f.out, Transport::kUdp, false);
  EXPECT_EQ(r.rcode, 0);
  EXPECT_TRUE(reply_cookie(f.out, r.size).empty());
}

TEST(QueryRrl, SlipTruncatesAndValidCookieIsExempt) {
  Fixture f;
  RateLimiter rl(3, 2, f.secret, 1024);
  const Bytes plain = testing::make_query("www.example.com", 1);
  int full = 0, slipped = 0, dropped = 0;
  for (int i = 0; i < 13; ++i) {
    QueryContext c = f.ctx();
    c.rrl = &rl;
    QueryResult r = process_query(*f.zones, plain, f.out, Transport::kUdp, false, &c);
    if (r.action == QueryAction::kDrop) {
      ++dropped;
      EXPECT_EQ(c.rrl_verdict, RrlVerdict::kDrop);
      continue;
    }
    ASSERT_EQ(r.action, QueryAction::kRespond);
    if (f.out[2] & 0x02) {
      ++slipped;
      EXPECT_EQ(c.rrl_verdict, RrlVerdict::kSlip);
      EXPECT_EQ(f.out[4] << 8 | f.out[5], 1) << "question kept";
      EXPECT_EQ(f.out[6] | f.out[7] | f.out[8] | f.out[9] | f.out[10] | f.out[11], 0) << "sections emptied";
    } else {
      ++full;
    }
  }
  EXPECT_EQ(full, 3);
  EXPECT_EQ(slipped, 5);
  EXPECT_EQ(dropped, 5);
  // TCP is never limited.
  QueryContext tc = f.ctx();
  tc.rrl = &rl;
  EXPECT_EQ(process_query(*f.zones, plain, f.out, Transport::kTcp, false, &tc).action, QueryAction::kRespond);
  EXPECT_FALSE(f.out[2] & 0x02);
  // A valid server cookie is exempt; a client cookie alone is not.
  QueryContext c0 = f.ctx();
  QueryResult r = process_query(*f.zones, with_cookie("www.example.com", 1, kClientCookie), f.out,
                                Transport::kTcp, false, &c0);
  Bytes cookie = reply_cookie(f.out, r.size);
  ASSERT_EQ(cookie.size(), 24u);
  for (int i = 0; i < 20; ++i) {
    QueryContext c = f.ctx();
    c.rrl = &rl;
    r = process_query(*f.zones, with_cookie("www.example.com", 1, cookie), f.out, Transport::kUdp, false, &c);
    ASSERT_EQ(r.action, QueryAction::kRespond);
    EXPECT_EQ(c.cookie, CookieResult::kValid);
    EXPECT_FALSE(f.out[2] & 0x02) << i;
    EXPECT_EQ(f.out[7], 2);
  }
  QueryContext cn = f.ctx();
  cn.rrl = &rl;
  r = process_query(*f.zones, with_cookie("www.example.com", 1, kClientCookie), f.out, Transport::kUdp, false, &cn);
  EXPECT_NE(cn.rrl_verdict, RrlVerdict::kPass);
}

}  // namespace
}  // namespace mcns::frontend
