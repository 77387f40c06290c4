// `mcns-control server`: opens the store, builds the domain service and the
// authenticator, serves REST (HTTPS), gRPC and /metrics, and runs until SIGINT/SIGTERM
// (drain, bounded 30 s, exit 0); SIGHUP reloads the local token file.
//
// Start-up line (tests read the ports from it; services/control/README.md):
//   listening rest=127.0.0.1:8443 grpc=127.0.0.1:9443 metrics=127.0.0.1:9154 auth=mcias
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/base/version.h"
#include "common/config/config.h"
#include "common/metrics/metrics.h"
#include "services/control/app/commands.h"
#include "services/control/auth/authenticator.h"
#include "services/control/domain/zone_service_impl.h"
#include "services/control/feed/change_feed.h"
#include "services/control/dns/dns_service.h"
#include "services/control/sync/watch_service.h"
#include "services/control/feed/fleet.h"
#include "services/control/sync/report_service.h"
#include "services/control/grpc/auth_processor.h"
#include "services/control/grpc/grpc_server.h"
#include "services/control/rest/https_server.h"
#include "services/control/rest/router.h"
#include "services/control/auth/access.h"
#include "services/control/store/store.h"
#include "services/control/web/web_ui.h"

namespace mcns::control::app {

namespace {

constexpr auto kDrainDeadline = std::chrono::seconds(30);

// Exit codes of commands.h: 2 for what the operator must fix in the configuration or
// the files it names, 1 for everything else.
int exit_code_for(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kPermissionDenied: return 2;
    default: return 1;
  }
}

int fail(std::string_view what, const Status& s) {
  log::error(what, ": ", s.message());
  return exit_code_for(s);
}

// The control's metrics of SPEC section 10, as handles for the hot paths.
class ApiMetrics {
 public:
  explicit ApiMetrics(metrics::Registry& registry) : registry_(registry) {
    store_version_ = &registry.gauge("mcns_store_version", "Last committed change-log version.");
    cache_hits_ = &registry.counter("mcns_auth_cache_hits_total", "Token verdicts served from the auth cache.");
  }

  void request(std::string_view api, std::string_view method, std::string_view code,
               std::chrono::duration<double> elapsed) {
    metrics::Labels labels{{"api", std::string(api)}, {"method", std::string(method)}, {"code", std::string(code)}};
    registry_.counter("mcns_api_requests_total", "API requests by API, method and result code.", labels).inc();
    registry_
        .histogram("mcns_api_request_duration_seconds", "API request handling time.", metrics::latency_buckets(),
                   {{"api", std::string(api)}})
        .observe(elapsed.count());
  }
  metrics::Gauge& store_version() { return *store_version_; }
  metrics::Counter& cache_hits() { return *cache_hits_; }

 private:
  metrics::Registry& registry_;
  metrics::Gauge* store_version_ = nullptr;
  metrics::Counter* cache_hits_ = nullptr;
};

}  // namespace

