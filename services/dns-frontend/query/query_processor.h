#pragma once
// The authoritative DNS hot path of mcns-dns: parse -> look up in the snapshot -> encode
// (STYLE.md 3.4; SPEC section 9). Behaviour matches Knot DNS; the cases checked
// against a running knotd are listed in query_processor_test.cpp.
//
// Contract for the server (UDP/TCP workers) and the forwarder:
//  - process_query() never throws, never allocates, takes no lock, never logs. It
//    reads only `in`, the immutable `zones` and writes only `out`.
//  - `in` is one DNS message (for TCP: without the 2-octet length prefix).
//  - `out` should be at least 512 octets (kMinOutSize; smaller buffers can only hold
//    header-only replies) and, for TCP, up to 65535. For UDP the reply is limited to the
//    client's EDNS payload size (at least 512; 512 without EDNS), capped at
//    kMaxUdpPayload and out.size(); when the answer does not fit, TC is set and the
//    record sections are emptied (as Knot does). For TCP the limit is out.size().
//  - The reply never aliases `in`: `in` and `out` must not overlap.
//
// Result:
//  - kRespond: send out[0..size).
//  - kDrop:    send nothing (a response (QR=1), fewer than 12 octets, or over the
//              UDP response rate limit: see QueryContext).
//  - kForward: the name is outside every zone, the class is IN and `forwarding` was
//              true: hand the original `in` to the forwarder. `out` is untouched.
//  rcode is the reply's (extended) RCODE, for metrics (e.g. 0 NOERROR, 3 NXDOMAIN,
//  16 BADVERS); qtype the question's type (0 when there was no readable question).
//
// Readiness: until a ready ZoneSet is published (zone_set.h), every well-formed query
// is answered REFUSED with EDE 14 "Not Ready" (and nothing is forwarded).
//
// Behaviour (SPEC section 9; testdata/knot_golden.txt holds knotd's exact replies, 42
// of 44 byte-identical, the rest differ only by tighter name compression):
//  - AA on answers from zone data; minimal responses as Knot (no NS in authority of
//    positive answers); A/AAAA of NS, MX and SRV targets in the same zone as
//    additional data, left out (no TC) when they do not fit — except the in-domain
//    glue of a referral (NS names at or below the cut): when it does not all fit, TC
//    with emptied sections (RFC 9471); sibling glue (NS names elsewhere in the zone)
//    follows it and is dropped without TC.
//  - Longest-suffix zone match; matching is case-insensitive and owners that equal the
//    question name point at it, so the client's case is echoed.
//  - NXDOMAIN / NODATA (also empty non-terminals) with the zone SOA in authority,
//    TTL min(SOA TTL, MINIMUM). Referrals (no AA) with glue below a delegation; DS at
//    a cut is answered from the parent. Wildcards per RFC 4592.
//  - CNAMEs followed up to 5 steps (Knot's limit), a loop stops the chain (NOERROR);
//    the last step decides the RCODE (RFC 6604).
//  - ANY: the node's RRset with the lowest type only (RFC 8482, Knot), UDP and TCP.
//  - EDNS0: OPT echoed (payload kMaxUdpPayload, DO copied), BADVERS for version > 0,
//    payloads below 512 count as 512; a UDP answer that does not fit gets TC with
//    empty record sections (question and OPT kept).
//  - FORMERR: question missing/unreadable (header-only reply), or later sections
//    malformed / trailing octets / two OPTs (question echoed). NOTIMP: opcodes other
//    than QUERY, qtype 0, AXFR over UDP. NOTAUTH: AXFR over TCP, IXFR. REFUSED: names
//    outside every zone without forwarding (EDE 20), classes other than IN and ANY.
//  - RD copied, RA = `forwarding`; AD, CD, Z and the query's RCODE bits cleared.
// Deliberate differences from Knot 3.2 (each has a test): a CNAME is followed into
// another zone this server serves (Knot stops at its own zone); a question that cannot
// be parsed gets FORMERR (NSD's behaviour; Knot drops it); NOTIFY and UPDATE get
// NOTIMP (Knot: NOTAUTH / FORMERR); CH-class queries such as version.bind are REFUSED.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/dns_wire/message.h"
#include "common/zone/zone_set.h"
#include "services/dns-frontend/query/cookies.h"
#include "services/dns-frontend/query/rrl.h"

