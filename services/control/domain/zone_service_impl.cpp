#include "services/control/domain/zone_service_impl.h"

#include <map>
#include <set>
#include <tuple>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/value.h"
#include "services/control/domain/serial.h"
#include "services/control/domain/validation.h"
#include "services/control/store/sync_mapping.h"

namespace mcns::control::domain {
namespace {

using store::ReadTx;
using store::WriteTx;

Status zone_not_found(std::string_view zone) { return not_found(str_cat("zone \"", zone, "\" not found")); }

Status record_not_found(std::string_view zone, std::int64_t id) {
  return not_found(str_cat("record ", id, " not found in zone \"", zone, "\""));
}

StatusOr<Zone> require_zone(ReadTx& tx, std::string_view name) {
  MCNS_ASSIGN_OR_RETURN(std::optional<Zone> zone, tx.find_zone(name));
  if (!zone) return zone_not_found(name);
  return *std::move(zone);
}

std::string describe(std::string_view name, std::string_view type, std::string_view value) {
  return str_cat(name, " ", type, " ", value);
}

// RFC 1034 section 3.6.2: a name with a CNAME has no other data, and the apex (which
// always has SOA and NS) has no CNAME. Also refuses an exact duplicate with a clear
// message (the UNIQUE constraint is the backstop). Runs inside the write transaction so
// that two racing writers cannot both pass it. `exclude_id` is the record being
// updated, which is not in conflict with itself.
Status check_conflicts(ReadTx& tx, const Zone& zone, const ValidRecord& rec, std::int64_t exclude_id) {
  MCNS_ASSIGN_OR_RETURN(std::vector<Record> existing, tx.list_records(zone.id, rec.name));
  std::set<std::string, std::less<>> types;
  for (const Record& r : existing) {
    if (r.id == exclude_id) continue;
    if (r.type == rec.type->mnemonic && r.value == rec.value)
      return already_exists(str_cat("record already exists: ", describe(rec.name, r.type, r.value)));
    types.insert(r.type);
  }
  return check_cname_exclusivity(zone.name, rec.name, rec.type->mnemonic, types);
}

void add_zone_upsert(mcns::v1::Change& change, const Zone& zone) {
  *change.add_ops()->mutable_zone_upsert() = store::to_sync_zone(zone);
}
void add_record_op(mcns::v1::Change& change, const Zone& zone, const Record& record, bool add) {
  mcns::v1::ChangeOp* op = change.add_ops();
  mcns::v1::RecordOp* rop = add ? op->mutable_record_add() : op->mutable_record_remove();
  rop->set_zone(zone.name);
  *rop->mutable_record() = store::to_sync_record(record);
}

// Who made a change and how it arrived, for the history. `via` overrides the edge's
// transport for changes that have their own kind (import, rollback).
store::ChangeMeta meta_of(const auth::Principal& who, std::string_view via = {}) {
  return store::ChangeMeta{who.username, std::string(via.empty() ? std::string_view(who.via) : via)};
}

// A conditional write (SPEC 14): the zone must still be at the serial the caller read.
Status check_expected(const Zone& zone, const ExpectedSerial& expected) {
  if (!expected || *expected == zone.serial) return ok_status();
  return failed_precondition(str_cat("zone \"", zone.name, "\" is at serial ", zone.serial, ", not the expected ",
                                     *expected, ": it changed since it was read; nothing was written"));
}

Record make_record(const Zone& zone, const ValidRecord& v, Timestamp now) {
  Record r;
  r.zone_id = zone.id;
  r.name = v.name;
  r.type = std::string(v.type->mnemonic);
  r.value = v.value;
  r.ttl = v.ttl;
  r.created_at = now;
  r.updated_at = now;
  return r;
}

}  // namespace

ZoneServiceImpl::ZoneServiceImpl(store::Store& store, AuthzPolicy policy, Clock clock, OnCommit on_commit)
    : store_(store), authz_(std::move(policy)), clock_(std::move(clock)), on_commit_(std::move(on_commit)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

Timestamp ZoneServiceImpl::now() const { return std::chrono::floor<std::chrono::seconds>(clock_()); }

std::uint32_t ZoneServiceImpl::today() const { return store::utc_date_number(clock_()); }

StatusOr<std::uint32_t> ZoneServiceImpl::first_serial_for(WriteTx& tx, std::string_view zone_name) const {
  MCNS_ASSIGN_OR_RETURN(std::optional<std::uint32_t> floor, tx.serial_floor(zone_name));
  if (!floor) return first_serial(today());
  return next_serial(*floor, today());
}

StatusOr<std::uint64_t> ZoneServiceImpl::write(const std::function<Status(WriteTx&)>& fn) {
  return store_.write(fn, [this](std::uint64_t version) {
    if (!on_commit_) return;
    try {
      on_commit_(version);
    } catch (const std::exception& e) {
      // The data is committed; a failing listener must not turn that into an error.
      log::error("change feed notification for version ", version, " failed: ", e.what());
    }
  });
}

StatusOr<store::HistoryEntry> ZoneServiceImpl::commit_record_ops(WriteTx& tx, Zone& zone,
                                                                  const mcns::v1::Change& record_ops, Timestamp at,
                                                                  store::ChangeMeta meta) const {
  zone.serial = next_serial(zone.serial, today());
  zone.updated_at = at;
  MCNS_RETURN_IF_ERROR(tx.update_zone(zone));
  mcns::v1::Change change;
  add_zone_upsert(change, zone);
  for (const mcns::v1::ChangeOp& op : record_ops.ops()) *change.add_ops() = op;
  MCNS_ASSIGN_OR_RETURN(std::uint64_t version, tx.append_change(zone.name, change, at, meta));
  return store::HistoryEntry{version, zone.serial, zone.name, at, std::move(meta.user), std::move(meta.via),
                             std::move(change)};
}

// ---- zones ----

StatusOr<std::vector<Zone>> ZoneServiceImpl::list_zones(const auth::Principal& who) {
  MCNS_RETURN_IF_ERROR(authz_.can_read(who));
  std::vector<Zone> zones;
  MCNS_RETURN_IF_ERROR(store_.read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zones, tx.list_zones());
    return ok_status();
  }));
  return zones;
}

