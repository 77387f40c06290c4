// The command tree of mcnsctl (SPEC 15) over the generated gRPC stubs. CLI11 is used here
// only: one parser for the whole tree, global flags accepted before or after the command
// (subcommands fall through to the root's options).
//
// Each command resolves the settings (settings.h), makes one TLS channel, calls the RPCs
// and prints either an aligned table (people) or JSON in the REST API's shapes (scripts).
// Every failure becomes one line on stderr and an exit code (mcnsctl.h).
#include "services/mcnsctl/mcnsctl.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <grpc/support/log.h>
#include <grpcpp/grpcpp.h>
#include <nlohmann/json.hpp>

#include "common/base/strings.h"
#include "common/base/time.h"
#include "common/base/version.h"
#include "common/grpcutil/grpcutil.h"
#include "mcns/v1/admin.grpc.pb.h"
#include "mcns/v1/auth.grpc.pb.h"
#include "mcns/v1/change.grpc.pb.h"
#include "mcns/v1/record.grpc.pb.h"
#include "mcns/v1/zone.grpc.pb.h"
#include "services/mcnsctl/settings.h"
#include "services/mcnsctl/table.h"

namespace mcns::mcnsctl {
namespace {

using json = nlohmann::ordered_json;
constexpr auto kCallTimeout = std::chrono::seconds(30);

// What ends a command: the line to print and the exit code.
struct Failure {
  int code = kExitFailed;
  std::string message;
};

std::string rfc3339(const google::protobuf::Timestamp& t) {
  return format_rfc3339(std::chrono::sys_seconds(std::chrono::seconds(t.seconds())));
}

// The REST API's shapes (docs/API.md), so scripts can share their parsing.
json zone_json(const v1::Zone& z) {
  return json{{"ID", z.id()},           {"Name", z.name()},         {"PrimaryNS", z.primary_ns()},
              {"AdminEmail", z.admin_email()}, {"Refresh", z.refresh()}, {"Retry", z.retry()},
              {"Expire", z.expire()},   {"MinimumTTL", z.minimum_ttl()}, {"Serial", z.serial()},
              {"CreatedAt", rfc3339(z.created_at())}, {"UpdatedAt", rfc3339(z.updated_at())}};
}

json record_json(const v1::Record& r) {
  return json{{"ID", r.id()},       {"ZoneID", r.zone_id()}, {"Name", r.name()},
              {"Type", r.type()},   {"Value", r.value()},    {"TTL", r.ttl()},
              {"CreatedAt", rfc3339(r.created_at())}, {"UpdatedAt", rfc3339(r.updated_at())}};
}

// host and port of "host:port" / "[v6]:port".
std::pair<std::string, std::string> split_target(const std::string& target) {
  if (!target.empty() && target.front() == '[') {
    auto close = target.find(']');
    if (close != std::string::npos)
      return {target.substr(1, close - 1), close + 2 <= target.size() ? target.substr(close + 2) : ""};
  }
  auto colon = target.rfind(':');
  if (colon == std::string::npos) return {target, ""};
  return {target.substr(0, colon), target.substr(colon + 1)};
}

// Why the server could not be reached: a TCP connect tells "connection refused" (and
// names that cannot be resolved) from a TLS failure.
std::string diagnose_connection(const Settings& s) {
  auto [host, port] = split_target(s.server);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
    return str_cat("cannot connect to ", s.server, ": cannot resolve \"", host, "\" (", gai_strerror(rc), ")");
  int last_errno = 0;
  bool connected = false;
  for (addrinfo* ai = found; ai != nullptr && !connected; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 3000) == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        errno = err;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (rc == 0) connected = true;
    else last_errno = errno;
    close(fd);
  }
  freeaddrinfo(found);
  if (!connected) {
    std::string why = last_errno == ECONNREFUSED ? std::string("connection refused") : to_lower(std::strerror(last_errno));
    return str_cat("cannot connect to ", s.server, ": ", why);
  }
  if (s.ca_cert.empty())
    return str_cat("TLS handshake with ", s.server,
                   " failed: its certificate is not trusted by the system's CAs (pass the CA file with --ca-cert "
                   "or MCNS_CA_CERT)");
  return str_cat("TLS handshake with ", s.server, " failed: its certificate is not signed by the CA in ", s.ca_cert,
                 " (--ca-cert / MCNS_CA_CERT) or does not name \"", host, "\"");
}

class Ctl {
 public:
  Flags flags;
  std::string output = "table";

  bool json_out() const { return output == "json"; }

  // Settings and channel; a Failure (exit 2) when a file cannot be read.
  std::optional<Failure> connect() {
    auto s = resolve_settings(flags);
    if (!s.ok()) return Failure{kExitUsage, std::string(s.status().message())};
    settings_ = *std::move(s);
    auto creds = grpcutil::channel_credentials(settings_.ca_cert);
    if (!creds.ok())
      return Failure{kExitUsage, str_cat("cannot read CA file ", settings_.ca_cert, ": ", creds.status().message())};
    grpc::ChannelArguments args;
    // Fail fast and report; the operator retries.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 1000);
    channel_ = grpc::CreateCustomChannel(settings_.server, *creds, args);
    return std::nullopt;
  }

  const Settings& settings() const { return settings_; }
  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }

  std::unique_ptr<grpc::ClientContext> context(bool deadline = true) const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    if (!settings_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + settings_.token);
    if (deadline) ctx->set_deadline(std::chrono::system_clock::now() + kCallTimeout);
    return ctx;
  }

  // The one translation of a failed call into what the operator reads.
  Failure failure(const grpc::Status& status) const {
    const std::string& msg = status.error_message();
    switch (status.error_code()) {
      case grpc::StatusCode::UNAVAILABLE:
        if (is_connection_error(msg)) return Failure{kExitUsage, diagnose_connection(settings_)};
        return Failure{kExitFailed, msg};
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        return Failure{kExitUsage, str_cat("no answer from ", settings_.server, " within ",
                                           static_cast<int>(kCallTimeout.count()), " s")};
      case grpc::StatusCode::UNAUTHENTICATED:
        if (settings_.token.empty())
          return Failure{kExitFailed, str_cat(msg, ": not logged in; log in with: mcnsctl login")};
        return Failure{kExitFailed, str_cat(msg, "; log in again with: mcnsctl login")};
      default:
        return Failure{kExitFailed, msg.empty() ? std::string("the server refused the call") : msg};
    }
  }

 private:
  bool is_connection_error(const std::string& msg) const {
    // gRPC's own words for "never got a connection"; the server's UNAVAILABLE messages
    // (MCIAS or the database unavailable) are sentences of its own.
    for (const char* needle : {"failed to connect", "andshake", "connections to all backends failing",
                               "DNS resolution failed", "Connection refused", "Socket closed", "Connection reset"})
      if (msg.find(needle) != std::string::npos) return true;
    return false;
  }

  Settings settings_;
  std::shared_ptr<grpc::Channel> channel_;
};

