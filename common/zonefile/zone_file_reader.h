#pragma once
// The one reader of RFC 1035 master files. `mcns-control import` (and the gRPC
// ImportZone) and the frontend's `[zones] files` both read through it, so one file gives
// the same records and the same TTLs on both paths. ldns splits the file into logical
// lines and parses each record; this layer handles the directives, the TTL defaults and
// the zone-level rules. Off every hot path.
//
// The TTL of a record written without one, as BIND 9 (named-checkzone) does it:
//   1. the last `$TTL` before it;
//   2. else, for an SOA read while no TTL is known yet, the SOA's MINIMUM, which from
//      then on is the default as a `$TTL` would be (RFC 2308 section 4);
//   3. else the TTL of the record before it (RFC 1035 section 5.1);
//   4. else (a record before the SOA with no TTL anywhere before it) the file is refused.
// The answers BIND 9.18 gives for these cases are pinned in zone_file_reader_test.cpp.
//
// Accepted: `$ORIGIN` (a relative one is appended to the current origin), `$TTL`,
// relative and absolute owners, a blank owner (the previous one), every type ldns knows,
// records before the SOA (they are delivered after it).
// Refused, with "line N: reason" (or "zone file SOURCE:N: reason", ReadOptions::source):
// syntax errors, `$INCLUDE` and unknown directives, a class other than IN, no SOA or a
// second one, an SOA that is not at ReadOptions::zone, relative owners with no origin,
// owners outside the SOA's zone.
// What a caller serves or stores is its own check: the control plane's domain rules
// (types, TTL range, CNAME exclusivity, with the API's messages and codes), the
// frontend's loader (CNAME exclusivity) and the snapshot builder (RDATA).
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace mcns::zonefile {

struct Soa {
  std::string primary_ns;  // presentation form, absolute: "ns1.example.com."
  std::string admin;       // mailbox as a name: "hostmaster.example.com."
  std::uint32_t serial = 0;
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
  std::uint32_t minimum = 0;
};

struct Record {
  int line = 0;                     // the line the record starts on (1-based)
  std::vector<std::uint8_t> owner;  // uncompressed wire name, absolute, case as written
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;            // explicit, or defaulted as described above
  std::vector<std::uint8_t> rdata;  // uncompressed wire RDATA
  std::vector<std::string> fields;  // presentation form of each RDATA field (with_text)
};

struct ReadOptions {
  // The zone the file must hold (any case, trailing dot optional); also the first
  // $ORIGIN. Empty: the SOA's owner is the zone and there is no origin until $ORIGIN.
  std::string zone;
  // Names the file in messages: "zone file SOURCE:N: reason". Empty: "line N: reason".
  std::string source;
  // Fill Record::fields (the control plane stores text; the frontend needs only wire).
  bool with_text = false;
};

// What the reader delivers, in this order: `zone` once (the SOA), then `record` for
// every other record in file order (records written before the SOA come right after
// it). A non-OK status from either stops the read and is returned as it is.
struct Handlers {
  std::function<Status(const std::string& zone, const Soa& soa, const Record& soa_record)> zone;
  std::function<Status(const Record& record)> record;
};

// Reads `text`. INVALID_ARGUMENT (or a handler's status) on the first problem.
Status read_zone_file(std::string_view text, const ReadOptions& options, const Handlers& handlers);

// The whole file in memory: the zone (canonical: lower case, no trailing dot), its SOA,
// and every record, the SOA first.
struct ZoneFile {
  std::string zone;
  Soa soa;
  std::vector<Record> records;
};
StatusOr<ZoneFile> read_zone_text(std::string_view text, const ReadOptions& options);

// Presentation forms for messages and the control plane's text records.
std::string name_text(std::span<const std::uint8_t> wire_name);  // "www.example.com."
std::string type_text(std::uint16_t type);                          // "A", "TYPE65280"

}  // namespace mcns::zonefile
