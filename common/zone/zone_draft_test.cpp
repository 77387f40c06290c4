#include "common/zone/zone_draft.h"

#include <gtest/gtest.h>

#include "common/dns/name.h"

namespace mcns::zone {
namespace {

using Bytes = std::vector<std::uint8_t>;

ZoneDraft draft() { return ZoneDraft::for_new_zone("example.com", ZoneSoa{}); }

TEST(ZoneDraft, NewZoneIdentity) {
  ZoneDraft d = draft();
  EXPECT_EQ(d.name, "example.com");
  EXPECT_EQ(d.apex, dns::name_to_wire("example.com."));
  EXPECT_EQ(d.apex_labels, 2u);
  EXPECT_TRUE(d.exists);
  EXPECT_EQ(d.content, nullptr);
}

TEST(ZoneDraft, OwnersFromTextFastAndGeneralPathsAgree) {
  ZoneDraft d = draft();
  const Bytes www = dns::name_to_wire("www.example.com.");
  for (const char* text : {"www", "WWW", "www.example.com.", "WWW.Example.COM."}) EXPECT_EQ(*d.owner_from_text(text), www) << text;
  EXPECT_EQ(*d.owner_from_text("@"), d.apex);
  EXPECT_EQ(*d.owner_from_text("example.com."), d.apex);
  EXPECT_EQ(*d.owner_from_text("*.dev"), dns::name_to_wire("*.dev.example.com."));
  EXPECT_EQ(*d.owner_from_text("_sip._tcp"), dns::name_to_wire("_sip._tcp.example.com."));
  EXPECT_EQ(d.owner_from_text("www.example.org.").status().message(),
            "owner \"www.example.org.\" is not in zone \"example.com\"");
  EXPECT_EQ(d.owner_from_text("xexample.com.").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.owner_from_text("a.*").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.owner_from_text("-a").status().code(), StatusCode::kInvalidArgument);
}

TEST(ZoneDraft, OwnersFromWire) {
  ZoneDraft d = draft();
  EXPECT_EQ(*d.owner_from_wire(dns::name_to_wire("WWW.Example.com.")), dns::name_to_wire("www.example.com."));
  EXPECT_EQ(d.owner_from_wire(dns::name_to_wire("www.example.org.")).status().message(),
            "owner is not in zone \"example.com\"");
  EXPECT_EQ(d.owner_from_wire(Bytes{3, 'w', 'w'}).status().message(), "invalid owner name in wire form");
}

TEST(ZoneDraft, OpsShareTheBytesOfOneOwner) {
  ZoneDraft d = draft();
  Bytes www = *d.owner_from_text("www");
  Bytes a1 = {192, 0, 2, 1}, a2 = {192, 0, 2, 2};
  ASSERT_TRUE(d.add_op(www, 1, 300, a1, true).ok());
  ASSERT_TRUE(d.add_op(www, 1, 0, a2, false).ok());
  ASSERT_EQ(d.ops.size(), 2u);
  EXPECT_EQ(d.ops[0].owner_offset, d.ops[1].owner_offset);
  EXPECT_EQ(d.bytes.size(), www.size() + 8);
  EXPECT_EQ(d.ops[0].owner_labels, 3u);
  EXPECT_EQ(d.ops[0].hash, name_hash(www.data(), www.size()));
  EXPECT_TRUE(d.ops[0].add);
  EXPECT_FALSE(d.ops[1].add);
  EXPECT_EQ(Bytes(d.bytes.begin() + d.ops[1].rdata_offset, d.bytes.begin() + d.ops[1].rdata_offset + 4), a2);
  d.clear_records();
  EXPECT_TRUE(d.ops.empty());
  EXPECT_TRUE(d.bytes.empty());
}

}  // namespace
}  // namespace mcns::zone
