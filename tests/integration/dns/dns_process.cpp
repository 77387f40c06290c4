#include "tests/integration/dns/dns_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/base/strings.h"

namespace mcns::test::dns {

namespace {

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += str_cat(i ? ", " : "", "\"", items[i], "\"");
  return out + "]";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// fork + exec with stdout and stderr to `log_fd`; the child dies with the test process.
pid_t spawn(const std::vector<std::string>& argv, int log_fd) {
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  ::dup2(log_fd, 1);
  ::dup2(log_fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  std::fprintf(stderr, "exec %s failed\n", args[0]);
  ::_exit(127);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` until `timeout`; the exit code, or -2 while still running.
int wait_for(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return decode_status(status);
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a child: no fd to wait on
  }
}

}  // namespace

std::string binary_path(const std::string& name) {
  const char* dir = std::getenv("MCNS_BIN_DIR");
  return str_cat(dir ? dir : "./bin", "/", name);
}

ScratchDir::ScratchDir() {
  char tmpl[] = "/tmp/mcns-dns-it-XXXXXX";
  if (!::mkdtemp(tmpl)) std::abort();
  path_ = tmpl;
  ::chmod(path_.c_str(), 0755);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::write(const std::string& name, const std::string& content) const {
  std::string p = file(name);
  std::ofstream(p) << content;
  ::chmod(p.c_str(), 0644);
  return p;
}

std::string dns_config(const DnsOptions& o) {
  std::string t = str_cat("[dns]\nlisten = ", toml_list(o.listen), "\nthreads = ", o.threads, "\n", o.dns_toml);
  t += str_cat("[forward]\nupstreams = ", toml_list(o.upstreams), "\nallow = ", toml_list(o.allow),
               "\nmax_ttl = ", o.max_ttl, "\nmax_entries = ", o.max_entries, "\n");
  t += str_cat("[zones]\nfiles = ", toml_list(o.zone_files), "\n");
  t += str_cat("[process]\nuser = \"", o.user, "\"\nallow_root = ", o.allow_root ? "true" : "false", "\n");
  t += str_cat("[metrics]\nlisten_addr = \"", o.metrics_listen, "\"\n[log]\nlevel = \"info\"\n");
  t += o.extra_toml;
  return t;
}

std::unique_ptr<DnsProcess> DnsProcess::start(const ScratchDir& dir, const DnsOptions& options) {
  std::string config = dir.write("mcns-dns.toml", dns_config(options));
  std::unique_ptr<DnsProcess> p(new DnsProcess());
  p->log_path_ = dir.file("mcns-dns.log");
  int fd = ::open(p->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return nullptr;
  std::vector<std::string> argv = options.exec_prefix;
  argv.push_back(binary_path("mcns-dns"));
  argv.insert(argv.end(), {"server", "--config", config});
  // The log fd must survive exec in the child: dup2 onto 1/2 clears O_CLOEXEC there.
  p->pid_ = spawn(argv, fd);
  ::close(fd);

  auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = p->log();
    auto at = log.find("listening dns=");
    if (at != std::string::npos && log.find('\n', at) != std::string::npos) {
      std::string line = log.substr(at, log.find('\n', at) - at);
      for (const auto& field : split(line, ' ')) {
        if (field.starts_with("dns=")) {
          for (auto a : split(field.substr(4), ',')) p->dns_addresses_.emplace_back(a);
          const std::string& first = p->dns_addresses_.at(0);
          p->dns_port_ = parse_int<std::uint16_t>(std::string_view(first).substr(first.rfind(':') + 1)).value_or(0);
        } else if (field.starts_with("metrics=") && field != "metrics=off") {
          p->metrics_port_ = parse_int<std::uint16_t>(field.substr(field.rfind(':') + 1)).value_or(0);
        }
      }
      return p;
    }
    if (!p->alive()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // waiting for a log line
  }
  std::fprintf(stderr, "mcns-dns did not start; its log:\n%s\n", p->log().c_str());
  return nullptr;
}

int DnsProcess::run(const std::vector<std::string>& args, std::string& output, std::chrono::milliseconds timeout) {
  char tmpl[] = "/tmp/mcns-dns-run-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) return -1;
  std::vector<std::string> argv = {binary_path("mcns-dns")};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_t pid = spawn(argv, fd);
  ::close(fd);
  int code = wait_for(pid, timeout);
  if (code == -2) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    code = -1;
  }
  output = read_file(tmpl);
  ::unlink(tmpl);
  return code;
}

DnsProcess::~DnsProcess() {
  if (pid_ > 0 && exit_code_ == -1 && alive()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string DnsProcess::log() const { return read_file(log_path_); }

bool DnsProcess::alive() const {
  if (exit_code_ != -1) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    const_cast<DnsProcess*>(this)->exit_code_ = decode_status(status);
    return false;
  }
  return r == 0;
}

int DnsProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (exit_code_ != -1) return exit_code_;
  int code = wait_for(pid_, timeout);
  if (code == -2) return -1;
  exit_code_ = code;
  return code;
}

int DnsProcess::stop(std::chrono::milliseconds timeout) {
  if (!alive()) return exit_code_;
  ::kill(pid_, SIGTERM);
  int code = wait_exit(timeout);
  if (code == -1) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exit_code_ = 137;
  }
  return code;
}

bool DnsProcess::freeze(std::chrono::milliseconds timeout) {
  if (!alive() || ::kill(pid_, SIGSTOP) != 0) return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    siginfo_t info{};
    // WNOWAIT: only looks, so an exit is still there for alive() to reap.
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WSTOPPED | WEXITED | WNOHANG | WNOWAIT) != 0) return false;
    if (info.si_pid == pid_) return info.si_code == CLD_STOPPED;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // polling a child: no fd to wait on
  }
}

}  // namespace mcns::test::dns
