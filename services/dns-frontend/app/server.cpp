// mcns-dns server and check-config: configuration -> zone sources -> snapshot holder ->
// forwarder -> DNS workers -> metrics endpoint, and the orderly shutdown.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/base/version.h"
#include "common/metrics/metrics.h"
#include "common/zone/snapshot_holder.h"
#include "services/dns-frontend/app/commands.h"
#include "services/dns-frontend/forward/forwarder.h"
#include "services/dns-frontend/server/server.h"
#include "services/dns-frontend/watch/watch_client.h"
#include "services/dns-frontend/zonesrc/zone_catalog.h"

namespace mcns::frontend::app {

namespace {

namespace asio = boost::asio;

constexpr auto kDrainTimeout = std::chrono::seconds(30);  // SPEC section 3

int fail(const Status& st, int code) {
  std::fprintf(stderr, "mcns-dns: %s\n", st.message().c_str());
  return code;
}

forward::ForwarderOptions forwarder_options(const config::DnsConfig& c) {
  forward::ForwarderOptions o;
  o.upstreams = c.forward.upstreams;
  o.allow = c.forward.allow;
  o.max_ttl = c.forward.max_ttl;
  o.max_entries = c.forward.max_entries;
  o.max_bytes = c.forward.max_bytes;
  return o;
}

server::ServerOptions server_options(const config::DnsConfig& c) {
  server::ServerOptions o;
  o.listen = c.dns.listen;
  o.threads = c.dns.threads;
  o.tcp_max_connections = c.dns.tcp_max_connections;
  o.tcp_max_per_client = c.dns.tcp_max_per_client;
  o.rrl_responses_per_second = c.dns.rrl_responses_per_second;
  o.rrl_slip = c.dns.rrl_slip;
  o.cookie_secret_file = c.dns.cookie_secret_file;
  return o;
}

// Root without [process] user would serve every query as root. Refused unless the
// operator says root is harmless here (`allow_root`: a rootless container, where uid 0
// is an unprivileged user namespace). Checked before anything is opened.
Status check_root(const config::DnsConfig::Process& p) {
  if (::geteuid() != 0 || !p.user.empty()) return ok_status();
  if (!p.allow_root)
    return invalid_argument(
        "refusing to run as root: set [process] user (the account to drop to after binding) or "
        "[process] allow_root = true (only where root is unprivileged, e.g. rootless podman)");
  log::warn("running as root ([process] allow_root = true): set [process] user to drop privileges after binding");
  return ok_status();
}

struct UserIds {
  uid_t uid;
  gid_t gid;
};

StatusOr<UserIds> lookup_user(const std::string& name) {
  passwd pw;
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  int rc = ::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr)
    return not_found(str_cat("[process] user \"", name, "\" does not exist on this system"));
  return UserIds{pw.pw_uid, pw.pw_gid};
}

// After every socket is bound: binding port 53 needed root (or CAP_NET_BIND_SERVICE),
// serving does not. setgroups/setgid/setuid in that order (a non-root process could not
// change its groups any more); glibc applies them to every thread of the process.
Status drop_privileges(const std::string& user) {
  if (user.empty()) return ok_status();  // root only with allow_root (check_root)
  MCNS_ASSIGN_OR_RETURN(UserIds ids, lookup_user(user));
  if (::geteuid() != 0) {
    // Started as that user (e.g. systemd with AmbientCapabilities=CAP_NET_BIND_SERVICE).
    if (::geteuid() != ids.uid)
      log::warn("[process] user is \"", user, "\" but the process was not started as root; it keeps uid ",
                ::geteuid());
    return ok_status();
  }
  if (::setgroups(1, &ids.gid) != 0) return internal_error(str_cat("setgroups for ", user, ": ", std::strerror(errno)));
  if (::setgid(ids.gid) != 0) return internal_error(str_cat("setgid(", ids.gid, "): ", std::strerror(errno)));
  if (::setuid(ids.uid) != 0) return internal_error(str_cat("setuid(", ids.uid, "): ", std::strerror(errno)));
  if (ids.uid != 0 && ::setuid(0) == 0) return internal_error("root privileges could be regained after the drop");
  log::info("dropped privileges to user ", user, " (uid ", ids.uid, ", gid ", ids.gid, ")");
  return ok_status();
}

Status check_readable(const std::string& what, const std::string& path, bool non_empty) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument(str_cat(what, " \"", path, "\" cannot be read: ", std::strerror(errno)));
  if (non_empty && in.peek() == std::ifstream::traits_type::eof())
    return invalid_argument(str_cat(what, " \"", path, "\" is empty"));
  return ok_status();
}

}  // namespace