StatusOr<Zone> ZoneServiceImpl::get_zone(const auth::Principal& who, std::string_view zone_name) {
  MCNS_RETURN_IF_ERROR(authz_.can_read(who));
  MCNS_ASSIGN_OR_RETURN(std::string name, dns::canonical_zone_name(zone_name));
  Zone zone;
  MCNS_RETURN_IF_ERROR(store_.read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone, require_zone(tx, name));
    return ok_status();
  }));
  return zone;
}

StatusOr<Zone> ZoneServiceImpl::create_zone(const auth::Principal& who, const CreateZone& cmd) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_zones(who));
  MCNS_ASSIGN_OR_RETURN(std::string name, dns::canonical_zone_name(cmd.name));
  MCNS_ASSIGN_OR_RETURN(ValidSoa soa, validate_soa(cmd.soa));
  Zone zone = zone_with_defaults(name);
  apply_soa(soa, zone);
  if (zone.primary_ns.empty() || zone.admin_email.empty())
    return invalid_argument(str_cat("zone name \"", name,
                                    "\" is too long for the default primary_ns and admin_email: give both"));
  const Timestamp at = now();
  zone.serial = first_serial(today());
  zone.created_at = zone.updated_at = at;

  MCNS_ASSIGN_OR_RETURN(std::uint64_t version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone.serial, first_serial_for(tx, zone.name));
    MCNS_ASSIGN_OR_RETURN(zone.id, tx.insert_zone(zone));
    mcns::v1::Change change;
    add_zone_upsert(change, zone);
    // A zone is served with NS at its apex (RFC 1034 4.2.1), as the seed zones are: the
    // primary NS, as an ordinary record the operator can change or add to.
    Record ns;
    ns.zone_id = zone.id;
    ns.name = "@";
    ns.type = "NS";
    ns.value = zone.primary_ns;
    ns.ttl = dns::kDefaultTtl;
    ns.created_at = ns.updated_at = at;
    MCNS_ASSIGN_OR_RETURN(ns.id, tx.insert_record(ns));
    add_record_op(change, zone, ns, /*add=*/true);
    return tx.append_change(zone.name, change, at, meta_of(who)).status();
  }));
  log::info("zone ", zone.name, " created by ", who.username, " with NS ", zone.primary_ns, " (serial ", zone.serial,
            ", version ", version, ")");
  return zone;
}

StatusOr<Zone> ZoneServiceImpl::update_zone(const auth::Principal& who, const UpdateZone& cmd) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_zones(who));
  MCNS_ASSIGN_OR_RETURN(std::string name, dns::canonical_zone_name(cmd.zone));
  MCNS_ASSIGN_OR_RETURN(ValidSoa soa, validate_soa(cmd.soa));
  const Timestamp at = now();
  Zone zone;
  MCNS_ASSIGN_OR_RETURN(std::uint64_t version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone, require_zone(tx, name));
    MCNS_RETURN_IF_ERROR(check_expected(zone, cmd.expected_serial));
    if (!apply_soa(soa, zone)) return ok_status();  // nothing to change: not a mutation
    zone.serial = next_serial(zone.serial, today());
    zone.updated_at = at;
    MCNS_RETURN_IF_ERROR(tx.update_zone(zone));
    mcns::v1::Change change;
    add_zone_upsert(change, zone);
    return tx.append_change(zone.name, change, at, meta_of(who)).status();
  }));
  if (version != 0)
    log::info("zone ", zone.name, " SOA updated by ", who.username, " (serial ", zone.serial, ", version ", version,
              ")");
  return zone;
}

Status ZoneServiceImpl::delete_zone(const auth::Principal& who, std::string_view zone_name,
                                    ExpectedSerial expected_serial) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_zones(who));
  MCNS_ASSIGN_OR_RETURN(std::string name, dns::canonical_zone_name(zone_name));
  const Timestamp at = now();
  MCNS_ASSIGN_OR_RETURN(std::uint64_t version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(Zone zone, require_zone(tx, name));
    MCNS_RETURN_IF_ERROR(check_expected(zone, expected_serial));
    MCNS_RETURN_IF_ERROR(tx.delete_zone(zone.id));
    // Secondaries remember this serial: a zone created again under the name starts above it.
    MCNS_RETURN_IF_ERROR(tx.raise_serial_floor(zone.name, zone.serial));
    mcns::v1::Change change;
    change.add_ops()->set_zone_delete(zone.name);
    return tx.append_change(zone.name, change, at, meta_of(who)).status();
  }));
  log::info("zone ", name, " deleted by ", who.username, " (version ", version, ")");
  return ok_status();
}

