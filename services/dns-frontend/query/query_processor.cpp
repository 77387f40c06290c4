#include "services/dns-frontend/query/query_processor.h"

#include <cstring>

namespace mcns::frontend {

// TODO(core): stub so that the server links: REFUSED (or drop) for everything.
QueryResult process_query(const zone::ZoneSet&, std::span<const std::uint8_t> in,
                          std::span<std::uint8_t> out, Transport, bool) noexcept {
  QueryResult r;
  if (in.size() < 12 || (in[2] & 0x80) != 0 || out.size() < 12) return r;
  std::memcpy(out.data(), in.data(), 12);
  out[2] = static_cast<std::uint8_t>((in[2] & 0x79) | 0x80);
  out[3] = 5;
  std::memset(out.data() + 4, 0, 8);
  r.action = QueryAction::kRespond;
  r.size = 12;
  r.rcode = 5;
  return r;
}

}  // namespace mcns::frontend
