// mcnsctl end to end: the real mcnsctl binary run as a child process (pipes for stdin,
// stdout and stderr, a private HOME, no MCNS_* variables inherited) against the real
// mcns-control and a fake MCIAS speaking the real protocol. The assertions are on what a
// person sees: the lines printed and the exit codes.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/fake_mcias.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A running mcnsctl with its three pipes.
class Child {
 public:
  Child(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) std::abort();
    std::vector<std::string> argv_s = {binary_path("mcnsctl")};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      std::vector<char*> argv, envp;
      for (auto& a : argv_s) argv.push_back(a.data());
      argv.push_back(nullptr);
      for (auto& e : env_s) envp.push_back(e.data());
      envp.push_back(nullptr);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && exit_code_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    for (int fd : {in_, out_, err_})
      if (fd >= 0) close(fd);
  }

  void write_stdin(const std::string& text) {
    if (!text.empty() && ::write(in_, text.data(), text.size()) < 0) ADD_FAILURE() << "write to mcnsctl failed";
  }
  void close_stdin() {
    close(in_);
    in_ = -1;
  }

  // Reads what is available into out/err until `done` holds or `deadline`; false on timeout.
  bool pump_until(const std::function<bool()>& done, Clock::time_point deadline) {
    while (!done()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
      int n = poll(fds, 2, static_cast<int>(left));
      if (n <= 0) continue;
      bool eof = true;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0) continue;
        if (fds[i].revents & (POLLIN | POLLHUP)) {
          char buf[4096];
          ssize_t got = read(fds[i].fd, buf, sizeof buf);
          if (got > 0) {
            (i == 0 ? out : err).append(buf, static_cast<std::size_t>(got));
            eof = false;
          } else if (i == 0) {
            out_closed_ = true;
          } else {
            err_closed_ = true;
          }
        } else {
          eof = false;
        }
      }
      if (out_closed_ && err_closed_) return done();
      (void)eof;
    }
    return true;
  }

  // Reads everything, then reaps; the exit code, or -1 on timeout.
  int finish(std::chrono::milliseconds timeout = 15s) {
    close_stdin();
    auto deadline = Clock::now() + timeout;
    if (!pump_until([this] { return out_closed_ && err_closed_; }, deadline)) return -1;
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  std::string out, err;

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool out_closed_ = false, err_closed_ = false;
  int exit_code_ = -1;
};

struct CtlRun {
  int code = -1;
  std::string out, err;
};

class McnsctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mcias_.add_token("tok-admin", {.username = "root", .roles = {"admin"}});
    mcias_.add_token("tok-guest", {.username = "visitor", .roles = {"guest"}});
    mcias_.add_token("tok-user", {.username = "bob", .roles = {"user"}});
    mcias_.add_token("tok-alice", {.username = "alice", .roles = {"admin"}});
    mcias_.add_user("alice", {.password = "correct horse", .token = "tok-alice"});
    ControlOptions o;
    o.mcias_url = mcias_.url();
    control_ = ControlProcess::start(dir_, o);
    ASSERT_TRUE(control_) << "mcns-control did not start";
    rest_ = std::make_unique<RestClient>(control_->rest_url(), test_pki().ca_cert);
    home_ = dir_.path() + "/home";
    std::filesystem::create_directories(home_);
  }

  std::map<std::string, std::string> env(const std::map<std::string, std::string>& extra = {}) const {
    std::map<std::string, std::string> e = {{"HOME", home_}, {"PATH", "/usr/bin:/bin"}};
    for (const auto& [k, v] : extra) e[k] = v;
    return e;
  }
  // The server and CA as flags; everything else as the test says.
  std::vector<std::string> with_server(std::vector<std::string> args) const {
    args.insert(args.end(), {"--server", control_->grpc_target(), "--ca-cert", test_pki().ca_cert});
    return args;
  }
  CtlRun run(const std::vector<std::string>& args, const std::map<std::string, std::string>& extra_env = {},
          const std::string& input = "") {
    Child c(args, env(extra_env));
    c.write_stdin(input);
    CtlRun r;
    r.code = c.finish();
    r.out = c.out;
    r.err = c.err;
    return r;
  }
  // As an admin (MCNS_TOKEN), against the test control.
  CtlRun admin(std::vector<std::string> args) { return run(with_server(std::move(args)), {{"MCNS_TOKEN", "tok-admin"}}); }

  void make_zone(const std::string& zone) {
    auto r = rest_->post("/v1/zones", {{"name", zone}}, "tok-admin");
    ASSERT_EQ(r.status, 201) << r.body;
  }

  FakeMcias mcias_;
  TempDir dir_;
  std::unique_ptr<ControlProcess> control_;
  std::unique_ptr<RestClient> rest_;
  std::string home_;
};

