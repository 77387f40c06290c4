#pragma once
// In-memory stand-ins for unit tests of the transports (rest/, grpc/): a ZoneService
// that records how it was called and answers from a small map, and an Authenticator
// with a fixed token table. The real domain service is used by the integration tests.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "services/control/auth/authenticator.h"
#include "services/control/domain/zone_service.h"

namespace mcns::test {

// A principal without designated initializers (Principal has members without defaults).
inline control::auth::Principal principal(std::string username, std::vector<std::string> roles = {},
                                          bool system = false) {
  control::auth::Principal p;
  p.username = std::move(username);
  p.roles = std::move(roles);
  p.account_type = system ? control::auth::AccountType::kSystem : control::auth::AccountType::kHuman;
  return p;
}

class FakeAuthenticator final : public control::auth::Authenticator {
 public:
  void add(const std::string& token, control::auth::Principal who) { tokens_[token] = std::move(who); }
  bool unavailable = false;
  std::vector<std::string> logged_out;

  StatusOr<control::auth::Principal> authenticate(std::string_view token) override {
    if (unavailable) return mcns::unavailable("authentication service unavailable");
    auto it = tokens_.find(std::string(token));
    if (it == tokens_.end()) return unauthenticated("invalid or expired token");
    return it->second;
  }
  StatusOr<control::auth::LoginResult> login(const control::auth::LoginRequest& r) override {
    if (r.username == "alice" && r.password == "secret")
      return control::auth::LoginResult{"tok-alice", "2099-01-01T00:00:00Z", std::nullopt};
    return unauthenticated("invalid credentials");
  }
  Status logout(std::string_view token) override {
    logged_out.emplace_back(token);
    return ok_status();
  }
  std::string_view mode() const noexcept override { return "fake"; }

 private:
  std::map<std::string, control::auth::Principal> tokens_;
};

// Zones and records in maps; validation is only "name must not be empty" so that tests
// can see an INVALID_ARGUMENT pass through. Every call records the caller.
class FakeZoneService final : public control::domain::ZoneService {
 public:
  using Zone = control::domain::Zone;
  using Record = control::domain::Record;
  using Principal = control::auth::Principal;

  FakeZoneService() {
    Zone z;
    z.id = 1;
    z.name = "example.com";
    z.primary_ns = "ns.example.com.";
    z.admin_email = "hostmaster.example.com.";
    z.serial = 2026112901;
    zones_[z.name] = z;
  }

  std::vector<std::string> calls;     // "list_zones alice", ...
  std::optional<Status> fail_next;    // returned by the next call instead
  control::domain::RecordFilter last_filter;
  control::domain::CreateRecord last_create;
  control::domain::UpdateZone last_update_zone;

