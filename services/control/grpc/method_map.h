#pragma once
// Every gRPC method the control serves, with its access level (public / authenticated /
// admin). The edge (auth_processor.cpp) looks every call up here BEFORE any handler runs;
// a method that is not listed is denied (PERMISSION_DENIED), so a service registered
// later cannot be reachable by accident. method_map_test checks that every method of
// every mcns.v1 service is listed.
//
// NOTE: the namespace is `grpcapi`, not `grpc`: a namespace mcns::control::grpc would
// shadow ::grpc for every `grpc::` written anywhere inside mcns::control.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/control/auth/access.h"

namespace mcns::control::grpcapi {

struct MethodAccess {
  std::string method;  // "/mcns.v1.ZoneService/ListZones"
  auth::Access access;
};

class MethodMap {
 public:
  explicit MethodMap(std::vector<MethodAccess> methods) : methods_(std::move(methods)) {}
  // The control's map (SPEC section 7).
  static const MethodMap& standard();

  // nullopt: unmapped, deny.
  std::optional<auth::Access> find(std::string_view method) const;
  const std::vector<MethodAccess>& methods() const noexcept { return methods_; }

 private:
  std::vector<MethodAccess> methods_;
};

}  // namespace mcns::control::grpcapi
