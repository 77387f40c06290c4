// SPEC 13 UPDATE (RFC 2136 + TSIG) against the real mcns-control: nsupdate, knsupdate and
// dnspython write through the control's DNS listener; REST and the listener (which
// follows the change feed in-process, as frontends do over gRPC) read the result back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "common/base/strings.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/local_tokens.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {
namespace {

constexpr char kZone[] = "svc.mcp.metacircular.net";
constexpr char kSecret[] = "dXBkYXRlLXNlY3JldC11cGRhdGUtc2VjcmV0LXVwZGF0ZQ==";
constexpr char kAcmeSecret[] = "YWNtZS1zZWNyZXQtYWNtZS1zZWNyZXQtYWNtZS1zZWNyZXQ=";
constexpr char kAdmin[] = "update-test-admin";
constexpr char kFrontendToken[] = "update-test-frontend-token";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Shared by every dnspython script: `send(msg)` returns the answer's rcode as text.
constexpr char kPythonPrelude[] = R"(
import sys, time, dns.update, dns.query, dns.tsig, dns.rcode, dns.rdata, dns.rdataclass, dns.rdatatype, dns.message
PORT = int(sys.argv[1])
ZONE = 'svc.mcp.metacircular.net.'
KEY = dns.tsig.Key('upd.', sys.argv[2], 'hmac-sha256')
def msg(key=KEY):
    return dns.update.UpdateMessage(ZONE, keyring=key) if key else dns.update.UpdateMessage(ZONE)
def send(m, tcp=False):
    q = dns.query.tcp if tcp else dns.query.udp
    return dns.rcode.to_text(q(m, '127.0.0.1', port=PORT, timeout=5).rcode())
)";

class UpdateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControlOptions o = local_token_options(
        dir_, admin_token_entry(kAdmin) + token_entry(kFrontendToken, "mcns-dns", "[]", "system"));
    o.extra_toml = str_cat(
        "[dns]\nlisten = [\"127.0.0.1:0\"]\nallow = [\"127.0.0.1/32\"]\n",
        // Everything, and AXFR/IXFR (as external-dns needs).
        "[[tsig]]\nname = \"upd\"\nalgorithm = \"hmac-sha256\"\nsecret = \"", kSecret,
        "\"\nallow = [\"update\", \"transfer\"]\nzones = [\"*\"]\nupdate_names = [\"*\"]\nupdate_types = [\"*\"]\n",
        // What certbot needs and nothing more.
        "[[tsig]]\nname = \"acme\"\nalgorithm = \"hmac-sha256\"\nsecret = \"", kAcmeSecret,
        "\"\nallow = [\"update\"]\nzones = [\"", kZone,
        "\"]\nupdate_names = [\"_acme-challenge\", \"_acme-challenge.*\"]\nupdate_types = [\"TXT\"]\n");
    control_ = ControlProcess::start(dir_, o);
    ASSERT_TRUE(control_) << "mcns-control did not start";
    ASSERT_NE(control_->dns_port(), 0) << control_->log_text();
    rest_ = std::make_unique<RestClient>(control_->rest_url(), test_pki().ca_cert);
  }

  std::uint16_t port() const { return control_->dns_port(); }
  std::uint32_t serial() {
    return rest_->get(str_cat("/v1/zones/", kZone), kAdmin).json()["Serial"].get<std::uint32_t>();
  }
  // The zone's records (REST), filtered here: by name when `name` is not empty, by type
  // when `type` is not empty.
  std::vector<nlohmann::json> listed(const std::string& name = "", const std::string& type = "") {
    std::vector<nlohmann::json> out;
    // Kept in a variable: a range-for over a member of a temporary would dangle.
    const nlohmann::json all = rest_->get(str_cat("/v1/zones/", kZone, "/records"), kAdmin).json();
    for (const auto& r : all["records"])
      if ((name.empty() || r["Name"] == name) && (type.empty() || r["Type"] == type)) out.push_back(r);
    return out;
  }
  // The records at `name` as "name TYPE value".
  std::set<std::string> rest_records(const std::string& name) {
    std::set<std::string> out;
    for (const auto& r : listed(name))
      out.insert(str_cat(r["Name"].get<std::string>(), " ", r["Type"].get<std::string>(), " ",
                         r["Value"].get<std::string>()));
    return out;
  }
  std::set<std::string> types_at(const std::string& name) {
    std::set<std::string> out;
    for (const auto& r : listed(name)) out.insert(r["Type"].get<std::string>());
    return out;
  }
  // Runs a dnspython script (after the prelude); its output.
  std::string python(const std::string& body, const std::string& name = "script.py") {
    std::string path = dir_.write(name, str_cat(kPythonPrelude, body));
    return dns::shell(str_cat("/usr/bin/python3 ", path, " ", port(), " ", kSecret, " 2>&1"));
  }
  // nsupdate / knsupdate with `commands` (server and zone lines are added); exit status
  // and output.
  std::string nsupdate(const std::string& program, const std::string& key, const std::string& commands) {
    std::string script = dir_.write("nsupdate.txt", str_cat("server 127.0.0.1 ", port(), "\nzone ", kZone, "\n",
                                                            commands, "send\n"));
    return dns::shell(str_cat(program, " ", key, " ", script, " 2>&1; echo \"exit=$?\""));
  }
  // A UDP query for (name, type) to the control's listener; the answer count, -1 on no reply.
  // A frontend following this control over the watch stream.
  std::unique_ptr<dns::DnsProcess> start_frontend() {
    std::string token = frontend_dir_.write("token", str_cat(kFrontendToken, "\n"));
    std::string ca = frontend_dir_.write("ca.pem", read_text(test_pki().ca_cert));
    dns::DnsOptions o;
    o.extra_toml = str_cat("[control]\ngrpc_addr = \"localhost:", control_->grpc_port(), "\"\nca_cert = \"", ca,
                           "\"\ntoken_file = \"", token, "\"\n");
    return dns::DnsProcess::start(frontend_dir_, o);
  }

  int answers(const std::string& name, std::uint16_t qtype) { return answers_on(port(), name, qtype); }
  // The number of answer records `port` gives for (name, qtype) over UDP; -1: no reply.
  static int answers_on(std::uint16_t port, const std::string& name, std::uint16_t qtype) {
    dns::Bytes q = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    std::istringstream labels(name);
    std::string label;
    while (std::getline(labels, label, '.')) {
      q.push_back(static_cast<std::uint8_t>(label.size()));
      q.insert(q.end(), label.begin(), label.end());
    }
    q.insert(q.end(), {0, static_cast<std::uint8_t>(qtype >> 8), static_cast<std::uint8_t>(qtype), 0, 1});
    auto reply = dns::udp_exchange(port, q, 1000);
    if (!reply || reply->size() < 12) return -1;
    return ((*reply)[6] << 8) | (*reply)[7];
  }

  TempDir dir_;
  dns::ScratchDir frontend_dir_;
  std::unique_ptr<ControlProcess> control_;
  std::unique_ptr<RestClient> rest_;
};