// ---- terminal ----

// One line from the terminal without echo, or from standard input when it is not a
// terminal (scripts, tests). nullopt at end of input.
std::optional<std::string> read_secret(const std::string& prompt, bool echo = false) {
  const bool tty = isatty(STDIN_FILENO) == 1;
  termios saved{};
  bool restored = true;
  if (tty) {
    std::cerr << prompt << std::flush;
    if (!echo && tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0) restored = false;
    }
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (!restored) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Status write_token_file(const std::string& path, const std::string& token) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return permission_denied(str_cat("cannot create ", parent.string(), ": ", ec.message()));
    ::chmod(parent.c_str(), 0700);
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return permission_denied(str_cat("cannot write token file ", path, ": ", std::strerror(errno)));
  // An existing file keeps its mode on open(): make it 0600 whatever it was.
  bool ok = ::fchmod(fd, 0600) == 0;
  std::string text = token + "\n";
  ok = ok && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = (::close(fd) == 0) && ok;
  if (!ok) return permission_denied(str_cat("cannot write token file ", path, ": ", std::strerror(errno)));
  return ok_status();
}

// ---- output helpers ----

void print_zone(const Ctl& ctl, const v1::Zone& z) {
  if (ctl.json_out()) {
    std::cout << zone_json(z).dump(2) << '\n';
    return;
  }
  Table t({"FIELD", "VALUE"});
  t.add({"name", z.name()});
  t.add({"serial", std::to_string(z.serial())});
  t.add({"primary_ns", z.primary_ns()});
  t.add({"admin_email", z.admin_email()});
  t.add({"refresh", std::to_string(z.refresh())});
  t.add({"retry", std::to_string(z.retry())});
  t.add({"expire", std::to_string(z.expire())});
  t.add({"minimum_ttl", std::to_string(z.minimum_ttl())});
  t.add({"created_at", rfc3339(z.created_at())});
  t.add({"updated_at", rfc3339(z.updated_at())});
  t.print(std::cout);
}

void print_records(const Ctl& ctl, const std::vector<const v1::Record*>& records, bool as_list) {
  if (ctl.json_out()) {
    json list = json::array();
    for (const auto* r : records) list.push_back(record_json(*r));
    if (as_list) std::cout << json{{"records", list}}.dump(2) << '\n';
    else if (!records.empty()) std::cout << list.front().dump(2) << '\n';
    return;
  }
  Table t({"ID", "NAME", "TYPE", "VALUE", "TTL"});
  for (const auto* r : records) t.add({std::to_string(r->id()), r->name(), r->type(), r->value(), std::to_string(r->ttl())});
  t.print(std::cout);
}

// One op of a change as a line of `mcnsctl watch` (table) or a JSON object.
std::vector<std::string> op_cells(const v1::ChangeOp& op) {
  auto rec = [](const char* what, const v1::RecordOp& r) {
    return std::vector<std::string>{r.zone(), what, r.record().name(), r.record().type(), r.record().value(),
                                    std::to_string(r.record().ttl())};
  };
  switch (op.op_case()) {
    case v1::ChangeOp::kZoneUpsert:
      return {op.zone_upsert().name(), "zone", "serial", std::to_string(op.zone_upsert().serial())};
    case v1::ChangeOp::kZoneDelete: return {op.zone_delete(), "zone-deleted"};
    case v1::ChangeOp::kRecordAdd: return rec("add", op.record_add());
    case v1::ChangeOp::kRecordRemove: return rec("remove", op.record_remove());
    default: return {"", "unknown"};
  }
}

json op_json(const v1::ChangeOp& op) {
  auto rec = [](const char* what, const v1::RecordOp& r) {
    return json{{"op", what},
                {"zone", r.zone()},
                {"id", r.record().id()},
                {"name", r.record().name()},
                {"type", r.record().type()},
                {"value", r.record().value()},
                {"ttl", r.record().ttl()}};
  };
  switch (op.op_case()) {
    case v1::ChangeOp::kZoneUpsert: {
      const auto& z = op.zone_upsert();
      return json{{"op", "zone"},           {"zone", z.name()},         {"serial", z.serial()},
                  {"primary_ns", z.primary_ns()}, {"admin_email", z.admin_email()}, {"refresh", z.refresh()},
                  {"retry", z.retry()},     {"expire", z.expire()},     {"minimum_ttl", z.minimum_ttl()}};
    }
    case v1::ChangeOp::kZoneDelete: return json{{"op", "zone_delete"}, {"zone", op.zone_delete()}};
    case v1::ChangeOp::kRecordAdd: return rec("add", op.record_add());
    case v1::ChangeOp::kRecordRemove: return rec("remove", op.record_remove());
    default: return json{{"op", "unknown"}};
  }
}

// ---- the commands ----

struct Args {
  // login
  std::string username, totp;
  // zones
  std::string zone;
  std::string primary_ns, admin_email;
  std::uint32_t refresh = 0, retry = 0, expire = 0, minimum_ttl = 0;
  CLI::Option *o_primary_ns = nullptr, *o_admin_email = nullptr, *o_refresh = nullptr, *o_retry = nullptr,
              *o_expire = nullptr, *o_minimum_ttl = nullptr;
  // records
  std::string name, type, value;
  std::uint32_t ttl = 300;
  std::int64_t id = 0;
  CLI::Option *o_name = nullptr, *o_type = nullptr, *o_value = nullptr, *o_ttl = nullptr;
  std::vector<std::string> rm_args;
  // import, export, apply
  std::string file;
  std::string out;
  // write-and-wait (SPEC 14): --wait on every write
  bool wait = false;
  // history, rollback
  std::uint32_t after_serial = 0, limit = 0, serial = 0;
  CLI::Option *o_after_serial = nullptr, *o_limit = nullptr;
};

