// The running control as an operator sees it: TLS 1.3 only on both ports, metrics,
// SIGTERM drains and exits 0, reflection, and local-token mode with SIGHUP reloads.
#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>

#include <signal.h>

#include <cstdlib>

#include "common/base/strings.h"
#include "tests/integration/api/api_fixture.h"
#include "tests/integration/harness/grpc_client.h"
#include "tests/integration/harness/local_tokens.h"
#include "tests/integration/harness/rest_client.h"

namespace mcns::test {
namespace {

int s_client(std::uint16_t port, const char* version, const char* extra = "") {
  std::string cmd = str_cat("timeout 10 openssl s_client ", version, " ", extra, " -connect 127.0.0.1:", port,
                            " </dev/null >/dev/null 2>&1");
  return std::system(cmd.c_str());
}

class ServerTest : public ApiTest {};

TEST_F(ServerTest, Tls12ClientsAreRefusedOnBothPorts) {
  EXPECT_NE(s_client(control_->rest_port(), "-tls1_2"), 0) << "REST";
  EXPECT_NE(s_client(control_->grpc_port(), "-tls1_2", "-alpn h2"), 0) << "gRPC";
  EXPECT_EQ(s_client(control_->rest_port(), "-tls1_3"), 0);
  EXPECT_EQ(s_client(control_->grpc_port(), "-tls1_3", "-alpn h2"), 0);
  EXPECT_EQ(rest_->health("").code, StatusCode::kOk);
}

TEST_F(ServerTest, MetricsCountRequestsOfBothApis) {
  ASSERT_EQ(rest_->list_zones("tok-user").code, StatusCode::kOk);
  ASSERT_EQ(grpc_->list_zones("").code, StatusCode::kUnauthenticated);
  ASSERT_EQ(rest_->create_record("tok-admin", kZone, {"m", "A", "10.3.0.1", std::nullopt}).code, StatusCode::kOk);
  auto text = plain_http_get(control_->metrics_port(), "/metrics");
  EXPECT_NE(text.find(R"(mcns_api_requests_total{api="rest",code="200",method="GET /v1/zones"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(mcns_api_requests_total{api="grpc",code="UNAUTHENTICATED",method="/mcns.v1.ZoneService/ListZones"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("mcns_api_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(text.find("mcns_store_version 1"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_watch_streams 0"), std::string::npos);
  EXPECT_NE(text.find("mcns_auth_cache_hits_total"), std::string::npos);
}

TEST_F(ServerTest, SigtermDrainsAndExitsZero) {
  ASSERT_EQ(rest_->health("").code, StatusCode::kOk);
  EXPECT_EQ(control_->stop(SIGTERM), 0);
  EXPECT_TRUE(control_->wait_for_log("stopped after draining", std::chrono::seconds(1)));
  EXPECT_NE(new_rest()->health("").code, StatusCode::kOk) << "nothing listens any more";
}

TEST_F(ServerTest, SigintToo) { EXPECT_EQ(control_->stop(SIGINT), 0); }

TEST_F(ServerTest, ReflectionListsTheServices) {
  // grpc_cli/grpcurl are not Debian packages here; ask the reflection service directly.
  auto channel = tls_channel(control_->grpc_target(), test_pki().ca_cert);
  ::grpc::GenericStub generic(channel);
  // ServerReflectionRequest{list_services: "*"}: field 7 (string) = "*".
  const std::string request_bytes = std::string("\x3a\x01*", 3);
  ::grpc::Slice slice(request_bytes);
  ::grpc::ByteBuffer request(&slice, 1);
  ::grpc::CompletionQueue cq;
  auto ctx = call_context();
  auto call = generic.PrepareCall(ctx.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  ::grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<::grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  for (const char* service : {"mcns.v1.ZoneService", "mcns.v1.RecordService", "mcns.v1.AuthService", "mcns.v1.AdminService"})
    EXPECT_NE(bytes.find(service), std::string::npos) << service;
  call->WritesDone(reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  ::grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  while (cq.Next(&tag, &ok) && tag != reinterpret_cast<void*>(5)) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

TEST(LocalModeTest, TokensFromTheFileAndSighupReload) {
  TempDir dir;
  std::string tokens = dir.write("tokens.toml", token_entry("local-admin", "admin", "[\"admin\"]", "human") +
                                                    token_entry("local-dns", "mcns-dns", "[]", "system"));
  ControlOptions o;
  o.auth_mode = "local";
  o.local_tokens_file = tokens;
  auto control = ControlProcess::start(dir, o);
  ASSERT_TRUE(control);
  EXPECT_TRUE(control->wait_for_log("auth=local", std::chrono::seconds(5))) << "the listening line names the mode";
  auto rest = make_rest_client(control->rest_url(), test_pki().ca_cert);
  auto grpc = make_grpc_client(control->grpc_target(), test_pki().ca_cert);
  for (ApiClient* api : {rest.get(), grpc.get()}) {
    SCOPED_TRACE(api->surface());
    EXPECT_EQ(api->list_zones("local-admin").code, StatusCode::kOk);
    EXPECT_EQ(api->create_zone("local-admin", {api->surface() + ".local.example"}).code, StatusCode::kOk);
    EXPECT_EQ(api->create_zone("local-dns", {"x.local.example"}).code, StatusCode::kPermissionDenied);
    EXPECT_EQ(api->list_zones("nope").code, StatusCode::kUnauthenticated);
    auto login = api->login("admin", "pw");
    EXPECT_EQ(login.code, StatusCode::kUnimplemented);
    EXPECT_NE(login.message.find("local-token mode"), std::string::npos) << login.message;
    EXPECT_EQ(api->logout("local-admin").code, StatusCode::kOk) << "logout is a no-op";
    EXPECT_EQ(api->list_zones("local-admin").code, StatusCode::kOk);
  }
  EXPECT_EQ(rest->login("admin", "pw").http, 501);

  // Rotate: a new token replaces the admin's; SIGHUP makes it effective.
  dir.write("tokens.toml", token_entry("rotated-admin", "admin", "[\"admin\"]", "human"));
  std::size_t mark = control->log_size();
  control->send_signal(SIGHUP);
  ASSERT_TRUE(control->wait_for_log("SIGHUP: reloaded", std::chrono::seconds(10), mark));
  EXPECT_EQ(rest->list_zones("rotated-admin").code, StatusCode::kOk);
  EXPECT_EQ(grpc->list_zones("local-admin").code, StatusCode::kUnauthenticated);

  // A reload that fails keeps the tokens in force.
  dir.write("tokens.toml", token_entry("other", "admin", "[\"admin\"]", "human"), 0644);
  mark = control->log_size();
  control->send_signal(SIGHUP);
  ASSERT_TRUE(control->wait_for_log("SIGHUP: reload failed", std::chrono::seconds(10), mark));
  EXPECT_EQ(rest->list_zones("rotated-admin").code, StatusCode::kOk);
  EXPECT_EQ(control->stop(SIGTERM), 0);
}

TEST(LocalModeTest, AGroupReadableTokenFileIsRefusedAtStart) {
  TempDir dir;
  ControlOptions o;
  o.auth_mode = "local";
  o.local_tokens_file = dir.write("tokens.toml", token_entry("t", "admin", "[\"admin\"]", "human"), 0640);
  auto control = ControlProcess::launch(dir, o);
  ASSERT_TRUE(control);
  EXPECT_EQ(control->wait_exit(), 2);
  EXPECT_NE(control->log_text().find("chmod 600"), std::string::npos) << control->log_text();
}

}  // namespace
}  // namespace mcns::test