TEST_F(UpdateTest, NsupdateAndKnsupdateAddAndDeleteAnAcmeChallenge) {
  const std::string fqdn = str_cat("_acme-challenge.www.", kZone);
  auto frontend = start_frontend();
  ASSERT_TRUE(frontend);
  const auto ready_by = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (answers_on(frontend->dns_port(), kZone, 6) != 1 && std::chrono::steady_clock::now() < ready_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(answers_on(frontend->dns_port(), kZone, 6), 1) << frontend->log();
  const std::uint32_t before = serial();
  auto out = nsupdate("nsupdate", str_cat("-y hmac-sha256:upd:", kSecret),
                      str_cat("update add ", fqdn, ". 60 TXT \"token-one\"\n"));
  ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
  // Served by the listener (which follows the change feed) within 50 ms of the answer.
  const auto acked = std::chrono::steady_clock::now();
  while (answers(fqdn, 16) != 1 && std::chrono::steady_clock::now() - acked < std::chrono::seconds(2)) {
  }
  EXPECT_LT(std::chrono::steady_clock::now() - acked, std::chrono::milliseconds(50));
  // And by a frontend, through the watch stream, within 50 ms of the answer as well.
  while (answers_on(frontend->dns_port(), fqdn, 16) != 1 &&
         std::chrono::steady_clock::now() - acked < std::chrono::seconds(2)) {
  }
  EXPECT_LT(std::chrono::steady_clock::now() - acked, std::chrono::milliseconds(50)) << frontend->log();
  EXPECT_EQ(rest_records("_acme-challenge.www"), (std::set<std::string>{"_acme-challenge.www TXT \"token-one\""}));
  EXPECT_EQ(serial(), before + 1);

  // knsupdate, signed with the certbot-style key this time, adds a second value and
  // deletes the first in one message: one serial bump.
  out = nsupdate("knsupdate", str_cat("-y hmac-sha256:acme:", kAcmeSecret),
                 str_cat("update add ", fqdn, ". 60 TXT \"token-two\"\nupdate delete ", fqdn,
                         ". TXT \"token-one\"\n"));
  ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
  EXPECT_EQ(rest_records("_acme-challenge.www"), (std::set<std::string>{"_acme-challenge.www TXT \"token-two\""}));
  EXPECT_EQ(serial(), before + 2);

  out = nsupdate("nsupdate", str_cat("-y hmac-sha256:upd:", kSecret), str_cat("update delete ", fqdn, ". TXT\n"));
  ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
  EXPECT_TRUE(rest_records("_acme-challenge.www").empty());
  EXPECT_EQ(serial(), before + 3);
  const auto deleted = std::chrono::steady_clock::now();
  while (answers(fqdn, 16) != 0 && std::chrono::steady_clock::now() - deleted < std::chrono::seconds(2)) {
  }
  EXPECT_LT(std::chrono::steady_clock::now() - deleted, std::chrono::milliseconds(50));
  while (answers_on(frontend->dns_port(), fqdn, 16) != 0 &&
         std::chrono::steady_clock::now() - deleted < std::chrono::seconds(2)) {
  }
  EXPECT_LT(std::chrono::steady_clock::now() - deleted, std::chrono::milliseconds(50)) << frontend->log();

  // Deleting what is not there succeeds and changes nothing.
  out = nsupdate("nsupdate", str_cat("-y hmac-sha256:upd:", kSecret), str_cat("update delete ", fqdn, ". TXT\n"));
  ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
  EXPECT_EQ(serial(), before + 3);

  // The history (SPEC 14) names each message's key and "update".
  const nlohmann::json history =
      rest_->get(str_cat("/v1/zones/", kZone, "/changes?after_serial=", before), kAdmin).json();
  ASSERT_TRUE(history["changes"].is_array()) << history.dump();
  ASSERT_EQ(history["changes"].size(), 3u) << history.dump();
  const char* users[] = {"tsig:upd", "tsig:acme", "tsig:upd"};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(history["changes"][i]["Via"], "update") << history.dump();
    EXPECT_EQ(history["changes"][i]["User"], users[i]) << history.dump();
    EXPECT_EQ(history["changes"][i]["Serial"], before + 1 + i) << history.dump();
  }

  // certbot's signed SOA probe gets an authoritative, signed answer.
  auto probe = dns::dig(port(), str_cat("-y hmac-sha256:acme:", kAcmeSecret, " SOA ", kZone));
  EXPECT_NE(probe.find("flags: qr aa"), std::string::npos) << probe;
  EXPECT_EQ(probe.find("Some TSIG could not be validated"), std::string::npos) << probe;
}