template <typename Req>
void set_wait(const Args& a, Req& req) {
  if (a.wait) req.set_wait_serving(true);
}

template <typename Req>
void set_soa(const Args& a, Req& req) {
  if (a.o_primary_ns && a.o_primary_ns->count()) req.set_primary_ns(a.primary_ns);
  if (a.o_admin_email && a.o_admin_email->count()) req.set_admin_email(a.admin_email);
  if (a.o_refresh && a.o_refresh->count()) req.set_refresh(a.refresh);
  if (a.o_retry && a.o_retry->count()) req.set_retry(a.retry);
  if (a.o_expire && a.o_expire->count()) req.set_expire(a.expire);
  if (a.o_minimum_ttl && a.o_minimum_ttl->count()) req.set_minimum_ttl(a.minimum_ttl);
}

using Result = std::optional<Failure>;  // nullopt: success

// One unary call with a fresh context (token, deadline); a failure as the operator reads it.
template <typename Stub, typename Req, typename Res>
Result unary(const Ctl& ctl, Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Res*),
             const Req& req, Res* res) {
  auto ctx = ctl.context();
  if (auto s = (stub.*method)(ctx.get(), req, res); !s.ok()) return ctl.failure(s);
  return std::nullopt;
}

// A ZoneService call whose answer is the zone, printed as `zones show` prints it.
template <typename Req>
Result zone_call(Ctl& ctl,
                 grpc::Status (v1::ZoneService::Stub::*method)(grpc::ClientContext*, const Req&, v1::Zone*),
                 const Req& req) {
  auto stub = v1::ZoneService::NewStub(ctl.channel());
  v1::Zone res;
  if (auto f = unary(ctl, *stub, method, req, &res)) return f;
  print_zone(ctl, res);
  return std::nullopt;
}

Result cmd_health(Ctl& ctl) {
  auto stub = v1::AdminService::NewStub(ctl.channel());
  v1::HealthRequest req;
  v1::HealthResponse res;
  if (auto f = unary(ctl, *stub, &v1::AdminService::Stub::Health, req, &res)) return f;
  if (ctl.json_out()) std::cout << json{{"status", res.status()}}.dump() << '\n';
  else std::cout << res.status() << '\n';
  return std::nullopt;
}

Result cmd_login(Ctl& ctl, const Args& a) {
  std::string username = a.username;
  if (username.empty()) {
    auto u = read_secret("Username: ", /*echo=*/true);
    if (!u || u->empty()) return Failure{kExitUsage, "no username given (--username U)"};
    username = *u;
  }
  auto password = read_secret(str_cat("Password for ", username, ": "));
  if (!password || password->empty()) return Failure{kExitUsage, "no password given"};
  auto stub = v1::AuthService::NewStub(ctl.channel());
  v1::LoginRequest req;
  req.set_username(username);
  req.set_password(*password);
  req.set_totp_code(a.totp);
  v1::LoginResponse res;
  auto ctx = ctl.context();
  grpc::Status s = stub->Login(ctx.get(), req, &res);
  // MCIAS asks for a one-time code when the account has TOTP: ask once and retry.
  if (!s.ok() && a.totp.empty() && to_lower(s.error_message()).find("totp") != std::string::npos) {
    auto code = read_secret("TOTP code: ", /*echo=*/true);
    if (!code || code->empty()) return Failure{kExitUsage, "no TOTP code given (--totp CODE)"};
    req.set_totp_code(*code);
    auto retry = ctl.context();
    s = stub->Login(retry.get(), req, &res);
  }
  if (!s.ok()) {
    Failure f = ctl.failure(s);
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) f.message = s.error_message();  // no "log in again"
    return f;
  }
  const std::string& path = ctl.settings().token_file;
  if (Status w = write_token_file(path, res.token()); !w.ok()) return Failure{kExitUsage, std::string(w.message())};
  std::string expires = res.has_expires_at() ? rfc3339(res.expires_at()) : std::string();
  if (ctl.json_out()) {
    std::cout << json{{"username", username}, {"token_file", path}, {"expires_at", expires}}.dump() << '\n';
  } else {
    std::cout << "Logged in as " << username << "; token saved to " << path
              << (expires.empty() ? std::string() : " (expires " + expires + ")") << '\n';
  }
  return std::nullopt;
}

Result cmd_logout(Ctl& ctl) {
  const Settings& s = ctl.settings();
  if (s.token.empty()) return Failure{kExitFailed, "not logged in (no token in " + s.token_file + ")"};
  auto stub = v1::AuthService::NewStub(ctl.channel());
  v1::LogoutRequest req;
  v1::LogoutResponse res;
  auto ctx = ctl.context();
  grpc::Status st = stub->Logout(ctx.get(), req, &res);
  // An already invalid token is logged out as far as the server cares: remove it too.
  if (!st.ok() && st.error_code() != grpc::StatusCode::UNAUTHENTICATED) return ctl.failure(st);
  std::string removed;
  if (!s.token_from_env) {
    std::error_code ec;
    if (std::filesystem::remove(s.token_file, ec)) removed = s.token_file;
  }
  if (ctl.json_out()) {
    std::cout << json{{"logged_out", true}, {"removed", removed}}.dump() << '\n';
  } else {
    std::cout << "Logged out" << (removed.empty() ? std::string() : "; removed " + removed) << '\n';
  }
  return std::nullopt;
}

