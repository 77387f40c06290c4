#include "common/dns_wire/message.h"

namespace mcns::dns_wire {
namespace {

// Reads one resource record of the answer/authority/additional sections. For OPT it
// validates the option layout and fills `edns`; `opt_seen` counts OPT records.
bool read_record(WireReader& r, bool additional, bool last, Edns& edns, unsigned& opt_seen, TsigSeen& tsig) noexcept {
  Name owner;
  if (!r.read_name(&owner)) return false;
  std::uint16_t type = 0, klass = 0, rdlength = 0;
  std::uint32_t ttl = 0;
  if (!r.read_u16(type) || !r.read_u16(klass) || !r.read_u32(ttl) || !r.read_u16(rdlength)) return false;
  const std::size_t rdata_offset = r.position();
  std::span<const std::uint8_t> rdata;
  if (!r.read_bytes(rdlength, rdata)) return false;
  if (type == kTypeTsig) {
    if (!additional || !last) return false;  // RFC 8945 5.1: only as the very last record
    tsig.present = true;
    tsig.key = owner;
    tsig.rdata_offset = rdata_offset;
    tsig.rdlength = rdlength;
    return true;
  }
  if (type != kTypeOpt) return true;
  // Knot accepts an OPT whose owner is not the root; so do we (RFC 6891 leaves the
  // reaction to the responder). An OPT outside the additional section is ignored.
  if (!additional) return true;
  if (++opt_seen > 1) return false;  // RFC 6891 6.1.1: more than one OPT is FORMERR
  for (std::size_t pos = 0; pos < rdata.size();) {
    if (rdata.size() - pos < 4) return false;
    const std::uint16_t code = load_u16(rdata.data() + pos);
    std::size_t len = load_u16(rdata.data() + pos + 2);
    if (rdata.size() - pos - 4 < len) return false;
    if (code == kOptionCookie && !edns.cookie) {
      edns.cookie = true;
      edns.cookie_length = static_cast<std::uint16_t>(len);
      edns.cookie_offset = rdata_offset + pos + 4;
    }
    pos += 4 + len;
  }
  edns.present = true;
  edns.payload = klass;
  edns.version = static_cast<std::uint8_t>(ttl >> 16);
  edns.dnssec_ok = (ttl & 0x8000u) != 0;
  return true;
}

// Parses the answer, authority and additional sections and checks nothing follows.
bool read_rest(WireReader& r, const Header& h, Edns& edns, TsigSeen& tsig) noexcept {
  unsigned opt_seen = 0;
  for (unsigned i = 0; i < h.ancount; ++i)
    if (!read_record(r, false, false, edns, opt_seen, tsig)) return false;
  for (unsigned i = 0; i < h.nscount; ++i)
    if (!read_record(r, false, false, edns, opt_seen, tsig)) return false;
  for (unsigned i = 0; i < h.arcount; ++i)
    if (!read_record(r, true, i + 1 == h.arcount, edns, opt_seen, tsig)) return false;
  return r.remaining() == 0;  // trailing octets: FORMERR, as Knot
}

}  // namespace

ParseResult parse_query(std::span<const std::uint8_t> msg, ParsedQuery& q) noexcept {
  q.edns = Edns{};
  q.tsig.present = false;
  q.qtype = q.qclass = 0;
  q.question_end = kHeaderSize;
  q.qname.length = q.lower.length = 0;
  if (!q.header.read(msg)) return ParseResult::kDrop;
  if (q.header.flags & flag::kQr) return ParseResult::kDrop;
  WireReader r(msg);
  r.skip(kHeaderSize);
  if (q.header.qdcount == 0) {
    Edns edns;
    if (read_rest(r, q.header, edns, q.tsig)) q.edns = edns;
    return ParseResult::kFormErrHeader;
  }
  if (q.header.qdcount != 1) return ParseResult::kFormErrHeader;
  if (!r.read_name(&q.qname, /*allow_compression=*/false)) return ParseResult::kFormErrHeader;
  if (!r.read_u16(q.qtype) || !r.read_u16(q.qclass)) {
    q.qname.length = 0;
    return ParseResult::kFormErrHeader;
  }
  q.lower.assign_lower(q.qname);
  q.question_end = r.position();
  Edns edns;
  if (!read_rest(r, q.header, edns, q.tsig)) return ParseResult::kFormErrQuestion;
  q.edns = edns;
  return ParseResult::kOk;
}

bool write_opt(WireWriter& w, std::uint16_t payload, std::uint16_t ext_rcode, bool dnssec_ok,
               int ede_code, std::span<const std::uint8_t> cookie) noexcept {
  if (w.remaining() < opt_size(ede_code, cookie.size())) return false;
  w.put_u8(0);  // root owner
  w.put_u16(kTypeOpt);
  w.put_u16(payload);
  std::uint32_t ttl = (std::uint32_t{static_cast<std::uint8_t>(ext_rcode >> 4)} << 24) | (dnssec_ok ? 0x8000u : 0u);
  w.put_u32(ttl);
  w.put_u16(static_cast<std::uint16_t>(opt_size(ede_code, cookie.size()) - kOptSize));
  if (ede_code >= 0) {
    w.put_u16(kOptionEde);
    w.put_u16(2);
    w.put_u16(static_cast<std::uint16_t>(ede_code));
  }
  if (!cookie.empty()) {
    w.put_u16(kOptionCookie);
    w.put_u16(static_cast<std::uint16_t>(cookie.size()));
    w.put_bytes(cookie);
  }
  return true;
}

}  // namespace mcns::dns_wire