// ---- records ----

StatusOr<std::vector<Record>> ZoneServiceImpl::list_records(const auth::Principal& who, const RecordFilter& filter) {
  MCNS_RETURN_IF_ERROR(authz_.can_read(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(filter.zone));
  std::optional<std::string> name, type;
  if (filter.name) {
    MCNS_ASSIGN_OR_RETURN(name, dns::canonical_record_name(*filter.name, zone_name));
  }
  if (filter.type) {
    const dns::RRTypeInfo* info = dns::find_type(*filter.type);
    if (!info) return invalid_argument(str_cat("unknown record type \"", *filter.type, "\""));
    type = std::string(info->mnemonic);
  }
  std::vector<Record> records;
  MCNS_RETURN_IF_ERROR(store_.read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(Zone zone, require_zone(tx, zone_name));
    std::optional<std::string_view> name_view, type_view;
    if (name) name_view = *name;
    if (type) type_view = *type;
    MCNS_ASSIGN_OR_RETURN(records, tx.list_records(zone.id, name_view, type_view));
    return ok_status();
  }));
  return records;
}

StatusOr<Record> ZoneServiceImpl::get_record(const auth::Principal& who, std::string_view zone_name,
                                             std::int64_t id) {
  MCNS_RETURN_IF_ERROR(authz_.can_read(who));
  MCNS_ASSIGN_OR_RETURN(std::string name, dns::canonical_zone_name(zone_name));
  Record record;
  MCNS_RETURN_IF_ERROR(store_.read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(Zone zone, require_zone(tx, name));
    MCNS_ASSIGN_OR_RETURN(std::optional<Record> found, tx.find_record(zone.id, id));
    if (!found) return record_not_found(name, id);
    record = *std::move(found);
    return ok_status();
  }));
  return record;
}

StatusOr<Record> ZoneServiceImpl::create_record(const auth::Principal& who, const CreateRecord& cmd) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_some_records(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(cmd.zone));
  MCNS_ASSIGN_OR_RETURN(ValidRecord valid, validate_record(zone_name, cmd.fields));
  MCNS_RETURN_IF_ERROR(authz_.can_write_record(who, valid.name));
  const Timestamp at = now();
  Record record;
  Zone zone;
  MCNS_ASSIGN_OR_RETURN(std::uint64_t version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone, require_zone(tx, zone_name));
    MCNS_RETURN_IF_ERROR(check_expected(zone, cmd.expected_serial));
    MCNS_RETURN_IF_ERROR(check_conflicts(tx, zone, valid, /*exclude_id=*/0));
    record = make_record(zone, valid, at);
    MCNS_ASSIGN_OR_RETURN(record.id, tx.insert_record(record));
    zone.serial = next_serial(zone.serial, today());
    zone.updated_at = at;
    MCNS_RETURN_IF_ERROR(tx.update_zone(zone));
    mcns::v1::Change change;
    add_zone_upsert(change, zone);
    add_record_op(change, zone, record, /*add=*/true);
    return tx.append_change(zone.name, change, at, meta_of(who)).status();
  }));
  log::info("zone ", zone.name, ": record ", record.id, " created (", describe(record.name, record.type, record.value),
            " ttl ", record.ttl, ") by ", who.username, " (serial ", zone.serial, ", version ", version, ")");
  return record;
}

StatusOr<Record> ZoneServiceImpl::update_record(const auth::Principal& who, const UpdateRecord& cmd) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_some_records(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(cmd.zone));
  MCNS_ASSIGN_OR_RETURN(ValidRecord valid, validate_record(zone_name, cmd.fields));
  // Checked before the transaction for the new name, inside it for the old one.
  MCNS_RETURN_IF_ERROR(authz_.can_write_record(who, valid.name));
  const Timestamp at = now();
  Record old_record, record;
  Zone zone;
  MCNS_ASSIGN_OR_RETURN(std::uint64_t version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone, require_zone(tx, zone_name));
    MCNS_RETURN_IF_ERROR(check_expected(zone, cmd.expected_serial));
    MCNS_ASSIGN_OR_RETURN(std::optional<Record> found, tx.find_record(zone.id, cmd.id));
    if (!found) return record_not_found(zone_name, cmd.id);
    old_record = *found;
    MCNS_RETURN_IF_ERROR(authz_.can_update_record(who, old_record.name, valid.name));
    record = old_record;
    record.name = valid.name;
    record.type = std::string(valid.type->mnemonic);
    record.value = valid.value;
    record.ttl = valid.ttl;
    if (record.name == old_record.name && record.type == old_record.type && record.value == old_record.value &&
        record.ttl == old_record.ttl)
      return ok_status();  // identical: not a mutation
    MCNS_RETURN_IF_ERROR(check_conflicts(tx, zone, valid, /*exclude_id=*/record.id));
    record.updated_at = at;
    MCNS_RETURN_IF_ERROR(tx.update_record(record));
    zone.serial = next_serial(zone.serial, today());
    zone.updated_at = at;
    MCNS_RETURN_IF_ERROR(tx.update_zone(zone));
    mcns::v1::Change change;
    add_zone_upsert(change, zone);
    add_record_op(change, zone, old_record, /*add=*/false);
    add_record_op(change, zone, record, /*add=*/true);
    return tx.append_change(zone.name, change, at, meta_of(who)).status();
  }));
  if (version != 0)
    log::info("zone ", zone.name, ": record ", record.id, " updated (",
              describe(old_record.name, old_record.type, old_record.value), " ttl ", old_record.ttl, " -> ",
              describe(record.name, record.type, record.value), " ttl ", record.ttl, ") by ", who.username,
              " (serial ", zone.serial, ", version ", version, ")");
  return record;
}

