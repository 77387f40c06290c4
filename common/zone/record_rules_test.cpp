#include "common/zone/record_rules.h"

#include <gtest/gtest.h>

#include "common/dns/name.h"
#include "common/dns/rr_type.h"

namespace mcns::zone {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(RecordRules, SoaFromParamsAndWire) {
  SoaParams p;
  p.primary_ns = "NS.Example.com";
  p.admin = "hostmaster@example.com";
  p.serial = 7;
  p.minimum = 60;
  p.ttl = 120;
  auto soa = soa_from_params(p);
  ASSERT_TRUE(soa.ok()) << soa.status();
  Bytes mname = dns::name_to_wire("ns.example.com.");
  Bytes rname = dns::name_to_wire("hostmaster.example.com.");
  EXPECT_EQ(soa->ttl, 120u);
  EXPECT_EQ(soa->mname_end, mname.size());
  EXPECT_EQ(soa->rname_end, mname.size() + rname.size());
  EXPECT_EQ(Bytes(soa->rdata.begin(), soa->rdata.begin() + static_cast<long>(mname.size())), mname);
  EXPECT_EQ(soa->rdata.size(), mname.size() + rname.size() + 20);
  auto again = soa_from_wire(120, soa->rdata);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->rdata, soa->rdata);

  EXPECT_EQ(soa_from_wire(300, Bytes{0, 0}).status().message(),
            "invalid SOA RDATA: expected two uncompressed names and five 32-bit fields");
  EXPECT_EQ(soa_from_wire(0x80000000u, soa->rdata).status().message(), "invalid SOA TTL 2147483648");
}

TEST(RecordRules, SoaAdminAsNameOrMailbox) {
  auto rname_of = [](const char* admin) -> StatusOr<Bytes> {
    SoaParams p;
    p.primary_ns = "ns.example.com.";
    p.admin = admin;
    MCNS_ASSIGN_OR_RETURN(ZoneSoa soa, soa_from_params(p));
    return Bytes(soa.rdata.begin() + static_cast<long>(soa.mname_end), soa.rdata.begin() + static_cast<long>(soa.rname_end));
  };
  EXPECT_EQ(*rname_of("hostmaster.example.com."), dns::name_to_wire("hostmaster.example.com."));
  EXPECT_EQ(*rname_of("john.doe@example.com"),
            (Bytes{8, 'j', 'o', 'h', 'n', '.', 'd', 'o', 'e', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0}));
  EXPECT_EQ(rname_of("@example.com").status().message(), "invalid SOA admin \"@example.com\": bad local part");
  EXPECT_EQ(rname_of("a b@example.com").status().message(),
            "invalid SOA admin \"a b@example.com\": bad character in local part");
}

TEST(RecordRules, RecordsTypesRdataAndTtls) {
  Bytes a = {10, 0, 0, 1};
  Bytes name = dns::name_to_wire("mx.example.com.");
  Bytes mx = {0, 10};
  mx.insert(mx.end(), name.begin(), name.end());
  EXPECT_TRUE(check_record(dns::type::kA, 300, a).ok());
  EXPECT_TRUE(check_record(dns::type::kMX, 300, mx).ok());
  EXPECT_TRUE(check_record(dns::type::kNS, 0, name).ok());
  EXPECT_TRUE(check_record(65280, 300, a).ok());  // unknown types: RDATA as given
  EXPECT_EQ(check_record(dns::type::kSOA, 300, a).message(), "the SOA is set with upsert_zone(), not add_record()");
  EXPECT_EQ(check_record(255, 300, a).message(), "type 255 cannot be a record");
  EXPECT_EQ(check_record(dns::type::kOPT, 300, a).message(), "type 41 cannot be a record");
  EXPECT_EQ(check_record(0, 300, a).message(), "type 0 cannot be a record");
  // Where the registry puts a name, it must be one, ending the RDATA.
  EXPECT_EQ(check_record(dns::type::kNS, 300, a).message(), "invalid RDATA for type 2: expected an uncompressed name");
  EXPECT_EQ(check_record(dns::type::kMX, 300, name).message(),
            "invalid RDATA for type 15: expected an uncompressed name");
  Bytes trailing = name;
  trailing.push_back(0);
  EXPECT_EQ(check_record(dns::type::kCNAME, 300, trailing).message(),
            "invalid RDATA for type 5: expected an uncompressed name");
  Bytes srv_short = {0, 1, 0, 2};
  EXPECT_EQ(check_record(dns::type::kSRV, 300, srv_short).message(),
            "invalid RDATA for type 33: expected an uncompressed name");
  EXPECT_EQ(check_record(dns::type::kA, 0x80000000u, a).message(), "invalid TTL 2147483648");
  EXPECT_EQ(check_record(dns::type::kTXT, 300, Bytes(65536, 1)).message(), "RDATA longer than 65535 octets");
}

}  // namespace
}  // namespace mcns::zone
