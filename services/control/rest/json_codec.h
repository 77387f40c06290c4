#pragma once
// REST JSON (SPEC section 7). Request keys are snake_case and matched
// case-insensitively (as Go's encoding/json did in the original MCNS); unknown keys are
// ignored and null means absent. A body that is not a JSON object, or a field of the
// wrong JSON type, is INVALID_ARGUMENT with a message naming the field. Responses use
// the original service's capitalised keys, which MCP parses. nlohmann/json stays in
// json_codec.cpp.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "services/control/auth/authenticator.h"
#include "services/control/domain/model.h"

namespace mcns::control::rest {

StatusOr<domain::CreateZone> decode_create_zone(std::string_view body);
// The SOA fields of PUT /v1/zones/{zone} (the zone comes from the path).
StatusOr<domain::SoaFields> decode_update_zone(std::string_view body);
StatusOr<domain::RecordFields> decode_record(std::string_view body);
StatusOr<auth::LoginRequest> decode_login(std::string_view body);
// POST /v1/zones/{zone}/changes: {"ops":[...]} (SPEC 14 "Batches"); the zone and the
// expected serial come from the path and If-Match.
StatusOr<domain::ChangeRequest> decode_change_request(std::string_view body);
// POST /v1/zones/{zone}/rollback: {"to_serial": N}.
StatusOr<std::uint32_t> decode_rollback(std::string_view body);

std::string encode_zone(const domain::Zone& zone);
std::string encode_zones(const std::vector<domain::Zone>& zones);  // {"zones":[...]}
std::string encode_record(const domain::Record& record);
std::string encode_records(const std::vector<domain::Record>& records);  // {"records":[...]}
std::string encode_change(const domain::Change& change);                // {"Version","Serial",...,"Ops"}
std::string encode_changes(const std::vector<domain::Change>& changes);  // {"changes":[...]}
std::string encode_login(const auth::LoginResult& result);  // {"token","expires_at"}
std::string encode_error(std::string_view message);          // {"error": "..."}
std::string encode_status(std::string_view status);          // {"status": "..."}

}  // namespace mcns::control::rest