Status ZoneServiceImpl::delete_record(const auth::Principal& who, std::string_view zone_name_in, std::int64_t id,
                                      ExpectedSerial expected_serial) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_some_records(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(zone_name_in));
  const Timestamp at = now();
  Record record;
  Zone zone;
  MCNS_ASSIGN_OR_RETURN(std::uint64_t version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone, require_zone(tx, zone_name));
    MCNS_RETURN_IF_ERROR(check_expected(zone, expected_serial));
    MCNS_ASSIGN_OR_RETURN(std::optional<Record> found, tx.find_record(zone.id, id));
    if (!found) return record_not_found(zone_name, id);
    record = *std::move(found);
    MCNS_RETURN_IF_ERROR(authz_.can_write_record(who, record.name));
    MCNS_RETURN_IF_ERROR(tx.delete_record(record.id));
    zone.serial = next_serial(zone.serial, today());
    zone.updated_at = at;
    MCNS_RETURN_IF_ERROR(tx.update_zone(zone));
    mcns::v1::Change change;
    add_zone_upsert(change, zone);
    add_record_op(change, zone, record, /*add=*/false);
    return tx.append_change(zone.name, change, at, meta_of(who)).status();
  }));
  log::info("zone ", zone.name, ": record ", record.id, " deleted (", describe(record.name, record.type, record.value),
            ") by ", who.username, " (serial ", zone.serial, ", version ", version, ")");
  return ok_status();
}

StatusOr<std::uint64_t> ZoneServiceImpl::latest_version() { return store_.latest_version(); }

Status ZoneServiceImpl::authorize_watch(const auth::Principal& who) { return authz_.can_watch(who); }

Status ZoneServiceImpl::authorize_fleet_view(const auth::Principal& who) { return authz_.can_read(who); }

// ---- import ----

StatusOr<ImportResult> ZoneServiceImpl::import_zone(const auth::Principal& who, const ZoneImport& import) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_zones(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(import.zone));
  MCNS_ASSIGN_OR_RETURN(ValidSoa soa, validate_soa(import.soa));

  // Validate every record, and the set as a whole, before touching the database.
  using Key = std::tuple<std::string, std::string, std::string>;  // name, type, value
  std::map<Key, std::pair<ValidRecord, int>> wanted;                // -> record, line
  std::map<std::string, std::set<std::string, std::less<>>> types_at;  // name -> types so far
  for (const ImportRecord& in : import.records) {
    auto where = [&](const Status& s) { return Status(s.code(), str_cat("line ", in.line, ": ", s.message())); };
    auto valid = validate_record(zone_name, in.fields);
    if (!valid.ok()) return where(valid.status());
    Key key{valid->name, std::string(valid->type->mnemonic), valid->value};
    if (auto it = wanted.find(key); it != wanted.end())
      return where(invalid_argument(str_cat("duplicate record ", describe(valid->name, valid->type->mnemonic,
                                                                          valid->value),
                                            " (also on line ", it->second.second, ")")));
    // The records before this one in the file are "already there" for the rule.
    auto& types = types_at[valid->name];
    if (Status s = check_cname_exclusivity(zone_name, valid->name, valid->type->mnemonic, types); !s.ok())
      return where(s);
    types.insert(std::string(valid->type->mnemonic));
    wanted.emplace(std::move(key), std::make_pair(*std::move(valid), in.line));
  }

  const Timestamp at = now();
  ImportResult result;
  MCNS_ASSIGN_OR_RETURN(result.version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(std::optional<Zone> existing, tx.find_zone(zone_name));
    Zone zone = existing ? *existing : zone_with_defaults(zone_name);
    bool soa_changed = apply_soa(soa, zone);
    if (zone.primary_ns.empty() || zone.admin_email.empty())
      return invalid_argument(str_cat("zone name \"", zone_name, "\" is too long for the default primary_ns and "
                                      "admin_email: the file needs an SOA record"));
    result.created = !existing;

    std::vector<Record> current;
    if (existing) {
      MCNS_ASSIGN_OR_RETURN(current, tx.list_records(zone.id));
    }
    std::vector<Record> removed, added;
    std::vector<std::pair<Record, Record>> updated;  // old, new
    std::set<Key> kept;
    for (const Record& r : current) {
      auto it = wanted.find(Key{r.name, r.type, r.value});
      if (it == wanted.end()) {
        removed.push_back(r);
        continue;
      }
      kept.insert(it->first);
      if (it->second.first.ttl == r.ttl) {
        ++result.unchanged;
      } else {
        Record changed = r;
        changed.ttl = it->second.first.ttl;
        changed.updated_at = at;
        updated.emplace_back(r, std::move(changed));
      }
    }
    for (const auto& [key, rec] : wanted)
      if (!kept.contains(key)) added.push_back(make_record(zone, rec.first, at));

    const bool records_changed = !removed.empty() || !added.empty() || !updated.empty();
    if (existing && !soa_changed && !records_changed && !(import.serial && serial_after(*import.serial, zone.serial))) {
      result.zone = zone;
      return ok_status();  // the database already holds exactly this zone
    }

    // One bump for the whole import; a file serial that is further ahead (a zone moved
    // from another server, whose secondaries know that serial) is kept.
    std::uint32_t serial = zone.serial;
    if (existing) {
      serial = next_serial(zone.serial, today());
    } else {
      MCNS_ASSIGN_OR_RETURN(serial, first_serial_for(tx, zone.name));
    }
    if (import.serial && serial_after(*import.serial, serial)) serial = *import.serial;
    zone.serial = serial;
    zone.updated_at = at;
    if (existing) {
      MCNS_RETURN_IF_ERROR(tx.update_zone(zone));
    } else {
      zone.created_at = at;
      MCNS_ASSIGN_OR_RETURN(zone.id, tx.insert_zone(zone));
    }

    mcns::v1::Change change;
    add_zone_upsert(change, zone);
    for (const Record& r : removed) {
      MCNS_RETURN_IF_ERROR(tx.delete_record(r.id));
      add_record_op(change, zone, r, /*add=*/false);
    }
    for (const auto& [old_record, new_record] : updated) {
      MCNS_RETURN_IF_ERROR(tx.update_record(new_record));
      add_record_op(change, zone, old_record, /*add=*/false);
      add_record_op(change, zone, new_record, /*add=*/true);
    }
    for (Record& r : added) {
      r.zone_id = zone.id;
      MCNS_ASSIGN_OR_RETURN(r.id, tx.insert_record(r));
      add_record_op(change, zone, r, /*add=*/true);
    }
    result.added = added.size();
    result.removed = removed.size();
    result.updated = updated.size();
    result.zone = zone;
    return tx.append_change(zone.name, change, at, meta_of(who, "import")).status();
  }));
  log::info("zone ", zone_name, " imported by ", who.username, ": ", result.created ? "created, " : "", result.added,
            " added, ", result.removed, " removed, ", result.updated, " updated, ", result.unchanged,
            " unchanged (serial ", result.zone.serial, ", version ", result.version, ")");
  return result;
}

}  // namespace mcns::control::domain

