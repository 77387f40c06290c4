#include "common/grpcutil/grpcutil.h"

#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>

#include "common/base/strings.h"
#include "mcns/v1/admin.grpc.pb.h"

namespace mcns::grpcutil {
namespace {

namespace fs = std::filesystem;

class HealthImpl final : public mcns::v1::AdminService::Service {
  grpc::Status Health(grpc::ServerContext*, const mcns::v1::HealthRequest*, mcns::v1::HealthResponse* out) override {
    out->set_status("ok");
    return grpc::Status::OK;
  }
};

// A self-signed certificate for 127.0.0.1/localhost, made once per test binary.
const fs::path& cert_dir() {
  static fs::path dir = [] {
    fs::path d = fs::path(testing::TempDir()) / "grpcutil_test_certs";
    fs::create_directories(d);
    std::string cmd = str_cat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost",
                              " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ", (d / "key.pem").string(),
                              " -out ", (d / "cert.pem").string(), " >/dev/null 2>&1");
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "openssl failed";
    return d;
  }();
  return dir;
}

TEST(GrpcUtilTest, StatusRoundTrip) {
  Status s = already_exists("CNAME conflict");
  grpc::Status g = to_grpc(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(g.error_message(), "CNAME conflict");
  EXPECT_EQ(from_grpc(g), s);
  EXPECT_TRUE(to_grpc(ok_status()).ok());
  EXPECT_EQ(to_grpc(unauthenticated("x")).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST(GrpcUtilTest, DatabaseDetailStaysInTheProcess) {
  grpc::Status busy = to_grpc(unavailable("database unavailable (BEGIN IMMEDIATE): database is locked"));
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(busy.error_message(), "database unavailable");
  grpc::Status internal = to_grpc(internal_error("database error (SELECT 1): disk image is malformed"));
  EXPECT_EQ(internal.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(internal.error_message(), "internal error");
}

TEST(GrpcUtilTest, MissingFilesAreNamed) {
  auto creds = server_credentials("/nonexistent/cert.pem", "/nonexistent/key.pem");
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().code(), StatusCode::kNotFound);
  EXPECT_NE(creds.status().message().find("/nonexistent/cert.pem"), std::string::npos);
}

TEST(GrpcUtilTest, Tls13PolicyIsActive) { EXPECT_TRUE(tls13_policy_active()); }

TEST(GrpcUtilTest, ServesTls13AndRefusesTls12) {
  auto creds = server_credentials((cert_dir() / "cert.pem").string(), (cert_dir() / "key.pem").string());
  ASSERT_TRUE(creds.ok()) << creds.status();
  HealthImpl service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", *creds, &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_TRUE(server);
  ASSERT_GT(port, 0);

  auto channel_creds = channel_credentials((cert_dir() / "cert.pem").string());
  ASSERT_TRUE(channel_creds.ok());
  auto stub = mcns::v1::AdminService::NewStub(grpc::CreateChannel(str_cat("127.0.0.1:", port), *channel_creds));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  mcns::v1::HealthResponse resp;
  ASSERT_TRUE(stub->Health(&ctx, {}, &resp).ok());
  EXPECT_EQ(resp.status(), "ok");

  auto s_client = [&](const char* version) {
    std::string cmd = str_cat("timeout 10 openssl s_client ", version, " -connect 127.0.0.1:", port,
                              " -alpn h2 </dev/null >/dev/null 2>&1");
    return std::system(cmd.c_str());
  };
  EXPECT_NE(s_client("-tls1_2"), 0) << "a TLS 1.2-only client must be refused";
  EXPECT_EQ(s_client("-tls1_3"), 0) << "TLS 1.3 must work";
  server->Shutdown();
}

}  // namespace
}  // namespace mcns::grpcutil