TEST_F(UpdateTest, OneInvalidOperationLeavesTheWholeMessageUnapplied) {
  const std::uint32_t before = serial();
  auto out = python(R"(
m = msg()
m.add('batch-a', 300, 'A', '10.5.0.1')
m.add('batch-t', 300, 'TXT', 'hello')
m.add('batch-bad', 300, dns.rdata.GenericRdata(dns.rdataclass.IN, dns.rdatatype.A, b'\x0a\x05\x00'))
m.add('batch-b', 300, 'A', '10.5.0.2')
print(send(m))
m = msg()
m.add('batch-x', 300, dns.rdata.GenericRdata(dns.rdataclass.IN, 65280, b'\x01'))
print(send(m))
)");
  EXPECT_EQ(out, "FORMERR\nFORMERR\n");
  EXPECT_TRUE(rest_records("batch-a").empty());
  EXPECT_TRUE(rest_records("batch-t").empty());
  EXPECT_EQ(serial(), before);

  out = python(R"(
m = msg()
m.add('batch-a', 300, 'A', '10.5.0.1')
m.add('batch-a', 600, 'A', '10.5.0.3')
m.add('batch-t', 300, 'TXT', 'hello')
m.delete('batch-t', 'TXT', 'hello')
print(send(m, tcp=True))
)");
  EXPECT_EQ(out, "NOERROR\n");
  EXPECT_EQ(rest_records("batch-a"), (std::set<std::string>{"batch-a A 10.5.0.1", "batch-a A 10.5.0.3"}));
  // The TTL of the last added RR is the RRset's (as BIND does).
  for (const auto& r : listed("batch-a"))
    EXPECT_EQ(r["TTL"].get<int>(), 600) << r.dump();
  EXPECT_TRUE(rest_records("batch-t").empty());
  EXPECT_EQ(serial(), before + 1);
}

TEST_F(UpdateTest, PrerequisitesAnswerAsKnotAndBindDo) {
  ASSERT_EQ(rest_->post(str_cat("/v1/zones/", kZone, "/records"),
                        {{"name", "pre"}, {"type", "A"}, {"value", "10.6.0.1"}}, kAdmin)
                .status,
            201);
  const std::uint32_t before = serial();
  // Each message also adds a marker, so a satisfied one changes the zone.
  auto out = python(R"(
n = 0
def check(label, build):
    global n
    n += 1
    m = msg()
    build(m)
    m.add('marker-%d' % n, 60, 'TXT', label)
    print(label, send(m))
check('name-in-use', lambda m: m.present('pre'))
check('name-in-use-missing', lambda m: m.present('nothere'))
check('rrset-exists', lambda m: m.present('pre', 'A'))
check('rrset-exists-missing', lambda m: m.present('pre', 'AAAA'))
check('rrset-value', lambda m: m.present('pre', 'A', '10.6.0.1'))
check('rrset-value-other', lambda m: m.present('pre', 'A', '10.6.0.2'))
check('name-not-in-use', lambda m: m.absent('nothere'))
check('name-not-in-use-present', lambda m: m.absent('pre'))
check('rrset-absent', lambda m: m.absent('pre', 'AAAA'))
check('rrset-absent-present', lambda m: m.absent('pre', 'A'))
check('apex-in-use', lambda m: m.present('@'))
)");
  EXPECT_EQ(out,
            "name-in-use NOERROR\nname-in-use-missing NXDOMAIN\nrrset-exists NOERROR\nrrset-exists-missing NXRRSET\n"
            "rrset-value NOERROR\nrrset-value-other NXRRSET\nname-not-in-use NOERROR\n"
            "name-not-in-use-present YXDOMAIN\nrrset-absent NOERROR\nrrset-absent-present YXRRSET\n"
            "apex-in-use NOERROR\n");
  // Exactly the satisfied messages were applied, one serial each.
  std::set<std::string> markers;
  for (int i : {1, 3, 5, 7, 9, 11}) markers.insert(str_cat("marker-", i));
  std::set<std::string> got;
  for (const auto& r : listed("", "TXT"))
    if (r["Name"].get<std::string>().starts_with("marker-")) got.insert(r["Name"].get<std::string>());
  EXPECT_EQ(got, markers);
  EXPECT_EQ(serial(), before + 6);
}

