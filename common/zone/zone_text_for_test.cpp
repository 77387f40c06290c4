#include "common/zone/zone_text_for_test.h"

#include <algorithm>

#include "common/base/strings.h"
#include "common/dns_wire/wire.h"
#include "common/zone/zone.h"
#include "common/zonefile/zone_file_reader.h"

namespace mcns::zone::testing {

Status load_zone_text(ZoneSetBuilder& builder, std::string_view origin, std::string_view text) {
  zonefile::ReadOptions options;
  options.zone = std::string(origin);
  zonefile::Handlers handlers;
  handlers.zone = [&](const std::string&, const zonefile::Soa&, const zonefile::Record& soa) {
    return builder.upsert_zone_wire(origin, soa.ttl, soa.rdata);
  };
  handlers.record = [&](const zonefile::Record& r) {
    return builder.add_record_wire(origin, r.owner, r.type, r.ttl, r.rdata);
  };
  return zonefile::read_zone_file(text, options, handlers);
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
