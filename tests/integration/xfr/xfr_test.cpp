// SPEC 13 against the real mcns-control: its DNS listener answers from committed data,
// TSIG (RFC 8945) guards transfers, AXFR (RFC 5936) and IXFR (RFC 1995) stream the zone,
// checked with kdig/dig (which verify every signature they are sent) and dnspython.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/base/strings.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/local_tokens.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {
namespace {

constexpr char kZone[] = "svc.mcp.metacircular.net";
constexpr char kSecret[] = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
constexpr char kOtherSecret[] = "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==";
constexpr char kAdmin[] = "xfr-test-admin";

// Resource records in kdig/dig output (comment and TSIG lines left out), as lines.
std::vector<std::string> records(const std::string& output) {
  std::vector<std::string> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == ';' || line.find("\tTSIG\t") != std::string::npos) continue;
    out.push_back(line);
  }
  return out;
}

bool is_soa(const std::string& rr) { return rr.find("\tSOA\t") != std::string::npos; }

std::uint32_t soa_serial(const std::string& rr) {
  static const std::regex re("SOA\\s+\\S+\\s+\\S+\\s+(\\d+)");
  std::smatch m;
  return std::regex_search(rr, m, re) ? static_cast<std::uint32_t>(std::stoul(m[1])) : 0;
}

class XfrTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControlOptions o = local_token_options(dir_, admin_token_entry(kAdmin));
    std::string secret_file = dir_.write("xfr.key", str_cat(kSecret, "\n"));
    o.extra_toml = str_cat(
        "[dns]\nlisten = [\"127.0.0.1:0\"]\nallow = [\"127.0.0.1/32\"]\n",
        "[[tsig]]\nname = \"xfr.rift\"\nalgorithm = \"hmac-sha256\"\nsecret_file = \"", secret_file,
        "\"\nallow = [\"transfer\"]\nzones = [\"*\"]\n",
        "[[tsig]]\nname = \"xfr.public\"\nsecret = \"", kOtherSecret,
        "\"\nallow = [\"transfer\"]\nzones = [\"mcp.metacircular.net\"]\n",
        "[[tsig]]\nname = \"acme\"\nalgorithm = \"hmac-sha512\"\nsecret = \"", kOtherSecret,
        "\"\nallow = [\"update\"]\nzones = [\"*\"]\n");
    control_ = ControlProcess::start(dir_, o);
    ASSERT_TRUE(control_) << "mcns-control did not start";
    ASSERT_NE(control_->dns_port(), 0) << control_->log_text();
    rest_ = std::make_unique<RestClient>(control_->rest_url(), test_pki().ca_cert);
  }

  std::string kdig(const std::string& args) { return dns::kdig(control_->dns_port(), args); }
  std::string key(const std::string& name = "xfr.rift", const std::string& secret = kSecret,
                  const std::string& alg = "hmac-sha256") {
    return str_cat("-y ", alg, ":", name, ":", secret, " ");
  }
  std::int64_t create(const std::string& name, const std::string& value) {
    auto r = rest_->post(str_cat("/v1/zones/", kZone, "/records"), {{"name", name}, {"type", "A"}, {"value", value}},
                         kAdmin);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.json()["ID"].get<std::int64_t>() : -1;
  }
  std::uint32_t serial() {
    return rest_->get(str_cat("/v1/zones/", kZone), kAdmin).json()["Serial"].get<std::uint32_t>();
  }
  // Waits until the listener serves `serial` (it follows the change feed in-process).
  bool serving(std::uint32_t s) {
    for (int i = 0; i < 200; ++i) {
      auto rrs = records(kdig(str_cat("SOA ", kZone)));
      if (rrs.size() == 1 && soa_serial(rrs[0]) == s) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  TempDir dir_;
  std::unique_ptr<ControlProcess> control_;
  std::unique_ptr<RestClient> rest_;
};

TEST_F(XfrTest, AxfrWithTheKeyIsTheWholeZoneSoaFirstAndLast) {
  create("axfr-a", "10.1.0.1");
  create("axfr-b", "10.1.0.2");
  auto out = kdig(key() + str_cat("AXFR ", kZone));
  auto rrs = records(out);
  ASSERT_GE(rrs.size(), 3u) << out;
  EXPECT_TRUE(is_soa(rrs.front())) << out;
  EXPECT_TRUE(is_soa(rrs.back())) << out;
  EXPECT_EQ(soa_serial(rrs.front()), serial());
  // Every record the API lists, once.
  auto listed = rest_->get(str_cat("/v1/zones/", kZone, "/records"), kAdmin).json()["records"];
  EXPECT_EQ(rrs.size(), listed.size() + 2) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("axfr-b\\.svc\\.mcp\\.metacircular\\.net\\.\\s+300\\s+IN\\s+A\\s+10\\.1\\.0\\.2")))
      << out;
  EXPECT_EQ(out.find("WARNING"), std::string::npos) << "kdig verified every signature: " << out;
}