// The fleet of SPEC 14 (AdminService.ListFrontends; REST GET /v1/frontends).
Result cmd_frontends(Ctl& ctl) {
  auto stub = v1::AdminService::NewStub(ctl.channel());
  v1::ListFrontendsRequest req;
  v1::ListFrontendsResponse res;
  if (auto f = unary(ctl, *stub, &v1::AdminService::Stub::ListFrontends, req, &res)) return f;
  if (ctl.json_out()) {
    json list = json::array();
    for (const auto& f : res.frontends())
      list.push_back({{"Name", f.name()},
                      {"Peer", f.peer()},
                      {"Version", f.version()},
                      {"LagVersions", f.lag_versions()},
                      {"LagSeconds", f.lag_seconds()},
                      {"ConnectedSince", f.connected_since()},
                      {"LastReport", f.last_report()},
                      {"Connected", f.connected()},
                      {"Reports", f.reports()}});
    std::cout << json{{"frontends", list}}.dump(2) << '\n';
    return std::nullopt;
  }
  Table t({"NAME", "PEER", "VERSION", "LAG", "LAG SECONDS", "CONNECTED SINCE", "LAST REPORT", "STATE"});
  for (const auto& f : res.frontends()) {
    char lag_seconds[32];
    std::snprintf(lag_seconds, sizeof lag_seconds, "%.1f", f.lag_seconds());
    std::string state = !f.connected() ? "disconnected" : f.reports() ? "connected" : "connected (does not report)";
    t.add({f.name(), f.peer(), f.reports() ? std::to_string(f.version()) : "-",
           f.reports() ? std::to_string(f.lag_versions()) : "-", f.reports() ? lag_seconds : "-",
           f.connected_since(), f.last_report().empty() ? "-" : f.last_report(), state});
  }
  t.print(std::cout);
  return std::nullopt;
}

Result cmd_zones_ls(Ctl& ctl) {
  auto stub = v1::ZoneService::NewStub(ctl.channel());
  v1::ListZonesRequest req;
  v1::ListZonesResponse res;
  if (auto f = unary(ctl, *stub, &v1::ZoneService::Stub::ListZones, req, &res)) return f;
  if (ctl.json_out()) {
    json list = json::array();
    for (const auto& z : res.zones()) list.push_back(zone_json(z));
    std::cout << json{{"zones", list}}.dump(2) << '\n';
    return std::nullopt;
  }
  Table t({"NAME", "SERIAL", "PRIMARY NS", "ADMIN EMAIL", "UPDATED"});
  for (const auto& z : res.zones())
    t.add({z.name(), std::to_string(z.serial()), z.primary_ns(), z.admin_email(), rfc3339(z.updated_at())});
  t.print(std::cout);
  return std::nullopt;
}

Result cmd_zones_show(Ctl& ctl, const Args& a) {
  v1::GetZoneRequest req;
  req.set_zone(a.zone);
  return zone_call(ctl, &v1::ZoneService::Stub::GetZone, req);
}

Result cmd_zones_create(Ctl& ctl, const Args& a) {
  v1::CreateZoneRequest req;
  req.set_name(a.zone);
  set_soa(a, req);
  return zone_call(ctl, &v1::ZoneService::Stub::CreateZone, req);
}

Result cmd_zones_update(Ctl& ctl, const Args& a) {
  v1::UpdateZoneRequest req;
  req.set_zone(a.zone);
  set_soa(a, req);
  return zone_call(ctl, &v1::ZoneService::Stub::UpdateZone, req);
}

Result cmd_zones_rm(Ctl& ctl, const Args& a) {
  auto stub = v1::ZoneService::NewStub(ctl.channel());
  v1::DeleteZoneRequest req;
  req.set_zone(a.zone);
  v1::DeleteZoneResponse res;
  if (auto f = unary(ctl, *stub, &v1::ZoneService::Stub::DeleteZone, req, &res)) return f;
  if (ctl.json_out()) std::cout << json{{"deleted_zone", a.zone}}.dump() << '\n';
  else std::cout << "Deleted zone " << a.zone << " and its records\n";
  return std::nullopt;
}

Result list_records(Ctl& ctl, const std::string& zone, const std::optional<std::string>& name,
                    const std::optional<std::string>& type, v1::ListRecordsResponse& res) {
  auto stub = v1::RecordService::NewStub(ctl.channel());
  v1::ListRecordsRequest req;
  req.set_zone(zone);
  if (name) req.set_name(*name);
  if (type) req.set_type(*type);
  if (auto f = unary(ctl, *stub, &v1::RecordService::Stub::ListRecords, req, &res)) return f;
  return std::nullopt;
}

Result cmd_records_ls(Ctl& ctl, const Args& a) {
  v1::ListRecordsResponse res;
  std::optional<std::string> name, type;
  if (a.o_name->count()) name = a.name;
  if (a.o_type->count()) type = a.type;
  if (auto f = list_records(ctl, a.zone, name, type, res)) return f;
  std::vector<const v1::Record*> rows;
  for (const auto& r : res.records()) rows.push_back(&r);
  print_records(ctl, rows, /*as_list=*/true);
  return std::nullopt;
}

Result cmd_records_add(Ctl& ctl, const Args& a) {
  auto stub = v1::RecordService::NewStub(ctl.channel());
  v1::CreateRecordRequest req;
  req.set_zone(a.zone);
  req.set_name(a.name);
  req.set_type(a.type);
  req.set_value(a.value);
  if (a.o_ttl->count()) req.set_ttl(a.ttl);
  set_wait(a, req);
  v1::Record res;
  if (auto f = unary(ctl, *stub, &v1::RecordService::Stub::CreateRecord, req, &res)) return f;
  print_records(ctl, {&res}, /*as_list=*/false);
  return std::nullopt;
}

Result cmd_records_update(Ctl& ctl, const Args& a) {
  // UpdateRecord replaces every field (PUT); what the operator did not name keeps its
  // current value.
  auto stub = v1::RecordService::NewStub(ctl.channel());
  v1::GetRecordRequest get;
  get.set_zone(a.zone);
  get.set_id(a.id);
  v1::Record current;
  if (auto f = unary(ctl, *stub, &v1::RecordService::Stub::GetRecord, get, &current)) return f;
  v1::UpdateRecordRequest req;
  req.set_zone(a.zone);
  req.set_id(a.id);
  req.set_name(a.o_name->count() ? a.name : current.name());
  req.set_type(a.o_type->count() ? a.type : current.type());
  req.set_value(a.o_value->count() ? a.value : current.value());
  req.set_ttl(a.o_ttl->count() ? a.ttl : current.ttl());
  set_wait(a, req);
  v1::Record res;
  if (auto f = unary(ctl, *stub, &v1::RecordService::Stub::UpdateRecord, req, &res)) return f;
  print_records(ctl, {&res}, /*as_list=*/false);
  return std::nullopt;
}

