#pragma once
// Sync messages for the watch tests (header-only, tests only).
#include <cstdint>
#include <string>

#include "mcns/v1/sync.pb.h"

namespace mcns::frontend::watch::testing {

inline mcns::v1::SyncZone sync_zone(const std::string& name, std::uint32_t serial, std::uint32_t minimum_ttl = 300) {
  mcns::v1::SyncZone z;
  z.set_name(name);
  z.set_primary_ns("ns." + name + ".");
  z.set_admin_email("hostmaster." + name + ".");
  z.set_refresh(3600);
  z.set_retry(600);
  z.set_expire(86400);
  z.set_minimum_ttl(minimum_ttl);
  z.set_serial(serial);
  return z;
}

inline mcns::v1::SyncRecord sync_record(std::int64_t id, const std::string& name, const std::string& type,
                                        const std::string& value, std::uint32_t ttl = 300) {
  mcns::v1::SyncRecord r;
  r.set_id(id);
  r.set_name(name);
  r.set_type(type);
  r.set_value(value);
  r.set_ttl(ttl);
  return r;
}

}  // namespace mcns::frontend::watch::testing
