#include "common/zone/zone_text_for_test.h"

#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>

#include <algorithm>
#include <cstdio>

#include "common/base/strings.h"
#include "common/dns_wire/wire.h"
#include "common/zone/zone.h"

namespace mcns::zone::testing {
namespace {

std::vector<std::uint8_t> rdata_of(const ldns_rr* rr) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
  }
  return out;
}

std::span<const std::uint8_t> rdf_span(const ldns_rdf* rdf) { return {ldns_rdf_data(rdf), ldns_rdf_size(rdf)}; }

}  // namespace

Status load_zone_text(ZoneSetBuilder& builder, std::string_view origin, std::string_view text) {
  std::string copy(text);
  FILE* f = fmemopen(copy.data(), copy.size(), "r");
  if (!f) return internal_error("fmemopen failed");
  ldns_rdf* origin_rdf = ldns_dname_new_frm_str(str_cat(origin, ".").c_str());
  ldns_zone* z = nullptr;
  int line = 0;
  ldns_status st = ldns_zone_new_frm_fp_l(&z, f, origin_rdf, 3600, LDNS_RR_CLASS_IN, &line);
  std::fclose(f);
  ldns_rdf_deep_free(origin_rdf);
  if (st != LDNS_STATUS_OK) return invalid_argument(str_cat("zone text line ", line, ": ", ldns_get_errorstr_by_id(st)));
  Status result = ok_status();
  const ldns_rr* soa = ldns_zone_soa(z);
  if (!soa) {
    result = invalid_argument("zone text has no SOA");
  } else {
    result = builder.upsert_zone_wire(origin, ldns_rr_ttl(soa), rdata_of(soa));
  }
  const ldns_rr_list* rrs = ldns_zone_rrs(z);
  for (std::size_t i = 0; result.ok() && i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) continue;
    result = builder.add_record_wire(origin, rdf_span(ldns_rr_owner(rr)), static_cast<std::uint16_t>(ldns_rr_get_type(rr)),
                                     ldns_rr_ttl(rr), rdata_of(rr));
  }
  ldns_zone_deep_free(z);
  return result;
}

StatusOr<ZoneSetPtr> zone_set_from_text(const std::vector<std::pair<std::string, std::string>>& zones) {
  ZoneSetBuilder b;
  for (const auto& [origin, text] : zones) MCNS_RETURN_IF_ERROR(load_zone_text(b, origin, text));
  return b.build();
}

std::vector<std::string> dump_zone(const Zone& zone) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < zone.shard_count(); ++i) {
    const Shard& s = *zone.shard(i);
    for (const Node& n : s.nodes()) {
      std::string owner = to_hex(std::string_view(reinterpret_cast<const char*>(s.name(n)), n.name_length));
      if (n.rrset_count == 0) out.push_back(str_cat(owner, " ENT children=", n.children, " flags=", n.flags));
      for (const RRset& set : s.rrsets(n)) {
        const std::uint8_t* p = s.data() + set.offset;
        for (unsigned r = 0; r < set.count; ++r) {
          std::uint16_t rdlength = dns_wire::load_u16(p + 10);
          out.push_back(str_cat(owner, " ", dns_wire::load_u32(p + 6), " ", set.type, " ",
                                to_hex(std::string_view(reinterpret_cast<const char*>(p + 12), rdlength)),
                                " children=", n.children, " flags=", n.flags));
          p += 12 + rdlength;
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mcns::zone::testing
