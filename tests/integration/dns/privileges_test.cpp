// Privilege handling: started as root, mcns-dns binds and then drops to
// [process] user; started as that user with CAP_NET_BIND_SERVICE it binds a privileged
// port itself. Both need root to set up, so they are skipped otherwise.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/dns/test_zones.h"

namespace mcns::test::dns {
namespace {

// The "Uid:" or "Gid:" line of /proc/<pid>/status: real, effective, saved, filesystem.
std::string status_line(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with(key + ":")) return line;
  return "";
}

bool port_free(std::uint16_t port) {
  bool ok = true;
  for (int type : {SOCK_DGRAM, SOCK_STREAM}) {
    int fd = ::socket(AF_INET, type, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ok = ok && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
  }
  return ok;
}

TEST(Privileges, RootDropsToTheConfiguredUserAfterBinding) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  ScratchDir dir;
  DnsOptions o;
  o.zone_files = {dir.write("example.zone", example_zone())};
  o.user = "nobody";
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(status_line(dns->pid(), "Uid"), "Uid:\t65534\t65534\t65534\t65534");
  EXPECT_EQ(status_line(dns->pid(), "Gid"), "Gid:\t65534\t65534\t65534\t65534");
  EXPECT_EQ(status_line(dns->pid(), "Groups"), "Groups:\t65534 ");
  // Every thread, including the metrics listener's started before the drop.
  int threads = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(dns->pid()) + "/task")) {
    std::ifstream in(task.path() / "status");
    std::string line;
    while (std::getline(in, line))
      if (line.starts_with("Uid:")) {
        EXPECT_EQ(line, "Uid:\t65534\t65534\t65534\t65534") << task.path();
      }
    ++threads;
  }
  EXPECT_GE(threads, 4);  // main, metrics, workers, UDP
  EXPECT_EQ(kdig(dns->dns_port(), "+short www.example.com A"), "192.0.2.10\n");
  EXPECT_EQ(kdig(dns->dns_port(), "+tcp +short www.example.com A"), "192.0.2.10\n");
  EXPECT_EQ(http_get(dns->metrics_port(), "/readyz").status, 200);
  EXPECT_NE(dns->log().find("dropped privileges to user nobody"), std::string::npos) << dns->log();
  EXPECT_EQ(dns->stop(), 0);
}

TEST(Privileges, RunsAsTheUserWithCapNetBindService) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a process with an ambient capability";
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) not installed";
  std::uint16_t port = 0;
  for (std::uint16_t p = 700; p < 1000 && port == 0; p += 7)
    if (port_free(p)) port = p;
  if (port == 0) GTEST_SKIP() << "no free privileged port on 127.0.0.1";
  ScratchDir dir;
  DnsOptions o;
  o.listen = {"127.0.0.1:" + std::to_string(port)};
  o.zone_files = {dir.write("example.zone", example_zone())};
  o.user = "nobody";
  o.exec_prefix = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service"};
  auto dns = DnsProcess::start(dir, o);
  ASSERT_NE(dns, nullptr);
  EXPECT_EQ(dns->dns_port(), port);
  EXPECT_EQ(status_line(dns->pid(), "Uid"), "Uid:\t65534\t65534\t65534\t65534");
  EXPECT_EQ(kdig(port, "+short www.example.com A"), "192.0.2.10\n");
  EXPECT_EQ(dns->stop(), 0);
}

}  // namespace
}  // namespace mcns::test::dns
