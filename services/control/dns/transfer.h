#pragma once
// Zone transfers out of mcns-control (SPEC 13): AXFR (RFC 5936) and IXFR (RFC 1995) as a
// stream of DNS messages built from committed data, handed one by one to `emit` so a
// large zone never exists as one copy in memory.
//
// - AXFR: SOA, every record, SOA, read in one store read transaction (a consistent view).
// - IXFR: the zone's journal is the change log's rows of that zone: from the row that
//   left the zone at the client's serial, each later change as SOA(old), removed RRs,
//   SOA(new), added RRs; framed by the current SOA. A serial the log no longer covers
//   (compacted, or never ours), a restore in between or the zone deleted and created
//   again in between: a full transfer instead (RFC 1995 §4). The client's serial equal
//   to (or ahead of) the current one: the current SOA alone.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "services/control/store/store.h"

namespace mcns::control::dns {

// Returns false to stop the transfer (the client went away).
using Emit = std::function<bool(std::vector<std::uint8_t>& message)>;

struct TransferRequest {
  std::uint16_t id = 0;
  std::vector<std::uint8_t> question;  // qname (as the client wrote it) + qtype + qclass
  std::string zone;                    // canonical, no trailing dot
  bool incremental = false;            // IXFR
  std::optional<std::uint32_t> client_serial;  // IXFR: the serial in the request's authority
  std::size_t max_message = 16 * 1024;
};

struct TransferResult {
  bool found = false;         // the zone exists
  bool incremental = false;   // answered with differences (or the single SOA)
  std::uint32_t serial = 0;   // the zone's serial served
  std::size_t messages = 0;
  std::size_t records = 0;
};

// Streams the answer to `request`. NOT_FOUND-free: a zone that does not exist gives
// result.found = false and emits nothing (the caller answers NOTAUTH).
StatusOr<TransferResult> transfer(store::Store& store, const TransferRequest& request, const Emit& emit);

// The zone's SOA RR as answered on UDP (an IXFR over UDP gets exactly this).
StatusOr<std::optional<std::vector<std::uint8_t>>> soa_answer(store::Store& store, const TransferRequest& request);

}  // namespace mcns::control::dns
