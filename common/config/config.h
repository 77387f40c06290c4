#pragma once
// Typed configuration of both services (SPEC section 4). This is the only place toml11
// is included. Every key may be overridden by MCNS_<SECTION>_<KEY> (lists as
// comma-separated values); for mcns-control $PORT and $PORT_GRPC win over everything.
// A missing required key or an invalid value is an error naming the key.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace mcns::config {

// Looks up an environment variable; std::nullopt when unset.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
// The process environment.
Environment process_environment();

struct HostPort {
  std::string host;  // empty: all addresses
  std::uint16_t port = 0;
};
// Parses "host:port", "[v6]:port" or ":port" (all addresses). Port 0 is allowed
// (an ephemeral port, for tests).
StatusOr<HostPort> parse_host_port(std::string_view text);

struct ControlConfig {
  struct Server {
    std::string listen_addr = ":8443";
    std::string grpc_addr = ":9443";
    std::string tls_cert;  // required
    std::string tls_key;   // required
    // REST connections at once (SPEC 16); at the cap the oldest idle ones are closed.
    std::uint32_t max_connections = 1024;
    // REST connections from one client address; one more is closed before TLS.
    std::uint32_t max_connections_per_client = 64;
  } server;
  struct Database {
    std::string path;  // required
  } database;
  struct Mcias {
    std::string server_url;  // required when auth.mode = "mcias"
    std::string ca_cert;     // empty: system roots
    std::string service_name = "mcns";
    std::vector<std::string> tags;
  } mcias;
  struct Auth {
    std::string mode = "mcias";     // "mcias" | "local"
    std::string local_tokens_file;  // required when mode = "local"
    std::vector<std::string> record_admins = {"mcp-agent"};
  } auth;
  struct Sync {
    std::vector<std::string> allowed_accounts = {"mcns-dns"};
  } sync;
  struct History {  // SPEC 14: kept this long, whatever the sync change log keeps
    std::uint32_t keep_days = 90;  // 0: forever
  } history;
  struct Metrics {
    std::string listen_addr = "127.0.0.1:9154";  // empty: no metrics listener
  } metrics;
  struct Log {
    std::string level = "info";
  } log;
  // SPEC 13: the control's own DNS listener (absent: none) for secondaries and tools.
  struct Dns {
    std::vector<std::string> listen;  // empty: no DNS listener
    std::vector<std::string> allow = {"127.0.0.0/8", "::1/128"};  // who may talk to it at all
    std::vector<std::string> notify;  // secondaries told about every serial change
    std::string notify_key;           // TSIG key that signs those NOTIFYs; empty: unsigned
  } dns;
  struct Notify {  // [[notify]]: a secondary with its own key and zones
    std::string address;
    std::string key;
    std::vector<std::string> zones = {"*"};
  };
  std::vector<Notify> notify;
  struct Tsig {  // [[tsig]]
    std::string name;
    std::string algorithm = "hmac-sha256";
    std::string secret_file;  // base64; mode 0600 like the token file
    std::string secret;       // or inline
    std::vector<std::string> allow;  // "transfer", "update"
    std::vector<std::string> zones;  // "*" for all
    std::vector<std::string> update_names;
    std::vector<std::string> update_types;
  };
  std::vector<Tsig> tsig;
  std::string path;  // the file this was loaded from (SIGHUP re-reads [[tsig]])
};

struct DnsConfig {
  struct Dns {
    std::vector<std::string> listen;  // required, non-empty
    int threads = 0;                  // 0: one per core
    // TCP connections from one client address (SPEC 16); the oldest idle one is closed
    // first when a new one would pass it.
    std::uint32_t tcp_max_per_client = 32;
    // TCP connections per worker at once; under pressure idle timeouts shorten
    // (RFC 7766 6.2.3).
    std::uint32_t tcp_max_connections = 256;
    // Response rate limiting per /24 (IPv4) or /56 (IPv6); 0 = off. Every rrl_slip-th
    // limited answer goes out truncated, the others are dropped (0: drop all).
    std::uint32_t rrl_responses_per_second = 0;
    std::uint32_t rrl_slip = 2;
    // 128-bit DNS Cookie secret (hex) shared by all frontends; empty: random per process.
    std::string cookie_secret_file;
  } dns;
  struct Control {
    std::string grpc_addr;   // required when [control] is present
    std::string ca_cert;     // PEM of the control's CA; empty: the system roots
    std::string token_file;  // required when [control] is present
    // This frontend's name in the control's fleet view (SPEC 14); empty: the host name.
    std::string name;
  };
  std::optional<Control> control;  // absent: standalone, serves [zones] files only
  struct Forward {
    std::vector<std::string> upstreams;  // empty: forwarding off
    std::vector<std::string> allow = {"127.0.0.0/8", "::1/128"};
    std::uint32_t max_ttl = 300;
    std::uint32_t max_entries = 100000;
    // Bytes of cached answers, one bound for all workers (SPEC 16).
    std::uint64_t max_bytes = 64ull << 20;
  } forward;
  struct Zones {
    std::vector<std::string> files;
  } zones;
  struct Process {
    std::string user;  // empty: keep the current user
    // Started as root without `user`: refuse to keep root unless this is set (container
    // images whose root is an unprivileged user namespace).
    bool allow_root = false;
  } process;
  struct Metrics {
    std::string listen_addr = "127.0.0.1:9153";  // empty: no metrics listener
  } metrics;
  struct Log {
    std::string level = "info";
  } log;
};

// Loads, overrides from `env`, and validates. Errors read like
// "config /etc/x.toml: missing required key [server] tls_cert". Unknown keys are
// reported through `warnings` (a typo should be seen, but must not stop a restart).
StatusOr<ControlConfig> load_control(const std::string& path, const Environment& env,
                                           std::vector<std::string>* warnings = nullptr);
StatusOr<DnsConfig> load_dns(const std::string& path, const Environment& env,
                                   std::vector<std::string>* warnings = nullptr);

}  // namespace mcns::config
