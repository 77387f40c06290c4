// mcns-control migrate, snapshot and import (SPEC section 3). Each prints one result line
// on stdout, or one error line on stderr, and returns the exit code: 0 done, 1 failed
// (nothing changed), 2 bad usage or a missing input file.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/dns/name.h"
#include "services/control/app/commands.h"
#include "services/control/domain/zone_export.h"
#include "services/control/domain/zone_file.h"
#include "services/control/domain/zone_service_impl.h"
#include "services/control/store/store.h"

namespace mcns::control::app {
namespace {

// Exit 2 for what the operator must fix (a missing file or directory, a bad argument),
// 1 for everything else (SPEC section 3).
int code_for(const Status& s) {
  return s.code() == StatusCode::kNotFound || s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

int fail(std::string_view command, std::string_view message, int code = 1) {
  std::fprintf(stderr, "mcns-control %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  return code;
}

// <database dir>/backups/mcns-<UTC YYYYmmddTHHMMSSZ>.db, creating backups/ (0700).
StatusOr<std::string> default_snapshot_path(const std::string& db_path) {
  std::filesystem::path dir = std::filesystem::path(db_path).parent_path();
  if (dir.empty()) dir = ".";
  dir /= "backups";
  std::error_code ec;
  if (std::filesystem::create_directories(dir, ec))
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (ec) return unavailable(str_cat("cannot create ", dir.string(), ": ", ec.message()));
  return (dir / str_cat("mcns-", utc_stamp(std::chrono::system_clock::now()), ".db")).string();
}

StatusOr<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found(str_cat("cannot read zone file ", path, ": ", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return unavailable(str_cat("cannot read zone file ", path));
  return text.str();
}

domain::AuthzPolicy policy_of(const config::ControlConfig& config) {
  return domain::AuthzPolicy{config.auth.record_admins, config.sync.allowed_accounts};
}

}  // namespace

std::string utc_stamp(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

int run_migrate(const config::ControlConfig& config) {
  store::StoreOptions options;
  options.migrate = false;  // run below, to report what was applied
  auto store = store::Store::open(config.database.path, options);
  if (!store.ok()) return fail("migrate", store.status().message(), code_for(store.status()));
  auto result = (*store)->migrate();
  if (!result.ok()) return fail("migrate", result.status().message());
  if (result->applied.empty()) {
    std::printf("database %s is up to date (schema version %d)\n", config.database.path.c_str(),
                result->to_version);
  } else {
    std::printf("database %s migrated from schema version %d to %d\n", config.database.path.c_str(),
                result->from_version, result->to_version);
  }
  return 0;
}

int run_snapshot(const config::ControlConfig& config, const std::optional<std::string>& out) {
  store::StoreOptions options;
  options.migrate = false;  // a backup copies the database as it is
  options.create = false;   // and never creates an empty one
  auto store = store::Store::open(config.database.path, options);
  if (!store.ok()) return fail("snapshot", store.status().message(), code_for(store.status()));

  std::string target;
  if (out) {
    target = *out;
  } else {
    auto path = default_snapshot_path(config.database.path);
    if (!path.ok()) return fail("snapshot", path.status().message());
    target = *path;
  }
  // O_EXCL refuses an existing file atomically, and the copy is 0600 from its first
  // byte; VACUUM INTO accepts an empty file as its target.
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return fail("snapshot", str_cat("refusing to overwrite existing file ", target));
    return fail("snapshot", str_cat("cannot create ", target, ": ", std::strerror(errno)));
  }
  ::close(fd);
  Status s = (*store)->vacuum_into(target);
  if (!s.ok()) {
    ::unlink(target.c_str());
    return fail("snapshot", s.message());
  }
  std::error_code ec;
  auto size = std::filesystem::file_size(target, ec);
  std::printf("snapshot of %s written to %s (%ju bytes)\n", config.database.path.c_str(), target.c_str(),
              static_cast<std::uintmax_t>(ec ? 0 : size));
  log::info("snapshot of ", config.database.path, " written to ", target);
  // For the control's mcns_backup_last_success_timestamp_seconds (RUNBOOK section 7).
  // The copy is good either way: a failure here is a warning, and the backup alert then
  // says that no backup was recorded.
  if (Status r = (*store)->record_backup_success(std::chrono::system_clock::now()); !r.ok())
    log::warn("snapshot: could not record the backup time in ", config.database.path, ": ", r.message());
  return 0;
}

int run_import(const config::ControlConfig& config, const std::string& zone, const std::string& file) {
  auto zone_name = dns::canonical_zone_name(zone);
  if (!zone_name.ok()) return fail("import", zone_name.status().message(), 2);
  auto text = read_file(file);
  if (!text.ok()) return fail("import", text.status().message(), 2);
  auto parsed = domain::parse_zone_file(*text, *zone_name);
  if (!parsed.ok()) return fail("import", str_cat(file, ": ", parsed.status().message()));

  auto store = store::Store::open(config.database.path);
  if (!store.ok()) return fail("import", store.status().message(), code_for(store.status()));
  domain::ZoneServiceImpl service(**store, policy_of(config));
  // The command runs with the database file's owner's rights: an operator, i.e. an admin.
  // The audit line names the operating-system user who ran it.
  const char* sudo_user = std::getenv("SUDO_USER");
  const passwd* pw = ::getpwuid(::getuid());
  std::string os_user = sudo_user && *sudo_user ? sudo_user : pw ? pw->pw_name : std::to_string(::getuid());
  auth::Principal operator_principal{str_cat("import:", os_user), "", {"admin"}, auth::AccountType::kHuman, "import"};
  auto result = service.import_zone(operator_principal, *parsed);
  if (!result.ok()) return fail("import", str_cat(file, ": ", result.status().message()));
  // A big import leaves a big WAL; fold it into the database now rather than in the
  // middle of the control's next snapshot read. (Best effort: a reader may hold it.)
  if (Status s = (*store)->checkpoint(); !s.ok()) log::warn("import: WAL checkpoint: ", s.message());
  if (result->version == 0) {
    std::printf("zone %s already matches %s: nothing changed (serial %u)\n", zone_name->c_str(), file.c_str(),
                result->zone.serial);
  } else {
    std::printf("zone %s %s from %s: %zu added, %zu removed, %zu updated, %zu unchanged (serial %u, version %ju)\n",
                zone_name->c_str(), result->created ? "created" : "replaced", file.c_str(), result->added,
                result->removed, result->updated, result->unchanged, result->zone.serial,
                static_cast<std::uintmax_t>(result->version));
  }
  return 0;
}

}  // namespace mcns::control::app

namespace mcns::control::app {

int run_export(const config::ControlConfig& config, const std::string& zone, const std::optional<std::string>& out) {
  store::StoreOptions options;
  options.create = false;  // an export never creates an empty database
  auto store = store::Store::open(config.database.path, options);
  if (!store.ok()) return fail("export", store.status().message(), code_for(store.status()));
  domain::ZoneServiceImpl service(**store, policy_of(config));
  auth::Principal reader{"export", "", {"admin"}, auth::AccountType::kHuman};
  auto text = domain::export_zone(service, reader, zone);
  if (!text.ok()) return fail("export", text.status().message(), code_for(text.status()));
  if (!out) {
    std::fwrite(text->data(), 1, text->size(), stdout);
    return 0;
  }
  std::ofstream file(*out, std::ios::binary | std::ios::trunc);
  file << *text;
  file.close();
  if (!file) return fail("export", str_cat("cannot write ", *out, ": ", std::strerror(errno)));
  std::fprintf(stderr, "zone %s exported to %s\n", zone.c_str(), out->c_str());
  return 0;
}

}  // namespace mcns::control::app
