#include "services/dns-frontend/forward/forward_wire.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "common/dns_wire/wire.h"

namespace mcns::frontend::forward {

namespace {

using dns_wire::kHeaderSize;
using dns_wire::kTypeOpt;
using dns_wire::load_u16;
using dns_wire::load_u32;
using dns_wire::store_u16;
using dns_wire::store_u32;
constexpr std::size_t kOptRecordSize = dns_wire::kOptSize;  // root name, type, class, ttl, rdlen 0

// RDATA types whose names prepare_answer() checks (RFC 1035 3.3).
constexpr std::uint16_t kTypeNs = 2;
constexpr std::uint16_t kTypeCname = 5;
constexpr std::uint16_t kTypeSoa = 6;
constexpr std::uint16_t kTypePtr = 12;
constexpr std::uint16_t kTypeMx = 15;

// Reads an uncompressed name at `pos` with common/dns_wire's reader (bounded to 255
// octets, extended label types and pointers rejected) into `name` (and `lower_out` when
// given). Returns the position after it, or 0. Questions are never compressed:
// render_answer() overwrites the question name of a cached answer in place, which needs
// its uncompressed length.
std::size_t read_plain_name(std::span<const std::uint8_t> m, std::size_t pos, std::uint8_t* name,
                            std::uint8_t* lower_out, std::uint8_t& len) noexcept {
  if (pos > m.size()) return 0;
  dns_wire::WireReader reader(m);
  reader.seek(pos);
  const std::size_t n = reader.read_plain_name(name, lower_out);
  if (n == 0) return 0;
  len = static_cast<std::uint8_t>(n);
  return reader.position();
}

// Reads (validates) a possibly compressed name at `pos` whose in-place octets must end by
// `limit`: pointers are followed (each strictly backwards, so no loop), the name is at
// most 255 octets. Returns the position after its in-place octets, or 0.
//
// render_answer() rewrites the header (ID, flags, counts) and every TTL field for each
// client, so a name may not be read through those octets: pointers into the header are
// refused, and with `ttl_marks` (one octet per message octet, non-zero inside a TTL
// field or an octet that is cut off) so are labels and pointers lying there.
std::size_t check_name(std::span<const std::uint8_t> m, std::size_t pos, std::size_t limit,
                       const std::uint8_t* ttl_marks = nullptr) noexcept {
  if (pos >= m.size()) return 0;
  dns_wire::WireReader reader(m);
  reader.seek(pos);
  if (!reader.read_name(nullptr, /*allow_compression=*/true)) return 0;
  if (reader.position() > limit) return 0;
  // The walk is safe: the reader checked every pointer and length.
  auto in_ttl = [&](std::size_t from, std::size_t n) {
    if (!ttl_marks) return false;
    for (std::size_t i = from; i < from + n; ++i)
      if (ttl_marks[i]) return true;
    return false;
  };
  for (std::size_t p = pos;;) {
    if ((m[p] & 0xC0) == 0xC0) {
      if (in_ttl(p, 2)) return 0;
      p = (std::size_t{m[p] & 0x3fu} << 8) | m[p + 1];
      if (p < kHeaderSize) return 0;
    } else {
      if (in_ttl(p, 1u + m[p])) return 0;
      if (m[p] == 0) break;
      p += 1u + m[p];
    }
  }
  return reader.position();
}

// Skips one resource record; returns its type, TTL offset and the position after it.
struct RecordPos {
  std::size_t start = 0;
  std::uint16_t type = 0;
  std::size_t ttl_at = 0;
  std::size_t rdata_at = 0;
  std::uint16_t rdlen = 0;
  std::size_t end = 0;
};
bool read_record(std::span<const std::uint8_t> m, std::size_t pos, RecordPos& r,
                 const std::uint8_t* ttl_marks = nullptr) noexcept {
  r.start = pos;
  // The root owner (every OPT record) needs no walk: check_name() would return pos + 1.
  if (pos < m.size() && m[pos] == 0 && !(ttl_marks && ttl_marks[pos]))
    pos += 1;
  else
    pos = check_name(m, pos, m.size(), ttl_marks);
  if (pos == 0 || pos + 10 > m.size()) return false;
  r.type = load_u16(m.data() + pos);
  r.ttl_at = pos + 4;
  r.rdlen = load_u16(m.data() + pos + 8);
  r.rdata_at = pos + 10;
  r.end = r.rdata_at + r.rdlen;
  return r.end <= m.size();
}

// The record types whose RDATA may hold compressed names (RFC 1035 3.3, RFC 3597 4):
// each name must be valid (pointers followed) and the RDATA must end exactly after it.
// Cached answers are sent to clients as they are, so a broken pointer must not pass.
bool rdata_names_valid(std::span<const std::uint8_t> m, const RecordPos& r, const std::uint8_t* marks) noexcept {
  std::size_t p = 0;
  switch (r.type) {
    case kTypeNs:
    case kTypeCname:
    case kTypePtr:
      p = check_name(m, r.rdata_at, r.end, marks);
      return p != 0 && p == r.end;
    case kTypeMx:
      if (r.rdlen < 3) return false;
      p = check_name(m, r.rdata_at + 2, r.end, marks);
      return p != 0 && p == r.end;
    case kTypeSoa:
      p = check_name(m, r.rdata_at, r.end, marks);
      if (p != 0) p = check_name(m, p, r.end, marks);
      return p != 0 && p + 20 == r.end;
    default:
      return true;
  }
}

}  // namespace

std::size_t skip_name(std::span<const std::uint8_t> msg, std::size_t pos) noexcept {
  return check_name(msg, pos, msg.size());
}

bool parse_question(std::span<const std::uint8_t> in, Question& q) noexcept {
  dns_wire::ParsedQuery parsed;
  if (dns_wire::parse_query(in, parsed) != dns_wire::ParseResult::kOk) return false;
  if (parsed.header.opcode() != 0) return false;  // only QUERY is forwarded
  question_from_parsed(parsed, q);
  return true;
}

void question_from_parsed(const dns_wire::ParsedQuery& p, Question& q) noexcept {
  q.id = p.header.id;
  q.flags_hi = static_cast<std::uint8_t>(p.header.flags >> 8);
  q.flags_lo = static_cast<std::uint8_t>(p.header.flags);
  q.name_len = static_cast<std::uint8_t>(p.qname.length);
  std::memcpy(q.name, p.qname.data.data(), p.qname.length);
  std::memcpy(q.lower, p.lower.data.data(), p.lower.length);
  q.qtype = p.qtype;
  q.qclass = p.qclass;
  q.has_edns = p.edns.present;
  q.do_bit = p.edns.present && p.edns.dnssec_ok;
  q.udp_payload = p.edns.present ? std::max<std::uint16_t>(512, p.edns.payload) : 512;
}

std::size_t reply_limit(const Question& q, bool tcp, std::size_t out_size) noexcept {
  std::size_t limit = tcp ? 65535 : std::clamp<std::size_t>(q.udp_payload, 512, kEdnsPayload);
  return std::min(limit, out_size);
}

std::size_t build_upstream_query(const Question& q, std::uint16_t id, std::span<std::uint8_t> out) noexcept {
  std::size_t size = kHeaderSize + q.name_len + 4 + kOptRecordSize;
  if (out.size() < size) return 0;
  std::uint8_t* p = out.data();
  store_u16(p, id);
  p[2] = 0x01;                                   // RD
  p[3] = (q.ad() || q.do_bit) ? 0x20 : 0x00;     // ask for AD only when the client can use it
  store_u16(p + 4, 1);
  store_u16(p + 6, 0);
  store_u16(p + 8, 0);
  store_u16(p + 10, 1);
  p += kHeaderSize;
  std::memcpy(p, q.lower, q.name_len);
  p += q.name_len;
  store_u16(p, q.qtype);
  store_u16(p + 2, q.qclass);
  p += 4;
  p[0] = 0;  // root owner
  store_u16(p + 1, kTypeOpt);
  store_u16(p + 3, kEdnsPayload);
  p[5] = 0;  // extended rcode
  p[6] = 0;  // version
  p[7] = q.do_bit ? 0x80 : 0x00;
  p[8] = 0;
  store_u16(p + 9, 0);
  return size;
}

bool answer_matches(std::span<const std::uint8_t> answer, std::uint16_t id, const Question& q) noexcept {
  if (answer.size() < kHeaderSize) return false;
  if (load_u16(answer.data()) != id) return false;
  if (!(answer[2] & 0x80) || (answer[2] & 0x78)) return false;  // not a response to QUERY
  if (load_u16(answer.data() + 4) != 1) return false;
  std::uint8_t name[kMaxNameWire];
  std::uint8_t name_lower[kMaxNameWire];
  std::uint8_t len = 0;
  std::size_t pos = read_plain_name(answer, kHeaderSize, name, name_lower, len);
  if (pos == 0 || pos + 4 > answer.size()) return false;
  if (len != q.name_len || std::memcmp(name_lower, q.lower, len) != 0) return false;
  return load_u16(answer.data() + pos) == q.qtype && load_u16(answer.data() + pos + 2) == q.qclass;
}

PrepareResult prepare_answer(std::span<const std::uint8_t> answer, std::uint32_t max_ttl, PreparedAnswer& out) {
  out = PreparedAnswer{};
  if (answer.size() < kHeaderSize || load_u16(answer.data() + 4) != 1) return PrepareResult::kMalformed;
  std::size_t an = load_u16(answer.data() + 6), ns = load_u16(answer.data() + 8), ar = load_u16(answer.data() + 10);
  // The question name must be uncompressed (render_answer rewrites it in place).
  std::uint8_t qname[kMaxNameWire];
  std::uint8_t qname_len = 0;
  std::size_t pos = read_plain_name(answer, kHeaderSize, qname, nullptr, qname_len);
  if (pos == 0 || pos + 4 > answer.size()) return PrepareResult::kMalformed;
  pos += 4;

  std::uint32_t min_ttl = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t negative_ttl = 0;
  bool have_soa = false;
  std::size_t opt_start = 0;
  bool have_opt = false;
  std::uint8_t ext_rcode = 0;
  std::vector<TtlSlot> slots;
  std::size_t total = an + ns + ar;
  const std::size_t first_record = pos;
  std::vector<std::uint8_t> ttl_marks(answer.size());  // octets render_answer() rewrites per client
  slots.reserve(std::min(total, (answer.size() - pos) / 11));  // a record takes >= 11 octets
  RecordPos r;
  for (std::size_t i = 0; i < total; ++i) {
    if (!read_record(answer, pos, r)) return PrepareResult::kMalformed;
    if (r.type == kTypeOpt) {
      // The client gets its own OPT, so the upstream's is cut off. Resolvers put it last;
      // removing one from the middle would move records that compression may point at.
      if (i < an + ns || have_opt || i + 1 != total || answer[r.start] != 0) return PrepareResult::kMalformed;
      have_opt = true;
      opt_start = r.start;
      ext_rcode = answer[r.ttl_at];
    } else {
      std::uint32_t ttl = load_u32(answer.data() + r.ttl_at);
      if (ttl & 0x80000000u) ttl = 0;  // RFC 2181 8: treat as zero
      ttl = std::min(ttl, max_ttl);
      slots.push_back({static_cast<std::uint32_t>(r.ttl_at), ttl});
      std::memset(ttl_marks.data() + r.ttl_at, 1, 4);
      min_ttl = std::min(min_ttl, ttl);
      if (!rdata_names_valid(answer, r, nullptr)) return PrepareResult::kMalformed;
      if (r.type == kTypeSoa && i >= an && i < an + ns && !have_soa) {
        // SOA RDATA: MNAME, RNAME (possibly compressed), then five 32-bit fields.
        std::size_t p = check_name(answer, r.rdata_at, r.end);
        if (p != 0) p = check_name(answer, p, r.end);
        if (p == 0 || p + 20 != r.end) return PrepareResult::kMalformed;
        std::uint32_t minimum = load_u32(answer.data() + p + 16);
        have_soa = true;
        negative_ttl = std::min({ttl, minimum, max_ttl});
      }
    }
    pos = r.end;
  }
  // Now that every TTL field is known: no name may be read through one (a label run
  // can reach forward past its pointer, even into a later record), nor through the
  // octets that are cut off (the OPT record, trailing octets).
  const std::size_t kept = have_opt ? opt_start : pos;
  std::memset(ttl_marks.data() + kept, 1, answer.size() - kept);
  pos = first_record;
  for (std::size_t i = 0; i < total; ++i) {
    if (have_opt && i + 1 == total) break;  // the OPT record itself (root owner, cut off)
    if (!read_record(answer, pos, r, ttl_marks.data())) return PrepareResult::kMalformed;
    if (!rdata_names_valid(answer, r, ttl_marks.data())) return PrepareResult::kMalformed;
    pos = r.end;
  }

  out.rcode = answer[3] & 0x0f;
  if (ext_rcode != 0) return PrepareResult::kServerError;
  if (out.rcode != dns_wire::rcode::kNoError && out.rcode != dns_wire::rcode::kNxDomain) return PrepareResult::kServerError;

  std::size_t end = have_opt ? opt_start : pos;  // trailing octets after the records are dropped
  out.wire.assign(answer.begin(), answer.begin() + static_cast<std::ptrdiff_t>(end));
  if (have_opt) store_u16(out.wire.data() + 10, static_cast<std::uint16_t>(ar - 1));
  out.wire[2] &= static_cast<std::uint8_t>(~0x02);  // TC never survives (we retried over TCP)

  bool negative = out.rcode == dns_wire::rcode::kNxDomain || an == 0;
  std::uint32_t lifetime = slots.empty() ? 0 : min_ttl;
  if (negative) {
    lifetime = have_soa ? std::min(lifetime, negative_ttl) : 0;
    // RFC 2308 5: the SOA (and everything else here) may not outlive the negative TTL.
    for (auto& s : slots) s.ttl = std::min(s.ttl, negative_ttl);
  }
  out.lifetime = lifetime;
  out.ttls = std::move(slots);
  return PrepareResult::kOk;
}

namespace {

void write_opt(std::uint8_t* p, bool do_bit) noexcept {
  p[0] = 0;
  store_u16(p + 1, kTypeOpt);
  store_u16(p + 3, kEdnsPayload);
  p[5] = 0;
  p[6] = 0;
  p[7] = do_bit ? 0x80 : 0x00;
  p[8] = 0;
  store_u16(p + 9, 0);
}

std::size_t render_header_only(const Question& q, std::uint8_t flags_lo_upstream, std::uint16_t rc, bool tc,
                               std::span<std::uint8_t> out, std::size_t limit) noexcept {
  std::size_t size = kHeaderSize + q.name_len + 4 + (q.has_edns ? kOptRecordSize : 0);
  if (size > limit || size > out.size()) return 0;
  std::uint8_t* p = out.data();
  store_u16(p, q.id);
  p[2] = static_cast<std::uint8_t>(0x80 | (tc ? 0x02 : 0) | (q.flags_hi & 0x01));
  p[3] = static_cast<std::uint8_t>(0x80 | (q.flags_lo & 0x10) | ((q.ad() || q.do_bit) ? (flags_lo_upstream & 0x20) : 0) |
                                   (rc & 0x0f));
  store_u16(p + 4, 1);
  store_u16(p + 6, 0);
  store_u16(p + 8, 0);
  store_u16(p + 10, q.has_edns ? 1 : 0);
  p += kHeaderSize;
  std::memcpy(p, q.name, q.name_len);
  p += q.name_len;
  store_u16(p, q.qtype);
  store_u16(p + 2, q.qclass);
  if (q.has_edns) write_opt(p + 4, q.do_bit);
  return size;
}

}  // namespace

std::size_t render_answer(const AnswerView& a, std::uint32_t elapsed, const Question& q,
                          std::span<std::uint8_t> out, std::size_t limit) noexcept {
  limit = std::min(limit, out.size());
  if (a.wire.size() < kHeaderSize + q.name_len + 4) return 0;
  std::uint8_t up_lo = a.wire[3];
  std::size_t size = a.wire.size() + (q.has_edns ? kOptRecordSize : 0);
  if (size > limit) return render_header_only(q, up_lo, up_lo & 0x0f, true, out, limit);
  std::uint8_t* p = out.data();
  std::memcpy(p, a.wire.data(), a.wire.size());
  store_u16(p, q.id);
  std::memcpy(p + kHeaderSize, q.name, q.name_len);  // same length: the cached name is its lower-cased form
  p[2] = static_cast<std::uint8_t>(0x80 | (q.flags_hi & 0x01));
  p[3] = static_cast<std::uint8_t>(0x80 | (q.flags_lo & 0x10) | ((q.ad() || q.do_bit) ? (up_lo & 0x20) : 0) |
                                   (up_lo & 0x0f));
  for (const TtlSlot& s : a.ttls) store_u32(p + s.offset, s.ttl > elapsed ? s.ttl - elapsed : 0);
  if (q.has_edns) {
    write_opt(p + a.wire.size(), q.do_bit);
    store_u16(p + 10, static_cast<std::uint16_t>(load_u16(a.wire.data() + 10) + 1));
  }
  return size;
}

std::size_t render_error(const Question& q, std::uint16_t rc, std::span<std::uint8_t> out, std::size_t limit) noexcept {
  return render_header_only(q, 0, rc, false, out, limit);
}

}  // namespace mcns::frontend::forward