int run_server(const config::DnsConfig& cfg) {
  if (Status st = check_root(cfg.process); !st.ok()) return fail(st, 2);  // the only line on stderr
  // Signals first, so that a SIGTERM during start-up is not the default (abrupt) exit.
  asio::io_context main_io(1);
  asio::signal_set signals(main_io, SIGINT, SIGTERM);
  int signal_number = 0;
  signals.async_wait([&](boost::system::error_code ec, int sig) {
    if (!ec) signal_number = sig;
    main_io.stop();
  });
  log::info("mcns-dns ", version(), " starting");

  metrics::Registry registry;
  zone::SnapshotHolder holder;

  // 1. Zone sources. Standalone: the files are published now and the frontend is ready.
  //    With [control]: they wait for the control plane's first snapshot.
  zonesrc::ZoneCatalog catalog(holder, cfg.control.has_value());
  if (Status st = catalog.load_files(cfg.zones.files); !st.ok()) return fail(st, 2);
  for (const auto& f : catalog.files())
    log::info("zone ", f.zone, " loaded from ", f.path, ": ", f.records, " records, serial ", f.serial);
  catalog.register_metrics(registry);

  // 2. The forwarder (off without upstreams).
  auto forwarder_or = forward::Forwarder::create(forwarder_options(cfg), &registry);
  if (!forwarder_or.ok()) return fail(forwarder_or.status(), 2);
  std::unique_ptr<forward::Forwarder> forwarder = std::move(forwarder_or).value();

  // 3. Every DNS socket, bound while we may still be root.
  auto server_or = server::Server::bind(server_options(cfg), holder, forwarder.get(), &registry);
  if (!server_or.ok())
    return fail(server_or.status(), server_or.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
  std::unique_ptr<server::Server> server = std::move(server_or).value();

  // 4. /metrics, /healthz, /readyz (its own thread).
  std::unique_ptr<metrics::HttpEndpoint> http;
  std::string metrics_addr = "off";
  if (!cfg.metrics.listen_addr.empty()) {
    std::map<std::string, metrics::HttpHandler> handlers;
    handlers["/healthz"] = [] { return metrics::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"}; };
    handlers["/readyz"] = [&catalog] {
      return metrics::HttpResponse{catalog.ready() ? 200 : 503, "application/json", catalog.readyz_json() + "\n"};
    };
    auto http_or = metrics::HttpEndpoint::start(cfg.metrics.listen_addr, registry, std::move(handlers));
    if (!http_or.ok())
      return fail(http_or.status(), http_or.status().code() == StatusCode::kInvalidArgument ? 2 : 1);
    http = std::move(http_or).value();
    auto hp = config::parse_host_port(cfg.metrics.listen_addr);
    std::string host = hp.ok() ? hp->host : "";
    if (host.find(':') != std::string::npos) host = str_cat("[", host, "]");
    metrics_addr = str_cat(host, ":", http->port());
  }

  // 5. Nothing below needs root.
  if (Status st = drop_privileges(cfg.process.user); !st.ok())
    return fail(st, st.code() == StatusCode::kNotFound ? 2 : 1);

  // 6. The watch client (with [control]): after the privilege drop, since it reads the
  //    token and CA files as the service user. It feeds the catalog; the frontend is
  //    ready at its first snapshot. A zone in both a file and the control's first
  //    snapshot is a start-up error (exit 2).
  std::unique_ptr<watch::WatchClient> watch_client;
  int exit_code = 0;
  if (cfg.control) {
    watch::WatchOptions wo;
    wo.grpc_addr = cfg.control->grpc_addr;
    wo.ca_cert = cfg.control->ca_cert;
    wo.token_file = cfg.control->token_file;
    char host[256] = {};
    if (!cfg.control->name.empty()) wo.frontend_name = cfg.control->name;  // [control] name
    else if (gethostname(host, sizeof host - 1) == 0) wo.frontend_name = host;
    wo.on_fatal = [&main_io, &exit_code](const Status&) {
      asio::post(main_io, [&main_io, &exit_code] {
        exit_code = 2;
        main_io.stop();
      });
    };
    watch_client = std::make_unique<watch::WatchClient>(std::move(wo), catalog);
    watch_client->start();
    log::info("watch: following mcns-control at ", cfg.control->grpc_addr);
  }

  // 7. Serve.
  asio::steady_timer sweep_timer(main_io);
  std::function<void()> sweep = [&] {
    catalog.sweep();  // old snapshots are freed here, never on a worker
    sweep_timer.expires_after(std::chrono::seconds(1));
    sweep_timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) sweep();
    });
  };
  sweep();
  server->start();
  // The one start-up line tests and operators look for (documented in the README):
  //   listening dns=ADDR[,ADDR...] threads=N metrics=ADDR|off forward=on|off zones=N ready=BOOL
  log::info("listening dns=", join(server->bound_addresses(), ","), " threads=", server->threads(),
            " metrics=", metrics_addr, " forward=", forwarder->enabled() ? "on" : "off",
            " zones=", holder.load()->zone_count(), " ready=", catalog.ready());

  main_io.run();

  if (exit_code == 0)
    log::info("signal ", signal_number, ": stopping; draining for at most ", kDrainTimeout.count(), " s");
  if (watch_client) watch_client->stop();
  bool drained = server->stop(kDrainTimeout);
  http.reset();  // stop scraping before the objects its collectors read go away
  server.reset();
  log::info(drained ? "stopped" : "stopped; some connections were cut at the drain deadline");
  return exit_code;
}

