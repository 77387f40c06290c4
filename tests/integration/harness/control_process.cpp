#include "tests/integration/harness/control_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/base/strings.h"
#include "tests/integration/harness/pki.h"

extern char** environ;

namespace mcns::test {

namespace {

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += str_cat(i ? ", " : "", "\"", items[i], "\"");
  return out + "]";
}

// "rest=127.0.0.1:1234" -> 1234
std::uint16_t port_after(const std::string& line, const std::string& key) {
  auto pos = line.find(key + "=");
  if (pos == std::string::npos) return 0;
  auto end = line.find(' ', pos);
  std::string addr = line.substr(pos + key.size() + 1, end == std::string::npos ? std::string::npos : end - pos - key.size() - 1);
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return 0;
  return parse_int<std::uint16_t>(addr.substr(colon + 1)).value_or(0);
}

}  // namespace

std::string binary_path(const std::string& name) {
  const char* dir = std::getenv("MCNS_BIN_DIR");
  return str_cat(dir && *dir ? dir : ".", "/", name);
}

std::unique_ptr<ControlProcess> ControlProcess::start(const TempDir& dir, const ControlOptions& o) {
  auto p = launch(dir, o);
  if (!p) return nullptr;
  if (!p->wait_for_log("listening rest=", o.start_timeout)) {
    std::fprintf(stderr, "mcns-control did not start; its log:\n%s\n", p->log_text().c_str());
    return nullptr;
  }
  for (const auto& line : p->log_lines()) {
    if (line.find("listening rest=") == std::string::npos) continue;
    p->rest_port_ = port_after(line, "rest");
    p->grpc_port_ = port_after(line, "grpc");
    p->metrics_port_ = port_after(line, "metrics");
    if (line.find(" dns=off") == std::string::npos && line.find(" dns=") != std::string::npos)
      p->dns_port_ = port_after(line, "dns");
  }
  return p;
}

int ControlProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_ >= 0) return exit_code_;
  return reap(timeout);
}

std::unique_ptr<ControlProcess> ControlProcess::launch(const TempDir& dir, const ControlOptions& o) {
  const Pki& pki = test_pki();
  std::string config = str_cat(
      "[server]\nlisten_addr = \"127.0.0.1:0\"\ngrpc_addr = \"127.0.0.1:0\"\n",
      "tls_cert = \"", pki.server_cert, "\"\ntls_key = \"", pki.server_key, "\"\n",
      "[database]\npath = \"", o.database.empty() ? dir.file("mcns.db") : o.database, "\"\n",
      "[mcias]\nserver_url = \"", o.mcias_url, "\"\nca_cert = \"", o.mcias_ca.empty() ? pki.ca_cert : o.mcias_ca,
      "\"\nservice_name = \"", o.service_name, "\"\ntags = ", toml_list(o.tags), "\n",
      "[auth]\nmode = \"", o.auth_mode, "\"\nlocal_tokens_file = \"", o.local_tokens_file, "\"\n",
      "record_admins = ", toml_list(o.record_admins), "\n",
      "[sync]\nallowed_accounts = ", toml_list(o.sync_allowed), "\n",
      "[metrics]\nlisten_addr = \"127.0.0.1:0\"\n",
      "[log]\nlevel = \"", o.log_level, "\"\n", o.extra_toml);
  std::unique_ptr<ControlProcess> p(new ControlProcess());
  p->config_path_ = dir.write("mcns-control.toml", config);

  // The child's environment: ours without anything that would override the config.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv = *e;
    if (kv.starts_with("MCNS_") && !kv.starts_with("MCNS_BIN_DIR=") && !kv.starts_with("MCNS_SOURCE_DIR=")) continue;
    if (kv.starts_with("PORT=") || kv.starts_with("PORT_GRPC=")) continue;
    env.emplace_back(kv);
  }
  for (const auto& [k, v] : o.env) env.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string bin = binary_path("mcns-control");
  std::vector<std::string> args = {bin, "server", "--config", p->config_path_};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  pid_t pid = ::fork();
  if (pid < 0) return nullptr;
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    // Nothing else of the test process may leak into the child: Asio and gRPC sockets
    // are not close-on-exec, and an inherited listening socket of the fake MCIAS would
    // keep its port bound (and accepting into a queue nobody reads) after it stopped.
    ::close_range(3, ~0U, 0);
    ::execve(bin.c_str(), argv.data(), envp.data());
    std::fprintf(stderr, "exec %s: %s\n", bin.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(fds[1]);
  p->pid_ = pid;
  p->reader_ = std::thread([raw = p.get(), fd = fds[0]] { raw->reader_loop(fd); });
  return p;
}

ControlProcess::~ControlProcess() {
  if (running()) stop(SIGKILL, std::chrono::seconds(10));
  if (reader_.joinable()) reader_.join();
}

void ControlProcess::reader_loop(int fd) {
  std::string pending;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      std::fprintf(stderr, "[mcns-control] %s\n", line.c_str());
      std::lock_guard lock(mu_);
      lines_.push_back(std::move(line));
      cv_.notify_all();
    }
  }
  ::close(fd);
  std::lock_guard lock(mu_);
  if (!pending.empty()) lines_.push_back(pending);
  eof_ = true;
  cv_.notify_all();
}

bool ControlProcess::wait_for_log(const std::string& needle, std::chrono::milliseconds timeout, std::size_t skip) {
  std::unique_lock lock(mu_);
  std::size_t checked = skip;
  return cv_.wait_for(lock, timeout, [&] {
    for (; checked < lines_.size(); ++checked)
      if (lines_[checked].find(needle) != std::string::npos) return true;
    return eof_;
  }) && checked < lines_.size();
}

std::vector<std::string> ControlProcess::log_lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}
std::size_t ControlProcess::log_size() const {
  std::lock_guard lock(mu_);
  return lines_.size();
}
std::string ControlProcess::log_text() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& l : lines_) out += l + "\n";
  return out;
}

std::string ControlProcess::rest_url() const { return str_cat("https://localhost:", rest_port_); }
std::string ControlProcess::grpc_target() const { return str_cat("localhost:", grpc_port_); }

void ControlProcess::send_signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

bool ControlProcess::running() const { return pid_ > 0 && exit_code_ < 0 && ::kill(pid_, 0) == 0; }

int ControlProcess::reap(std::chrono::milliseconds timeout) {
  // The log pipe closes when the process exits: wait for that, then collect the status.
  {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, timeout, [&] { return eof_; })) return -1;
  }
  int status = 0;
  if (::waitpid(pid_, &status, 0) != pid_) return -1;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return exit_code_;
}

int ControlProcess::stop(int sig, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  if (exit_code_ >= 0) return exit_code_;
  ::kill(pid_, sig);
  int code = reap(timeout);
  if (code < 0) {
    ::kill(pid_, SIGKILL);
    reap(std::chrono::seconds(10));
    return -1;
  }
  return code;
}

}  // namespace mcns::test
