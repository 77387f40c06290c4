// Malformed and hostile packets: never a crash or an overrun, the documented reply
// (FORMERR / drop, as checked against Knot and NSD in the comments), and the next
// valid query is answered normally.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/query/query_test_util.h"

namespace mcns::frontend {
namespace {

using Bytes = std::vector<std::uint8_t>;
using testing::ask;
using testing::make_query;

const zone::ZoneSet& zones() {
  static const zone::ZoneSetPtr z = testing::example_zones();
  return *z;
}

Bytes header(std::uint16_t flags, std::uint16_t qd, std::uint16_t an = 0, std::uint16_t ns = 0, std::uint16_t ar = 0) {
  return Bytes{0x12, 0x34, static_cast<std::uint8_t>(flags >> 8), static_cast<std::uint8_t>(flags),
               0, static_cast<std::uint8_t>(qd), 0, static_cast<std::uint8_t>(an),
               0, static_cast<std::uint8_t>(ns), 0, static_cast<std::uint8_t>(ar)};
}
Bytes cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
const Bytes kQuestion = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};
const Bytes kOpt = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};

void expect_next_query_answered() {
  testing::Reply r = ask(zones(), make_query("www.example.com", 1));
  ASSERT_TRUE(r.parsed);
  EXPECT_EQ(r.rcode, 0);
  EXPECT_EQ(r.answer.size(), 2u);
}

struct Malformed {
  const char* name;
  Bytes packet;
  QueryAction action;
  int rcode;           // when answered
  int qdcount;         // in the reply
  bool opt;            // reply carries an OPT
};

