// SPEC 14 "Export" through the real control: GET /v1/zones/{zone}/export,
// ZoneService.ExportZone and `mcns-control export` give the same RFC 1035 file; it
// imports into an empty control with the same records, and kzonecheck and
// named-checkzone accept it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "common/base/strings.h"
#include "mcns/v1/zone.grpc.pb.h"
#include "tests/integration/api/api_fixture.h"
#include "tests/integration/harness/grpc_client.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/run_command.h"

namespace mcns::test {
namespace {

constexpr char kExportZone[] = "export.example";

using RecordKey = std::tuple<std::string, std::string, std::string, std::int64_t>;
std::set<RecordKey> record_set(RestClient& rest, const std::string& token) {
  std::set<RecordKey> out;
  auto reply = rest.get(str_cat("/v1/zones/", kExportZone, "/records"), token).json();
  for (const auto& r : reply["records"])
    out.emplace(r["Name"].get<std::string>(), r["Type"].get<std::string>(), r["Value"].get<std::string>(),
                r["TTL"].get<std::int64_t>());
  return out;
}

class ExportTest : public ApiTest {};

TEST_F(ExportTest, RestGrpcAndTheCommandExportOneFileThatImportsBackAndPassesBothCheckers) {
  RestClient rest(control_->rest_url(), test_pki().ca_cert);
  ASSERT_EQ(rest.post("/v1/zones", {{"name", kExportZone}}, kAdminToken).status, 201);
  const std::vector<std::tuple<std::string, std::string, std::string, int>> records = {
      {"ns", "A", "192.0.2.2", 300},  // the apex NS a new zone starts with needs its address
      {"www", "A", "192.0.2.1", 300},
      {"www", "AAAA", "2001:db8::1", 300},
      {"alias", "CNAME", "www.export.example.", 60},
      {"@", "MX", "10 mail.export.example.", 3600},
      {"mail", "A", "192.0.2.25", 300},
      {"@", "TXT", "v=spf1 mx -all", 300},
      {"quoted", "TXT", "\"two\" \"strings with spaces\"", 300},
      {"_sip._tcp", "SRV", "10 5 5060 sip.export.example.", 300},
      {"sip", "A", "192.0.2.50", 300},
      {"@", "CAA", "0 issue \"letsencrypt.org\"", 300},
      {"4.2", "PTR", "host.export.example.", 300},
      {"sub", "NS", "ns.sub.export.example.", 300},
      {"ns.sub", "A", "192.0.2.53", 300},
  };
  for (const auto& [name, type, value, ttl] : records) {
    auto r = rest.post(str_cat("/v1/zones/", kExportZone, "/records"),
                       {{"name", name}, {"type", type}, {"value", value}, {"ttl", ttl}}, kAdminToken);
    ASSERT_EQ(r.status, 201) << name << " " << type << ": " << r.body;
  }

  // REST, as a reader.
  auto exported = rest.get(str_cat("/v1/zones/", kExportZone, "/export"), "tok-user");
  ASSERT_EQ(exported.status, 200) << exported.body;
  EXPECT_EQ(exported.headers["content-type"], "text/dns");
  const std::string& text = exported.body;
  EXPECT_NE(text.find(str_cat("$ORIGIN ", kExportZone, ".\n")), std::string::npos) << text;
  auto first_rr = text.find("\n@\t");
  ASSERT_NE(first_rr, std::string::npos);
  const std::string first_line = text.substr(first_rr + 1, text.find('\n', first_rr + 1) - first_rr - 1);
  EXPECT_NE(first_line.find("\tIN\tSOA\t"), std::string::npos) << "the SOA comes first:\n" << text;

  // gRPC and the command: the same text.
  auto stub = mcns::v1::ZoneService::NewStub(tls_channel(control_->grpc_target(), test_pki().ca_cert));
  auto ctx = call_context("tok-user");
  mcns::v1::ExportZoneRequest req;
  req.set_zone(kExportZone);
  mcns::v1::ExportZoneResponse res;
  ASSERT_TRUE(stub->ExportZone(ctx.get(), req, &res).ok());
  EXPECT_EQ(res.zone_file(), text);
  auto cli = run_command(str_cat(binary_path("mcns-control"), " export --config ", control_->config_path(), " --zone ",
                                 kExportZone));
  EXPECT_EQ(cli.code, 0) << cli.output;
  EXPECT_NE(cli.output.find(text), std::string::npos) << cli.output;
  // Unknown zone: 404 / NOT_FOUND; no token: 401.
  EXPECT_EQ(rest.get("/v1/zones/nope.example/export", "tok-user").status, 404);
  EXPECT_EQ(rest.get(str_cat("/v1/zones/", kExportZone, "/export")).status, 401);

  // Both checkers accept the file.
  std::string file = dir_.write("export.zone", text);
  auto kz = run_command(str_cat("kzonecheck -o ", kExportZone, " ", file));
  EXPECT_EQ(kz.code, 0) << kz.output;
  auto nc = run_command(str_cat("named-checkzone -i local ", kExportZone, " ", file));
  EXPECT_EQ(nc.code, 0) << nc.output;

  // Imported into an empty control: the same records.
  TempDir other;
  ControlOptions o;
  o.mcias_url = mcias_.url();
  auto fresh = ControlProcess::start(other, o);
  ASSERT_TRUE(fresh);
  auto imported = run_command(str_cat(binary_path("mcns-control"), " import --config ", fresh->config_path(),
                                      " --zone ", kExportZone, " ", file));
  ASSERT_EQ(imported.code, 0) << imported.output;
  RestClient fresh_rest(fresh->rest_url(), test_pki().ca_cert);
  auto original = record_set(rest, kAdminToken);
  EXPECT_EQ(original.size(), records.size() + 1);  // + the NS a new zone starts with
  EXPECT_EQ(record_set(fresh_rest, kAdminToken), original);
}

}  // namespace
}  // namespace mcns::test