TEST_F(XfrTest, IxfrIsExactlyTheDifferencesAndFallsBackWhenTheJournalCannotSay) {
  create("base", "10.2.0.1");
  const std::uint32_t from = serial();
  const std::int64_t gone = create("gone", "10.2.0.2");
  create("added", "10.2.0.3");
  ASSERT_EQ(rest_->del(str_cat("/v1/zones/", kZone, "/records/", gone), kAdmin).status, 204);
  const std::uint32_t now = serial();
  ASSERT_TRUE(serving(now));

  auto out = kdig(key() + str_cat("IXFR=", from, " ", kZone));
  auto rrs = records(out);
  // current SOA, then per change: old SOA, removed, new SOA, added; current SOA.
  std::vector<std::string> expected_kinds;
  std::vector<std::string> got_kinds;
  for (const auto& rr : rrs) got_kinds.push_back(is_soa(rr) ? str_cat("SOA ", soa_serial(rr)) : rr.substr(0, rr.find('.')));
  EXPECT_EQ(got_kinds, (std::vector<std::string>{str_cat("SOA ", now), str_cat("SOA ", from), str_cat("SOA ", from + 1),
                                                 "gone", str_cat("SOA ", from + 1), str_cat("SOA ", from + 2), "added",
                                                 str_cat("SOA ", from + 2), "gone", str_cat("SOA ", now),
                                                 str_cat("SOA ", now)}))
      << out;
  EXPECT_EQ(out.find("WARNING"), std::string::npos) << out;

  // Up to date: the SOA alone.
  auto current = records(kdig(key() + str_cat("IXFR=", now, " ", kZone)));
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(soa_serial(current[0]), now);
  // A serial the journal does not have (compacted, or never this server's): a full transfer.
  auto full = records(kdig(key() + str_cat("IXFR=5 ", kZone)));
  auto listed = rest_->get(str_cat("/v1/zones/", kZone, "/records"), kAdmin).json()["records"];
  EXPECT_EQ(full.size(), listed.size() + 2);
  // Over UDP: the SOA alone, so the client retries over TCP.
  auto udp = records(kdig(key() + str_cat("+notcp IXFR=", from, " ", kZone)));
  ASSERT_EQ(udp.size(), 1u);
  EXPECT_EQ(soa_serial(udp[0]), now);
}

TEST_F(XfrTest, TransfersWithoutTheRightKeyAreRefusedAndShowNoRecord) {
  create("secret-host", "10.3.0.1");
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {str_cat("AXFR ", kZone), "REFUSED"},                                             // unsigned
      {key("nokey") + str_cat("AXFR ", kZone), "BADKEY"},                               // unknown key
      {key("xfr.rift", kOtherSecret) + str_cat("AXFR ", kZone), "BADSIG"},              // wrong secret
      {key("xfr.public", kOtherSecret) + str_cat("AXFR ", kZone), "REFUSED"},           // another zone's key
      {key("acme", kOtherSecret, "hmac-sha512") + str_cat("AXFR ", kZone), "REFUSED"},  // no "transfer"
      {key("xfr.rift", kSecret, "hmac-sha512") + str_cat("AXFR ", kZone), "BADKEY"},    // wrong algorithm
      {str_cat("IXFR=1 ", kZone), "REFUSED"},
  };
  for (const auto& c : cases) {
    auto out = kdig(c.args);
    EXPECT_NE(out.find(c.expect), std::string::npos) << c.args << "\n" << out;
    EXPECT_EQ(out.find("secret-host"), std::string::npos) << c.args << "\n" << out;
    EXPECT_TRUE(records(out).empty()) << c.args << "\n" << out;
  }
  // The public key does transfer its own zone.
  auto own = records(kdig(key("xfr.public", kOtherSecret) + "AXFR mcp.metacircular.net"));
  EXPECT_GE(own.size(), 3u);
}