Result cmd_records_rm(Ctl& ctl, const Args& a) {
  std::vector<std::int64_t> ids;
  const auto& args = a.rm_args;
  auto all_digits = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  };
  if (args.size() == 1) {
    if (!all_digits(args[0]))
      return Failure{kExitUsage, str_cat("\"", args[0], "\" is not a record ID; use: records rm ZONE ID | rm ZONE NAME TYPE [VALUE]")};
    ids.push_back(std::stoll(args[0]));
  } else if (args.size() == 2 || args.size() == 3) {
    v1::ListRecordsResponse res;
    if (auto f = list_records(ctl, a.zone, args[0], args[1], res)) return f;
    for (const auto& r : res.records())
      if (args.size() == 2 || r.value() == args[2] || to_lower(r.value()) == to_lower(args[2])) ids.push_back(r.id());
    if (ids.empty())
      return Failure{kExitFailed, str_cat("no record ", args[0], " ", args[1], args.size() == 3 ? " " + args[2] : "",
                                          " in zone ", a.zone)};
  } else {
    return Failure{kExitUsage, "records rm needs ZONE ID, or ZONE NAME TYPE [VALUE]"};
  }
  auto stub = v1::RecordService::NewStub(ctl.channel());
  for (std::int64_t id : ids) {
    v1::DeleteRecordRequest req;
    req.set_zone(a.zone);
    req.set_id(id);
    set_wait(a, req);
    v1::DeleteRecordResponse res;
    if (auto f = unary(ctl, *stub, &v1::RecordService::Stub::DeleteRecord, req, &res)) return f;
  }
  if (ctl.json_out()) {
    std::cout << json{{"deleted", ids}}.dump() << '\n';
  } else {
    std::vector<std::string> names;
    for (auto id : ids) names.push_back(std::to_string(id));
    std::cout << "Deleted record" << (ids.size() > 1 ? "s " : " ") << join(names, ", ") << " from " << a.zone << '\n';
  }
  return std::nullopt;
}

// ---- change control (SPEC 14) ----

json change_json(const v1::ChangeEntry& c) {
  json ops = json::array();
  for (const auto& op : c.ops()) {
    if (op.op() == "zone") {
      const auto& z = op.zone();
      json zone{{"Name", z.name()}, {"Serial", z.serial()}};
      if (op.zone_deleted()) {
        zone["Deleted"] = true;
      } else {
        zone.update({{"PrimaryNS", z.primary_ns()}, {"AdminEmail", z.admin_email()}, {"Refresh", z.refresh()},
                     {"Retry", z.retry()}, {"Expire", z.expire()}, {"MinimumTTL", z.minimum_ttl()}});
      }
      ops.push_back({{"Op", "zone"}, {"Zone", zone}});
    } else {
      const auto& r = op.record();
      ops.push_back({{"Op", op.op()},
                     {"Record",
                      {{"ID", r.id()}, {"Name", r.name()}, {"Type", r.type()}, {"Value", r.value()}, {"TTL", r.ttl()}}}});
    }
  }
  return json{{"Version", c.version()}, {"Serial", c.serial()}, {"Time", rfc3339(c.time())},
              {"User", c.user()},       {"Via", c.via()},       {"Ops", ops}};
}

// "add www A 10.0.0.1 (300); remove ..." (the zone op is the serial, shown in its column).
std::string ops_summary(const v1::ChangeEntry& c) {
  std::vector<std::string> parts;
  for (const auto& op : c.ops()) {
    if (op.op() == "zone") {
      if (op.zone_deleted()) parts.push_back("zone deleted");
      continue;
    }
    const auto& r = op.record();
    parts.push_back(str_cat(op.op(), " ", r.name(), " ", r.type(), " ", r.value(), " (", r.ttl(), ")"));
  }
  return parts.empty() ? "SOA changed" : join(parts, "; ");
}

void print_changes(const Ctl& ctl, const std::vector<const v1::ChangeEntry*>& changes, bool as_list) {
  if (ctl.json_out()) {
    if (!as_list && changes.size() == 1) {
      std::cout << change_json(*changes.front()).dump(2) << '\n';
      return;
    }
    json list = json::array();
    for (const auto* c : changes) list.push_back(change_json(*c));
    std::cout << json{{"changes", list}}.dump(2) << '\n';
    return;
  }
  Table t({"VERSION", "SERIAL", "TIME", "USER", "VIA", "CHANGES"});
  for (const auto* c : changes)
    t.add({std::to_string(c->version()), std::to_string(c->serial()), rfc3339(c->time()), c->user(), c->via(),
           ops_summary(*c)});
  t.print(std::cout);
}

Result cmd_history(Ctl& ctl, const Args& a) {
  auto stub = v1::ChangeService::NewStub(ctl.channel());
  v1::ListChangesRequest req;
  req.set_zone(a.zone);
  if (a.o_after_serial && a.o_after_serial->count()) req.set_after_serial(a.after_serial);
  if (a.o_limit && a.o_limit->count()) req.set_limit(a.limit);
  v1::ListChangesResponse res;
  if (auto f = unary(ctl, *stub, &v1::ChangeService::Stub::ListChanges, req, &res)) return f;
  std::vector<const v1::ChangeEntry*> rows;
  for (const auto& c : res.changes()) rows.push_back(&c);
  print_changes(ctl, rows, /*as_list=*/true);
  return std::nullopt;
}

Result cmd_rollback(Ctl& ctl, const Args& a) {
  auto stub = v1::ChangeService::NewStub(ctl.channel());
  v1::RollbackRequest req;
  req.set_zone(a.zone);
  req.set_to_serial(a.serial);
  set_wait(a, req);
  v1::ChangeEntry res;
  if (auto f = unary(ctl, *stub, &v1::ChangeService::Stub::Rollback, req, &res)) return f;
  if (res.version() == 0 && !ctl.json_out()) {
    std::cout << "Zone " << a.zone << " already has the records of serial " << a.serial << "; nothing changed\n";
    return std::nullopt;
  }
  print_changes(ctl, {&res}, /*as_list=*/false);
  return std::nullopt;
}

