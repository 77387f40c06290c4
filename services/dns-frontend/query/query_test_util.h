#pragma once
// Shared by the query-path tests: building queries, decoding replies with ldns (an
// independent parser), and the test zones.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/zone/zone_set.h"
#include "services/dns-frontend/query/query_processor.h"

namespace mcns::frontend::testing {

struct QueryOptions {
  std::uint16_t id = 0x1234;
  std::uint16_t flags = 0;  // header flags (opcode, RD, ...)
  std::uint16_t qclass = 1;
  bool edns = false;
  std::uint16_t bufsize = 1232;
  bool dnssec_ok = false;
  std::uint8_t version = 0;
};

std::vector<std::uint8_t> make_query(std::string_view name, std::uint16_t qtype, const QueryOptions& o = {});

struct Reply {
  QueryResult result;
  std::vector<std::uint8_t> bytes;
  bool parsed = false;  // ldns could parse it
  std::uint16_t id = 0;
  int rcode = -1;       // extended
  int opcode = -1;
  bool aa = false, tc = false, rd = false, ra = false, cd = false, ad = false;
  std::vector<std::string> question, answer, authority, additional;  // "owner ttl class type rdata"
  bool edns = false;
  std::uint16_t edns_size = 0;
  int edns_version = -1;
  bool edns_do = false;
  std::vector<std::uint16_t> ede;  // Extended DNS Error codes in the OPT
};

Reply ask(const zone::ZoneSet& zones, const std::vector<std::uint8_t>& query, Transport transport = Transport::kUdp,
          bool forwarding = false, std::size_t out_size = 65535);

// Decodes a reply with ldns (result is left default).
Reply decode_reply(const std::vector<std::uint8_t>& bytes);

std::string to_hex(const std::vector<std::uint8_t>& bytes);

// The repository root: $MCNS_SOURCE_DIR, or the path compiled in.
std::string source_dir();

// The zone text checked against knotd (services/dns-frontend/query/testdata/*.zone
// hold the same text for re-running Knot).
std::string example_zone_text();
std::string child_zone_text();
zone::ZoneSetPtr example_zones();

}  // namespace mcns::frontend::testing
