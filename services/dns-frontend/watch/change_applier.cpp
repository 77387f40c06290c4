#include "services/dns-frontend/watch/change_applier.h"

#include "common/base/strings.h"
#include "common/dns/rr_type.h"
#include "common/dns/value.h"

namespace mcns::frontend::watch {
namespace {

// The record's wire type and RDATA; the value is canonical (the control stored it so).
Status record_wire(const mcns::v1::SyncRecord& r, std::uint16_t& type, std::vector<std::uint8_t>& rdata) {
  const dns::RRTypeInfo* info = dns::find_type(r.type());
  if (!info) return invalid_argument(str_cat("record ", r.id(), ": unknown type \"", r.type(), "\""));
  auto wire = dns::value_to_rdata(*info, r.value());
  if (!wire.ok()) return invalid_argument(str_cat("record ", r.id(), ": ", wire.status().message()));
  type = info->code;
  rdata = *std::move(wire);
  return ok_status();
}

Status add_record(zonesrc::ControlZoneEditor& builder, const std::string& zone, const mcns::v1::SyncRecord& r) {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> rdata;
  MCNS_RETURN_IF_ERROR(record_wire(r, type, rdata));
  return builder.add_record(zone, r.name(), type, r.ttl(), rdata);
}

Status remove_record(zonesrc::ControlZoneEditor& builder, const std::string& zone, const mcns::v1::SyncRecord& r) {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> rdata;
  MCNS_RETURN_IF_ERROR(record_wire(r, type, rdata));
  return builder.remove_record(zone, r.name(), type, rdata);
}

}  // namespace

zone::SoaParams soa_from(const mcns::v1::SyncZone& z) {
  zone::SoaParams soa;
  soa.primary_ns = z.primary_ns();
  soa.admin = z.admin_email();
  soa.serial = z.serial();
  soa.refresh = z.refresh();
  soa.retry = z.retry();
  soa.expire = z.expire();
  soa.minimum = z.minimum_ttl();
  soa.ttl = z.minimum_ttl();
  return soa;
}

Status add_zone_data(zonesrc::ControlZoneEditor& builder, const mcns::v1::ZoneData& data) {
  const std::string& zone = data.zone().name();
  MCNS_RETURN_IF_ERROR(builder.upsert_zone(zone, soa_from(data.zone())));
  for (const auto& r : data.records()) MCNS_RETURN_IF_ERROR(add_record(builder, zone, r));
  return ok_status();
}

Status apply_change(zonesrc::ControlZoneEditor& builder, const mcns::v1::Change& change,
                    const IsFileZone& is_file_zone, std::vector<std::string>* skipped) {
  auto is_reserved = [&](const std::string& zone) {
    if (!is_file_zone || !is_file_zone(zone)) return false;
    if (skipped) skipped->push_back(zone);
    return true;
  };
  for (const auto& op : change.ops()) {
    switch (op.op_case()) {
      case mcns::v1::ChangeOp::kZoneUpsert:
        if (is_reserved(op.zone_upsert().name())) break;
        MCNS_RETURN_IF_ERROR(builder.upsert_zone(op.zone_upsert().name(), soa_from(op.zone_upsert())));
        break;
      case mcns::v1::ChangeOp::kZoneDelete: {
        if (is_reserved(op.zone_delete())) break;
        Status s = builder.delete_zone(op.zone_delete());
        // Deleting a zone this frontend never had is not an error: the end state matches.
        if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
        break;
      }
      case mcns::v1::ChangeOp::kRecordAdd:
        if (is_reserved(op.record_add().zone())) break;
        MCNS_RETURN_IF_ERROR(add_record(builder, op.record_add().zone(), op.record_add().record()));
        break;
      case mcns::v1::ChangeOp::kRecordRemove:
        if (is_reserved(op.record_remove().zone())) break;
        MCNS_RETURN_IF_ERROR(remove_record(builder, op.record_remove().zone(), op.record_remove().record()));
        break;
      case mcns::v1::ChangeOp::OP_NOT_SET:
        return invalid_argument("change op without content");
    }
  }
  return ok_status();
}

}  // namespace mcns::frontend::watch