TEST(QueryMalformed, Table) {
  Bytes long_name;
  for (int i = 0; i < 5; ++i) {
    long_name.push_back(63);
    long_name.insert(long_name.end(), 63, 'a');
  }
  long_name.push_back(0);
  std::vector<Malformed> cases = {
      {"empty (knot, nsd: drop)", {}, QueryAction::kDrop, 0, 0, false},
      {"11 octets (knot, nsd: drop)", Bytes(11, 0), QueryAction::kDrop, 0, 0, false},
      {"QR=1 (knot, nsd: drop)", cat(header(0x8000, 1), kQuestion), QueryAction::kDrop, 0, 0, false},
      {"QR=1 garbage", cat(header(0x8000, 9, 9, 9, 9), Bytes(40, 0xff)), QueryAction::kDrop, 0, 0, false},
      {"header only, qdcount 1 (nsd: FORMERR; knot drops)", header(0, 1), QueryAction::kRespond, 1, 0, false},
      {"qdcount 0 (knot, nsd: FORMERR header only)", header(0, 0), QueryAction::kRespond, 1, 0, false},
      {"qdcount 0 with OPT (knot: FORMERR with OPT)", cat(header(0, 0, 0, 0, 1), kOpt), QueryAction::kRespond, 1, 0,
       true},
      {"qdcount 2 (nsd: FORMERR; knot drops)", cat(cat(header(0, 2), kQuestion), kQuestion), QueryAction::kRespond, 1, 0,
       false},
      {"qdcount 2, one present (nsd)", cat(header(0, 2), kQuestion), QueryAction::kRespond, 1, 0, false},
      {"truncated qname (nsd)", cat(header(0, 1), Bytes(kQuestion.begin(), kQuestion.begin() + 5)),
       QueryAction::kRespond, 1, 0, false},
      {"missing qtype/qclass (nsd)", cat(header(0, 1), Bytes(kQuestion.begin(), kQuestion.begin() + 17)),
       QueryAction::kRespond, 1, 0, false},
      {"half a qclass (nsd)", cat(header(0, 1), Bytes(kQuestion.begin(), kQuestion.end() - 1)), QueryAction::kRespond, 1,
       0, false},
      {"compression pointer in the question (nsd)", cat(header(0, 1), Bytes{3, 'w', 'w', 'w', 0xc0, 12, 0, 1, 0, 1}),
       QueryAction::kRespond, 1, 0, false},
      {"forward pointer in the question (nsd)", cat(header(0, 1), Bytes{0xc0, 14, 0, 0, 1, 0, 1}),
       QueryAction::kRespond, 1, 0, false},
      {"label of 64 octets (nsd)", cat(cat(header(0, 1), cat(Bytes{64}, Bytes(64, 'a'))), Bytes{0, 0, 1, 0, 1}),
       QueryAction::kRespond, 1, 0, false},
      {"extended label type 0x41 (nsd)", cat(header(0, 1), Bytes{0x41, 'a', 0, 0, 1, 0, 1}), QueryAction::kRespond, 1,
       0, false},
      {"name over 255 octets", cat(cat(header(0, 1), long_name), Bytes{0, 1, 0, 1}), QueryAction::kRespond, 1, 0,
       false},
      {"trailing octets (knot: FORMERR with question)", cat(cat(header(0, 1), kQuestion), Bytes{1, 2, 3}),
       QueryAction::kRespond, 1, 1, false},
      {"ancount 1, record missing (knot)", cat(header(0, 1, 1), kQuestion), QueryAction::kRespond, 1, 1, false},
      {"answer owner with a pointer loop", cat(cat(header(0, 1, 1), kQuestion), Bytes{0xc0, 33, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0}),
       QueryAction::kRespond, 1, 1, false},
      {"answer with rdlength past the end", cat(cat(header(0, 1, 1), kQuestion), Bytes{0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 9, 1}),
       QueryAction::kRespond, 1, 1, false},
      {"two OPT records (knot: FORMERR)", cat(cat(cat(header(0, 1, 0, 0, 2), kQuestion), kOpt), kOpt),
       QueryAction::kRespond, 1, 1, false},
      {"OPT option longer than its RDATA (knot)",
       cat(cat(header(0, 1, 0, 0, 1), kQuestion), Bytes{0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 8, 0xfd, 0xe9, 0, 10, 'a', 'b', 'c', 'd'}),
       QueryAction::kRespond, 1, 1, false},
      {"OPT cut short (knot)", cat(cat(header(0, 1, 0, 0, 1), kQuestion), Bytes{0, 0, 41, 4, 0xd0}),
       QueryAction::kRespond, 1, 1, false},
      {"arcount 1, nothing there", cat(header(0, 1, 0, 0, 1), kQuestion), QueryAction::kRespond, 1, 1, false},
      {"valid answer record in a query is ignored (knot)",
       cat(cat(header(0, 1, 1), kQuestion), Bytes{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4}),
       QueryAction::kRespond, 0, 1, false},
      {"OPT with a non-root owner is accepted (knot)",
       cat(cat(header(0, 1, 0, 0, 1), kQuestion), Bytes{1, 'x', 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0}),
       QueryAction::kRespond, 0, 1, true},
      {"unknown opcode, garbage question (knot, nsd: NOTIMP header only)", cat(header(0x1800, 1), Bytes{0xc0}),
       QueryAction::kRespond, 4, 0, false},
  };
  for (const Malformed& c : cases) {
    SCOPED_TRACE(c.name);
    Bytes out(4096, 0xab);
    QueryResult r = process_query(zones(), c.packet, out, Transport::kUdp, false);
    ASSERT_EQ(r.action, c.action);
    if (c.action == QueryAction::kRespond) {
      testing::Reply d = testing::decode_reply(Bytes(out.begin(), out.begin() + static_cast<long>(r.size)));
      ASSERT_TRUE(d.parsed);
      EXPECT_EQ(d.rcode, c.rcode);
      EXPECT_EQ(r.rcode, c.rcode);
      EXPECT_EQ(static_cast<int>(d.question.size()), c.qdcount);
      EXPECT_EQ(d.edns, c.opt);
      EXPECT_EQ(d.id, 0x1234);
      EXPECT_EQ(d.aa, c.rcode == 0);  // only the queries that are answered normally
    }
    expect_next_query_answered();
  }
}

