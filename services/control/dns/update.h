#pragma once
// DNS UPDATE (RFC 2136) on mcns-control's DNS listener (SPEC 13). One message is one
// domain-service batch (ZoneServiceImpl::apply_batch): prerequisites (§3.2) are checked
// inside its write transaction, the update section becomes its ops, and the API's
// validation, canonical forms, CNAME exclusivity, serial bump and change log apply.
//
// Order of the checks, each ending the message with nothing changed:
//   unsigned → REFUSED; key without `update` or not covering the zone → REFUSED;
//   malformed message, RDATA or unsupported type → FORMERR; a name outside the zone →
//   NOTZONE; an RR outside the key's update_names/update_types, or touching the SOA or
//   the apex NS → REFUSED; zone not served → NOTAUTH; a failed prerequisite → its rcode
//   (YXDOMAIN, YXRRSET, NXDOMAIN, NXRRSET, as BIND and Knot answer).
#include <cstdint>
#include <span>
#include <string_view>

#include "common/metrics/metrics.h"
#include "services/control/dns/tsig_keys.h"
#include "services/control/domain/zone_service_impl.h"

namespace mcns::control::dns {

// Whether `relative_name` ("@" for the apex, else lower-case labels relative to the
// zone) matches one `update_names` pattern: "*" alone matches everything, "@" the apex,
// and a label "*" inside a pattern stands for one or more labels.
bool update_name_matches(std::string_view pattern, std::string_view relative_name);

class UpdateHandler {
 public:
  UpdateHandler(domain::ZoneServiceImpl& zones, metrics::Registry& registry);

  // Applies the UPDATE `request` signed with `policy`'s key (null: unsigned) and returns
  // the RCODE of the answer.
  std::uint8_t handle(std::span<const std::uint8_t> request, const KeyPolicy* policy);

 private:
  domain::ZoneServiceImpl& zones_;
  metrics::Registry& registry_;
};

}  // namespace mcns::control::dns
