#include "tests/integration/api/api_client.h"

#include <limits>

#include "common/grpcutil/grpcutil.h"
#include "mcns/v1/admin.grpc.pb.h"
#include "mcns/v1/auth.grpc.pb.h"
#include "mcns/v1/record.grpc.pb.h"
#include "mcns/v1/zone.grpc.pb.h"
#include "services/control/auth/rfc3339.h"
#include "tests/integration/harness/grpc_client.h"
#include "tests/integration/harness/rest_client.h"

namespace mcns::test {

using json = nlohmann::json;

StatusCode code_of_http(int status) {
  if (status >= 200 && status < 300) return StatusCode::kOk;
  switch (status) {
    case 400: return StatusCode::kInvalidArgument;
    case 401: return StatusCode::kUnauthenticated;
    case 403: return StatusCode::kPermissionDenied;
    case 404: return StatusCode::kNotFound;
    case 409: return StatusCode::kAlreadyExists;
    case 412: return StatusCode::kFailedPrecondition;
    case 413: return StatusCode::kResourceExhausted;
    case 501: return StatusCode::kUnimplemented;
    case 503: return StatusCode::kUnavailable;
    default: return StatusCode::kUnknown;
  }
}

namespace {

std::int64_t unix_of(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return -1;
  auto t = control::auth::parse_rfc3339(j[key].get<std::string>());
  return t ? t->time_since_epoch().count() : -1;
}

ZoneView zone_of(const json& j) {
  ZoneView z;
  z.id = j.value("ID", 0);
  z.name = j.value("Name", "");
  z.primary_ns = j.value("PrimaryNS", "");
  z.admin_email = j.value("AdminEmail", "");
  z.refresh = j.value("Refresh", 0);
  z.retry = j.value("Retry", 0);
  z.expire = j.value("Expire", 0);
  z.minimum_ttl = j.value("MinimumTTL", 0);
  z.serial = j.value("Serial", std::int64_t{0});
  z.created_at = unix_of(j, "CreatedAt");
  z.updated_at = unix_of(j, "UpdatedAt");
  return z;
}

RecordView record_of(const json& j) {
  RecordView r;
  r.id = j.value("ID", 0);
  r.zone_id = j.value("ZoneID", 0);
  r.name = j.value("Name", "");
  r.type = j.value("Type", "");
  r.value = j.value("Value", "");
  r.ttl = j.value("TTL", 0);
  r.created_at = unix_of(j, "CreatedAt");
  r.updated_at = unix_of(j, "UpdatedAt");
  return r;
}

json zone_body(const ZoneInput& in, bool with_name) {
  json j = json::object();
  if (with_name) j["name"] = in.name;
  if (in.primary_ns) j["primary_ns"] = *in.primary_ns;
  if (in.admin_email) j["admin_email"] = *in.admin_email;
  if (in.refresh) j["refresh"] = *in.refresh;
  if (in.retry) j["retry"] = *in.retry;
  if (in.expire) j["expire"] = *in.expire;
  if (in.minimum_ttl) j["minimum_ttl"] = *in.minimum_ttl;
  return j;
}

json record_body(const RecordInput& in) {
  json j = {{"name", in.name}, {"type", in.type}, {"value", in.value}};
  if (in.ttl) j["ttl"] = *in.ttl;
  return j;
}

std::string escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '@') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class RestApi final : public ApiClient {
 public:
  RestApi(const std::string& url, const std::string& ca) : client_(url, ca) {}
  std::string surface() const override { return "rest"; }

  template <typename T, typename F>
  Outcome<T> run(const RestReply& r, F&& decode) {
    Outcome<T> out;
    out.http = r.status;
    out.code = code_of_http(r.status);
    if (r.status == 0) out.message = r.error;
    if (out.code != StatusCode::kOk) {
      out.message = r.error_message();
      return out;
    }
    out.value = decode(r);
    return out;
  }
  Outcome<Empty> empty(const RestReply& r) {
    return run<Empty>(r, [](const RestReply&) { return Empty{}; });
  }

  Outcome<std::string> health(const std::string& token) override {
    return run<std::string>(client_.get("/v1/health", token), [](const RestReply& r) { return r.json().value("status", ""); });
  }
  Outcome<std::string> login(const std::string& user, const std::string& password, const std::string& totp) override {
    json body = {{"username", user}, {"password", password}};
    if (!totp.empty()) body["totp_code"] = totp;
    return run<std::string>(client_.post("/v1/auth/login", body), [](const RestReply& r) { return r.json().value("token", ""); });
  }
  Outcome<Empty> logout(const std::string& token) override { return empty(client_.send("POST", "/v1/auth/logout", token)); }
  Outcome<std::vector<ZoneView>> list_zones(const std::string& token) override {
    return run<std::vector<ZoneView>>(client_.get("/v1/zones", token), [](const RestReply& r) {
      std::vector<ZoneView> out;
      const json doc = r.json();  // not `: r.json()[...]`: the temporary would die before the loop
      for (const auto& z : doc["zones"]) out.push_back(zone_of(z));
      return out;
    });
  }
  Outcome<ZoneView> get_zone(const std::string& token, const std::string& zone) override {
    return run<ZoneView>(client_.get("/v1/zones/" + escape(zone), token), [](const RestReply& r) { return zone_of(r.json()); });
  }
  Outcome<ZoneView> create_zone(const std::string& token, const ZoneInput& in) override {
    return run<ZoneView>(client_.post("/v1/zones", zone_body(in, true), token),
                         [](const RestReply& r) { return zone_of(r.json()); });
  }
  Outcome<ZoneView> update_zone(const std::string& token, const ZoneInput& in) override {
    return run<ZoneView>(client_.put("/v1/zones/" + escape(in.name), zone_body(in, false), token),
                         [](const RestReply& r) { return zone_of(r.json()); });
  }
  Outcome<Empty> delete_zone(const std::string& token, const std::string& zone) override {
    return empty(client_.del("/v1/zones/" + escape(zone), token));
  }
  Outcome<std::vector<RecordView>> list_records(const std::string& token, const std::string& zone,
                                                std::optional<std::string> name,
                                                std::optional<std::string> type) override {
    std::string target = "/v1/zones/" + escape(zone) + "/records";
    std::string sep = "?";
    if (name) target += sep + "name=" + escape(*name), sep = "&";
    if (type) target += sep + "type=" + escape(*type);
    return run<std::vector<RecordView>>(client_.get(target, token), [](const RestReply& r) {
      std::vector<RecordView> out;
      const json doc = r.json();
      for (const auto& x : doc["records"]) out.push_back(record_of(x));
      return out;
    });
  }
  Outcome<RecordView> get_record(const std::string& token, const std::string& zone, std::int64_t id) override {
    return run<RecordView>(client_.get("/v1/zones/" + escape(zone) + "/records/" + std::to_string(id), token),
                           [](const RestReply& r) { return record_of(r.json()); });
  }
  Outcome<RecordView> create_record(const std::string& token, const std::string& zone, const RecordInput& in) override {
    return run<RecordView>(client_.post("/v1/zones/" + escape(zone) + "/records", record_body(in), token),
                           [](const RestReply& r) { return record_of(r.json()); });
  }
  Outcome<RecordView> update_record(const std::string& token, const std::string& zone, std::int64_t id,
                                    const RecordInput& in) override {
    return run<RecordView>(
        client_.put("/v1/zones/" + escape(zone) + "/records/" + std::to_string(id), record_body(in), token),
        [](const RestReply& r) { return record_of(r.json()); });
  }
  Outcome<Empty> delete_record(const std::string& token, const std::string& zone, std::int64_t id) override {
    return empty(client_.del("/v1/zones/" + escape(zone) + "/records/" + std::to_string(id), token));
  }

 private:
  RestClient client_;
};

ZoneView zone_of(const v1::Zone& z) {
  return ZoneView{z.id(), z.name(), z.primary_ns(), z.admin_email(), z.refresh(), z.retry(), z.expire(),
                  z.minimum_ttl(), z.serial(), z.created_at().seconds(), z.updated_at().seconds()};
}

RecordView record_of(const v1::Record& r) {
  return RecordView{r.id(), r.zone_id(), r.name(), r.type(), r.value(), r.ttl(),
                    r.created_at().seconds(), r.updated_at().seconds()};
}

template <typename Req>
bool fill_soa(const ZoneInput& in, Req& req) {
  auto u32 = [](std::int64_t v) { return v >= 0 && v <= std::numeric_limits<std::uint32_t>::max(); };
  if (in.primary_ns) req.set_primary_ns(*in.primary_ns);
  if (in.admin_email) req.set_admin_email(*in.admin_email);
  for (auto [field, setter] : {std::pair{&in.refresh, &Req::set_refresh}, std::pair{&in.retry, &Req::set_retry},
                               std::pair{&in.expire, &Req::set_expire}, std::pair{&in.minimum_ttl, &Req::set_minimum_ttl}}) {
    if (!*field) continue;
    if (!u32(**field)) return false;
    (req.*setter)(static_cast<std::uint32_t>(**field));
  }
  return true;
}

template <typename Req>
bool fill_record(const RecordInput& in, Req& req) {
  req.set_name(in.name);
  req.set_type(in.type);
  req.set_value(in.value);
  if (in.ttl) {
    if (*in.ttl < 0 || *in.ttl > std::numeric_limits<std::uint32_t>::max()) return false;
    req.set_ttl(static_cast<std::uint32_t>(*in.ttl));
  }
  return true;
}

class GrpcApi final : public ApiClient {
 public:
  GrpcApi(const std::string& target, const std::string& ca)
      : channel_(tls_channel(target, ca)),
        admin_(v1::AdminService::NewStub(channel_)),
        auth_(v1::AuthService::NewStub(channel_)),
        zones_(v1::ZoneService::NewStub(channel_)),
        records_(v1::RecordService::NewStub(channel_)) {}
  std::string surface() const override { return "grpc"; }