std::uint16_t closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);  // nothing listens there now
  return ntohs(a.sin_port);
}

TEST_F(McnsctlTest, ScriptedSession) {
  const std::string token_file = home_ + "/.config/mcns/token";

  // login: the password comes from standard input (not a terminal), the token is stored 0600.
  auto login = run(with_server({"login", "--username", "alice"}), {}, "correct horse\n");
  ASSERT_EQ(login.code, 0) << login.err;
  EXPECT_NE(login.out.find("Logged in as alice; token saved to " + token_file), std::string::npos) << login.out;
  std::ifstream tf(token_file);
  std::string stored;
  std::getline(tf, stored);
  EXPECT_EQ(stored, "tok-alice");
  struct stat st{};
  ASSERT_EQ(stat(token_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  auto wrong = run(with_server({"login", "-u", "alice"}), {}, "wrong\n");
  EXPECT_EQ(wrong.code, 1);
  EXPECT_EQ(wrong.err, "mcnsctl: invalid credentials\n");

  // Global flags after the command, and the token from the default file.
  auto created = run({"zones", "create", "lab.example.net", "--refresh", "7200", "--server", control_->grpc_target(),
                      "--ca-cert", test_pki().ca_cert, "-o", "json"});
  ASSERT_EQ(created.code, 0) << created.err;
  auto zone = nlohmann::json::parse(created.out);
  EXPECT_EQ(zone["Name"], "lab.example.net");
  EXPECT_EQ(zone["Refresh"], 7200);

  // Global flags before the command, settings from the environment.
  auto ls = run({"--server", control_->grpc_target(), "zones", "ls"}, {{"MCNS_CA_CERT", test_pki().ca_cert}});
  ASSERT_EQ(ls.code, 0) << ls.err;
  ASSERT_EQ(ls.out.rfind("NAME", 0), 0u) << ls.out;
  auto serial_col = ls.out.find("SERIAL");
  auto row = ls.out.find("lab.example.net");
  ASSERT_NE(row, std::string::npos) << ls.out;
  auto row_start = ls.out.rfind('\n', row) + 1;
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(ls.out[row_start + serial_col])))
      << "the serial sits under SERIAL:\n" << ls.out;

  auto ls_json = run(with_server({"zones", "ls", "-o", "json"}));
  ASSERT_EQ(ls_json.code, 0) << ls_json.err;
  auto zones = nlohmann::json::parse(ls_json.out)["zones"];
  ASSERT_TRUE(zones.is_array());
  bool found = false;
  for (const auto& z : zones) found = found || z["Name"] == "lab.example.net";
  EXPECT_TRUE(found) << ls_json.out;

  // records add / ls / update / rm
  auto add = run(with_server({"records", "add", "lab.example.net", "www", "A", "192.0.2.1", "--ttl", "600", "-o", "json"}));
  ASSERT_EQ(add.code, 0) << add.err;
  auto record = nlohmann::json::parse(add.out);
  EXPECT_EQ(record["Value"], "192.0.2.1");
  EXPECT_EQ(record["TTL"], 600);
  const std::string id = std::to_string(record["ID"].get<std::int64_t>());

  auto rls = run(with_server({"records", "ls", "lab.example.net", "--type", "A"}));
  ASSERT_EQ(rls.code, 0) << rls.err;
  ASSERT_GE(id.size(), 2u) << "the seed zones use the first IDs";
  EXPECT_EQ(rls.out, "ID" + std::string(id.size() - 2, ' ') + "  NAME  TYPE  VALUE      TTL\n" + id +
                         "  www   A     192.0.2.1  600\n");

  auto upd = run(with_server({"records", "update", "lab.example.net", id, "--value", "192.0.2.2", "-o", "json"}));
  ASSERT_EQ(upd.code, 0) << upd.err;
  auto updated = nlohmann::json::parse(upd.out);
  EXPECT_EQ(updated["Value"], "192.0.2.2");
  EXPECT_EQ(updated["TTL"], 600) << "fields not given keep their value";
  EXPECT_EQ(updated["Name"], "www");

  // A refusal carries the server's own message (the same as REST's), exit 1.
  auto bad = run(with_server({"records", "add", "lab.example.net", "mail", "A", "not-an-address"}));
  EXPECT_EQ(bad.code, 1);
  auto rest_bad = rest_->post("/v1/zones/lab.example.net/records",
                              {{"name", "mail"}, {"type", "A"}, {"value", "not-an-address"}}, "tok-admin");
  ASSERT_EQ(rest_bad.status, 400);
  EXPECT_EQ(bad.err, "mcnsctl: " + rest_bad.error_message() + "\n");

  auto rm = run(with_server({"records", "rm", "lab.example.net", "www", "A"}));
  ASSERT_EQ(rm.code, 0) << rm.err;
  EXPECT_EQ(rm.out, "Deleted record " + id + " from lab.example.net\n");
  auto gone = run(with_server({"records", "ls", "lab.example.net", "--name", "www", "-o", "json"}));
  ASSERT_EQ(gone.code, 0);
  EXPECT_TRUE(nlohmann::json::parse(gone.out)["records"].empty());
  auto rm_again = run(with_server({"records", "rm", "lab.example.net", id}));
  EXPECT_EQ(rm_again.code, 1);
  EXPECT_NE(rm_again.err.find("mcnsctl: "), std::string::npos);

  // import replaces the zone's records.
  const std::string file = dir_.path() + "/lab.zone";
  std::ofstream(file) << "$TTL 300\n"
                         "@   IN SOA ns.example.net. hostmaster.example.net. 1 3600 600 86400 300\n"
                         "@   IN NS  ns.example.net.\n"
                         "api IN A   192.0.2.10\n"
                         "web IN CNAME api\n";
  // The file's NS replaces the zone's first one (ns.lab.example.net.): 3 added, 1 removed.
  auto imp = run(with_server({"import", "lab.example.net", file}));
  ASSERT_EQ(imp.code, 0) << imp.err;
  EXPECT_EQ(imp.out.rfind("Imported zone lab.example.net: 3 added, 1 removed, 0 updated, 0 unchanged; serial ", 0), 0u) << imp.out;
  auto after = rest_->get("/v1/zones/lab.example.net/records", "tok-admin").json()["records"];
  EXPECT_EQ(after.size(), 3u) << after.dump();
  std::ofstream(dir_.path() + "/broken.zone") << "api IN A 192.0.2.10\n";
  auto broken = run(with_server({"import", "lab.example.net", dir_.path() + "/broken.zone"}));
  EXPECT_EQ(broken.code, 1);
  EXPECT_NE(broken.err.find("SOA"), std::string::npos) << broken.err;

  // export: the zone file, SOA first, to standard output or a file.
  auto exp = run(with_server({"export", "lab.example.net"}));
  ASSERT_EQ(exp.code, 0) << exp.err;
  EXPECT_NE(exp.out.find("$ORIGIN lab.example.net.\n@\t300\tIN\tSOA\t"), std::string::npos) << exp.out;
  EXPECT_NE(exp.out.find("api\t300\tIN\tA\t192.0.2.10\n"), std::string::npos) << exp.out;
  auto exp_file = run(with_server({"export", "lab.example.net", "--out", dir_.path() + "/exported.zone"}));
  EXPECT_EQ(exp_file.code, 0) << exp_file.err;
  std::stringstream written;
  written << std::ifstream(dir_.path() + "/exported.zone").rdbuf();
  EXPECT_EQ(written.str(), exp.out);
  EXPECT_EQ(run(with_server({"export", "nope.example.net"})).code, 1);

  // Usage errors: exit 2, one line naming the problem.
  auto missing = run(with_server({"records", "add", "lab.example.net", "www"}));
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err.rfind("mcnsctl: ", 0), 0u) << missing.err;
  EXPECT_EQ(run(with_server({"zones", "ls", "-o", "yaml"})).code, 2);
  EXPECT_EQ(run({"frobnicate"}).code, 2);
  auto help = run({"records", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* c : {"ls", "add", "update", "rm"}) EXPECT_NE(help.out.find(c), std::string::npos) << help.out;

  // logout: the Logout RPC reaches MCIAS with the token, and the stored token is removed.
  auto out = run(with_server({"logout"}));
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_FALSE(std::filesystem::exists(token_file));
  auto logouts = mcias_.logout_tokens();
  ASSERT_FALSE(logouts.empty());
  EXPECT_EQ(logouts.back(), "tok-alice");

  // --totp is forwarded to MCIAS.
  auto totp = run(with_server({"login", "-u", "alice", "--totp", "123456", "--token-file", dir_.path() + "/t2"}), {},
                  "correct horse\n");
  ASSERT_EQ(totp.code, 0) << totp.err;
  auto body = nlohmann::json::parse(mcias_.login_bodies().back());
  EXPECT_EQ(body["totp_code"], "123456");
}