TEST_F(XfrTest, KeysAreReadAgainOnSighup) {
  const std::string fresh = "ZnJlc2gta2V5LWFkZGVkLWxhdGVyLWJ5LXNpZ2h1cA==";
  EXPECT_NE(kdig(key("late.key", fresh) + str_cat("AXFR ", kZone)).find("BADKEY"), std::string::npos);
  {
    std::ofstream config(control_->config_path(), std::ios::app);
    config << "[[tsig]]\nname = \"late.key\"\nsecret = \"" << fresh << "\"\nallow = [\"transfer\"]\nzones = [\"*\"]\n";
  }
  const auto mark = control_->log_size();
  control_->send_signal(SIGHUP);
  ASSERT_TRUE(control_->wait_for_log("TSIG key(s)", std::chrono::seconds(10), mark)) << control_->log_text();
  auto rrs = records(kdig(key("late.key", fresh) + str_cat("AXFR ", kZone)));
  ASSERT_GE(rrs.size(), 3u);
  EXPECT_TRUE(is_soa(rrs.front()) && is_soa(rrs.back()));
  // A secret file readable by others is refused on reload, and the old keys stay.
  std::string loose = dir_.write("loose.key", str_cat(kSecret, "\n"), 0644);
  {
    std::ofstream config(control_->config_path(), std::ios::app);
    config << "[[tsig]]\nname = \"loose\"\nsecret_file = \"" << loose << "\"\nallow = [\"transfer\"]\nzones = [\"*\"]\n";
  }
  const auto mark2 = control_->log_size();
  control_->send_signal(SIGHUP);
  ASSERT_TRUE(control_->wait_for_log("TSIG keys not reloaded", std::chrono::seconds(10), mark2)) << control_->log_text();
  EXPECT_NE(control_->log_text().find("readable by group or others"), std::string::npos);
  EXPECT_GE(records(kdig(key("late.key", fresh) + str_cat("AXFR ", kZone))).size(), 3u);
}

TEST_F(XfrTest, ClockSkewBeyondTheFudgeIsBadtimeSignedWithTheServersTime) {
  // dnspython signs with a clock 1000 s behind; the answer must be NOTAUTH/BADTIME and
  // signed (dnspython verifies it), with the server's time in Other Data.
  std::string script = str_cat(
      "import dns.message, dns.query, dns.tsigkeyring, dns.tsig, dns.rcode, time, sys\n"
      "real = time.time\n"
      "kr = dns.tsigkeyring.from_text({'xfr.rift.': ('hmac-sha256', '", kSecret, "')})\n"
      "q = dns.message.make_query('", kZone, "', 'SOA')\n"
      "q.use_tsig(kr, keyname='xfr.rift.', algorithm='hmac-sha256')\n"
      "time.time = lambda: real() - 1000\n"
      "wire = q.to_wire()\n"
      "time.time = real\n"
      "import socket\n"
      "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)\n"
      "s.sendto(wire, ('127.0.0.1', ", control_->dns_port(), "))\n"
      "data = s.recv(65535)\n"
      "try:\n"
      "  r = dns.message.from_wire(data, keyring=kr, request_mac=q.mac)\n"
      "  print('verified')\n"
      "except dns.tsig.PeerBadTime:\n"
      "  print('badtime')\n"
      "# The TSIG RR ends the message: ... MAC size, MAC(32), original ID, error, other len, other(6).\n"
      "other = int.from_bytes(data[-6:], 'big'); error = int.from_bytes(data[-10:-8], 'big')\n"
      "mac_len = int.from_bytes(data[-46:-44], 'big')\n"
      "print(dns.rcode.to_text(data[3] & 15), error, mac_len, other - int(real()))\n");
  std::string path = dir_.write("badtime.py", script);
  auto out = dns::shell(str_cat("/usr/bin/python3 ", path, " 2>&1"));
  EXPECT_NE(out.find("badtime"), std::string::npos) << out;
  std::istringstream words(out.substr(out.find('\n') + 1));
  std::string rcode;
  int error = 0, mac_len = 0, skew = 99;
  words >> rcode >> error >> mac_len >> skew;
  EXPECT_EQ(rcode, "NOTAUTH") << out;
  EXPECT_EQ(error, 18) << out;   // BADTIME
  EXPECT_EQ(mac_len, 32) << out;  // signed
  EXPECT_LE(std::abs(skew), 2) << out;
}

