#include "services/control/grpc/auth_processor.h"

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/grpcutil/grpcutil.h"
#include "services/control/auth/access.h"

namespace mcns::control::grpcapi {

namespace {

std::string_view sv(const ::grpc::string_ref& r) { return {r.data(), r.size()}; }

class EdgeProcessor final : public ::grpc::AuthMetadataProcessor {
 public:
  EdgeProcessor(const MethodMap& map, CallHook on_refused) : map_(map), on_refused_(std::move(on_refused)) {}

  // Only a map lookup and a syntax check: cheap enough for gRPC's transport threads.
  bool IsBlocking() const override { return false; }

  ::grpc::Status Process(const InputMetadata& metadata, ::grpc::AuthContext*, OutputMetadata*,
                         OutputMetadata*) override {
    auto started = std::chrono::steady_clock::now();
    std::string_view method;
    std::optional<std::string_view> authorization;
    int authorizations = 0;
    for (const auto& [key, value] : metadata) {
      if (sv(key) == ":path") {
        method = sv(value);
      } else if (sv(key) == "authorization") {
        authorization = sv(value);
        ++authorizations;
      }
    }
    Status status;
    try {
      // One value: with several, the edge and the handler could each pick another caller.
      status = authorizations > 1 ? unauthenticated("several authorization values") : decide(method, authorization);
    } catch (const std::exception& e) {
      // gRPC would abort the process on an exception escaping a processor.
      log::error("grpc: authentication failed: ", e.what());
      status = unavailable("authentication failed");
    }
    // Unmapped names come from the client: one metrics series each would let a caller
    // grow memory without bound, so they share one label.
    if (!status.ok() && on_refused_)
      on_refused_(map_.find(method) ? method : std::string_view("unmapped"), status.code(),
                  std::chrono::steady_clock::now() - started);
    return grpcutil::to_grpc(status);
  }

 private:
  Status decide(std::string_view method, std::optional<std::string_view> authorization) {
    auto access = map_.find(method);
    if (!access) {
      log::warn("grpc: denied unmapped method ", method);
      return permission_denied(str_cat("method ", method, " is not available"));
    }
    // Authenticated methods: a well-formed token must be there. Who the caller is, is
    // established once, by the handler (caller()), and what it may do by the domain.
    if (*access == auth::Access::kPublic) return ok_status();
    return auth::well_formed_bearer(authorization.value_or("")).status();
  }

  const MethodMap& map_;
  CallHook on_refused_;
};

}  // namespace

std::shared_ptr<::grpc::AuthMetadataProcessor> make_auth_processor(const MethodMap& map, CallHook on_refused) {
  return std::make_shared<EdgeProcessor>(map, std::move(on_refused));
}

StatusOr<auth::Principal> caller(const ::grpc::ServerContextBase& context, auth::Authenticator& authenticator) {
  const auto& md = context.client_metadata();
  if (md.count("authorization") > 1) return unauthenticated("several authorization values");
  auto it = md.find("authorization");
  MCNS_ASSIGN_OR_RETURN(auth::Principal who,
                        auth::authenticate_header(authenticator, it == md.end() ? std::string_view() : sv(it->second)));
  who.via = "grpc";
  return who;
}

std::string bearer_of(const ::grpc::ServerContextBase& context) {
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return "";
  return std::string(auth::bearer_token(sv(it->second)));
}

}  // namespace mcns::control::grpcapi