TEST_F(UpdateTest, KeysMayOnlyTouchTheirNamesTypesAndZones) {
  const std::uint32_t before = serial();
  std::string acme = str_cat("-y hmac-sha256:acme:", kAcmeSecret);
  auto refused = [&](const std::string& commands) {
    auto out = nsupdate("nsupdate", acme, commands);
    EXPECT_NE(out.find("REFUSED"), std::string::npos) << commands << out;
  };
  refused(str_cat("update add www.", kZone, ". 60 A 10.7.0.1\n"));
  refused(str_cat("check-names off\nupdate add _acme-challenge.", kZone, ". 60 A 10.7.0.1\n"));  // right name, wrong type
  refused(str_cat("update delete _acme-challenge.", kZone, ". ANY\n"));          // ANY needs "*"
  refused(str_cat("update add _acme-challenge.", kZone, ". 60 TXT \"ok\"\nupdate add www.", kZone,
                  ". 60 TXT \"no\"\n"));  // all or nothing
  {
    // Another zone (served, not covered by the key).
    std::string script = dir_.write("other.txt", str_cat("server 127.0.0.1 ", port(),
                                                         "\nzone mcp.metacircular.net\nupdate add "
                                                         "_acme-challenge.mcp.metacircular.net. 60 TXT \"x\"\nsend\n"));
    auto out = dns::shell(str_cat("nsupdate ", acme, " ", script, " 2>&1"));
    EXPECT_NE(out.find("REFUSED"), std::string::npos) << out;
  }
  // The SOA and the apex NS are not changeable even with a key allowing everything.
  auto out = python(R"(
m = msg(); m.add('@', 300, 'SOA', 'ns.x. h.x. 1 2 3 4 5'); print(send(m))
m = msg(); m.add('@', 300, 'NS', 'ns9.example.net.'); print(send(m))
m = msg(); m.delete('@', 'NS'); print(send(m))
m = msg(None); m.add('unsigned', 300, 'A', '10.7.0.2'); print(send(m))
m = msg(dns.tsig.Key('nokey.', KEY.secret, 'hmac-sha256')); m.add('unknown', 300, 'A', '10.7.0.3')
try:
    send(m)
except dns.tsig.PeerBadKey:
    print('BADKEY')
m = dns.update.UpdateMessage('not-served.example.', keyring=KEY); m.add('x', 300, 'A', '10.7.0.4'); print(send(m))
)");
  EXPECT_EQ(out, "REFUSED\nREFUSED\nREFUSED\nREFUSED\nBADKEY\nNOTAUTH\n");
  EXPECT_EQ(serial(), before);
  EXPECT_TRUE(rest_records("www").empty());
  EXPECT_TRUE(rest_records("_acme-challenge").empty());
  EXPECT_EQ(types_at("@"), (std::set<std::string>{"NS"}));
  // And what the key may do, it does.
  out = nsupdate("nsupdate", acme, str_cat("update add _acme-challenge.a.b.", kZone, ". 60 TXT \"deep\"\n"));
  EXPECT_NE(out.find("exit=0"), std::string::npos) << out;
  EXPECT_EQ(serial(), before + 1);
}

TEST_F(UpdateTest, CnameExclusivityHoldsForUpdatesAndRacingRestWrites) {
  auto post = [&](RestClient& rest, const std::string& name, const std::string& type, const std::string& value) {
    return rest.post(str_cat("/v1/zones/", kZone, "/records"), {{"name", name}, {"type", type}, {"value", value}},
                     kAdmin)
        .status;
  };
  ASSERT_EQ(post(*rest_, "alias", "CNAME", "target.example.net."), 201);
  ASSERT_EQ(post(*rest_, "host", "A", "10.8.0.1"), 201);
  const std::uint32_t before = serial();
  auto out = python(R"(
m = msg(); m.add('alias', 300, 'A', '10.8.0.2'); print(send(m))
m = msg(); m.add('host', 300, 'CNAME', 'elsewhere.example.net.'); print(send(m))
m = msg(); m.add('@', 300, 'CNAME', 'elsewhere.example.net.'); print(send(m))
)");
  // RFC 2136 §3.4.2.2: ignored, NOERROR (as BIND and Knot), nothing changed.
  EXPECT_EQ(out, "NOERROR\nNOERROR\nNOERROR\n");
  EXPECT_EQ(types_at("alias"), (std::set<std::string>{"CNAME"}));
  EXPECT_EQ(types_at("host"), (std::set<std::string>{"A"}));
  EXPECT_EQ(serial(), before);
  // A CNAME replaces a CNAME.
  out = python("m = msg(); m.add('alias', 300, 'CNAME', 'new.example.net.'); print(send(m))\n", "replace.py");
  EXPECT_EQ(out, "NOERROR\n");
  EXPECT_EQ(rest_records("alias"), (std::set<std::string>{"alias CNAME new.example.net."}));

  // REST adds A and UPDATE adds CNAME (and the reverse) on the same names at once.
  constexpr int kNames = 30;
  std::thread rest_writer([&] {
    RestClient rest(control_->rest_url(), test_pki().ca_cert);
    for (int i = 0; i < kNames; ++i) {
      post(rest, str_cat("race-a-", i), "A", "10.8.1.1");
      post(rest, str_cat("race-c-", i), "CNAME", "rest.example.net.");
    }
  });
  out = python(str_cat("for i in range(", kNames, R"():
    m = msg(); m.add('race-a-%d' % i, 300, 'CNAME', 'upd.example.net.'); r1 = send(m)
    m = msg(); m.add('race-c-%d' % i, 300, 'A', '10.8.2.2'); r2 = send(m)
    if r1 != 'NOERROR' or r2 != 'NOERROR': print(i, r1, r2)
print('done')
)"),
               "race.py");
  rest_writer.join();
  EXPECT_EQ(out, "done\n");
  for (int i = 0; i < kNames; ++i) {
    for (const char* prefix : {"race-a-", "race-c-"}) {
      auto types = types_at(str_cat(prefix, i));
      EXPECT_EQ(types.size(), 1u) << prefix << i << " has " << join(std::vector<std::string>(types.begin(), types.end()), ",");
    }
  }
}

