#pragma once
// One client interface over both API surfaces, so that a test can run the same steps over
// REST and over gRPC and compare the outcomes: every answer is reduced to the canonical
// status code, the error message and the entity in a common form.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace mcns::test {

struct ZoneView {
  std::int64_t id = 0;
  std::string name, primary_ns, admin_email;
  std::int64_t refresh = 0, retry = 0, expire = 0, minimum_ttl = 0, serial = 0;
  std::int64_t created_at = 0, updated_at = 0;  // Unix seconds
};

struct RecordView {
  std::int64_t id = 0, zone_id = 0;
  std::string name, type, value;
  std::int64_t ttl = 0;
  std::int64_t created_at = 0, updated_at = 0;
};

struct ZoneInput {
  std::string name{};
  std::optional<std::string> primary_ns{}, admin_email{};
  std::optional<std::int64_t> refresh{}, retry{}, expire{}, minimum_ttl{};
};

struct RecordInput {
  std::string name{}, type{}, value{};
  std::optional<std::int64_t> ttl{};
};

template <typename T>
struct Outcome {
  StatusCode code = StatusCode::kUnknown;
  std::string message;  // the error text ("" on success)
  int http = 0;         // REST only: the HTTP status
  std::optional<T> value;
};

struct Empty {};

class ApiClient {
 public:
  virtual ~ApiClient() = default;
  virtual std::string surface() const = 0;  // "rest" | "grpc"

  virtual Outcome<std::string> health(const std::string& token) = 0;
  virtual Outcome<std::string> login(const std::string& user, const std::string& password,
                                     const std::string& totp = "") = 0;  // value: token
  virtual Outcome<Empty> logout(const std::string& token) = 0;
  virtual Outcome<std::vector<ZoneView>> list_zones(const std::string& token) = 0;
  virtual Outcome<ZoneView> get_zone(const std::string& token, const std::string& zone) = 0;
  virtual Outcome<ZoneView> create_zone(const std::string& token, const ZoneInput& in) = 0;
  virtual Outcome<ZoneView> update_zone(const std::string& token, const ZoneInput& in) = 0;  // in.name: the zone
  virtual Outcome<Empty> delete_zone(const std::string& token, const std::string& zone) = 0;
  virtual Outcome<std::vector<RecordView>> list_records(const std::string& token, const std::string& zone,
                                                        std::optional<std::string> name = std::nullopt,
                                                        std::optional<std::string> type = std::nullopt) = 0;
  virtual Outcome<RecordView> get_record(const std::string& token, const std::string& zone, std::int64_t id) = 0;
  virtual Outcome<RecordView> create_record(const std::string& token, const std::string& zone,
                                            const RecordInput& in) = 0;
  virtual Outcome<RecordView> update_record(const std::string& token, const std::string& zone, std::int64_t id,
                                            const RecordInput& in) = 0;
  virtual Outcome<Empty> delete_record(const std::string& token, const std::string& zone, std::int64_t id) = 0;
};

// REST over one kept-alive HTTPS connection; `url`: https://localhost:PORT.
std::unique_ptr<ApiClient> make_rest_client(const std::string& url, const std::string& ca_cert);
// gRPC over one TLS channel; `target`: localhost:PORT.
std::unique_ptr<ApiClient> make_grpc_client(const std::string& target, const std::string& ca_cert);

// The canonical code of an HTTP status as the API uses them (2xx: OK).
StatusCode code_of_http(int status);

}  // namespace mcns::test