// ---- batches ----

namespace mcns::control::domain {
namespace {

// A batch op after validation: the canonical name, and for the ops that carry them the
// registered type and the record (canonical value, TTL).
struct ValidOp {
  BatchOpKind kind;
  std::string name;
  const dns::RRTypeInfo* type = nullptr;  // null for kRemoveName
  ValidRecord record;                     // kAdd and kRemoveOne
};

StatusOr<ValidOp> validate_op(std::string_view zone_name, const BatchOp& op) {
  ValidOp v{op.kind, {}, nullptr, {}};
  switch (op.kind) {
    case BatchOpKind::kAdd:
    case BatchOpKind::kRemoveOne: {
      MCNS_ASSIGN_OR_RETURN(v.record, validate_record(zone_name, op.fields));
      v.name = v.record.name;
      v.type = v.record.type;
      break;
    }
    case BatchOpKind::kRemoveRRset: {
      MCNS_ASSIGN_OR_RETURN(v.name, dns::canonical_record_name(op.fields.name, zone_name));
      MCNS_ASSIGN_OR_RETURN(v.type, record_type(op.fields.type));
      break;
    }
    case BatchOpKind::kRemoveName: {
      MCNS_ASSIGN_OR_RETURN(v.name, dns::canonical_record_name(op.fields.name, zone_name));
      break;
    }
  }
  return v;
}

}  // namespace

StatusOr<BatchResult> ZoneServiceImpl::apply_batch(const auth::Principal& who, const BatchCommand& cmd,
                                                   BatchAuthorization authorization) {
  const bool check_accounts = authorization == BatchAuthorization::kAccountMatrix;
  if (check_accounts) MCNS_RETURN_IF_ERROR(authz_.can_write_some_records(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(cmd.zone));
  std::vector<ValidOp> ops;
  ops.reserve(cmd.ops.size());
  for (std::size_t i = 0; i < cmd.ops.size(); ++i) {
    auto valid = validate_op(zone_name, cmd.ops[i]);
    if (!valid.ok())
      return Status(valid.status().code(), str_cat("operation ", i + 1, ": ", valid.status().message()));
    if (check_accounts) MCNS_RETURN_IF_ERROR(authz_.can_write_record(who, valid->name));
    ops.push_back(*std::move(valid));
  }

  const Timestamp at = now();
  BatchResult result;
  MCNS_ASSIGN_OR_RETURN(result.version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(Zone zone, require_zone(tx, zone_name));
    result.zone = zone;
    if (cmd.precondition) MCNS_RETURN_IF_ERROR(cmd.precondition(tx, zone));
    mcns::v1::Change record_ops;  // the record ops in order; the zone upsert goes first
    auto remove = [&](const Record& r) -> Status {
      MCNS_RETURN_IF_ERROR(tx.delete_record(r.id));
      add_record_op(record_ops, zone, r, /*add=*/false);
      ++result.removed;
      return ok_status();
    };
    for (const ValidOp& op : ops) {
      const std::optional<std::string_view> type_filter =
          op.type ? std::optional<std::string_view>(op.type->mnemonic) : std::nullopt;
      switch (op.kind) {
        case BatchOpKind::kAdd: {
          MCNS_ASSIGN_OR_RETURN(std::vector<Record> at_name, tx.list_records(zone.id, op.name));
          const bool is_cname = op.type->code == dns::type::kCNAME;
          // A CNAME added where a CNAME is replaces it (below), so that one does not count.
          std::set<std::string, std::less<>> types;
          for (const Record& r : at_name)
            if (!(is_cname && r.type == "CNAME")) types.insert(r.type);
          if (Status conflict = check_cname_exclusivity(zone.name, op.name, op.type->mnemonic, types);
              !conflict.ok()) {
            if (cmd.on_conflict == OnConflict::kFail) return conflict;
            ++result.skipped;
            continue;
          }
          bool present = false;
          for (const Record& r : at_name) {
            if (r.type != op.type->mnemonic) continue;
            // A CNAME replaces the CNAME already there (RFC 2136 §3.4.2.2).
            if (is_cname && r.value != op.record.value) {
              MCNS_RETURN_IF_ERROR(remove(r));
              continue;
            }
            if (r.value == op.record.value) present = true;
            if (r.ttl != op.record.ttl) {  // the added RR's TTL becomes the RRset's
              Record changed = r;
              changed.ttl = op.record.ttl;
              changed.updated_at = at;
              MCNS_RETURN_IF_ERROR(tx.update_record(changed));
              add_record_op(record_ops, zone, r, /*add=*/false);
              add_record_op(record_ops, zone, changed, /*add=*/true);
              ++result.updated;
            }
          }
          if (!present) {
            Record r = make_record(zone, op.record, at);
            MCNS_ASSIGN_OR_RETURN(r.id, tx.insert_record(r));
            add_record_op(record_ops, zone, r, /*add=*/true);
            ++result.added;
          }
          break;
        }
        case BatchOpKind::kRemoveOne:
        case BatchOpKind::kRemoveRRset:
        case BatchOpKind::kRemoveName: {
          MCNS_ASSIGN_OR_RETURN(std::vector<Record> found, tx.list_records(zone.id, op.name, type_filter));
          for (const Record& r : found) {
            if (op.kind == BatchOpKind::kRemoveOne && r.value != op.record.value) continue;
            // The apex keeps its NS when everything at it is removed (RFC 2136 §3.4.2.3).
            if (op.kind == BatchOpKind::kRemoveName && r.name == "@" && r.type == "NS") continue;
            MCNS_RETURN_IF_ERROR(remove(r));
          }
          break;
        }
      }
    }
    if (record_ops.ops_size() == 0) return ok_status();  // nothing changed: not a mutation
    MCNS_RETURN_IF_ERROR(commit_record_ops(tx, zone, record_ops, at, meta_of(who)).status());
    result.zone = zone;
    return ok_status();
  }));
  if (result.version != 0)
    log::info("zone ", zone_name, ": batch of ", ops.size(), " operation(s) by ", who.username, ": ", result.added,
              " added, ", result.removed, " removed, ", result.updated, " updated, ", result.skipped,
              " skipped (serial ", result.zone.serial, ", version ", result.version, ")");
  return result;
}

}  // namespace mcns::control::domain

