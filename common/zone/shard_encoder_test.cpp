#include "common/zone/shard_encoder.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/dns/name.h"
#include "common/dns/rr_type.h"

namespace mcns::zone {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Rec {
  std::uint16_t type;
  std::uint32_t ttl;
  Bytes rdata;
};

EncNode node(const Bytes& name, const std::vector<EncRecord>& recs, std::uint16_t flags = 0) {
  return EncNode{name_hash(name.data(), name.size()), static_cast<std::uint8_t>(name.size()), 2, flags, 0,
                 name.data(), recs.data(), static_cast<std::uint32_t>(recs.size())};
}

TEST(ShardEncoder, RecordsArePreEncodedAndReadBack) {
  Bytes www = dns::name_to_wire("www.example.com.");
  Bytes a1 = {192, 0, 2, 1}, a2 = {192, 0, 2, 2}, txt = {2, 'h', 'i'};
  std::vector<EncRecord> recs = {{dns::type::kA, 4, 300, a1.data()},
                                 {dns::type::kA, 4, 300, a2.data()},
                                 {dns::type::kTXT, 3, 60, txt.data()}};
  EncNode n = node(www, recs);
  ShardPtr s = ShardEncoder::encode(&n, 1);
  const Node* found = s->find(n.hash, www.data(), www.size());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->rrset_count, 2u);
  const RRset* a = s->find_rrset(*found, dns::type::kA);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->count, 2u);
  EXPECT_EQ(a->size, 2 * (kWireRecordOverhead + 4));
  // [C0 0C][type][class IN][ttl][rdlength][rdata]
  const std::uint8_t* p = s->data() + a->offset;
  EXPECT_EQ(Bytes(p, p + 16), (Bytes{0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 192, 0, 2, 1}));
  std::vector<Rec> back;
  for_each_record(*s, *found, [&](std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
    back.push_back({type, ttl, Bytes(rdata.begin(), rdata.end())});
  });
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].rdata, a2);
  EXPECT_EQ(back[2].type, dns::type::kTXT);
  EXPECT_EQ(back[2].ttl, 60u);
  EXPECT_EQ(ShardEncoder::empty()->nodes().size(), 0u);
  EXPECT_EQ(ShardEncoder::empty()->find(n.hash, www.data(), www.size()), nullptr);
}

// The per-type flags come from the type registry's RdataName column.
TEST(ShardEncoder, NameFlagsComeFromTheTypeRegistry) {
  Bytes owner = dns::name_to_wire("x.example.com.");
  Bytes target = dns::name_to_wire("t.example.com.");
  Bytes mx = {0, 10};
  mx.insert(mx.end(), target.begin(), target.end());
  Bytes srv = {0, 1, 0, 2, 0, 3};
  srv.insert(srv.end(), target.begin(), target.end());
  Bytes caa = {0, 5, 'i', 's', 's', 'u', 'e', 'x'};
  struct Case {
    std::uint16_t type;
    Bytes rdata;
    std::uint16_t flags, pos;
  } cases[] = {
      {dns::type::kNS, target, rrset_flag::kCompressName | rrset_flag::kAdditional, 0},
      {dns::type::kCNAME, target, rrset_flag::kCompressName, 0},
      {dns::type::kPTR, target, rrset_flag::kCompressName, 0},
      {dns::type::kMX, mx, rrset_flag::kCompressName | rrset_flag::kAdditional, 2},
      {dns::type::kSRV, srv, rrset_flag::kAdditional, 6},
      {dns::type::kCAA, caa, 0, 0},
      {65280, caa, 0, 0},  // not in the registry: served as given
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    std::vector<EncRecord> recs = {{c.type, static_cast<std::uint16_t>(c.rdata.size()), 300, c.rdata.data()}};
    EncNode n = node(owner, recs);
    ShardPtr s = ShardEncoder::encode(&n, 1);
    const Node* found = s->find(n.hash, owner.data(), owner.size());
    ASSERT_NE(found, nullptr);
    const RRset* set = s->find_rrset(*found, c.type);
    ASSERT_NE(set, nullptr);
    EXPECT_EQ(set->flags, c.flags);
    EXPECT_EQ(set->name_pos, c.pos);
    EXPECT_EQ(static_cast<bool>(found->flags & node_flag::kDelegation), c.type == dns::type::kNS);
    EXPECT_EQ(static_cast<bool>(found->flags & node_flag::kCname), c.type == dns::type::kCNAME);
  }
}

TEST(ShardEncoder, NsAtTheApexIsNoDelegation) {
  Bytes apex = dns::name_to_wire("example.com.");
  Bytes target = dns::name_to_wire("ns.example.com.");
  std::vector<EncRecord> recs = {{dns::type::kNS, static_cast<std::uint16_t>(target.size()), 300, target.data()}};
  EncNode n = node(apex, recs, node_flag::kApex | node_flag::kDelegation | node_flag::kCname);
  ShardPtr s = ShardEncoder::encode(&n, 1);
  const Node* found = s->find(n.hash, apex.data(), apex.size());
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->flags, node_flag::kApex);  // only kApex and kWildcardChild are taken from the caller
}

}  // namespace
}  // namespace mcns::zone
