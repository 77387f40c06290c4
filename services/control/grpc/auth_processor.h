#pragma once
// The gRPC edge: an AuthMetadataProcessor that runs for EVERY call before any handler
// (and before the server even looks for the method): it looks the call's :path up in the
// method map, denies an unmapped method, and for authenticated methods requires one
// well-formed `authorization: Bearer` value (no identity provider is asked here).
//
// The caller is then established ONCE, by the handler, with caller() from the call's own
// token: the processor cannot hand a Principal to the handler, because properties it
// adds to the AuthContext belong to the CONNECTION in gRPC 1.51, so a second call on the
// same channel would see the first caller's identity. What the caller may do is decided
// by the domain service alone.
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>

#include <grpcpp/security/auth_metadata_processor.h>
#include <grpcpp/server_context.h>

#include "common/base/status.h"
#include "services/control/auth/authenticator.h"
#include "services/control/grpc/method_map.h"

namespace mcns::control::grpcapi {

using CallHook = std::function<void(std::string_view method, StatusCode code, std::chrono::duration<double> elapsed)>;

// `map` must outlive the server. `on_refused` sees calls refused here.
std::shared_ptr<::grpc::AuthMetadataProcessor> make_auth_processor(const MethodMap& map, CallHook on_refused);

// The caller of an authenticated call, from the call's own bearer token:
// UNAUTHENTICATED without a valid token, UNAVAILABLE when the identity provider cannot be
// asked. The edge has already refused such calls; this is what names the caller.
StatusOr<auth::Principal> caller(const ::grpc::ServerContextBase& context, auth::Authenticator& authenticator);

// The bearer token of the call (Logout forwards it), empty when none.
std::string bearer_of(const ::grpc::ServerContextBase& context);

}  // namespace mcns::control::grpcapi