TEST(QueryMalformed, OversizedMessages) {
  // A 65535-octet TCP message: question then junk is FORMERR; a huge answer section
  // count with records that run out is FORMERR too.
  Bytes big = cat(cat(header(0, 1), kQuestion), Bytes(65535 - 33, 0x00));
  QueryResult r = [&] {
    Bytes out(65535);
    return process_query(zones(), big, out, Transport::kTcp, false);
  }();
  EXPECT_EQ(r.action, QueryAction::kRespond);
  EXPECT_EQ(r.rcode, 1);
  Bytes many = cat(header(0, 1, 0xff), kQuestion);
  for (int i = 0; i < 5000; ++i) many.insert(many.end(), {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0});
  Bytes out(65535);
  r = process_query(zones(), many, out, Transport::kTcp, false);
  EXPECT_EQ(r.rcode, 1);  // 255 records read, then trailing octets
  // Larger than any DNS message: the parser does not assume a 16-bit size.
  Bytes huge = cat(cat(header(0, 1), kQuestion), Bytes(200000, 0x00));
  r = process_query(zones(), huge, out, Transport::kTcp, false);
  EXPECT_EQ(r.rcode, 1);
  expect_next_query_answered();
}

TEST(QueryMalformed, CompressionLoopsInLaterSections) {
  // Pointer to itself, two pointers to each other, and a long backward chain.
  for (Bytes rr : {Bytes{0xc0, 33}, Bytes{0xc0, 35, 0xc0, 33}, Bytes{1, 'a', 0xc0, 33}}) {
    rr.insert(rr.end(), {0, 1, 0, 1, 0, 0, 0, 0, 0, 0});
    Bytes p = cat(cat(header(0, 1, 0, 1), kQuestion), rr);
    Bytes out(512);
    QueryResult r = process_query(zones(), p, out, Transport::kUdp, false);
    EXPECT_EQ(r.action, QueryAction::kRespond);
    EXPECT_EQ(r.rcode, 1);
  }
  expect_next_query_answered();
}

// Random packets and random mutations of valid ones: no crash, no overrun (ASan/UBSan
// builds check the rest), and the reply always fits the buffer and the UDP limit.
TEST(QueryMalformed, RandomAndMutatedPackets) {
  std::mt19937 rng(20261129);
  std::vector<Bytes> seeds = {make_query("www.example.com", 1), make_query("nx.example.com", 28),
                              make_query("c1.example.com", 1, testing::QueryOptions{1, 0x0100, 1, true, 4096, true}),
                              make_query("example.com", 255), make_query("x.sub.example.com", 2),
                              cat(cat(header(0, 1, 1, 0, 1), kQuestion), cat(Bytes{0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 0}, kOpt))};
  Bytes out(1232 + 64);
  for (int i = 0; i < 100000; ++i) {
    Bytes p;
    if (i % 4 == 0) {
      p.resize(rng() % 80);
      for (auto& b : p) b = static_cast<std::uint8_t>(rng());
      if (p.size() >= 4 && (i & 8)) p[2] &= 0x7f;  // mostly queries, not responses
    } else {
      p = seeds[rng() % seeds.size()];
      int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        switch (rng() % 4) {
          case 0: p[rng() % p.size()] = static_cast<std::uint8_t>(rng()); break;
          case 1: p.resize(rng() % (p.size() + 1)); if (p.empty()) p.push_back(0); break;
          case 2: p.insert(p.begin() + static_cast<long>(rng() % p.size()), static_cast<std::uint8_t>(rng())); break;
          case 3: p[2 + rng() % 10 % (p.size() > 12 ? 10 : 1)] ^= static_cast<std::uint8_t>(1u << (rng() % 8)); break;
        }
      }
    }
    std::fill(out.begin() + 1232, out.end(), 0xab);
    QueryResult r = process_query(zones(), p, std::span<std::uint8_t>(out.data(), 1232), Transport::kUdp, i % 3 == 0);
    if (r.action == QueryAction::kRespond) {
      ASSERT_GE(r.size, 12u);
      ASSERT_LE(r.size, 1232u);
    }
    for (std::size_t k = 1232; k < out.size(); ++k) ASSERT_EQ(out[k], 0xab);
  }
  expect_next_query_answered();
}

}  // namespace
}  // namespace mcns::frontend
