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
//  - kDrop:    send nothing (a response (QR=1), or fewer than 12 octets).
//  - kForward: the name is outside every zone, the class is IN and `forwarding` was
//              true: hand the original `in` to the forwarder. `out` is untouched.
//  rcode is the reply's (extended) RCODE, for metrics (e.g. 0 NOERROR, 3 NXDOMAIN,
//  16 BADVERS); qtype the question's type (0 when there was no readable question).
//
// Readiness: until a ready ZoneSet is published (zone_set.h), every well-formed query
// is answered REFUSED (and nothing is forwarded).
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/zone/zone_set.h"

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

// `forwarding` = forwarding is configured AND the client is in [forward] allow. It also
// sets RA in replies (recursion is available to this client).
QueryResult process_query(const zone::ZoneSet& zones, std::span<const std::uint8_t> in,
                          std::span<std::uint8_t> out, Transport transport,
                          bool forwarding) noexcept;

}  // namespace mcns::frontend
