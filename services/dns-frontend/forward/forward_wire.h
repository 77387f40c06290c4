#pragma once
// Wire-format helpers of the forwarder: reading the client's question, building the
// upstream query, checking that an upstream answer belongs to it (RFC 5452), and turning
// an upstream answer into a client-independent "prepared" form that is cached and
// rendered for each client (its ID, its question's case, its EDNS state, its size limit,
// and TTLs counted down).
//
// Everything that reads untrusted bytes is bounds-checked. The functions used on a cache
// hit (parse_question, render_answer, render_error) are noexcept and do not allocate.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "common/dns_wire/message.h"
#include "common/dns_wire/wire.h"

namespace mcns::frontend::forward {

// The wire vocabulary (header size, RCODEs, flags, load_u16/store_u16, the OPT record's
// size) is common/dns_wire's; only what is the forwarder's own is declared here.
inline constexpr std::size_t kMaxNameWire = dns_wire::kMaxNameLength;
// The payload size the forwarder advertises upstream and to its clients (DNS Flag Day
// 2020; the authoritative path uses the same value).
inline constexpr std::uint16_t kEdnsPayload = 1232;

// The parts of a client's query the forwarder needs. Fixed size: lives on the stack.
struct Question {
  std::uint16_t id = 0;
  std::uint8_t flags_hi = 0;  // header octet 2 (QR, opcode, AA, TC, RD)
  std::uint8_t flags_lo = 0;  // header octet 3 (RA, Z, AD, CD, rcode)
  std::uint8_t name_len = 0;  // octets of the uncompressed wire name, root included
  // Only the first name_len octets are meaningful. (Not zero-filled: a hit builds a
  // Question on the stack for every query, and 510 octets of memset would be a good part
  // of what the hit costs.)
  std::uint8_t name[kMaxNameWire];   // as the client wrote it (case preserved)
  std::uint8_t lower[kMaxNameWire];  // lower-cased (ASCII), the cache key's name
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  bool has_edns = false;
  bool do_bit = false;
  std::uint16_t udp_payload = 512;  // client's EDNS payload size (512 without EDNS)

  bool rd() const noexcept { return flags_hi & 0x01; }
  bool cd() const noexcept { return flags_lo & 0x10; }
  bool ad() const noexcept { return flags_lo & 0x20; }
};

// Reads the header, the single question (uncompressed name) and the OPT record of a
// query. false when it is not a well-formed standard query with exactly one question.
bool parse_question(std::span<const std::uint8_t> in, Question& q) noexcept;

// The Question of a query that dns_wire::parse_query() already read with kOk (the
// server's process_query() parses every query before it says kForward): the same result
// as parse_question() on that query, without reading it a second time.
void question_from_parsed(const dns_wire::ParsedQuery& p, Question& q) noexcept;

// The largest reply this client accepts: TCP the buffer, UDP its EDNS payload size
// clamped to 512..kEdnsPayload (512 without EDNS), never more than `out_size`.
std::size_t reply_limit(const Question& q, bool tcp, std::size_t out_size) noexcept;

// The upstream query: `id`, RD=1, the lower-cased question, and an OPT record with
// kEdnsPayload and the client's DO bit. Returns its size (0 if `out` is too small).
std::size_t build_upstream_query(const Question& q, std::uint16_t id, std::span<std::uint8_t> out) noexcept;

// RFC 5452: true when `answer` is a response (QR=1, opcode QUERY) with ID `id` and
// exactly the question of `q` (name compared case-insensitively, type, class).
bool answer_matches(std::span<const std::uint8_t> answer, std::uint16_t id, const Question& q) noexcept;

// Returns the TC bit of an answer of at least 12 octets.
inline bool truncated(std::span<const std::uint8_t> answer) noexcept {
  return answer.size() >= dns_wire::kHeaderSize && (dns_wire::load_u16(answer.data() + 2) & dns_wire::flag::kTc);
}

struct TtlSlot {
  std::uint32_t offset;  // of the 4-octet TTL field in PreparedAnswer::wire
  std::uint32_t ttl;     // capped original TTL
};

// An upstream answer made independent of the client: the OPT record removed (the
// client gets its own), TTL field positions recorded, and how long it may be cached.
struct PreparedAnswer {
  std::vector<std::uint8_t> wire;  // header + question + records, without OPT
  std::vector<TtlSlot> ttls;
  std::uint8_t rcode = 0;
  std::uint32_t lifetime = 0;  // seconds it may be cached; 0 = do not cache
};

enum class PrepareResult {
  kOk,         // usable (may or may not be cacheable: see lifetime)
  kMalformed,  // bounds, counts or OPT placement wrong: treat as an upstream failure
  kServerError,  // SERVFAIL, REFUSED, NOTIMP, FORMERR or an extended rcode: try the next upstream
};

// Prepares an upstream answer that already passed answer_matches(). Every owner name,
// and the names in NS, CNAME, PTR, MX and SOA RDATA, must be valid with compression
// pointers followed, else kMalformed; the question name must be uncompressed. Caching rules:
// NOERROR with answers: min TTL of every record, each TTL capped at `max_ttl`;
// NXDOMAIN / NODATA: min(SOA TTL, SOA MINIMUM) (RFC 2308) when the authority section has
// an SOA, else not cached; other rcodes are kServerError and never cached; a TTL of 0
// means "do not cache".
PrepareResult prepare_answer(std::span<const std::uint8_t> answer, std::uint32_t max_ttl, PreparedAnswer& out);

// A view of a prepared answer (cache entries keep their bytes elsewhere).
struct AnswerView {
  std::span<const std::uint8_t> wire;
  std::span<const TtlSlot> ttls;
};

// Writes `a` for client `q` into out[0..limit): the client's ID and question case, RD
// and CD echoed, RA set, AA cleared, AD only when the client set AD or DO, every TTL
// lowered by `elapsed` seconds, and an OPT record when the client sent one. When it does
// not fit, a TC reply with the question only. Returns the size (0 if even that does not
// fit, which cannot happen for limit >= 512).
std::size_t render_answer(const AnswerView& a, std::uint32_t elapsed, const Question& q,
                          std::span<std::uint8_t> out, std::size_t limit) noexcept;

// A reply with no records and `rcode` (e.g. SERVFAIL when every upstream failed).
std::size_t render_error(const Question& q, std::uint16_t rcode, std::span<std::uint8_t> out,
                         std::size_t limit) noexcept;

// Validates and skips a possibly compressed name at `pos` with common/dns_wire's reader:
// pointers are followed (each strictly backwards, so no loop, and never into the
// 12-octet header), the name is at most 255 octets, extended label types are rejected. Returns the position after the name's
// in-place octets, or 0 when it is not a valid name.
std::size_t skip_name(std::span<const std::uint8_t> msg, std::size_t pos) noexcept;

}  // namespace mcns::frontend::forward