int run_check_config(const config::DnsConfig& cfg) {
  int problems = 0;
  auto problem = [&](const Status& st) {
    std::fprintf(stderr, "mcns-dns: %s\n", st.message().c_str());
    ++problems;
  };

  server::ServerOptions so = server_options(cfg);
  if (Status st = server::Server::check(so); !st.ok()) {
    problem(st);
  } else {
    std::printf("dns: listen %s (udp+tcp), threads %s\n", join(cfg.dns.listen, ", ").c_str(),
                cfg.dns.threads == 0 ? "one per core" : std::to_string(cfg.dns.threads).c_str());
  }

  zone::SnapshotHolder holder;
  zonesrc::ZoneCatalog catalog(holder, false);
  if (Status st = catalog.load_files(cfg.zones.files); !st.ok()) {
    problem(st);
  } else {
    if (cfg.zones.files.empty()) std::printf("zones: no [zones] files\n");
    for (const auto& f : catalog.files())
      std::printf("zone %s: %zu records, serial %u (%s)\n", f.zone.c_str(), f.records, f.serial, f.path.c_str());
  }

  auto forwarder = forward::Forwarder::create(forwarder_options(cfg), nullptr);
  if (!forwarder.ok()) {
    problem(forwarder.status());
  } else if (!(*forwarder)->enabled()) {
    std::printf("forward: off (no upstreams): names outside the zones get REFUSED\n");
  } else {
    std::printf("forward: upstreams %s; allow %s; max_ttl %u; max_entries %u\n",
                join(cfg.forward.upstreams, ", ").c_str(), join(cfg.forward.allow, ", ").c_str(),
                cfg.forward.max_ttl, cfg.forward.max_entries);
  }

  if (cfg.control) {
    Status token = check_readable("[control] token_file", cfg.control->token_file, true);
    if (!token.ok()) problem(token);
    if (!cfg.control->ca_cert.empty()) {
      Status ca = check_readable("[control] ca_cert", cfg.control->ca_cert, true);
      if (!ca.ok()) problem(ca);
    }
    // HOOK(watch client): its own checks (e.g. the CA parses) belong here too.
    std::printf("control: %s (watch stream)\n", cfg.control->grpc_addr.c_str());
  } else {
    std::printf("control: none (standalone: serves [zones] files only)\n");
  }

  if (!cfg.process.user.empty()) {
    auto ids = lookup_user(cfg.process.user);
    if (!ids.ok()) {
      problem(ids.status());
    } else {
      std::printf("process: drops to user %s (uid %u) after binding when started as root\n", cfg.process.user.c_str(),
                  static_cast<unsigned>(ids->uid));
    }
  }
  if (cfg.process.user.empty())
    std::printf("process: no [process] user: %s\n",
                cfg.process.allow_root ? "keeps the starting user, root included (allow_root = true)"
                                       : "keeps the starting user; refuses to serve as root");
  std::printf("metrics: %s\n", cfg.metrics.listen_addr.empty() ? "off" : cfg.metrics.listen_addr.c_str());

  if (problems) {
    std::fprintf(stderr, "mcns-dns: check-config found %d problem%s\n", problems, problems == 1 ? "" : "s");
    return 2;
  }
  std::printf("check-config: OK\n");
  return 0;
}

}  // namespace mcns::frontend::app
