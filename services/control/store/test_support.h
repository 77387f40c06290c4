#pragma once
// Test helpers shared by the store, domain and app tests (header-only, tests only):
// a temporary directory, a settable clock, a dump of a database file, and the whole
// content of a store read at one version.
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/sqlite/sqlite.h"
#include "services/control/store/store.h"

namespace mcns::control::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "mcns-control-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

// A clock the test sets; thread-safe.
class FakeClock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  // 2026-11-29T09:10:00Z by default.
  FakeClock() { set(2026, 11, 29, 9, 10); }

  void set(int y, unsigned m, unsigned d, int hh = 12, int mm = 0) {
    auto day = std::chrono::sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
    now_.store(time_point(day) + std::chrono::hours(hh) + std::chrono::minutes(mm));
  }
  void advance(std::chrono::seconds s) { now_.store(now_.load() + s); }
  time_point now() const { return now_.load(); }
  store::Clock as_clock() const {
    return [this] { return now(); };
  }

 private:
  std::atomic<time_point> now_{};
};

// Every table's schema and rows, for "nothing changed" assertions.
inline std::string dump_file(const std::string& path) {
  auto db = sqlite::Db::open(path, sqlite::OpenOptions{.create = false});
  if (!db.ok()) return "open failed: " + db.status().to_string();
  auto text = sqlite::dump(*db);
  return text.ok() ? *text : "dump failed: " + text.status().to_string();
}

struct ZoneContents {
  domain::Zone zone;
  std::vector<domain::Record> records;  // ordered by name, type, value
};

// Every zone with all its records, and the change-log version they correspond to.
struct Snapshot {
  std::uint64_t version = 0;
  std::uint64_t chain = 0;          // the chain value of `version`
  std::vector<ZoneContents> zones;  // ordered by name
};

// Reads every zone with its records in one transaction, so that `version` is exactly the
// version of that data.
inline StatusOr<Snapshot> read_snapshot(store::Store& store) {
  Snapshot snap;
  MCNS_RETURN_IF_ERROR(store.read([&](store::ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(snap.version, tx.latest_version());
    MCNS_ASSIGN_OR_RETURN(auto chain, tx.chain_at(snap.version));
    snap.chain = chain.value_or(0);
    MCNS_ASSIGN_OR_RETURN(std::vector<domain::Zone> zones, tx.list_zones());
    std::unordered_map<std::int64_t, std::size_t> index;
    for (domain::Zone& z : zones) {
      index.emplace(z.id, snap.zones.size());
      snap.zones.push_back(ZoneContents{std::move(z), {}});
    }
    MCNS_ASSIGN_OR_RETURN(std::vector<domain::Record> records, tx.list_all_records());
    for (domain::Record& r : records) {
      auto it = index.find(r.zone_id);
      if (it == index.end()) continue;  // impossible with foreign keys; never crash on it
      snap.zones[it->second].records.push_back(std::move(r));
    }
    return ok_status();
  }));
  return snap;
}

}  // namespace mcns::control::testing