namespace mcns::frontend {

enum class Transport : std::uint8_t { kUdp, kTcp };
enum class QueryAction : std::uint8_t { kRespond, kDrop, kForward };

struct QueryResult {
  QueryAction action = QueryAction::kDrop;
  std::size_t size = 0;     // bytes of the reply in `out` (kRespond only)
  std::uint16_t rcode = 0;  // extended RCODE of the reply (12 bits)
  std::uint16_t qtype = 0;
};

// Largest UDP reply this server sends whatever the client advertises, and the payload
// size it advertises in its own OPT record (Knot's default, the DNS Flag Day 2020 value).
inline constexpr std::size_t kMaxUdpPayload = 1232;
inline constexpr std::size_t kMinOutSize = 512;

// The largest UDP reply a query allows: its EDNS payload size clamped to
// [512, kMaxUdpPayload], or 512 without EDNS.
std::size_t udp_reply_limit(const dns_wire::ParsedQuery& q) noexcept;

enum class CookieResult : std::uint8_t {
  kNone,       // no COOKIE option (or cookies off)
  kNew,        // a client cookie alone: answered with a fresh server cookie
  kValid,      // a valid server cookie: answered (RRL exempt)
  kInvalid,    // an invalid server cookie over TCP: answered with a fresh one
  kBadCookie,  // an invalid server cookie over UDP: BADCOOKIE with a fresh one
  kMalformed,  // option length not 8 or 16..40: FORMERR
};
inline constexpr std::size_t kCookieResults = 6;

// Per-query inputs and outputs of the abuse defences (SPEC 16). Without it (or with
// `cookie_secret` null) COOKIE options are ignored as before; with `rrl` null nothing is
// rate limited.
//
// Cookies (RFC 7873 5.2, RFC 9018): a malformed COOKIE option is FORMERR; a client
// cookie alone gets a normal answer with a fresh server cookie; a valid server cookie a
// normal answer with the same cookie, refreshed when older than half an hour; an invalid
// one (wrong hash, other secret, too old, other address) BADCOOKIE (RCODE 23) with a
// fresh cookie and no answer over UDP — the client retries with it, as with Knot's
// mod-cookies — and a normal answer with a fresh cookie over TCP (the source is proven).
//
// RRL (UDP only; skipped when the client presented a valid server cookie): checked once
// per answered query before the answer is built; kDrop -> QueryAction::kDrop, kSlip ->
// the reply carries TC=1 with empty record sections (question and OPT kept; RCODE
// NOERROR for zone answers, which are not built when limited). Forwarded
// queries are not limited here (only clients in [forward] allow get them).
struct QueryContext {
  const SipKey* cookie_secret = nullptr;
  ClientAddress client;
  std::uint32_t now = 0;         // Unix time, seconds (cookie timestamps, RRL buckets)
  RateLimiter* rrl = nullptr;    // this thread's limiter (UDP), or null
  CookieResult cookie = CookieResult::kNone;  // out
  RrlVerdict rrl_verdict = RrlVerdict::kPass;  // out
  // Optional: where the query is parsed (a caller-owned, reused object instead of one on
  // process_query()'s stack). After kForward it holds the query, parsed with kOk, for
  // forward::question_from_parsed(): the forwarder does not read it a second time.
  dns_wire::ParsedQuery* parsed = nullptr;
};

// `forwarding` = forwarding is configured AND the client is in [forward] allow. It also
// sets RA in replies (recursion is available to this client).
QueryResult process_query(const zone::ZoneSet& zones, std::span<const std::uint8_t> in,
                          std::span<std::uint8_t> out, Transport transport,
                          bool forwarding, QueryContext* ctx = nullptr) noexcept;

}  // namespace mcns::frontend
