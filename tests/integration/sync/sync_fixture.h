#pragma once
// The whole system on loopback for the sync tests (SPEC section 8): one real
// mcns-control (local tokens, fresh SQLite file, test PKI) and real mcns-dns frontends
// following it over TLS, plus helpers that ask the frontends with ldns and wait for
// conditions instead of sleeping.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/dns/dns_process.h"
#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::test::sync {

using namespace std::chrono_literals;

// The answer of one frontend to one question: the RCODE and the answer RRs of the
// question's name and type, as "TYPE value" in presentation form.
struct Answer {
  int rcode = -1;  // -1: no reply
  std::set<std::string> rrs;
};
Answer ask(std::uint16_t port, const std::string& fqdn, const std::string& type);

// GET http://127.0.0.1:port/path; the HTTP status (0 when the request failed).
int http_status(std::uint16_t port, const std::string& path, std::string* body = nullptr);

// Polls `pred` until it holds or `limit` passes.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 20s);

// A number from a Prometheus text exposition ("name 42" or "name{...} 42"); -1 if absent.
double metric(const std::string& exposition, const std::string& series);

class SyncTest : public ::testing::Test {
 public:
  static constexpr const char* kZone = "svc.mcp.metacircular.net";

 protected:
  void SetUp() override;
  void TearDown() override;

  // Starts (or restarts, on the same ports and database) the control plane.
  std::unique_ptr<ControlProcess> start_control(std::uint16_t rest_port = 0, std::uint16_t grpc_port = 0,
                                                const std::string& database = "");
  // Starts the control again on the same ports (after stop()), with `database` (default:
  // the same file), and points rest_ at it.
  bool restart_control_on_same_ports(const std::string& database = "");
  // A frontend following the control with `token` (default: the mcns-dns account's),
  // named `name` ([control] name; default: none set, the host name).
  std::unique_ptr<dns::DnsProcess> start_frontend(const std::string& token = "", const std::string& name = "");
  bool ready(const dns::DnsProcess& frontend) const;
  // Waits until `frontend` is ready and at the control's latest version.
  bool caught_up(const dns::DnsProcess& frontend);
  std::uint64_t control_version();

  // REST as the admin.
  RestReply create(const std::string& name, const std::string& type, const std::string& value, int ttl = 300);

  TempDir dir_;
  std::vector<std::unique_ptr<dns::ScratchDir>> frontend_dirs_;
  std::string admin_token_ = "sync-test-admin-token";
  std::string dns_token_ = "sync-test-mcns-dns-token";
  std::string other_token_ = "sync-test-metacrypt-token";
  std::unique_ptr<ControlProcess> control_;
  std::unique_ptr<RestClient> rest_;
};

}  // namespace mcns::test::sync
