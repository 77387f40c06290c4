#include "services/control/store/sync_mapping.h"

namespace mcns::control::store {

mcns::v1::SyncZone to_sync_zone(const domain::Zone& zone) {
  mcns::v1::SyncZone z;
  z.set_name(zone.name);
  z.set_primary_ns(zone.primary_ns);
  z.set_admin_email(zone.admin_email);
  z.set_refresh(zone.refresh);
  z.set_retry(zone.retry);
  z.set_expire(zone.expire);
  z.set_minimum_ttl(zone.minimum_ttl);
  z.set_serial(zone.serial);
  return z;
}

mcns::v1::SyncRecord to_sync_record(const domain::Record& record) {
  mcns::v1::SyncRecord r;
  r.set_id(record.id);
  r.set_name(record.name);
  r.set_type(record.type);
  r.set_value(record.value);
  r.set_ttl(record.ttl);
  return r;
}

}  // namespace mcns::control::store
