#include "common/zone/zone_set_builder.h"

#include <map>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/zone/full_build.h"
#include "common/zone/incremental_build.h"
#include "common/zone/zone.h"
#include "common/zone/zone_draft.h"

namespace mcns::zone {

struct ZoneSetBuilder::Impl {
  ZoneSetPtr base;
  std::map<std::string, ZoneDraft> drafts;  // zones touched since the last build
  std::size_t reserve_hint = 0;

  // The draft of an existing zone (created from the base on first use), or nullptr.
  ZoneDraft* existing(const std::string& canonical) {
    auto it = drafts.find(canonical);
    if (it != drafts.end()) return it->second.exists ? &it->second : nullptr;
    for (const ZonePtr& z : base->zones())
      if (z->name() == canonical) return &drafts.emplace(canonical, ZoneDraft::from_zone(z)).first->second;
    return nullptr;
  }

  Status upsert(std::string_view zone, ZoneSoa soa) {
    MCNS_ASSIGN_OR_RETURN(std::string canonical, dns::canonical_zone_name(zone));
    if (ZoneDraft* d = existing(canonical)) {
      d->soa = std::move(soa);
      return ok_status();
    }
    ZoneDraft d = ZoneDraft::for_new_zone(canonical, std::move(soa));
    if (reserve_hint) {
      d.ops.reserve(reserve_hint);
      d.bytes.reserve(reserve_hint * 24);
    }
    drafts.insert_or_assign(canonical, std::move(d));
    return ok_status();
  }

  StatusOr<ZoneDraft*> zone_for_record(std::string_view zone) {
    MCNS_ASSIGN_OR_RETURN(std::string canonical, dns::canonical_zone_name(zone));
    ZoneDraft* d = existing(canonical);
    if (!d) return not_found(str_cat("zone \"", canonical, "\" does not exist"));
    return d;
  }

  static Status record_op(ZoneDraft& d, const std::vector<std::uint8_t>& owner, std::uint16_t type,
                          std::uint32_t ttl, std::span<const std::uint8_t> rdata, bool add) {
    MCNS_RETURN_IF_ERROR(check_record(type, ttl, rdata));
    return d.add_op(owner, type, ttl, rdata, add);
  }

  static ZonePtr build_zone(const ZoneDraft& d) {
    const Zone* base = d.content.get();
    ZoneContent content = base && incremental_fits(*base, d.ops.size()) ? build_incremental(*base, d) : build_full(d);
    return std::make_shared<const Zone>(d.name, d.apex, d.soa, std::move(content));
  }
};

ZoneSetBuilder::ZoneSetBuilder() : ZoneSetBuilder(nullptr) {}
ZoneSetBuilder::ZoneSetBuilder(ZoneSetPtr base) : impl_(std::make_unique<Impl>()) {
  impl_->base = base ? std::move(base) : std::make_shared<const ZoneSet>();
}
ZoneSetBuilder::~ZoneSetBuilder() = default;
ZoneSetBuilder::ZoneSetBuilder(ZoneSetBuilder&&) noexcept = default;
ZoneSetBuilder& ZoneSetBuilder::operator=(ZoneSetBuilder&&) noexcept = default;

Status ZoneSetBuilder::upsert_zone(std::string_view zone, const SoaParams& soa) {
  MCNS_ASSIGN_OR_RETURN(ZoneSoa data, soa_from_params(soa));
  return impl_->upsert(zone, std::move(data));
}

Status ZoneSetBuilder::upsert_zone_wire(std::string_view zone, std::uint32_t soa_ttl,
                                        std::span<const std::uint8_t> soa_rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneSoa data, soa_from_wire(soa_ttl, soa_rdata));
  return impl_->upsert(zone, std::move(data));
}

Status ZoneSetBuilder::delete_zone(std::string_view zone) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  d->exists = false;
  d->clear_records();
  return ok_status();
}

Status ZoneSetBuilder::clear_zone(std::string_view zone) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  d->clear_records();
  return ok_status();
}

Status ZoneSetBuilder::add_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                                  std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> wire, d->owner_from_text(owner));
  return Impl::record_op(*d, wire, type, ttl, rdata, true);
}

Status ZoneSetBuilder::remove_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                                     std::span<const std::uint8_t> rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> wire, d->owner_from_text(owner));
  return Impl::record_op(*d, wire, type, 0, rdata, false);
}

Status ZoneSetBuilder::add_record_wire(std::string_view zone, std::span<const std::uint8_t> owner_wire,
                                       std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  MCNS_ASSIGN_OR_RETURN(ZoneDraft * d, impl_->zone_for_record(zone));
  MCNS_ASSIGN_OR_RETURN(std::vector<std::uint8_t> wire, d->owner_from_wire(owner_wire));
  return Impl::record_op(*d, wire, type, ttl, rdata, true);
}

void ZoneSetBuilder::reserve(std::size_t records) { impl_->reserve_hint = records; }

StatusOr<ZoneSetPtr> ZoneSetBuilder::build() {
  auto set = std::make_shared<ZoneSet>();
  set->ready_ = true;
  std::map<std::string, ZonePtr> zones;
  for (const ZonePtr& z : impl_->base->zones()) zones.emplace(z->name(), z);
  for (auto& [name, draft] : impl_->drafts) {
    if (!draft.exists) {
      zones.erase(name);
      continue;
    }
    zones.insert_or_assign(name, Impl::build_zone(draft));
  }
  set->zones_.reserve(zones.size());
  for (auto& [name, z] : zones) set->zones_.push_back(std::move(z));
  set->index_zones();
  impl_->drafts.clear();
  impl_->base = set;
  return ZoneSetPtr(std::move(set));
}

}  // namespace mcns::zone
