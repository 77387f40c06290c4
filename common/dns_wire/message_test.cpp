#include "common/dns_wire/message.h"

#include <gtest/gtest.h>

#include <vector>

namespace mcns::dns_wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes query(std::uint16_t flags, std::uint16_t qd, std::uint16_t an, std::uint16_t ar, const Bytes& body) {
  Bytes b = {0xab, 0xcd, static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags), 0,
             static_cast<std::uint8_t>(qd), 0, static_cast<std::uint8_t>(an), 0, 0, 0, static_cast<std::uint8_t>(ar)};
  b.insert(b.end(), body.begin(), body.end());
  return b;
}
const Bytes kQ = {1, 'A', 2, 'b', 'C', 0, 0, 28, 0, 1};
Bytes opt(std::uint16_t size, std::uint32_t ttl, Bytes rdata = {}) {
  Bytes o = {0, 0, 41, static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size),
             static_cast<std::uint8_t>(ttl >> 24), static_cast<std::uint8_t>(ttl >> 16),
             static_cast<std::uint8_t>(ttl >> 8), static_cast<std::uint8_t>(ttl), 0,
             static_cast<std::uint8_t>(rdata.size())};
  o.insert(o.end(), rdata.begin(), rdata.end());
  return o;
}
Bytes plus(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(ParseQuery, Question) {
  ParsedQuery q;
  ASSERT_EQ(parse_query(query(0x0100, 1, 0, 0, kQ), q), ParseResult::kOk);
  EXPECT_EQ(q.header.id, 0xabcd);
  EXPECT_EQ(q.qtype, 28);
  EXPECT_EQ(q.qclass, 1);
  EXPECT_EQ(q.question_end, 12 + kQ.size());
  EXPECT_EQ(q.qname.data[1], 'A');  // case kept
  EXPECT_EQ(q.lower.data[1], 'a');
  EXPECT_EQ(q.lower.label_count, 2);
  EXPECT_FALSE(q.edns.present);
}

TEST(ParseQuery, Edns) {
  struct Case {
    const char* name;
    Bytes msg;
    ParseResult want;
    bool present;
    std::uint16_t payload;
    std::uint8_t version;
    bool dnssec_ok;
  };
  std::vector<Case> cases = {
      {"plain OPT", query(0, 1, 0, 1, plus(kQ, opt(4096, 0))), ParseResult::kOk, true, 4096, 0, false},
      {"DO and version 1", query(0, 1, 0, 1, plus(kQ, opt(512, 0x00018000))), ParseResult::kOk, true, 512, 1, true},
      {"option layout ok", query(0, 1, 0, 1, plus(kQ, opt(1232, 0, {0, 10, 0, 2, 1, 2}))), ParseResult::kOk, true, 1232,
       0, false},
      {"option too long", query(0, 1, 0, 1, plus(kQ, opt(1232, 0, {0, 10, 0, 9, 1, 2}))), ParseResult::kFormErrQuestion,
       false, 0, 0, false},
      {"option header cut", query(0, 1, 0, 1, plus(kQ, opt(1232, 0, {0, 10, 0}))), ParseResult::kFormErrQuestion, false,
       0, 0, false},
      {"two OPTs", query(0, 1, 0, 2, plus(plus(kQ, opt(1232, 0)), opt(1232, 0))), ParseResult::kFormErrQuestion, false, 0,
       0, false},
      {"OPT in the answer section is ignored", query(0, 1, 1, 0, plus(kQ, opt(1232, 0))), ParseResult::kOk, false, 0, 0,
       false},
      {"qdcount 0 with OPT", query(0, 0, 0, 1, opt(1400, 0)), ParseResult::kFormErrHeader, true, 1400, 0, false},
      {"trailing octet", query(0, 1, 0, 1, plus(plus(kQ, opt(1232, 0)), {0})), ParseResult::kFormErrQuestion, false, 0,
       0, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ParsedQuery q;
    EXPECT_EQ(parse_query(c.msg, q), c.want);
    EXPECT_EQ(q.edns.present, c.present);
    if (c.present) {
      EXPECT_EQ(q.edns.payload, c.payload);
      EXPECT_EQ(q.edns.version, c.version);
      EXPECT_EQ(q.edns.dnssec_ok, c.dnssec_ok);
    }
  }
}

TEST(ParseQuery, DropsAndFormErrs) {
  ParsedQuery q;
  EXPECT_EQ(parse_query(Bytes(11, 0), q), ParseResult::kDrop);
  EXPECT_EQ(parse_query(query(0x8000, 1, 0, 0, kQ), q), ParseResult::kDrop);
  EXPECT_EQ(parse_query(query(0, 0, 0, 0, {}), q), ParseResult::kFormErrHeader);
  EXPECT_EQ(parse_query(query(0, 2, 0, 0, plus(kQ, kQ)), q), ParseResult::kFormErrHeader);
  EXPECT_EQ(parse_query(query(0, 1, 0, 0, Bytes(kQ.begin(), kQ.end() - 2)), q), ParseResult::kFormErrHeader);
  EXPECT_EQ(parse_query(query(0, 1, 0, 0, {0xc0, 12, 0, 1, 0, 1}), q), ParseResult::kFormErrHeader);
  EXPECT_EQ(parse_query(query(0, 1, 1, 0, kQ), q), ParseResult::kFormErrQuestion);
}

TEST(WriteOpt, Layout) {
  Bytes buf(64);
  WireWriter w(buf);
  ASSERT_TRUE(write_opt(w, 1232, rcode::kBadVers, true));
  EXPECT_EQ(w.size(), kOptSize);
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + 11), (Bytes{0, 0, 41, 0x04, 0xd0, 1, 0, 0x80, 0, 0, 0}));
  WireWriter w2(buf);
  ASSERT_TRUE(write_opt(w2, 1232, rcode::kRefused, false, ede::kNotAuthoritative));
  EXPECT_EQ(w2.size(), kOptSize + kEdeOptionSize);
  EXPECT_EQ(Bytes(buf.begin(), buf.begin() + 17), (Bytes{0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 6, 0, 15, 0, 2, 0, 20}));
  Bytes small(10);
  WireWriter w3(small);
  EXPECT_FALSE(write_opt(w3, 1232, 0, false));
  EXPECT_EQ(w3.size(), 0u);
}

}  // namespace
}  // namespace mcns::dns_wire
