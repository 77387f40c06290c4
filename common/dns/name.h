#pragma once
// Domain names in presentation form as the API and the store see them. Canonical forms:
//  - zone names: lower case, no trailing dot ("svc.mcp.metacircular.net");
//  - record names: relative to their zone, lower case, "@" for the apex;
//  - names inside values: absolute, lower case, with a trailing dot.
// Limits (RFC 1035 2.3.4): labels 1..63 octets, a whole name at most 255 octets in wire
// form (253 characters in presentation form without the trailing dot).
// Characters: letters, digits, '-' (not first or last in a label) and '_' (service
// labels such as _dmarc); '*' only as a whole leftmost label of a record name.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace mcns::dns {

inline constexpr std::size_t kMaxLabelLength = 63;
inline constexpr std::size_t kMaxNameWireLength = 255;

// "SVC.mcp.metacircular.net." -> "svc.mcp.metacircular.net". A trailing dot is accepted
// and dropped; the root zone is not allowed. INVALID_ARGUMENT names the problem.
StatusOr<std::string> canonical_zone_name(std::string_view text);

// "Metacrypt" -> "metacrypt", "@" -> "@", "" -> error. A trailing dot is rejected: record
// names are relative to their zone. `zone` (canonical) is used to check the 255-octet
// limit of the absolute name.
StatusOr<std::string> canonical_record_name(std::string_view text, std::string_view zone);

// "NS.Example.com" or "ns.example.com." -> "ns.example.com.". A name inside a value is
// always absolute. "." (the root) is allowed where `allow_root` is true.
StatusOr<std::string> canonical_absolute_name(std::string_view text, bool allow_root = false);

// The absolute name of a record: ("@", "example.com") -> "example.com.",
// ("www", "example.com") -> "www.example.com.".
std::string absolute_record_name(std::string_view record_name, std::string_view zone);

// Uncompressed wire form of a canonical absolute name ("a.b." -> 01 61 01 62 00).
// Precondition: the name is canonical (as returned by the functions above).
std::vector<std::uint8_t> name_to_wire(std::string_view absolute_name);

}  // namespace mcns::dns
