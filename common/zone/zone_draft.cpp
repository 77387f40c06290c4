#include "common/zone/zone_draft.h"

#include <cstring>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns_wire/wire.h"

namespace mcns::zone {
namespace {

// The common case of a full resync (a million calls): a relative owner as the control
// stores it, turned into lower-case wire directly, with the rules of
// dns::canonical_record_name (letters, digits, '-' inside a label, '_', a leftmost '*').
// Anything else takes the general path of owner_from_text(), which also words the errors.
bool relative_owner_fast(const ZoneDraft& d, std::string_view owner, std::vector<std::uint8_t>& out) {
  out.clear();
  if (owner == "@") {
    out = d.apex;
    return true;
  }
  if (owner.empty() || owner.back() == '.') return false;
  out.reserve(owner.size() + 1 + d.apex.size());
  std::size_t start = 0;
  bool first = true;
  while (start <= owner.size()) {
    std::size_t end = owner.find('.', start);
    if (end == std::string_view::npos) end = owner.size();
    std::size_t len = end - start;
    if (len == 0 || len > dns::kMaxLabelLength) return false;
    std::string_view label = owner.substr(start, len);
    if (label == "*") {
      if (!first) return false;
    } else {
      if (label.front() == '-' || label.back() == '-') return false;
      for (char c : label) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return false;
      }
    }
    out.push_back(static_cast<std::uint8_t>(len));
    for (char c : label) out.push_back(dns_wire::ascii_lower(static_cast<std::uint8_t>(c)));
    first = false;
    start = end + 1;
    if (end == owner.size()) break;
  }
  out.insert(out.end(), d.apex.begin(), d.apex.end());
  return out.size() <= dns::kMaxNameWireLength;
}

}  // namespace

ZoneDraft ZoneDraft::for_new_zone(const std::string& canonical, ZoneSoa soa) {
  ZoneDraft d;
  d.name = canonical;
  d.apex = dns::name_to_wire(str_cat(canonical, "."));
  std::uint8_t offsets[dns_wire::kMaxLabels + 1];
  d.apex_labels = dns_wire::label_offsets_of(d.apex.data(), d.apex.size(), offsets);
  d.soa = std::move(soa);
  return d;
}

ZoneDraft ZoneDraft::from_zone(ZonePtr zone) {
  ZoneDraft d;
  d.name = zone->name();
  d.apex.assign(zone->apex().begin(), zone->apex().end());
  d.apex_labels = zone->apex_labels();
  d.soa = zone->soa();
  d.content = std::move(zone);
  return d;
}

void ZoneDraft::clear_records() {
  content.reset();
  ops.clear();
  bytes.clear();
}

StatusOr<std::vector<std::uint8_t>> ZoneDraft::owner_from_text(std::string_view owner) const {
  if (std::vector<std::uint8_t> fast; relative_owner_fast(*this, owner, fast)) return fast;
  std::string relative;
  if (!owner.empty() && owner.back() == '.') {
    std::string lower = to_lower(owner);
    std::string apex_text = str_cat(name, ".");
    if (lower == apex_text) {
      relative.assign(1, '@');
    } else if (lower.size() > apex_text.size() + 1 &&
               lower.compare(lower.size() - apex_text.size(), apex_text.size(), apex_text) == 0 &&
               lower[lower.size() - apex_text.size() - 1] == '.') {
      relative = lower.substr(0, lower.size() - apex_text.size() - 1);
    } else {
      return invalid_argument(str_cat("owner \"", owner, "\" is not in zone \"", name, "\""));
    }
  } else {
    relative = std::string(owner);
  }
  MCNS_ASSIGN_OR_RETURN(std::string rel, dns::canonical_record_name(relative, name));
  return dns::name_to_wire(dns::absolute_record_name(rel, name));
}

StatusOr<std::vector<std::uint8_t>> ZoneDraft::owner_from_wire(std::span<const std::uint8_t> wire) const {
  dns_wire::Name n;
  std::size_t used = 0;
  if (!n.assign(wire, &used) || used != wire.size()) return invalid_argument("invalid owner name in wire form");
  n.to_lower();
  unsigned labels = n.label_count;
  if (labels < apex_labels || n.suffix_length(labels - apex_labels) != apex.size() ||
      std::memcmp(n.suffix(labels - apex_labels), apex.data(), apex.size()) != 0)
    return invalid_argument(str_cat("owner is not in zone \"", name, "\""));
  return std::vector<std::uint8_t>(n.data.begin(), n.data.begin() + n.length);
}

Status ZoneDraft::add_op(const std::vector<std::uint8_t>& owner, std::uint16_t type, std::uint32_t ttl,
                         std::span<const std::uint8_t> rdata, bool add) {
  if (bytes.size() + owner.size() + rdata.size() > 0xffffffffull)
    return resource_exhausted("too much pending data in one build");
  std::uint8_t offsets[dns_wire::kMaxLabels + 1];
  Op op;
  op.hash = name_hash(owner.data(), owner.size());
  op.owner_offset = static_cast<std::uint32_t>(bytes.size());
  op.owner_length = static_cast<std::uint8_t>(owner.size());
  op.owner_labels = static_cast<std::uint8_t>(dns_wire::label_offsets_of(owner.data(), owner.size(), offsets));
  // Consecutive records of one owner (the common bulk case) share its bytes.
  if (!ops.empty()) {
    const Op& prev = ops.back();
    if (prev.hash == op.hash && prev.owner_length == owner.size() &&
        std::memcmp(bytes.data() + prev.owner_offset, owner.data(), owner.size()) == 0)
      op.owner_offset = prev.owner_offset;
  }
  if (op.owner_offset == bytes.size()) bytes.insert(bytes.end(), owner.begin(), owner.end());
  op.rdata_offset = static_cast<std::uint32_t>(bytes.size());
  bytes.insert(bytes.end(), rdata.begin(), rdata.end());
  op.rdlength = static_cast<std::uint16_t>(rdata.size());
  op.type = type;
  op.ttl = ttl;
  op.add = add;
  ops.push_back(op);
  return ok_status();
}

}  // namespace mcns::zone