TEST_F(XfrTest, QueriesAreAnsweredFromCommittedDataAndSignedWhenSigned) {
  create("query-me", "10.4.0.1");
  const std::uint32_t s = serial();
  ASSERT_TRUE(serving(s));
  auto out = kdig(key() + str_cat("A query-me.", kZone));
  EXPECT_EQ(dns::status_of(out), "NOERROR") << out;
  EXPECT_NE(out.find(" aa"), std::string::npos) << out;
  EXPECT_NE(out.find("10.4.0.1"), std::string::npos) << out;
  EXPECT_NE(out.find("\tTSIG\t"), std::string::npos) << out;
  EXPECT_EQ(out.find("WARNING"), std::string::npos) << out;
  // Unsigned queries work too, names outside every zone are REFUSED (no forwarding).
  EXPECT_EQ(dns::status_of(kdig(str_cat("A nothere.", kZone))), "NXDOMAIN");
  EXPECT_EQ(dns::status_of(kdig("A example.com")), "REFUSED");
  // A client outside [dns] allow is refused whatever it asks.
  auto outside = dns::shell(str_cat("kdig @127.0.0.1 -p ", control_->dns_port(), " -b 127.0.0.2 +time=2 +retry=0 ",
                                    key(), "SOA ", kZone));
  EXPECT_EQ(dns::status_of(outside), "REFUSED") << outside;
  EXPECT_TRUE(records(outside).empty()) << outside;
  // dig's view of a query signed with an unknown key: NOTAUTH with a BADKEY TSIG.
  auto badkey = dns::dig(control_->dns_port(), str_cat("-y hmac-sha256:nokey:", kSecret, " SOA ", kZone));
  EXPECT_NE(badkey.find("status: NOTAUTH"), std::string::npos) << badkey;
  EXPECT_NE(badkey.find("BADKEY"), std::string::npos) << badkey;
}

}  // namespace
}  // namespace mcns::test