  StatusOr<std::vector<Zone>> list_zones(const Principal& who) override {
    if (auto s = enter("list_zones", who)) return *s;
    std::vector<Zone> out;
    for (auto& [n, z] : zones_) out.push_back(z);
    return out;
  }
  StatusOr<Zone> get_zone(const Principal& who, std::string_view zone) override {
    if (auto s = enter("get_zone", who)) return *s;
    auto it = zones_.find(std::string(zone));
    if (it == zones_.end()) return not_found(std::string("zone ") + std::string(zone) + " not found");
    return it->second;
  }
  StatusOr<Zone> create_zone(const Principal& who, const control::domain::CreateZone& cmd) override {
    if (auto s = enter("create_zone", who)) return *s;
    if (cmd.name.empty()) return invalid_argument("zone name is required");
    Zone z;
    z.id = static_cast<std::int64_t>(zones_.size()) + 1;
    z.name = cmd.name;
    zones_[z.name] = z;
    return z;
  }
  StatusOr<Zone> update_zone(const Principal& who, const control::domain::UpdateZone& cmd) override {
    if (auto s = enter("update_zone", who)) return *s;
    last_update_zone = cmd;
    auto it = zones_.find(cmd.zone);
    if (it == zones_.end()) return not_found("zone not found");
    if (cmd.soa.refresh) it->second.refresh = static_cast<std::uint32_t>(*cmd.soa.refresh);
    return it->second;
  }
  Status delete_zone(const Principal& who, std::string_view zone, control::domain::ExpectedSerial) override {
    if (auto s = enter("delete_zone", who)) return *s;
    return zones_.erase(std::string(zone)) ? ok_status() : not_found("zone not found");
  }
  StatusOr<std::vector<Record>> list_records(const Principal& who,
                                             const control::domain::RecordFilter& filter) override {
    if (auto s = enter("list_records", who)) return *s;
    last_filter = filter;
    std::vector<Record> out;
    for (auto& [id, r] : records_) out.push_back(r);
    return out;
  }
  StatusOr<Record> get_record(const Principal& who, std::string_view, std::int64_t id) override {
    if (auto s = enter("get_record", who)) return *s;
    auto it = records_.find(id);
    if (it == records_.end()) return not_found("record not found");
    return it->second;
  }
  StatusOr<Record> create_record(const Principal& who, const control::domain::CreateRecord& cmd) override {
    if (auto s = enter("create_record", who)) return *s;
    last_create = cmd;
    if (cmd.fields.name.empty()) return invalid_argument("record name is required");
    Record r;
    r.id = next_id_++;
    r.zone_id = 1;
    r.name = cmd.fields.name;
    r.type = cmd.fields.type;
    r.value = cmd.fields.value;
    r.ttl = static_cast<std::uint32_t>(cmd.fields.ttl.value_or(300));
    records_[r.id] = r;
    return r;
  }
  StatusOr<Record> update_record(const Principal& who, const control::domain::UpdateRecord& cmd) override {
    if (auto s = enter("update_record", who)) return *s;
    auto it = records_.find(cmd.id);
    if (it == records_.end()) return not_found("record not found");
    it->second.value = cmd.fields.value;
    return it->second;
  }
  Status delete_record(const Principal& who, std::string_view, std::int64_t id,
                       control::domain::ExpectedSerial) override {
    if (auto s = enter("delete_record", who)) return *s;
    return records_.erase(id) ? ok_status() : not_found("record not found");
  }
  StatusOr<std::vector<control::domain::Change>> list_changes(const Principal& who,
                                                              const control::domain::HistoryQuery&) override {
    if (auto s = enter("list_changes", who)) return *s;
    return std::vector<control::domain::Change>{};
  }
  StatusOr<control::domain::Change> rollback(const Principal& who, const control::domain::Rollback&) override {
    if (auto s = enter("rollback", who)) return *s;
    return control::domain::Change{};
  }
  StatusOr<control::domain::Change> apply_changes(const Principal& who,
                                                  const control::domain::ChangeRequest&) override {
    if (auto s = enter("apply_changes", who)) return *s;
    return control::domain::Change{};
  }
  StatusOr<std::uint64_t> latest_version() override { return std::uint64_t{0}; }
  Status authorize_fleet_view(const Principal& who) override {
    if (auto s = enter("authorize_fleet_view", who)) return *s;
    return ok_status();
  }
  Status authorize_watch(const Principal& who) override {
    if (auto s = enter("authorize_watch", who)) return *s;
    return who.is_admin() ? ok_status() : permission_denied("not allowed to watch");
  }

 private:
  std::optional<Status> enter(const char* what, const Principal& who) {
    std::lock_guard lock(mu_);
    calls.push_back(std::string(what) + " " + who.username);
    if (fail_next) {
      Status s = *fail_next;
      fail_next.reset();
      return s;
    }
    return std::nullopt;
  }

  std::mutex mu_;
  std::map<std::string, Zone> zones_;
  std::map<std::int64_t, Record> records_;
  std::int64_t next_id_ = 1;
};

}  // namespace mcns::test
