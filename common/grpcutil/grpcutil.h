#pragma once
// gRPC glue shared by both services: status mapping and TLS credentials.
#include <memory>
#include <string>

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/support/status.h>

#include "common/base/status.h"

namespace mcns::grpcutil {

// The one mapping between mcns::Status and grpc::Status (same canonical codes). to_grpc
// is the gRPC edge: the message is what mcns::client_facing() lets a client see (a
// database failure is "database unavailable", an internal one "internal error").
grpc::Status to_grpc(const Status& status);
Status from_grpc(const grpc::Status& status);

// Server credentials from PEM files. TLS 1.3 is enforced process-wide (tls13_policy.cpp).
StatusOr<std::shared_ptr<grpc::ServerCredentials>> server_credentials(const std::string& cert_path,
                                                                      const std::string& key_path);
// Channel credentials trusting `ca_cert_path` (empty: the system roots).
StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel_credentials(const std::string& ca_cert_path);

// Reads a whole file (PEM, token); NOT_FOUND/PERMISSION_DENIED/... naming the path.
StatusOr<std::string> read_file(const std::string& path);

// True when the process-wide TLS 1.3 floor is linked in and active (see tls13_policy.cpp).
bool tls13_policy_active() noexcept;

}  // namespace mcns::grpcutil