// The batch file is the REST body of POST /v1/zones/{zone}/changes: {"ops":[...]}.
StatusOr<v1::ApplyChangesRequest> batch_from_json(const std::string& zone, const std::string& text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid_argument("the batch file is not valid JSON");
  if (!doc.is_object() || !doc.contains("ops") || !doc["ops"].is_array())
    return invalid_argument("the batch file must be an object with \"ops\", an array (as the REST body)");
  v1::ApplyChangesRequest req;
  req.set_zone(zone);
  auto text_of = [](const json& j, const char* key, std::string& out) -> bool {
    if (!j.contains(key) || j[key].is_null()) return true;
    if (!j[key].is_string()) return false;
    out = j[key].get<std::string>();
    return true;
  };
  for (std::size_t i = 0; i < doc["ops"].size(); ++i) {
    const json& op = doc["ops"][i];
    auto bad = [&](std::string_view why) { return invalid_argument(str_cat("ops[", i, "]: ", why)); };
    if (!op.is_object()) return bad("must be an object");
    v1::BatchOp* o = req.add_ops();
    std::string kind, name, type, value;
    if (!text_of(op, "op", kind)) return bad("\"op\" must be a string");
    o->set_op(kind);
    const json& rec = op.contains("record") && op["record"].is_object() ? op["record"] : op;
    if (!text_of(rec, "name", name) || !text_of(rec, "type", type) || !text_of(rec, "value", value))
      return bad("name, type and value must be strings");
    o->set_name(name);
    o->set_type(type);
    o->set_value(value);
    if (rec.contains("ttl") && !rec["ttl"].is_null()) {
      if (!rec["ttl"].is_number_unsigned()) return bad("\"ttl\" must be a number of seconds");
      o->set_ttl(rec["ttl"].get<std::uint32_t>());
    }
    if (op.contains("id") && !op["id"].is_null()) {
      if (!op["id"].is_number_integer()) return bad("\"id\" must be a record ID");
      o->set_id(op["id"].get<std::int64_t>());
    }
    if (op.contains("records")) {
      if (!op["records"].is_array()) return bad("\"records\" must be an array of {value, ttl}");
      for (const json& v : op["records"]) {
        std::string rv;
        if (!v.is_object() || !text_of(v, "value", rv)) return bad("each of \"records\" needs a string \"value\"");
        auto* out = o->add_records();
        out->set_value(rv);
        if (v.contains("ttl") && v["ttl"].is_number_unsigned()) out->set_ttl(v["ttl"].get<std::uint32_t>());
      }
    }
  }
  return req;
}

Result cmd_apply(Ctl& ctl, const Args& a) {
  std::ifstream in(a.file);
  if (!in) return Failure{kExitUsage, str_cat("cannot read ", a.file, ": ", std::strerror(errno))};
  std::stringstream text;
  text << in.rdbuf();
  auto req = batch_from_json(a.zone, text.str());
  if (!req.ok()) return Failure{kExitUsage, str_cat(a.file, ": ", req.status().message())};
  set_wait(a, *req);
  auto stub = v1::ChangeService::NewStub(ctl.channel());
  v1::ChangeEntry res;
  auto ctx = ctl.context();
  if (auto s = stub->Apply(ctx.get(), *req, &res); !s.ok()) return ctl.failure(s);
  if (res.version() == 0 && !ctl.json_out()) {
    std::cout << "Zone " << a.zone << " already held all of that; nothing changed\n";
    return std::nullopt;
  }
  print_changes(ctl, {&res}, /*as_list=*/false);
  return std::nullopt;
}

Result cmd_import(Ctl& ctl, const Args& a) {
  std::ifstream in(a.file, std::ios::binary);
  if (!in) return Failure{kExitUsage, str_cat("cannot read ", a.file, ": ", std::strerror(errno))};
  std::stringstream text;
  text << in.rdbuf();
  auto stub = v1::ZoneService::NewStub(ctl.channel());
  v1::ImportZoneRequest req;
  req.set_zone(a.zone);
  req.set_zone_file(text.str());
  v1::ImportZoneResponse res;
  auto ctx = ctl.context();
  if (auto s = stub->ImportZone(ctx.get(), req, &res); !s.ok()) {
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
      return Failure{kExitFailed, str_cat(a.file, " is too large for one request (", text.str().size(),
                                          " bytes; the API takes 64 KiB): use mcns-control import on the server")};
    return ctl.failure(s);
  }
  if (ctl.json_out()) {
    std::cout << json{{"Zone", zone_json(res.zone())}, {"Created", res.created()}, {"Added", res.added()},
                      {"Removed", res.removed()}, {"Updated", res.updated()}, {"Unchanged", res.unchanged()},
                      {"Version", res.version()}}
                     .dump(2)
              << '\n';
  } else {
    std::cout << (res.created() ? "Created" : "Imported") << " zone " << res.zone().name() << ": " << res.added()
              << " added, " << res.removed() << " removed, " << res.updated() << " updated, " << res.unchanged()
              << " unchanged; serial " << res.zone().serial() << '\n';
  }
  return std::nullopt;
}

Result cmd_export(Ctl& ctl, const Args& a) {
  auto stub = v1::ZoneService::NewStub(ctl.channel());
  v1::ExportZoneRequest req;
  req.set_zone(a.zone);
  v1::ExportZoneResponse res;
  if (auto f = unary(ctl, *stub, &v1::ZoneService::Stub::ExportZone, req, &res)) return f;
  if (a.out.empty()) {
    std::cout << res.zone_file();
    return std::nullopt;
  }
  std::ofstream file(a.out, std::ios::binary | std::ios::trunc);
  file << res.zone_file();
  file.close();
  if (!file) return Failure{kExitFailed, str_cat("cannot write ", a.out, ": ", std::strerror(errno))};
  std::cerr << "Exported zone " << a.zone << " to " << a.out << '\n';
  return std::nullopt;
}