TEST_F(UpdateTest, AThousandUpdatesFromEightClientsAreAllThereInOrder) {
  const std::uint32_t before = serial();
  const auto started = std::chrono::steady_clock::now();
  auto out = python(R"(
import concurrent.futures
def client(c):
    acked = []
    for i in range(125):
        m = msg()
        m.add('load-%d-%d' % (c, i), 300, 'A', '10.9.%d.%d' % (c, i))
        if send(m, tcp=(i % 2 == 0)) == 'NOERROR':
            acked.append('load-%d-%d' % (c, i))
    return acked
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    for names in pool.map(client, range(8)):
        for n in names: print(n)
)",
                    "load.py");
  std::set<std::string> acked;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) acked.insert(line);
  EXPECT_EQ(acked.size(), 1000u) << out.substr(0, 2000);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(25));

  std::set<std::string> present;
  for (const auto& r : listed("", "A"))
    if (r["Name"].get<std::string>().starts_with("load-")) present.insert(r["Name"].get<std::string>());
  EXPECT_EQ(present, acked);
  const std::uint32_t after = serial();
  EXPECT_EQ(after, before + 1000);
  // The change log says the same: one row per message. An IXFR from `before` is
  // answered in full (the journal is longer than the zone: transfer.cpp's rule), with
  // every acknowledged name; an IXFR from three serials back is exactly three deltas of
  // one add each.
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    served = dns::kdig(port(), str_cat("+short SOA ", kZone)).find(str_cat(" ", after, " ")) != std::string::npos;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(served);
  auto count = [](const std::string& transfer, std::size_t& soas, std::set<std::string>& loads) {
    std::istringstream rrs(transfer);
    for (std::string rr; std::getline(rrs, rr);) {
      if (rr.empty() || rr[0] == ';') continue;
      if (rr.find("\tSOA\t") != std::string::npos) ++soas;
      else if (rr.starts_with("load-")) loads.insert(rr.substr(0, rr.find('.')));
    }
  };
  std::size_t soas = 0;
  std::set<std::string> loads;
  count(dns::kdig(port(), str_cat("-y hmac-sha256:upd:", kSecret, " IXFR=", before, " ", kZone)), soas, loads);
  EXPECT_EQ(loads, acked);
  soas = 0;
  loads.clear();
  auto ixfr = dns::kdig(port(), str_cat("-y hmac-sha256:upd:", kSecret, " IXFR=", after - 3, " ", kZone));
  count(ixfr, soas, loads);
  EXPECT_EQ(soas, 2u + 2u * 3u) << ixfr;
  EXPECT_EQ(loads.size(), 3u) << ixfr;
}

}  // namespace
}  // namespace mcns::test
