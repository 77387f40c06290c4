#pragma once
// gRPC helpers for tests: a TLS channel trusting the test CA, and per-call contexts
// carrying a bearer token and a deadline.
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

namespace mcns::test {

// `target`: "localhost:PORT" (the server certificate names localhost).
std::shared_ptr<grpc::Channel> tls_channel(const std::string& target, const std::string& ca_cert);

// A context with `authorization: Bearer <token>` (none when empty) and a 20 s deadline.
std::unique_ptr<grpc::ClientContext> call_context(const std::string& token = "");

}  // namespace mcns::test