Result cmd_watch(Ctl& ctl, const Args& a) {
  auto stub = v1::ZoneService::NewStub(ctl.channel());
  v1::WatchChangesRequest req;
  req.set_zone(a.zone);
  auto ctx = ctl.context(/*deadline=*/false);
  auto reader = stub->WatchChanges(ctx.get(), req);
  v1::ChangeEvent event;
  bool opened = false;
  while (reader->Read(&event)) {
    if (!opened) {  // the first event announces the version the stream starts after
      opened = true;
      std::cerr << "Watching " << (a.zone.empty() ? std::string("every zone") : a.zone) << " after version "
                << event.version() << " (Ctrl-C to stop)" << std::endl;
      continue;
    }
    if (event.ops_size() == 0) continue;  // progress only
    if (ctl.json_out()) {
      json ops = json::array();
      for (const auto& op : event.ops()) ops.push_back(op_json(op));
      std::cout << json{{"version", event.version()}, {"zone", event.zone()}, {"ops", ops}}.dump() << std::endl;
      continue;
    }
    Table t({"VERSION", "ZONE", "OP", "NAME", "TYPE", "VALUE", "TTL"});
    for (const auto& op : event.ops()) {
      auto cells = op_cells(op);
      cells.insert(cells.begin(), std::to_string(event.version()));
      t.add(std::move(cells));
    }
    // One block per change: the header makes each readable on its own, as it scrolls by.
    std::ostringstream block;
    t.print(block);
    std::string text = block.str();
    std::cout << text.substr(text.find('\n') + 1) << std::flush;
  }
  grpc::Status s = reader->Finish();
  if (s.ok()) return std::nullopt;
  return ctl.failure(s);
}

// Every subcommand falls through to the root, so global flags work after the command.
CLI::App* sub(CLI::App* parent, const std::string& name, const std::string& description) {
  CLI::App* s = parent->add_subcommand(name, description);
  s->fallthrough();
  return s;
}

// The SOA options of `zones create` / `zones update`. Both commands write into the same
// Args, so the command that runs points Args at its own options (see soa_callback).
struct SoaOptions {
  CLI::Option *primary_ns, *admin_email, *refresh, *retry, *expire, *minimum_ttl;
};

SoaOptions soa_options(CLI::App* c, Args& a) {
  return SoaOptions{
      c->add_option("--primary-ns", a.primary_ns, "SOA MNAME, e.g. ns.example.net."),
      c->add_option("--admin-email", a.admin_email, "SOA RNAME, e.g. hostmaster.example.net. or admin@example.net"),
      c->add_option("--refresh", a.refresh, "SOA refresh (seconds)"),
      c->add_option("--retry", a.retry, "SOA retry (seconds)"),
      c->add_option("--expire", a.expire, "SOA expire (seconds)"),
      c->add_option("--minimum-ttl", a.minimum_ttl, "SOA minimum / negative-caching TTL (seconds)")};
}

void use_soa_options(Args& a, const SoaOptions& o) {
  a.o_primary_ns = o.primary_ns;
  a.o_admin_email = o.admin_email;
  a.o_refresh = o.refresh;
  a.o_retry = o.retry;
  a.o_expire = o.expire;
  a.o_minimum_ttl = o.minimum_ttl;
}

}  // namespace

