#pragma once
// Query parsing and the OPT record (EDNS0, RFC 6891), for the hot path: no
// allocation, no exceptions.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/dns_wire/wire.h"

namespace mcns::dns_wire {

inline constexpr std::uint16_t kTypeOpt = 41;
inline constexpr std::uint16_t kTypeTsig = 250;
inline constexpr std::size_t kOptSize = 11;     // root owner + type + class + ttl + rdlen
inline constexpr std::size_t kEdeOptionSize = 6;  // option header + INFO-CODE, no text
inline constexpr std::uint16_t kOptionEde = 15;   // Extended DNS Errors (RFC 8914)
inline constexpr std::uint16_t kOptionCookie = 10;  // DNS Cookies (RFC 7873)

// RFC 8914 INFO-CODEs this server uses.
namespace ede {
inline constexpr std::uint16_t kNotReady = 14;
inline constexpr std::uint16_t kNotAuthoritative = 20;
}  // namespace ede

struct Edns {
  bool present = false;
  std::uint8_t version = 0;
  bool dnssec_ok = false;
  std::uint16_t payload = 0;  // as the client sent it
  // The first COOKIE option (RFC 7873), not validated beyond the option layout: where
  // its data is in the message and how long it is (the query processor checks 8 or
  // 16..40).
  bool cookie = false;
  std::uint16_t cookie_length = 0;
  std::size_t cookie_offset = 0;
};

enum class ParseResult : std::uint8_t {
  kOk,
  kDrop,             // shorter than a header, or a response (QR=1): never answered
  kFormErrHeader,    // the question is missing or unreadable: FORMERR echoing the header only
  kFormErrQuestion,  // the question was read but a later section is malformed
};

// A TSIG record (RFC 8945) ending the additional section: where its RDATA is, and its
// owner (the key name). A server without keys answers it NOTAUTH/BADKEY.
struct TsigSeen {
  bool present = false;
  Name key;                     // as sent, uncompressed
  std::size_t rdata_offset = 0;  // in the message
  std::uint16_t rdlength = 0;
};

struct ParsedQuery {
  Header header;
  Name qname;                 // as sent (case preserved)
  Name lower;                 // lower-cased copy, for lookups
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  std::size_t question_end = 0;  // offset just past the question in the message
  Edns edns;
  TsigSeen tsig;
};

// Parses a query: the header, exactly one question (no compression allowed in it, as
// nothing precedes it to point to), then every record of the other sections (names
// and lengths validated; answer and authority records are otherwise ignored), picking
// up the OPT record from the additional section. Two OPT records, a bad OPT option
// layout, a TSIG record that is not the last one (RFC 8945 §5.1) or octets after the
// last record are FORMERR (kFormErrQuestion). With
// qdcount 0 the result is kFormErrHeader but `edns` is still filled when the rest
// parses, so the FORMERR can carry an OPT (as Knot does).
ParseResult parse_query(std::span<const std::uint8_t> msg, ParsedQuery& q) noexcept;

// Appends an OPT record: payload size, the upper 8 bits of `ext_rcode` (the full 12-bit
// RCODE of the reply, e.g. 16 for BADVERS), version
// 0, the DO bit echoed, an Extended DNS Error option when `ede_code` >= 0 and a COOKIE
// option with `cookie` as its data when that is not empty. False (nothing written) when
// it does not fit.
bool write_opt(WireWriter& w, std::uint16_t payload, std::uint16_t ext_rcode, bool dnssec_ok,
               int ede_code = -1, std::span<const std::uint8_t> cookie = {}) noexcept;
inline std::size_t opt_size(int ede_code, std::size_t cookie_length = 0) noexcept {
  return kOptSize + (ede_code >= 0 ? kEdeOptionSize : 0) + (cookie_length ? 4 + cookie_length : 0);
}

}  // namespace mcns::dns_wire
