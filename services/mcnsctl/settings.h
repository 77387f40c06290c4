#pragma once
// Where mcnsctl finds its server, token and CA (SPEC 15), first match wins:
//   1. flags: --server, --token-file, --ca-cert
//   2. environment: MCNS_SERVER (host:port), MCNS_TOKEN or MCNS_TOKEN_FILE, MCNS_CA_CERT
//   3. ~/.config/mcns/mcnsctl.toml: server = "host:port", token_file = "...",
//      ca_cert = "..."
//   4. defaults: localhost:9443, ~/.config/mcns/token, the system's CA roots.
// No gRPC or toml11 in this header.
#include <functional>
#include <optional>
#include <string>

#include "common/base/status.h"

namespace mcns::mcnsctl {

inline constexpr char kDefaultServer[] = "localhost:9443";

struct Flags {
  std::string server;
  std::string token_file;
  std::string ca_cert;
};

struct Settings {
  std::string server;      // host:port
  std::string ca_cert;     // empty: system roots
  std::string token;       // the token to send (empty: none found)
  std::string token_file;  // where login stores the token and logout removes it
  bool token_from_env = false;  // MCNS_TOKEN: logout removes no file
  std::string config_file;      // the toml file read, if any (for messages)
};

// getenv by default; tests pass their own.
using Getenv = std::function<std::optional<std::string>(const std::string&)>;

// Reads the config file (when present) and the token file (when present). Errors: a
// config file that is not valid TOML, a token file that cannot be read
// (INVALID_ARGUMENT / PERMISSION_DENIED naming the file). A missing token file is not an
// error: `token` stays empty.
StatusOr<Settings> resolve_settings(const Flags& flags, const Getenv& env = {});

// ~/.config/mcns (from $HOME).
std::string config_dir(const Getenv& env = {});

}  // namespace mcns::mcnsctl
