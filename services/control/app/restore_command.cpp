// mcns-control restore: puts a backup in place of the database so that nothing the
// fleet or the secondaries already saw goes back (SPEC 13, "one timeline"):
//   - change versions continue after the highest one the replaced database used, so a
//     version number never means two different changes;
//   - every zone's serial moves past the highest serial published under its name before
//     the restore (the replaced database's zones and serial floors), in one change, so
//     secondaries transfer the restored content instead of keeping what they have;
//   - the replaced database is kept beside it as <path>.before-restore-<UTC stamp>.
// Frontends need nothing from this command: the change log's hash chain already tells
// them the restored history is not the one they followed, and they take a snapshot.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "services/control/app/commands.h"
#include "services/control/domain/serial.h"
#include "services/control/store/store.h"
#include "services/control/store/sync_mapping.h"

namespace mcns::control::app {
namespace {

namespace fs = std::filesystem;

int fail(std::string_view message, int code = 1) {
  std::fprintf(stderr, "mcns-control restore: %.*s\n", static_cast<int>(message.size()), message.data());
  return code;
}

// What the database being replaced had published.
struct Published {
  std::uint64_t latest_version = 0;
  std::map<std::string, std::uint32_t> serials;  // by zone name: zones and floors
};

void note_serial(std::map<std::string, std::uint32_t>& serials, const std::string& name, std::uint32_t serial) {
  auto [it, inserted] = serials.emplace(name, serial);
  if (!inserted && domain::serial_after(serial, it->second)) it->second = serial;
}

StatusOr<Published> read_published(const std::string& path) {
  store::StoreOptions options;
  options.create = false;
  MCNS_ASSIGN_OR_RETURN(auto db, store::Store::open(path, options));
  Published out;
  MCNS_RETURN_IF_ERROR(db->read([&](store::ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(out.latest_version, tx.latest_version());
    MCNS_ASSIGN_OR_RETURN(auto zones, tx.list_zones());
    for (const auto& z : zones) note_serial(out.serials, z.name, z.serial);
    MCNS_ASSIGN_OR_RETURN(auto floors, tx.serial_floors());
    for (const auto& [name, serial] : floors) note_serial(out.serials, name, serial);
    return ok_status();
  }));
  // Everything in the database file itself, so that keeping it aside keeps it whole.
  MCNS_RETURN_IF_ERROR(db->checkpoint());
  return out;
}

// Moves the restored database's versions and serials past what was published, in one
// change that upserts every zone with its new serial.
Status move_forward(store::Store& db, const Published& published, std::uint32_t today, std::size_t& zones_moved) {
  auto at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return db.write([&](store::WriteTx& tx) -> Status {
             MCNS_RETURN_IF_ERROR(tx.raise_version_floor(published.latest_version));
             for (const auto& [name, serial] : published.serials)
               MCNS_RETURN_IF_ERROR(tx.raise_serial_floor(name, serial));
             MCNS_ASSIGN_OR_RETURN(auto zones, tx.list_zones());
             if (zones.empty()) return ok_status();
             mcns::v1::Change change;
             for (auto& zone : zones) {
               MCNS_ASSIGN_OR_RETURN(std::optional<std::uint32_t> floor, tx.serial_floor(zone.name));
               std::uint32_t base = zone.serial;
               if (floor && domain::serial_after(*floor, base)) base = *floor;
               zone.serial = domain::next_serial(base, today);
               zone.updated_at = at;
               MCNS_RETURN_IF_ERROR(tx.update_zone(zone));
               *change.add_ops()->mutable_zone_upsert() = store::to_sync_zone(zone);
             }
             zones_moved = zones.size();
             return tx.append_change("*", change, at, store::ChangeMeta{"mcns-control restore", "restore"}).status();
           })
      .status();
}

}  // namespace

bool hold_database_lock(const std::string& db_path) {
  // flock() locks are separate from SQLite's fcntl() locks on Linux: this one only says
  // "a server uses this file", and goes away with the process, even after kill -9.
  int fd = ::open(db_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;  // nothing to protect yet; SQLite reports the real error
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  return true;  // fd stays open for the life of the process
}

int run_restore(const config::ControlConfig& config, const std::string& backup) {
  const std::string& path = config.database.path;
  std::error_code ec;
  if (!fs::is_regular_file(backup, ec)) return fail(str_cat("cannot read backup ", backup), 2);
  const bool replacing = fs::exists(path, ec);

  if (replacing) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
      ::close(fd);
      if (busy) return fail(str_cat("mcns-control server is running on ", path, "; stop it first"));
    }
  }

  Published published;
  if (replacing) {
    auto read = read_published(path);
    if (!read.ok()) return fail(str_cat("cannot read the current database ", path, ": ", read.status().message()));
    published = *std::move(read);
  } else {
    log::warn("restore: ", path, " does not exist: serials move past the backup's own only");
  }

  // Work on a copy beside the database; the rename at the end is the only step that
  // changes what the server will open.
  const std::string work = path + ".restoring";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(work + suffix, ec);
  fs::copy_file(backup, work, ec);
  if (ec) return fail(str_cat("cannot copy ", backup, " to ", work, ": ", ec.message()));
  ::chmod(work.c_str(), 0600);

  std::size_t zones_moved = 0;
  std::uint64_t version = 0;
  {
    auto restored = store::Store::open(work);  // migrates a backup made by an older release
    if (!restored.ok()) {
      fs::remove(work, ec);
      return fail(str_cat("backup ", backup, " is not a usable database: ", restored.status().message()));
    }
    Status s = move_forward(**restored, published, store::utc_date_number(std::chrono::system_clock::now()),
                            zones_moved);
    if (s.ok()) s = (*restored)->checkpoint();
    if (s.ok()) {
      auto v = (*restored)->latest_version();
      if (v.ok()) version = *v;
      else s = v.status();
    }
    if (!s.ok()) {
      fs::remove(work, ec);
      return fail(str_cat("cannot prepare the restored database: ", s.message()));
    }
  }

  std::string kept;
  if (replacing) {
    kept = str_cat(path, ".before-restore-", utc_stamp(std::chrono::system_clock::now()));
    fs::rename(path, kept, ec);
    if (ec) return fail(str_cat("cannot move ", path, " aside: ", ec.message()));
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(path + suffix, ec);
  }
  fs::rename(work, path, ec);
  if (ec) return fail(str_cat("cannot move the restored database to ", path, ": ", ec.message()));
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(work + suffix, ec);

  std::printf("restored %s from %s: %zu zones with new serials, change version %ju%s%s\n", path.c_str(),
              backup.c_str(), zones_moved, static_cast<std::uintmax_t>(version),
              kept.empty() ? "" : "; the replaced database is kept as ", kept.c_str());
  log::info("restore: ", path, " restored from ", backup, " at version ", version);
  return 0;
}

}  // namespace mcns::control::app
