// Byte-for-byte comparison with Knot DNS: testdata/knot_golden.txt holds knotd 3.2.6's
// exact replies (regenerate with testdata/knot_golden.py) to queries on the same
// testdata zones. process_query must produce the same octets (record order, TTLs,
// flags, OPT, compression), except that our compressor may find a longer suffix
// than Knot's (Knot compresses an RDATA name only against the question and the
// record's owner): then the decoded replies must be identical and ours no larger.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "services/dns-frontend/query/query_test_util.h"

namespace mcns::frontend {
namespace {

TEST(KnotGolden, SameBytesAsKnot) {
  std::ifstream f(testing::source_dir() + "/services/dns-frontend/query/testdata/knot_golden.txt");
  ASSERT_TRUE(f.good());
  zone::ZoneSetPtr zones = testing::example_zones();
  std::string line;
  int checked = 0;
  int exact = 0;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string name, transport, hex;
    unsigned qtype, qclass, flags, edns, bufsize, dnssec_ok, version;
    in >> name >> qtype >> qclass >> flags >> edns >> bufsize >> dnssec_ok >> version >> transport >> hex;
    testing::QueryOptions o;
    o.flags = static_cast<std::uint16_t>(flags);
    o.qclass = static_cast<std::uint16_t>(qclass);
    o.edns = edns != 0;
    o.bufsize = static_cast<std::uint16_t>(bufsize);
    o.dnssec_ok = dnssec_ok != 0;
    o.version = static_cast<std::uint8_t>(version);
    testing::Reply r = testing::ask(*zones, testing::make_query(name, static_cast<std::uint16_t>(qtype), o),
                                    transport == "tcp" ? Transport::kTcp : Transport::kUdp);
    ++checked;
    if (testing::to_hex(r.bytes) == hex) {
      ++exact;
      continue;
    }
    std::vector<std::uint8_t> knot;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) knot.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    testing::Reply k = testing::decode_reply(knot);
    const std::string what = line.substr(0, line.size() - hex.size());
    ASSERT_TRUE(k.parsed) << what;
    EXPECT_LE(r.bytes.size(), knot.size()) << what;
    EXPECT_EQ(r.rcode, k.rcode) << what;
    EXPECT_EQ(r.bytes[2], knot[2]) << what;  // flags
    EXPECT_EQ(r.bytes[3], knot[3]) << what;
    EXPECT_EQ(r.question, k.question) << what;
    EXPECT_EQ(r.answer, k.answer) << what;
    EXPECT_EQ(r.authority, k.authority) << what;
    EXPECT_EQ(r.additional, k.additional) << what;
    EXPECT_EQ(r.edns, k.edns) << what;
    std::printf("compression differs from Knot (ours %zu octets, Knot %zu): %s\n", r.bytes.size(), knot.size(),
                what.c_str());
  }
  EXPECT_GE(checked, 40);
  // Keep the byte-exact share high: a regression in encoding shows up here first.
  EXPECT_GE(exact, checked - 3);
  std::printf("%d of %d replies byte-identical to Knot\n", exact, checked);
}

}  // namespace
}  // namespace mcns::frontend