// ---- change control (SPEC 14) ----

namespace mcns::control::domain {
namespace {

Record record_of(const mcns::v1::SyncRecord& r, std::int64_t zone_id) {
  Record out;
  out.id = r.id();
  out.zone_id = zone_id;
  out.name = r.name();
  out.type = r.type();
  out.value = r.value();
  out.ttl = r.ttl();
  return out;
}

Zone zone_of(const mcns::v1::SyncZone& z) {
  Zone out;
  out.name = z.name();
  out.primary_ns = z.primary_ns();
  out.admin_email = z.admin_email();
  out.refresh = z.refresh();
  out.retry = z.retry();
  out.expire = z.expire();
  out.minimum_ttl = z.minimum_ttl();
  out.serial = z.serial();
  return out;
}

Change change_of(const store::HistoryEntry& e) {
  Change c;
  c.version = e.version;
  c.serial = e.serial;
  c.time = e.created_at;
  c.user = e.user;
  c.via = e.via;
  for (const mcns::v1::ChangeOp& op : e.change.ops()) {
    HistoryOp h;
    if (op.has_zone_upsert()) {
      h.op = "zone";
      h.zone = zone_of(op.zone_upsert());
    } else if (op.has_zone_delete()) {
      h.op = "zone";
      h.zone.name = op.zone_delete();
      h.zone.serial = e.serial;
      h.zone_deleted = true;
    } else if (op.has_record_add()) {
      h.op = "add";
      h.record = record_of(op.record_add().record(), 0);
    } else if (op.has_record_remove()) {
      h.op = "remove";
      h.record = record_of(op.record_remove().record(), 0);
    } else {
      continue;
    }
    c.ops.push_back(std::move(h));
  }
  return c;
}

using RecordKey = std::tuple<std::string, std::string, std::string>;  // name, type, value

}  // namespace

StatusOr<std::vector<Change>> ZoneServiceImpl::list_changes(const auth::Principal& who, const HistoryQuery& query) {
  MCNS_RETURN_IF_ERROR(authz_.can_read(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(query.zone));
  if (query.limit && *query.limit < 0) return invalid_argument("limit must not be negative");
  std::vector<Change> out;
  MCNS_RETURN_IF_ERROR(store_.read([&](ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(Zone zone, require_zone(tx, zone_name));
    std::optional<std::size_t> limit;
    if (query.limit) limit = static_cast<std::size_t>(*query.limit);
    MCNS_ASSIGN_OR_RETURN(std::vector<store::HistoryEntry> entries,
                          tx.zone_history(zone.name, query.after_serial, limit));
    out.reserve(entries.size());
    for (const store::HistoryEntry& e : entries) out.push_back(change_of(e));
    return ok_status();
  }));
  return out;
}

StatusOr<Change> ZoneServiceImpl::rollback(const auth::Principal& who, const Rollback& cmd) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_zones(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(cmd.zone));
  const Timestamp at = now();
  Change result;
  MCNS_ASSIGN_OR_RETURN(result.version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(Zone zone, require_zone(tx, zone_name));
    MCNS_RETURN_IF_ERROR(check_expected(zone, cmd.expected_serial));
    result.serial = zone.serial;
    MCNS_ASSIGN_OR_RETURN(std::vector<store::HistoryEntry> history, tx.zone_history(zone.name));
    std::size_t target = history.size();
    for (std::size_t i = 0; i < history.size(); ++i)
      if (history[i].serial == cmd.to_serial) target = i;
    if (target == history.size())
      return not_found(str_cat("serial ", cmd.to_serial, " of zone \"", zone.name,
                               "\" is not in the history (it never existed, or it is older than [history] keep_days)"));

    // The records as of the target: today's, with every later change undone, newest first.
    MCNS_ASSIGN_OR_RETURN(std::vector<Record> current, tx.list_records(zone.id));
    std::map<RecordKey, std::uint32_t> wanted;  // -> ttl
    for (const Record& r : current) wanted[RecordKey{r.name, r.type, r.value}] = r.ttl;
    for (std::size_t i = history.size(); i-- > target + 1;) {
      const auto& ops = history[i].change.ops();
      for (auto op = ops.rbegin(); op != ops.rend(); ++op) {
        if (op->has_zone_delete())
          return failed_precondition(str_cat("zone \"", zone.name, "\" was deleted and created again after serial ",
                                             cmd.to_serial, ": roll back to a serial after that"));
        if (op->has_record_add()) {
          const auto& r = op->record_add().record();
          wanted.erase(RecordKey{r.name(), r.type(), r.value()});
        } else if (op->has_record_remove()) {
          const auto& r = op->record_remove().record();
          wanted[RecordKey{r.name(), r.type(), r.value()}] = r.ttl();
        }
      }
    }

    mcns::v1::Change record_ops;
    std::set<RecordKey> kept;
    for (const Record& r : current) {
      RecordKey key{r.name, r.type, r.value};
      auto it = wanted.find(key);
      if (it == wanted.end()) {
        MCNS_RETURN_IF_ERROR(tx.delete_record(r.id));
        add_record_op(record_ops, zone, r, /*add=*/false);
        continue;
      }
      kept.insert(key);
      if (it->second != r.ttl) {
        Record changed = r;
        changed.ttl = it->second;
        changed.updated_at = at;
        MCNS_RETURN_IF_ERROR(tx.update_record(changed));
        add_record_op(record_ops, zone, r, /*add=*/false);
        add_record_op(record_ops, zone, changed, /*add=*/true);
      }
    }
    for (const auto& [key, ttl] : wanted) {
      if (kept.contains(key)) continue;
      Record r;
      r.zone_id = zone.id;
      std::tie(r.name, r.type, r.value) = key;
      r.ttl = ttl;
      r.created_at = r.updated_at = at;
      MCNS_ASSIGN_OR_RETURN(r.id, tx.insert_record(r));
      add_record_op(record_ops, zone, r, /*add=*/true);
    }
    if (record_ops.ops_size() == 0) return ok_status();  // already those records: not a mutation
    MCNS_ASSIGN_OR_RETURN(store::HistoryEntry entry,
                          commit_record_ops(tx, zone, record_ops, at, meta_of(who, "rollback")));
    result = change_of(entry);
    return ok_status();
  }));
  if (result.version != 0)
    log::info("zone ", zone_name, " rolled back to serial ", cmd.to_serial, " by ", who.username, " (serial ",
              result.serial, ", version ", result.version, ")");
  return result;
}