int run_server(const config::ControlConfig& config) {
  // Signals are taken by sigwait() on this thread only: block them before any thread
  // starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The TLS files are read now, so that a missing or unreadable one is named with the
  // reason before anything starts (exit 2).
  for (auto [key, path] : {std::pair{"[server] tls_cert", &config.server.tls_cert},
                           std::pair{"[server] tls_key", &config.server.tls_key}}) {
    if (FILE* f = std::fopen(path->c_str(), "r")) {
      std::fclose(f);
    } else {
      return fail("config", not_found(str_cat(key, " \"", *path, "\" cannot be read: ", std::strerror(errno))));
    }
  }

  metrics::Registry registry;
  ApiMetrics api_metrics(registry);

  auto store = store::Store::open(config.database.path);
  if (!store.ok()) return fail(str_cat("database ", config.database.path), store.status());
  // `mcns-control restore` must not swap the file under a running server, and two
  // servers on one database would each think they number its changes for the fleet.
  if (!hold_database_lock(config.database.path))
    return fail(str_cat("database ", config.database.path),
                failed_precondition("another mcns-control server is using it"));
  if (auto v = (*store)->latest_version(); v.ok()) api_metrics.store_version().set(static_cast<double>(*v));
  // The last `mcns-control snapshot` that succeeded (0: none recorded), read from the
  // database at scrape time: the backup runs as a separate process (RUNBOOK section 7).
  registry.add_collector([s = store->get()](std::string& out) {
    auto last = s->last_backup_success();
    if (!last.ok()) return;
    out += str_cat("# HELP mcns_backup_last_success_timestamp_seconds Unix time of the last successful "
                   "mcns-control snapshot (0: none recorded).\n"
                   "# TYPE mcns_backup_last_success_timestamp_seconds gauge\n"
                   "mcns_backup_last_success_timestamp_seconds ", last->value_or(0), "\n");
  });

  domain::AuthzPolicy policy{config.auth.record_admins, config.sync.allowed_accounts};
  // The fleet (SPEC 14): fed by the watch streams (hook) and the frontends' reports.
  feed::FleetRegistry fleet;
  fleet.register_metrics(registry);
  feed::set_watch_fleet(&fleet);
  // The change feed for the frontends' watch streams (SPEC section 8): told after every
  // commit, it reads the change once and wakes every stream.
  feed::FeedOptions feed_options;
  feed_options.history_keep = std::chrono::hours(24 * config.history.keep_days);
  feed_options.on_latest = [&api_metrics, &fleet](std::uint64_t version) {
    api_metrics.store_version().set(static_cast<double>(version));
    fleet.set_latest(version);
  };
  feed::ChangeFeed change_feed(**store, registry, feed_options);
  if (Status s = change_feed.start(); !s.ok()) return fail("change feed", s);
  fleet.set_latest(change_feed.latest());
  domain::ZoneServiceImpl zones(**store, policy, {},
                                [&change_feed](std::uint64_t version) { change_feed.notify(version); });

  auth::AuthHooks hooks{[&api_metrics] { api_metrics.cache_hits().inc(); }};
  auto authenticator = auth::make_authenticator(config, hooks);
  if (!authenticator.ok()) return fail("auth", authenticator.status());

  // The web UI (SPEC 15) on the REST listener: every path outside /v1.
  web::WebUi web_ui(zones, **authenticator, &fleet, {.authz = policy});
  rest::Router router(zones, **authenticator,
                      {.on_response = [&api_metrics](std::string_view route, int status,
                                                     std::chrono::duration<double> elapsed) {
                         api_metrics.request("rest", route, std::to_string(status), elapsed);
                       },
                       .web_ui = [&web_ui](const rest::Request& r) { return web_ui.handle(r); }},
                      &fleet);
  rest::HttpsServerOptions rest_options;
  rest_options.listen_addr = config.server.listen_addr;
  rest_options.tls_cert = config.server.tls_cert;
  rest_options.tls_key = config.server.tls_key;
  rest_options.max_connections = config.server.max_connections;
  rest_options.max_connections_per_client = config.server.max_connections_per_client;
  rest_options.on_protocol_error = [&api_metrics](int status) {
    api_metrics.request("rest", "unparsed", std::to_string(status), std::chrono::duration<double>(0));
  };
  auto rest = rest::HttpsServer::start(rest_options, [&router](const rest::Request& r) { return router.handle(r); });
  if (!rest.ok()) return fail("rest", rest.status());

  grpcapi::GrpcServerOptions grpc_options;
  grpc_options.listen_addr = config.server.grpc_addr;
  grpc_options.tls_cert = config.server.tls_cert;
  grpc_options.tls_key = config.server.tls_key;
  grpc_options.on_call = [&api_metrics](std::string_view method, StatusCode code, std::chrono::duration<double> elapsed) {
    api_metrics.request("grpc", method, status_code_name(code), elapsed);
  };
  // SyncService.Watch: the method map lets any authenticated caller in; the service
  // then asks zones.authorize_watch() ([sync] allowed_accounts and admins).
  sync::WatchService watch_service(
      change_feed, zones, [&authenticator](std::string_view authorization) {
        return auth::authenticate_header(**authenticator, authorization);
      });
  // SyncService as registered: Watch goes to watch_service, Report feeds the fleet.
  sync::SyncRpc sync_rpc(watch_service, fleet, zones, [&authenticator](std::string_view authorization) {
    return auth::authenticate_header(**authenticator, authorization);
  });
  grpc_options.extra_services.push_back(&sync_rpc);
  // ZoneService.ImportZone and WatchChanges (mcnsctl import / watch).
  grpc_options.import_zone = [&zones](const auth::Principal& who, const domain::ZoneImport& import) {
    return zones.import_zone(who, import);
  };
  grpc_options.change_feed = &change_feed;
  auto grpc = grpcapi::GrpcServer::start(grpc_options, zones, **authenticator);
  if (!grpc.ok()) return fail("grpc", grpc.status());

  std::unique_ptr<metrics::HttpEndpoint> metrics_endpoint;
  std::string metrics_address = "off";
  if (!config.metrics.listen_addr.empty()) {
    auto endpoint = metrics::HttpEndpoint::start(config.metrics.listen_addr, registry);
    if (!endpoint.ok()) return fail("metrics", endpoint.status());
    metrics_endpoint = std::move(*endpoint);
    auto hp = config::parse_host_port(config.metrics.listen_addr);
    std::string host = hp.ok() && !hp->host.empty() ? hp->host : "0.0.0.0";
    metrics_address = str_cat(host, ":", metrics_endpoint->port());
  }

  // [dns]: the listener for secondaries and tools, and NOTIFY (SPEC 13).
  auto dns_service = dns::DnsService::start(config, **store, change_feed, registry);
  if (!dns_service.ok()) return fail("dns", dns_service.status());

  log::info("mcns-control ", version(), " database=", config.database.path);
  log::info("listening rest=", (*rest)->address(), " grpc=", (*grpc)->address(), " metrics=", metrics_address,
            " auth=", (*authenticator)->mode(), " dns=", *dns_service ? (*dns_service)->addresses() : "off");

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Status s = (*authenticator)->reload();
      if (s.ok()) log::info("SIGHUP: reloaded ", (*authenticator)->mode(), " authentication");
      else log::error("SIGHUP: reload failed, keeping the previous tokens: ", s.message());
      // Open watch streams are checked against the new tokens at once, not at the next
      // periodic check.
      if (s.ok()) watch_service.recheck();
      if (*dns_service) {
        if (Status k = (*dns_service)->reload_keys(config.path); !k.ok())
          log::error("SIGHUP: TSIG keys not reloaded, keeping the previous ones: ", k.message());
      }
      continue;
    }
    log::info("received ", sig == SIGINT ? "SIGINT" : "SIGTERM", ", draining (up to ",
              static_cast<int>(kDrainDeadline.count()), " s)");
    break;
  }

  // Both APIs drain at once, each bounded by the same deadline.
  auto drain_started = std::chrono::steady_clock::now();
  // Watch streams never end by themselves: end them first (frontends reconnect to the
  // next control and resume from their version) so the gRPC drain is not held up.
  if (*dns_service) (*dns_service)->stop();
  change_feed.stop();
  feed::set_watch_fleet(nullptr);
  std::thread grpc_drain([&] { (*grpc)->shutdown(kDrainDeadline); });
  bool rest_clean = (*rest)->drain(kDrainDeadline);
  grpc_drain.join();
  metrics_endpoint.reset();
  auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_started).count();
  log::info("stopped after draining for ", took, " s", rest_clean ? "" : " (some REST connections were cut off)");
  return 0;
}

}  // namespace mcns::control::app
