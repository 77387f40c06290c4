#include "tests/integration/harness/grpc_client.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/grpcutil/grpcutil.h"

namespace mcns::test {

std::shared_ptr<grpc::Channel> tls_channel(const std::string& target, const std::string& ca_cert) {
  auto creds = grpcutil::channel_credentials(ca_cert);
  if (!creds.ok()) {
    std::fprintf(stderr, "tls_channel: %s\n", creds.status().to_string().c_str());
    std::abort();
  }
  // "localhost:PORT" is dialled as 127.0.0.1 with "localhost" as the name the server
  // certificate must carry: no name resolution (c-ares) in tests, same verification.
  constexpr std::string_view kLocal = "localhost:";
  if (std::string_view(target).starts_with(kLocal)) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    return grpc::CreateCustomChannel("127.0.0.1:" + target.substr(kLocal.size()), *creds, args);
  }
  return grpc::CreateChannel(target, *creds);
}

std::unique_ptr<grpc::ClientContext> call_context(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return ctx;
}

}  // namespace mcns::test
