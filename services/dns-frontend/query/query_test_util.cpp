#include "services/dns-frontend/query/query_test_util.h"

#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/base/strings.h"
#include "common/zone/zone_text_for_test.h"

namespace mcns::frontend::testing {
namespace {

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

std::string squash(const char* s) {
  std::string out;
  bool space = false;
  for (const char* p = s; *p; ++p) {
    if (*p == '\t' || *p == ' ' || *p == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(*p);
  }
  return out;
}

std::vector<std::string> section(const ldns_rr_list* list) {
  std::vector<std::string> out;
  for (std::size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    char* s = ldns_rr2str(ldns_rr_list_rr(list, i));
    out.push_back(squash(s));
    LDNS_FREE(s);
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string testdata(const std::string& name) {
  return read_file(source_dir() + "/services/dns-frontend/query/testdata/" + name);
}

}  // namespace

std::string source_dir() {
  const char* src = std::getenv("MCNS_SOURCE_DIR");
  return src && *src ? src : MCNS_SOURCE_DIR_FALLBACK;
}

std::vector<std::uint8_t> make_query(std::string_view name, std::uint16_t qtype, const QueryOptions& o) {
  std::vector<std::uint8_t> q;
  put16(q, o.id);
  put16(q, o.flags);
  put16(q, 1);
  put16(q, 0);
  put16(q, 0);
  put16(q, o.edns ? 1 : 0);
  std::string_view rest = name;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  if (!rest.empty())
    for (std::string_view label : split(rest, '.')) {
      q.push_back(static_cast<std::uint8_t>(label.size()));
      q.insert(q.end(), label.begin(), label.end());
    }
  q.push_back(0);
  put16(q, qtype);
  put16(q, o.qclass);
  if (o.edns) {
    q.push_back(0);
    put16(q, 41);
    put16(q, o.bufsize);
    std::uint32_t ttl = (std::uint32_t{o.version} << 16) | (o.dnssec_ok ? 0x8000u : 0u);
    put16(q, static_cast<std::uint16_t>(ttl >> 16));
    put16(q, static_cast<std::uint16_t>(ttl));
    put16(q, 0);
  }
  return q;
}

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  return mcns::to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Reply ask(const zone::ZoneSet& zones, const std::vector<std::uint8_t>& query, Transport transport, bool forwarding,
          std::size_t out_size) {
  std::vector<std::uint8_t> out(out_size);
  QueryResult result = process_query(zones, query, out, transport, forwarding);
  if (result.action != QueryAction::kRespond) {
    Reply r;
    r.result = result;
    return r;
  }
  Reply r = decode_reply(std::vector<std::uint8_t>(out.begin(), out.begin() + static_cast<long>(result.size)));
  r.result = result;
  return r;
}

Reply decode_reply(const std::vector<std::uint8_t>& bytes) {
  Reply r;
  r.bytes = bytes;
  ldns_pkt* pkt = nullptr;
  if (ldns_wire2pkt(&pkt, r.bytes.data(), r.bytes.size()) != LDNS_STATUS_OK) return r;
  r.parsed = true;
  r.id = ldns_pkt_id(pkt);
  r.opcode = ldns_pkt_get_opcode(pkt);
  r.aa = ldns_pkt_aa(pkt);
  r.tc = ldns_pkt_tc(pkt);
  r.rd = ldns_pkt_rd(pkt);
  r.ra = ldns_pkt_ra(pkt);
  r.cd = ldns_pkt_cd(pkt);
  r.ad = ldns_pkt_ad(pkt);
  r.rcode = ldns_pkt_get_rcode(pkt);
  r.question = section(ldns_pkt_question(pkt));
  r.answer = section(ldns_pkt_answer(pkt));
  r.authority = section(ldns_pkt_authority(pkt));
  r.additional = section(ldns_pkt_additional(pkt));
  r.edns = ldns_pkt_edns(pkt);
  if (r.edns) {
    r.edns_size = ldns_pkt_edns_udp_size(pkt);
    r.edns_version = ldns_pkt_edns_version(pkt);
    r.edns_do = ldns_pkt_edns_do(pkt);
    r.rcode |= ldns_pkt_edns_extended_rcode(pkt) << 4;
    if (const ldns_rdf* data = ldns_pkt_edns_data(pkt)) {
      const std::uint8_t* p = ldns_rdf_data(data);
      std::size_t n = ldns_rdf_size(data);
      for (std::size_t i = 0; i + 4 <= n;) {
        std::uint16_t code = static_cast<std::uint16_t>(p[i] << 8 | p[i + 1]);
        std::uint16_t len = static_cast<std::uint16_t>(p[i + 2] << 8 | p[i + 3]);
        if (code == 15 && len >= 2 && i + 6 <= n) r.ede.push_back(static_cast<std::uint16_t>(p[i + 4] << 8 | p[i + 5]));
        i += 4u + len;
      }
    }
  }
  ldns_pkt_free(pkt);
  return r;
}

std::string example_zone_text() { return testdata("example.com.zone"); }
std::string child_zone_text() { return testdata("child.example.com.zone"); }

zone::ZoneSetPtr example_zones() {
  auto zs = zone::testing::zone_set_from_text({{"example.com", example_zone_text()},
                                               {"child.example.com", child_zone_text()}});
  if (!zs.ok()) {
    std::fprintf(stderr, "test zones: %s\n", zs.status().to_string().c_str());
    std::abort();
  }
  return *zs;
}

}  // namespace mcns::frontend::testing