  template <typename T>
  static Outcome<T> result(const ::grpc::Status& s, T value) {
    Outcome<T> out;
    out.code = static_cast<StatusCode>(s.error_code());
    if (!s.ok()) {
      out.message = s.error_message();
      return out;
    }
    out.value = std::move(value);
    return out;
  }
  template <typename T>
  static Outcome<T> unrepresentable() {
    Outcome<T> out;
    out.code = StatusCode::kOutOfRange;
    out.message = "not representable in the gRPC request";
    return out;
  }

  Outcome<std::string> health(const std::string& token) override {
    v1::HealthResponse res;
    auto s = admin_->Health(call_context(token).get(), {}, &res);
    return result(s, res.status());
  }
  Outcome<std::string> login(const std::string& user, const std::string& password, const std::string& totp) override {
    v1::LoginRequest req;
    req.set_username(user);
    req.set_password(password);
    req.set_totp_code(totp);
    v1::LoginResponse res;
    auto s = auth_->Login(call_context().get(), req, &res);
    return result(s, res.token());
  }
  Outcome<Empty> logout(const std::string& token) override {
    v1::LogoutResponse res;
    return result(auth_->Logout(call_context(token).get(), {}, &res), Empty{});
  }
  Outcome<std::vector<ZoneView>> list_zones(const std::string& token) override {
    v1::ListZonesResponse res;
    auto s = zones_->ListZones(call_context(token).get(), {}, &res);
    std::vector<ZoneView> out;
    for (const auto& z : res.zones()) out.push_back(zone_of(z));
    return result(s, out);
  }
  Outcome<ZoneView> get_zone(const std::string& token, const std::string& zone) override {
    v1::GetZoneRequest req;
    req.set_zone(zone);
    v1::Zone res;
    auto s = zones_->GetZone(call_context(token).get(), req, &res);
    return result(s, zone_of(res));
  }
  Outcome<ZoneView> create_zone(const std::string& token, const ZoneInput& in) override {
    v1::CreateZoneRequest req;
    req.set_name(in.name);
    if (!fill_soa(in, req)) return unrepresentable<ZoneView>();
    v1::Zone res;
    auto s = zones_->CreateZone(call_context(token).get(), req, &res);
    return result(s, zone_of(res));
  }
  Outcome<ZoneView> update_zone(const std::string& token, const ZoneInput& in) override {
    v1::UpdateZoneRequest req;
    req.set_zone(in.name);
    if (!fill_soa(in, req)) return unrepresentable<ZoneView>();
    v1::Zone res;
    auto s = zones_->UpdateZone(call_context(token).get(), req, &res);
    return result(s, zone_of(res));
  }
  Outcome<Empty> delete_zone(const std::string& token, const std::string& zone) override {
    v1::DeleteZoneRequest req;
    req.set_zone(zone);
    v1::DeleteZoneResponse res;
    return result(zones_->DeleteZone(call_context(token).get(), req, &res), Empty{});
  }
  Outcome<std::vector<RecordView>> list_records(const std::string& token, const std::string& zone,
                                                std::optional<std::string> name,
                                                std::optional<std::string> type) override {
    v1::ListRecordsRequest req;
    req.set_zone(zone);
    if (name) req.set_name(*name);
    if (type) req.set_type(*type);
    v1::ListRecordsResponse res;
    auto s = records_->ListRecords(call_context(token).get(), req, &res);
    std::vector<RecordView> out;
    for (const auto& r : res.records()) out.push_back(record_of(r));
    return result(s, out);
  }
  Outcome<RecordView> get_record(const std::string& token, const std::string& zone, std::int64_t id) override {
    v1::GetRecordRequest req;
    req.set_zone(zone);
    req.set_id(id);
    v1::Record res;
    auto s = records_->GetRecord(call_context(token).get(), req, &res);
    return result(s, record_of(res));
  }
  Outcome<RecordView> create_record(const std::string& token, const std::string& zone, const RecordInput& in) override {
    v1::CreateRecordRequest req;
    req.set_zone(zone);
    if (!fill_record(in, req)) return unrepresentable<RecordView>();
    v1::Record res;
    auto s = records_->CreateRecord(call_context(token).get(), req, &res);
    return result(s, record_of(res));
  }
  Outcome<RecordView> update_record(const std::string& token, const std::string& zone, std::int64_t id,
                                    const RecordInput& in) override {
    v1::UpdateRecordRequest req;
    req.set_zone(zone);
    req.set_id(id);
    if (!fill_record(in, req)) return unrepresentable<RecordView>();
    v1::Record res;
    auto s = records_->UpdateRecord(call_context(token).get(), req, &res);
    return result(s, record_of(res));
  }
  Outcome<Empty> delete_record(const std::string& token, const std::string& zone, std::int64_t id) override {
    v1::DeleteRecordRequest req;
    req.set_zone(zone);
    req.set_id(id);
    v1::DeleteRecordResponse res;
    return result(records_->DeleteRecord(call_context(token).get(), req, &res), Empty{});
  }

 private:
  std::shared_ptr<::grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::AuthService::Stub> auth_;
  std::unique_ptr<v1::ZoneService::Stub> zones_;
  std::unique_ptr<v1::RecordService::Stub> records_;
};

}  // namespace

std::unique_ptr<ApiClient> make_rest_client(const std::string& url, const std::string& ca_cert) {
  return std::make_unique<RestApi>(url, ca_cert);
}
std::unique_ptr<ApiClient> make_grpc_client(const std::string& target, const std::string& ca_cert) {
  return std::make_unique<GrpcApi>(target, ca_cert);
}

}  // namespace mcns::test