TEST_F(McnsctlTest, ApplyHistoryRollbackAndWait) {
  make_zone("cc.example.net");
  auto zone = rest_->get("/v1/zones/cc.example.net", "tok-admin").json();
  const std::uint32_t start = zone["Serial"];

  // --wait with no frontend following the control returns at once.
  auto add = admin({"records", "add", "cc.example.net", "www", "A", "192.0.2.10", "--wait"});
  ASSERT_EQ(add.code, 0) << add.err;

  dir_.write("batch.json", R"({"ops":[
      {"op":"add","record":{"name":"api","type":"A","value":"192.0.2.11"}},
      {"op":"add","record":{"name":"txt","type":"TXT","value":"\"hello\"","ttl":60}},
      {"op":"remove","name":"www","type":"A","value":"192.0.2.10"}]})");
  auto applied = admin({"apply", "cc.example.net", dir_.path() + "/batch.json", "-o", "json"});
  ASSERT_EQ(applied.code, 0) << applied.err;
  auto change = nlohmann::json::parse(applied.out);
  EXPECT_EQ(change["Serial"], start + 2);
  EXPECT_EQ(change["Via"], "grpc");
  EXPECT_EQ(change["Ops"].size(), 4u) << applied.out;  // the zone op and three record ops

  // A batch with one bad op changes nothing and says which op.
  dir_.write("bad.json", R"({"ops":[{"op":"add","record":{"name":"ok","type":"A","value":"192.0.2.12"}},
                                    {"op":"add","record":{"name":"no","type":"A","value":"999.0.0.1"}}]})");
  auto bad = admin({"apply", "cc.example.net", dir_.path() + "/bad.json"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("operation 2"), std::string::npos) << bad.err;
  dir_.write("broken.json", "{\"ops\": [");
  EXPECT_EQ(admin({"apply", "cc.example.net", dir_.path() + "/broken.json"}).code, 2);
  EXPECT_EQ(rest_->get("/v1/zones/cc.example.net", "tok-admin").json()["Serial"], start + 2);

  auto history = admin({"history", "cc.example.net", "--after-serial", std::to_string(start)});
  ASSERT_EQ(history.code, 0) << history.err;
  EXPECT_NE(history.out.find("VIA"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("add api A 192.0.2.11"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("remove www A 192.0.2.10"), std::string::npos) << history.out;

  auto rolled = admin({"rollback", "cc.example.net", std::to_string(start + 1), "--wait", "-o", "json"});
  ASSERT_EQ(rolled.code, 0) << rolled.err;
  EXPECT_EQ(nlohmann::json::parse(rolled.out)["Via"], "rollback");
  auto records = rest_->get("/v1/zones/cc.example.net/records", "tok-admin").json()["records"];
  std::set<std::string> names;
  for (const auto& r : records) names.insert(r["Name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"@", "www"}));

  auto listed = admin({"history", "cc.example.net", "--limit", "2", "-o", "json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(nlohmann::json::parse(listed.out)["changes"].size(), 2u);
  EXPECT_EQ(admin({"rollback", "cc.example.net", "12345"}).code, 1);
  EXPECT_EQ(run(with_server({"history", "cc.example.net"})).code, 1) << "no token: refused by the server";
}

TEST_F(McnsctlTest, ErrorsAPersonCanActOn) {
  // Invalid or expired token: say how to log in again.
  auto expired = run(with_server({"zones", "ls"}), {{"MCNS_TOKEN", "tok-expired"}});
  EXPECT_EQ(expired.code, 1);
  EXPECT_EQ(expired.err, "mcnsctl: invalid or expired token; log in again with: mcnsctl login\n");

  // Authorization is the server's: a guest gets its 403 message.
  auto guest = run(with_server({"zones", "ls"}), {{"MCNS_TOKEN", "tok-guest"}});
  EXPECT_EQ(guest.code, 1);
  auto rest_guest = rest_->get("/v1/zones", "tok-guest");
  ASSERT_EQ(rest_guest.status, 403);
  EXPECT_EQ(guest.err, "mcnsctl: " + rest_guest.error_message() + "\n");
  auto user_create = run(with_server({"zones", "create", "x.example.net"}), {{"MCNS_TOKEN", "tok-user"}});
  EXPECT_EQ(user_create.code, 1);
  EXPECT_NE(user_create.err.find("permission denied"), std::string::npos) << user_create.err;

  // Connection refused names the address.
  const std::string closed = "127.0.0.1:" + std::to_string(closed_port());
  auto refused = run({"health", "--server", closed, "--ca-cert", test_pki().ca_cert});
  EXPECT_EQ(refused.code, 2);
  EXPECT_EQ(refused.err, "mcnsctl: cannot connect to " + closed + ": connection refused\n");

  // A TLS failure names the CA file.
  auto tls = run({"health", "--server", control_->grpc_target(), "--ca-cert", test_pki().other_ca_cert});
  EXPECT_EQ(tls.code, 2);
  EXPECT_EQ(tls.err.rfind("mcnsctl: TLS handshake with " + control_->grpc_target() + " failed", 0), 0u) << tls.err;
  EXPECT_NE(tls.err.find(test_pki().other_ca_cert), std::string::npos) << tls.err;
  EXPECT_EQ(std::count(tls.err.begin(), tls.err.end(), '\n'), 1) << "one line:\n" << tls.err;

  auto no_ca = run({"health", "--server", control_->grpc_target(), "--ca-cert", dir_.path() + "/nope.pem"});
  EXPECT_EQ(no_ca.code, 2);
  EXPECT_EQ(no_ca.err.rfind("mcnsctl: cannot read CA file " + dir_.path() + "/nope.pem", 0), 0u) << no_ca.err;

  // Settings from the config file.
  std::filesystem::create_directories(home_ + "/.config/mcns");
  std::ofstream(home_ + "/.config/mcns/mcnsctl.toml")
      << "server = \"" << control_->grpc_target() << "\"\nca_cert = \"" << test_pki().ca_cert << "\"\n";
  auto health = run({"health", "-o", "json"});
  ASSERT_EQ(health.code, 0) << health.err;
  EXPECT_EQ(nlohmann::json::parse(health.out)["status"], "ok");
}

TEST_F(McnsctlTest, WatchPrintsARestChangeWithin100Ms) {
  make_zone("watched.example.net");
  make_zone("other.example.net");

  // A guest may not watch.
  auto guest = run(with_server({"watch"}), {{"MCNS_TOKEN", "tok-guest"}});
  EXPECT_EQ(guest.code, 1);
  EXPECT_NE(guest.err.find("permission denied"), std::string::npos) << guest.err;

  Child watch(with_server({"watch", "watched.example.net", "-o", "json"}), env({{"MCNS_TOKEN", "tok-user"}}));
  ASSERT_TRUE(watch.pump_until([&] { return watch.err.find("(Ctrl-C to stop)") != std::string::npos; }, Clock::now() + 10s))
      << watch.err;
  EXPECT_NE(watch.err.find("Watching watched.example.net after version"), std::string::npos) << watch.err;

  // A change to another zone is filtered out; the next line is the watched zone's.
  ASSERT_EQ(rest_->post("/v1/zones/other.example.net/records", {{"name", "x"}, {"type", "A"}, {"value", "192.0.2.9"}},
                        "tok-admin")
                .status,
            201);
  for (int i = 0; i < 3; ++i) {
    auto r = rest_->post("/v1/zones/watched.example.net/records",
                         {{"name", "w" + std::to_string(i)}, {"type", "A"}, {"value", "192.0.2.1"}}, "tok-admin");
    ASSERT_EQ(r.status, 201) << r.body;
    auto returned = Clock::now();
    std::size_t lines_before = std::count(watch.out.begin(), watch.out.end(), '\n');
    ASSERT_TRUE(watch.pump_until(
        [&] { return static_cast<std::size_t>(std::count(watch.out.begin(), watch.out.end(), '\n')) > lines_before; },
        Clock::now() + 5s))
        << "no line for change " << i << "; stdout:\n" << watch.out << "\nstderr:\n" << watch.err;
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - returned);
    EXPECT_LT(elapsed, 100ms) << "change " << i << " took " << elapsed.count() << " us";
    std::string last = watch.out.substr(0, watch.out.size() - 1);
    last = last.substr(last.rfind('\n') == std::string::npos ? 0 : last.rfind('\n') + 1);
    auto event = nlohmann::json::parse(last);
    EXPECT_EQ(event["zone"], "watched.example.net") << last;
    bool added = false;
    for (const auto& op : event["ops"])
      added = added || (op["op"] == "add" && op["name"] == "w" + std::to_string(i) && op["value"] == "192.0.2.1");
    EXPECT_TRUE(added) << last;
  }
  EXPECT_EQ(watch.out.find("other.example.net"), std::string::npos) << watch.out;
}

}  // namespace
}  // namespace mcns::test
