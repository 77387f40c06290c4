#pragma once
// Starts the real `mcns-control server` binary ($MCNS_BIN_DIR/mcns-control) on ephemeral
// loopback ports with a fresh SQLite file and the test PKI, waits for its start-up line
//   "listening rest=127.0.0.1:P1 grpc=127.0.0.1:P2 metrics=127.0.0.1:P3"
// and reads the ports from it. Its log (stderr) is collected line by line, so tests can
// wait for a line instead of sleeping, and echoed to the test's stderr. The destructor
// kills whatever is still running.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {

struct ControlOptions {
  std::string auth_mode = "mcias";  // "mcias" | "local"
  std::string mcias_url;            // for mcias mode
  std::string mcias_ca;             // default: the test CA
  std::string service_name = "mcns";
  std::vector<std::string> tags = {"env:test", "node:ci"};
  std::string local_tokens_file;    // for local mode
  std::vector<std::string> record_admins = {"mcp-agent"};
  std::vector<std::string> sync_allowed = {"mcns-dns"};
  std::string database;             // default: <dir>/mcns.db
  std::string log_level = "info";
  std::map<std::string, std::string> env;  // extra environment
  std::string extra_toml;                   // appended to the config ([dns], [[tsig]], ...)
  std::chrono::milliseconds start_timeout{20000};
};

// Path of a built binary: $MCNS_BIN_DIR/<name>.
std::string binary_path(const std::string& name);

class ControlProcess {
 public:
  // Writes the config into `dir`, starts the binary and waits for "listening". Returns
  // null (and prints why, with the log) when it did not come up.
  static std::unique_ptr<ControlProcess> start(const TempDir& dir, const ControlOptions& options);
  // Writes the config and starts the binary without waiting for anything (tests of
  // start-up failures); null only when fork/exec plumbing failed.
  static std::unique_ptr<ControlProcess> launch(const TempDir& dir, const ControlOptions& options);
  // Waits for the process to exit by itself; its exit code, or -1 on timeout.
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  ~ControlProcess();

  std::uint16_t rest_port() const noexcept { return rest_port_; }
  std::uint16_t grpc_port() const noexcept { return grpc_port_; }
  std::uint16_t metrics_port() const noexcept { return metrics_port_; }
  // The DNS listener's port when [dns] listen has one address (0: none).
  std::uint16_t dns_port() const noexcept { return dns_port_; }
  std::string rest_url() const;     // https://localhost:P1
  std::string grpc_target() const;  // localhost:P2
  const std::string& config_path() const noexcept { return config_path_; }
  pid_t pid() const noexcept { return pid_; }

  // Waits until a log line contains `needle` (counting only lines after the first
  // `skip` lines); false on timeout or exit.
  bool wait_for_log(const std::string& needle, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                    std::size_t skip = 0);
  std::vector<std::string> log_lines() const;
  std::size_t log_size() const;
  // Every log line so far joined, for assertions like "the token never appears".
  std::string log_text() const;

  void send_signal(int sig);
  // Sends `sig` and waits for the exit; returns the exit code (128+signal when killed),
  // or -1 when it had to be killed after `timeout`.
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(40));
  bool running() const;

 private:
  ControlProcess() = default;
  void reader_loop(int fd);
  int reap(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string config_path_;
  std::uint16_t rest_port_ = 0, grpc_port_ = 0, metrics_port_ = 0, dns_port_ = 0;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;  // guarded by mu_
  bool eof_ = false;                // guarded by mu_
};

}  // namespace mcns::test