int run(int argc, char** argv) {
  // gRPC's own log lines (handshake failures, ...) would bury the one line mcnsctl prints.
  gpr_set_log_function([](gpr_log_func_args*) {});

  Ctl ctl;
  Args a;
  std::function<Result()> action;

  CLI::App app{"mcnsctl: the MCNS operator's command line (a client of mcns-control's gRPC API).\n"
               "Settings: flags, else MCNS_SERVER, MCNS_TOKEN / MCNS_TOKEN_FILE, MCNS_CA_CERT, else\n"
               "~/.config/mcns/mcnsctl.toml (server, token_file, ca_cert).\n"
               "Exit codes: 0 success, 1 refused or failed by the server, 2 usage or connection error.",
               "mcnsctl"};
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--server", ctl.flags.server, "control's gRPC address host:port (default localhost:9443)");
  app.add_option("--token-file", ctl.flags.token_file, "file holding the bearer token (default ~/.config/mcns/token)");
  app.add_option("--ca-cert", ctl.flags.ca_cert, "CA file to verify the server's certificate");
  app.add_option("-o,--output", ctl.output, "output format: table (default) or json")
      ->check(CLI::IsMember({"table", "json"}));

  auto* login = sub(&app, "login", "log in (asks for the password) and store the token with mode 0600");
  login->add_option("--username,-u", a.username, "account name (asked when absent)");
  login->add_option("--totp", a.totp, "one-time code, for accounts with TOTP (asked when the server wants one)");
  login->callback([&] { action = [&] { return cmd_login(ctl, a); }; });

  sub(&app, "logout", "end the session and remove the stored token")->callback([&] {
    action = [&] { return cmd_logout(ctl); };
  });
  sub(&app, "health", "check that the server answers")->callback([&] { action = [&] { return cmd_health(ctl); }; });
  sub(&app, "frontends", "list the mcns-dns frontends following the control and their versions")->callback([&] {
    action = [&] { return cmd_frontends(ctl); };
  });

  auto* zones = sub(&app, "zones", "list, show, create, update and delete zones");
  zones->require_subcommand(1);
  sub(zones, "ls", "list zones")->callback([&] { action = [&] { return cmd_zones_ls(ctl); }; });
  auto* zshow = sub(zones, "show", "show a zone's SOA fields");
  zshow->add_option("ZONE", a.zone, "zone name")->required();
  zshow->callback([&] { action = [&] { return cmd_zones_show(ctl, a); }; });
  auto* zcreate = sub(zones, "create", "create a zone (admin)");
  zcreate->add_option("ZONE", a.zone, "zone name")->required();
  auto create_soa = soa_options(zcreate, a);
  zcreate->callback([&, create_soa] {
    use_soa_options(a, create_soa);
    action = [&] { return cmd_zones_create(ctl, a); };
  });
  auto* zupdate = sub(zones, "update", "change a zone's SOA fields (admin); others keep their value");
  zupdate->add_option("ZONE", a.zone, "zone name")->required();
  auto update_soa = soa_options(zupdate, a);
  zupdate->callback([&, update_soa] {
    use_soa_options(a, update_soa);
    action = [&] { return cmd_zones_update(ctl, a); };
  });
  auto* zrm = sub(zones, "rm", "delete a zone and all its records (admin)");
  zrm->add_option("ZONE", a.zone, "zone name")->required();
  zrm->callback([&] { action = [&] { return cmd_zones_rm(ctl, a); }; });

  auto* records = sub(&app, "records", "list, add, update and delete records");
  records->require_subcommand(1);
  auto* rls = sub(records, "ls", "list a zone's records");
  rls->add_option("ZONE", a.zone, "zone name")->required();
  auto* ls_name = rls->add_option("--name", a.name, "only records with this name");
  auto* ls_type = rls->add_option("--type", a.type, "only records of this type");
  rls->callback([&, ls_name, ls_type] {
    a.o_name = ls_name;
    a.o_type = ls_type;
    action = [&] { return cmd_records_ls(ctl, a); };
  });
  auto* radd = sub(records, "add", "add a record");
  radd->add_option("ZONE", a.zone, "zone name")->required();
  radd->add_option("NAME", a.name, "record name relative to the zone (@ for the apex)")->required();
  radd->add_option("TYPE", a.type, "A, AAAA, CNAME, NS, ...")->required();
  radd->add_option("VALUE", a.value, "the record's value")->required();
  auto* add_ttl = radd->add_option("--ttl", a.ttl, "TTL in seconds (default 300)");
  radd->add_flag("--wait", a.wait, "return once every frontend serves the change (write-and-wait)");
  radd->callback([&, add_ttl] {
    a.o_ttl = add_ttl;
    action = [&] { return cmd_records_add(ctl, a); };
  });
  auto* rupdate = sub(records, "update", "change a record; fields not given keep their value");
  rupdate->add_option("ZONE", a.zone, "zone name")->required();
  rupdate->add_option("ID", a.id, "record ID (see records ls)")->required();
  auto* u_name = rupdate->add_option("--name", a.name, "new name");
  auto* u_type = rupdate->add_option("--type", a.type, "new type");
  auto* u_value = rupdate->add_option("--value", a.value, "new value");
  auto* u_ttl = rupdate->add_option("--ttl", a.ttl, "new TTL");
  rupdate->add_flag("--wait", a.wait, "return once every frontend serves the change (write-and-wait)");
  rupdate->callback([&, u_name, u_type, u_value, u_ttl] {
    a.o_name = u_name;
    a.o_type = u_type;
    a.o_value = u_value;
    a.o_ttl = u_ttl;
    action = [&] { return cmd_records_update(ctl, a); };
  });
  auto* rrm = sub(records, "rm", "delete a record by ID, or every record NAME TYPE [VALUE]");
  rrm->add_option("ZONE", a.zone, "zone name")->required();
  rrm->add_option("ARGS", a.rm_args, "ID | NAME TYPE [VALUE]")->required()->expected(1, 3);
  rrm->add_flag("--wait", a.wait, "return once every frontend serves the change (write-and-wait)");
  rrm->callback([&] { action = [&] { return cmd_records_rm(ctl, a); }; });

  auto* apply = sub(&app, "apply", "apply a batch of changes, all or nothing (JSON as the REST body {\"ops\":[...]})");
  apply->add_option("ZONE", a.zone, "zone name")->required();
  apply->add_option("FILE", a.file, "JSON file with the ops")->required();
  apply->add_flag("--wait", a.wait, "return once every frontend serves the change (write-and-wait)");
  apply->callback([&] { action = [&] { return cmd_apply(ctl, a); }; });

  auto* hist = sub(&app, "history", "list a zone's changes, oldest first, with who made them and how");
  hist->add_option("ZONE", a.zone, "zone name")->required();
  auto* h_after = hist->add_option("--after-serial", a.after_serial, "only changes after this serial");
  auto* h_limit = hist->add_option("--limit", a.limit, "at most this many");
  hist->callback([&, h_after, h_limit] {
    a.o_after_serial = h_after;
    a.o_limit = h_limit;
    action = [&] { return cmd_history(ctl, a); };
  });

  auto* rb = sub(&app, "rollback", "make the zone's records what they were at SERIAL, as one new change (admin)");
  rb->add_option("ZONE", a.zone, "zone name")->required();
  rb->add_option("SERIAL", a.serial, "a serial from the zone's history")->required();
  rb->add_flag("--wait", a.wait, "return once every frontend serves the change (write-and-wait)");
  rb->callback([&] { action = [&] { return cmd_rollback(ctl, a); }; });

  auto* imp = sub(&app, "import", "replace a zone's records with an RFC 1035 zone file (admin)");
  imp->add_option("ZONE", a.zone, "zone name")->required();
  imp->add_option("FILE", a.file, "zone file (must have an SOA)")->required();
  imp->callback([&] { action = [&] { return cmd_import(ctl, a); }; });

  auto* exp = sub(&app, "export", "write a zone as an RFC 1035 zone file (SOA first, sorted)");
  exp->add_option("ZONE", a.zone, "zone name")->required();
  exp->add_option("--out", a.out, "file to write (default: standard output)");
  exp->callback([&] { action = [&] { return cmd_export(ctl, a); }; });

  sub(&app, "version", "print mcnsctl's version")->callback([&] {
    action = [&]() -> Result {
      std::cout << "mcnsctl " << version() << '\n';
      return std::nullopt;
    };
  });

  auto* watch = sub(&app, "watch", "print each change as it is committed");
  watch->add_option("ZONE", a.zone, "only this zone");
  watch->callback([&] { action = [&] { return cmd_watch(ctl, a); }; });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "mcnsctl: " << e.what() << "\nRun 'mcnsctl --help' (or 'mcnsctl COMMAND --help') for usage.\n";
    return kExitUsage;
  }
  if (!action) {
    std::cerr << "mcnsctl: no command; run 'mcnsctl --help'\n";
    return kExitUsage;
  }
  if (auto f = (app.got_subcommand("version") ? std::nullopt : ctl.connect())) {
    std::cerr << "mcnsctl: " << f->message << '\n';
    return f->code;
  }
  Result r;
  try {
    r = action();
  } catch (const std::exception& e) {  // a bug; still one line and a code
    r = Failure{kExitFailed, str_cat("internal error: ", e.what())};
  }
  if (!r) return kExitOk;
  std::cerr << "mcnsctl: " << r->message << '\n';
  return r->code;
}

}  // namespace mcns::mcnsctl