StatusOr<Change> ZoneServiceImpl::apply_changes(const auth::Principal& who, const ChangeRequest& request) {
  MCNS_RETURN_IF_ERROR(authz_.can_write_some_records(who));
  MCNS_ASSIGN_OR_RETURN(std::string zone_name, dns::canonical_zone_name(request.zone));
  if (request.ops.empty()) return invalid_argument("ops: at least one operation is required");
  constexpr std::size_t kMaxOps = 10000;
  if (request.ops.size() > kMaxOps) return invalid_argument(str_cat("ops: at most ", kMaxOps, " operations per batch"));

  // Everything that can be checked without the database, per op, before the transaction.
  struct Checked {
    ValidRecord record;                // kAdd, kRemoveMatch: the record; kReplace: name and type
    std::vector<ValidRecord> records;  // kReplace
  };
  std::vector<Checked> checked(request.ops.size());
  for (std::size_t i = 0; i < request.ops.size(); ++i) {
    const ChangeRequestOp& op = request.ops[i];
    auto where = [&](const Status& s) { return Status(s.code(), str_cat("operation ", i + 1, ": ", s.message())); };
    switch (op.kind) {
      case ChangeOpKind::kAdd:
      case ChangeOpKind::kRemoveMatch: {
        auto v = validate_record(zone_name, op.record);
        if (!v.ok()) return where(v.status());
        checked[i].record = *std::move(v);
        break;
      }
      case ChangeOpKind::kReplace: {
        auto name = dns::canonical_record_name(op.record.name, zone_name);
        if (!name.ok()) return where(name.status());
        auto type = record_type(op.record.type);
        if (!type.ok()) return where(type.status());
        checked[i].record.name = *name;
        checked[i].record.type = *type;
        std::set<std::string> values;
        for (const RecordFields& in : op.records) {
          RecordFields f = in;
          f.name = op.record.name;
          f.type = op.record.type;
          auto v = validate_record(zone_name, f);
          if (!v.ok()) return where(v.status());
          if (!values.insert(v->value).second)
            return where(invalid_argument(str_cat("duplicate value \"", v->value, "\"")));
          checked[i].records.push_back(*std::move(v));
        }
        break;
      }
      case ChangeOpKind::kRemoveId:
        if (op.id <= 0) return where(invalid_argument("remove: a record id (or name, type and value) is required"));
        break;
    }
    if (op.kind != ChangeOpKind::kRemoveId) {
      Status s = authz_.can_write_record(who, checked[i].record.name);
      if (!s.ok()) return where(s);
    }
  }

  const Timestamp at = now();
  Change result;
  MCNS_ASSIGN_OR_RETURN(result.version, write([&](WriteTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(Zone zone, require_zone(tx, zone_name));
    MCNS_RETURN_IF_ERROR(check_expected(zone, request.expected_serial));
    result.serial = zone.serial;
    mcns::v1::Change record_ops;
    auto remove = [&](const Record& r) -> Status {
      MCNS_RETURN_IF_ERROR(tx.delete_record(r.id));
      add_record_op(record_ops, zone, r, /*add=*/false);
      return ok_status();
    };
    auto insert = [&](const ValidRecord& v) -> Status {
      MCNS_RETURN_IF_ERROR(check_conflicts(tx, zone, v, /*exclude_id=*/0));
      Record r = make_record(zone, v, at);
      MCNS_ASSIGN_OR_RETURN(r.id, tx.insert_record(r));
      add_record_op(record_ops, zone, r, /*add=*/true);
      return ok_status();
    };
    for (std::size_t i = 0; i < request.ops.size(); ++i) {
      const ChangeRequestOp& op = request.ops[i];
      const Checked& c = checked[i];
      auto where = [&](const Status& s) { return Status(s.code(), str_cat("operation ", i + 1, ": ", s.message())); };
      Status s;
      switch (op.kind) {
        case ChangeOpKind::kAdd:
          s = insert(c.record);
          break;
        case ChangeOpKind::kRemoveId: {
          auto found = tx.find_record(zone.id, op.id);
          if (!found.ok()) return found.status();
          if (!*found) {
            s = record_not_found(zone.name, op.id);
            break;
          }
          s = authz_.can_write_record(who, (*found)->name);
          if (s.ok()) s = remove(**found);
          break;
        }
        case ChangeOpKind::kRemoveMatch: {
          auto found = tx.list_records(zone.id, c.record.name, c.record.type->mnemonic);
          if (!found.ok()) return found.status();
          s = not_found(str_cat("no record ", describe(c.record.name, c.record.type->mnemonic, c.record.value),
                                " in zone \"", zone.name, "\""));
          for (const Record& r : *found)
            if (r.value == c.record.value) s = remove(r);
          break;
        }
        case ChangeOpKind::kReplace: {
          auto found = tx.list_records(zone.id, c.record.name, c.record.type->mnemonic);
          if (!found.ok()) return found.status();
          std::map<std::string, const ValidRecord*> wanted;
          for (const ValidRecord& v : c.records) wanted[v.value] = &v;
          for (const Record& r : *found) {
            auto it = wanted.find(r.value);
            if (it == wanted.end()) {
              if (s = remove(r); !s.ok()) break;
            } else {
              if (it->second->ttl != r.ttl) {
                Record changed = r;
                changed.ttl = it->second->ttl;
                changed.updated_at = at;
                if (s = tx.update_record(changed); !s.ok()) break;
                add_record_op(record_ops, zone, r, /*add=*/false);
                add_record_op(record_ops, zone, changed, /*add=*/true);
              }
              wanted.erase(it);
            }
          }
          for (const auto& [value, v] : wanted) {
            if (!s.ok()) break;
            s = insert(*v);
          }
          break;
        }
      }
      if (!s.ok()) return where(s);
    }
    if (record_ops.ops_size() == 0) return ok_status();  // nothing changed: not a mutation
    MCNS_ASSIGN_OR_RETURN(store::HistoryEntry entry, commit_record_ops(tx, zone, record_ops, at, meta_of(who)));
    result = change_of(entry);
    return ok_status();
  }));
  if (result.version != 0)
    log::info("zone ", zone_name, ": batch of ", request.ops.size(), " operation(s) by ", who.username, " (serial ",
              result.serial, ", version ", result.version, ")");
  return result;
}

}  // namespace mcns::control::domain
