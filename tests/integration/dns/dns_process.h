#pragma once
// Starts the real `mcns-dns server` binary ($MCNS_BIN_DIR/mcns-dns) for integration tests:
// writes a config into a directory, launches the process with its stderr in
// <dir>/mcns-dns.log, and waits for its start-up line
//   "listening dns=127.0.0.1:P[,ADDR...] threads=N metrics=127.0.0.1:M|off forward=on|off zones=N ready=B"
// (DNS listeners on port 0 all share one kernel-chosen port, so no free-port guessing).
// The destructor kills whatever is still running. Reusable by other integration folders
// (e.g. a sync test that starts control and frontends together).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mcns::test::dns {

// $MCNS_BIN_DIR/<name>.
std::string binary_path(const std::string& name);

// A fresh directory under /tmp, removed at the end. Mode 0755 so a process that dropped
// to another user can still read the files written into it.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const noexcept { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` (mode 0644) and returns the path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

struct DnsOptions {
  std::vector<std::string> listen = {"127.0.0.1:0"};
  int threads = 2;
  std::string dns_toml;  // extra lines inside [dns] (e.g. "tcp_max_per_client = 4\n")
  std::vector<std::string> zone_files;
  std::vector<std::string> upstreams;  // empty: forwarding off
  std::vector<std::string> allow = {"127.0.0.0/8", "::1/128"};
  std::uint32_t max_ttl = 300;
  std::uint32_t max_entries = 1000;
  std::string user;                             // [process] user
  // [process] allow_root: on by default because CI runs the tests as root, and mcns-dns
  // refuses to keep root without it (or a user). Off only in the test of that refusal.
  bool allow_root = true;
  std::string metrics_listen = "127.0.0.1:0";   // "" : no metrics listener
  std::string extra_toml;                       // appended verbatim (e.g. a [control] section)
  std::vector<std::string> exec_prefix;         // e.g. {"/usr/bin/setpriv", "--reuid=65534", ...}
  std::chrono::milliseconds start_timeout{15000};
};

// The TOML text for `options`.
std::string dns_config(const DnsOptions& options);

class DnsProcess {
 public:
  // Writes <dir>/mcns-dns.toml, starts the binary and waits for "listening"; null (after
  // printing the log) when it did not come up.
  static std::unique_ptr<DnsProcess> start(const ScratchDir& dir, const DnsOptions& options);
  // Runs `mcns-dns <args...>` to completion (check-config, start-up failures) and
  // returns its exit code; its stdout+stderr go to `output`.
  static int run(const std::vector<std::string>& args, std::string& output,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~DnsProcess();

  pid_t pid() const noexcept { return pid_; }
  std::uint16_t dns_port() const noexcept { return dns_port_; }
  std::uint16_t metrics_port() const noexcept { return metrics_port_; }
  const std::vector<std::string>& dns_addresses() const noexcept { return dns_addresses_; }
  std::string log() const;
  bool alive() const;

  // SIGTERM, then waits; the exit code (or -1 when it had to be killed after `timeout`).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(35));

  // SIGSTOP, then waits until the whole process has stopped; false if it did not within
  // `timeout`. kill() returns before that: only the thread that takes the signal starts
  // the group stop, and until it runs the other threads go on (a frontend can still read
  // a change off its watch stream, apply it and report it). The kernel tells the parent
  // (waitid WSTOPPED) only once every thread has stopped. SIGCONT resumes it.
  bool freeze(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  DnsProcess() = default;
  int wait_exit(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  std::string log_path_;
  std::uint16_t dns_port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::vector<std::string> dns_addresses_;
  int exit_code_ = -1;
};

}  // namespace mcns::test::dns