namespace mcns::test {
namespace {

// A free loopback port for both UDP and TCP, held (bound) until release(): the control
// started meanwhile takes its own ephemeral ports elsewhere, and the daemon binds it next.
class HeldPort {
 public:
  HeldPort() {
    for (int attempt = 0; attempt < 50 && port_ == 0; ++attempt) {
      tcp_ = ::socket(AF_INET, SOCK_STREAM, 0);
      udp_ = ::socket(AF_INET, SOCK_DGRAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof a;
      if (::bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
          ::getsockname(tcp_, reinterpret_cast<sockaddr*>(&a), &len) == 0 &&
          ::bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
        port_ = ntohs(a.sin_port);
      } else {
        release();
      }
    }
  }
  ~HeldPort() { release(); }
  void release() {
    if (tcp_ >= 0) ::close(tcp_);
    if (udp_ >= 0) ::close(udp_);
    tcp_ = udp_ = -1;
  }
  std::uint16_t port() const { return port_; }

 private:
  int tcp_ = -1, udp_ = -1;
  std::uint16_t port_ = 0;
};

// A daemon started through bash so its pid is known; killed (and reaped) at the end.
class Daemon {
 public:
  Daemon(const std::string& pid_file, const std::string& command) : pid_file_(pid_file) {
    dns::shell(str_cat("bash -c 'echo $$ > ", pid_file, "; exec ", command, "' >/dev/null 2>&1 &"));
  }
  ~Daemon() {
    std::ifstream in(pid_file_);
    long pid = 0;
    if (in >> pid && pid > 0) {
      ::kill(static_cast<pid_t>(pid), SIGTERM);
      for (int i = 0; i < 100 && ::kill(static_cast<pid_t>(pid), 0) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      ::kill(static_cast<pid_t>(pid), SIGKILL);
    }
  }

 private:
  std::string pid_file_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

template <typename Pred>
bool within(std::chrono::milliseconds limit, Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

// NSD and Knot DNS as secondaries of mcns-control, each with its own TSIG key and NOTIFY
// target ([[notify]]): they load every zone over AXFR, then follow each change within
// 2 s of the API call by NOTIFY and IXFR, not by their refresh timers (3600 s).
TEST(SecondariesTest, NsdAndKnotFollowTheControlByNotifyAndIxfr) {
  ASSERT_EQ(dns::shell("test -x /usr/sbin/nsd && test -x /usr/sbin/knotd && echo yes"), "yes\n")
      << "nsd and knotd are test packages (install-deps.sh)";
  TempDir dir;
  HeldPort control_hold, nsd_hold, knot_hold;
  const std::uint16_t control_dns = control_hold.port(), nsd_port = nsd_hold.port(), knot_port = knot_hold.port();
  ASSERT_TRUE(control_dns && nsd_port && knot_port);
  control_hold.release();
  ControlOptions o = local_token_options(dir, admin_token_entry(kAdmin));
  o.extra_toml = str_cat("[dns]\nlisten = [\"127.0.0.1:", control_dns, "\"]\n",
                         "[[tsig]]\nname = \"xfr.nsd\"\nsecret = \"", kSecret,
                         "\"\nallow = [\"transfer\"]\nzones = [\"*\"]\n",
                         "[[tsig]]\nname = \"xfr.knot\"\nsecret = \"", kOtherSecret,
                         "\"\nallow = [\"transfer\"]\nzones = [\"*\"]\n",
                         "[[notify]]\naddress = \"127.0.0.1:", nsd_port, "\"\nkey = \"xfr.nsd\"\n",
                         "[[notify]]\naddress = \"127.0.0.1:", knot_port, "\"\nkey = \"xfr.knot\"\n");
  auto control = ControlProcess::start(dir, o);
  ASSERT_TRUE(control);
  RestClient rest(control->rest_url(), test_pki().ca_cert);
  const std::vector<std::string> zones = {"svc.mcp.metacircular.net", "mcp.metacircular.net"};

  std::string nsd_dir = dir.file("nsd"), knot_dir = dir.file("knot");
  std::filesystem::create_directories(nsd_dir);
  std::filesystem::create_directories(knot_dir);
  std::string nsd_conf = str_cat(
      "server:\n  ip-address: 127.0.0.1@", nsd_port, "\n  username: \"\"\n  chroot: \"\"\n  zonesdir: \"", nsd_dir,
      "\"\n  database: \"\"\n  pidfile: \"", nsd_dir, "/nsd.pid\"\n  xfrdfile: \"", nsd_dir, "/xfrd.state\"\n",
      "  xfrdir: \"", nsd_dir, "\"\n  zonelistfile: \"", nsd_dir, "/zone.list\"\n  logfile: \"", nsd_dir,
      "/nsd.log\"\n  verbosity: 2\n  rrl-ratelimit: 0\n  xfrd-reload-timeout: 0\n",
      "remote-control:\n  control-enable: no\n",
      "key:\n  name: \"xfr.nsd\"\n  algorithm: hmac-sha256\n  secret: \"", kSecret, "\"\n");
  for (const auto& z : zones)
    nsd_conf += str_cat("zone:\n  name: \"", z, "\"\n  zonefile: \"", z, ".zone\"\n  request-xfr: 127.0.0.1@", control_dns,
                        " xfr.nsd\n  allow-notify: 127.0.0.1 xfr.nsd\n");
  dir.write("nsd/nsd.conf", nsd_conf);
  std::string knot_conf = str_cat(
      "server:\n  rundir: \"", knot_dir, "\"\n  listen: 127.0.0.1@", knot_port, "\n",
      "log:\n  - target: ", knot_dir, "/knot.log\n    any: info\n",
      "database:\n  storage: \"", knot_dir, "\"\n",
      "key:\n  - id: xfr.knot\n    algorithm: hmac-sha256\n    secret: ", kOtherSecret, "\n",
      "remote:\n  - id: primary\n    address: 127.0.0.1@", control_dns, "\n    key: xfr.knot\n",
      "acl:\n  - id: notify_from_primary\n    address: 127.0.0.1\n    key: xfr.knot\n    action: notify\n",
      "template:\n  - id: default\n    storage: \"", knot_dir, "\"\n    master: primary\n    acl: notify_from_primary\n",
      "zone:\n");
  for (const auto& z : zones) knot_conf += str_cat("  - domain: ", z, "\n");
  dir.write("knot/knot.conf", knot_conf);
  nsd_hold.release();
  knot_hold.release();
  Daemon nsd(dir.file("nsd.daemon.pid"), str_cat("/usr/sbin/nsd -d -c ", nsd_dir, "/nsd.conf"));
  Daemon knot(dir.file("knot.daemon.pid"), str_cat("/usr/sbin/knotd -c ", knot_dir, "/knot.conf"));

  auto serial_of = [&](const std::string& zone) {
    return rest.get(str_cat("/v1/zones/", zone), kAdmin).json()["Serial"].get<std::uint32_t>();
  };
  // +short: the answer section alone (NSD adds NS records in authority).
  auto served = [&](std::uint16_t port, const std::string& zone) {
    std::istringstream words(dns::kdig(port, str_cat("+short SOA ", zone)));
    std::string mname, rname;
    std::uint32_t serial = 0;
    words >> mname >> rname >> serial;
    return serial;
  };
  auto a_of = [&](std::uint16_t port, const std::string& name) {
    return records(dns::kdig(port, str_cat("+short A ", name, ".", kZone)));
  };
  // Every zone over AXFR.
  for (const auto& z : zones)
    for (std::uint16_t port : {nsd_port, knot_port})
      EXPECT_TRUE(within(std::chrono::seconds(15), [&] { return served(port, z) == serial_of(z); }))
          << z << " on port " << port << "\nnsd: " << read_text(nsd_dir + "/nsd.log")
          << "\nknot: " << read_text(knot_dir + "/knot.log");
  if (HasFailure()) return;

  // Each change: the API call returns, both secondaries answer within 2 s.
  for (const char* name : {"first", "second"}) {
    auto created = rest.post(str_cat("/v1/zones/", kZone, "/records"),
                             {{"name", name}, {"type", "A"}, {"value", "10.5.0.1"}}, kAdmin);
    ASSERT_EQ(created.status, 201) << created.body;
    auto t0 = std::chrono::steady_clock::now();
    for (std::uint16_t port : {nsd_port, knot_port}) {
      EXPECT_TRUE(within(std::chrono::milliseconds(2000), [&] { return a_of(port, name).size() == 1; }))
          << name << " on port " << port;
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "%s answered %s %lld ms after the API call\n", port == nsd_port ? "NSD" : "Knot", name,
                   static_cast<long long>(ms));
    }
  }
  auto listed = rest.get(str_cat("/v1/zones/", kZone, "/records?name=second"), kAdmin).json()["records"];
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_EQ(rest.del(str_cat("/v1/zones/", kZone, "/records/", listed[0]["ID"].get<std::int64_t>()), kAdmin).status,
            204);
  for (std::uint16_t port : {nsd_port, knot_port})
    EXPECT_TRUE(within(std::chrono::milliseconds(2000), [&] { return a_of(port, "second").empty(); }))
        << "deleted, still served on port " << port;

  // The later changes went by IXFR to both (the first from the seed serial, which the
  // journal does not hold, by a full transfer).
  auto log = control->log_text();
  EXPECT_NE(log.find(str_cat("ixfr of ", kZone, " serial ")), std::string::npos) << log;
  EXPECT_NE(log.find("to key xfr.nsd: incremental"), std::string::npos) << log;
  EXPECT_NE(log.find("to key xfr.knot: incremental"), std::string::npos) << log;
  auto knot_log = read_text(knot_dir + "/knot.log");
  EXPECT_NE(knot_log.find("IXFR, incoming"), std::string::npos) << knot_log;
  auto metrics = plain_http_get(control->metrics_port(), "/metrics");
  EXPECT_NE(metrics.find("mcns_notify_total{result=\"ok\"}"), std::string::npos) << metrics;

  // A zone deleted and created again starts above the serial it had, so the secondaries
  // (which still hold the old zone) take the new content.
  const std::string other = "mcp.metacircular.net";
  const std::uint32_t old_serial = serial_of(other);
  ASSERT_EQ(rest.del(str_cat("/v1/zones/", other), kAdmin).status, 204);
  ASSERT_EQ(rest.post("/v1/zones", {{"name", other}}, kAdmin).status, 201);
  ASSERT_EQ(rest.post(str_cat("/v1/zones/", other, "/records"), {{"name", "fresh"}, {"type", "A"}, {"value", "10.6.0.1"}},
                      kAdmin)
                .status,
            201);
  EXPECT_GT(serial_of(other), old_serial);
  for (std::uint16_t port : {nsd_port, knot_port})
    EXPECT_TRUE(within(std::chrono::seconds(5), [&] {
      return records(dns::kdig(port, str_cat("+short A fresh.", other))).size() == 1 &&
             served(port, other) == serial_of(other);
    })) << "the recreated zone on port " << port;
}

}  // namespace
}  // namespace mcns::test
