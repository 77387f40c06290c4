// mcns-dns: parse the command line, load the configuration, run one subcommand.
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/log.h"
#include "common/base/version.h"
#include "common/config/config.h"
#include "services/dns-frontend/app/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: mcns-dns server       --config PATH\n"
    "       mcns-dns check-config --config PATH\n"
    "       mcns-dns version\n";

// One clear line on stderr, exit 2 (SPEC section 3).
int usage_error(const std::string& message) {
  std::fprintf(stderr, "mcns-dns: %s (see mcns-dns --help)\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stderr pipe (a log collector restarting) must not kill a server.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2) return usage_error("missing command (server, check-config, version)");
  std::string command = argv[1];
  if (command == "version" || command == "--version") {
    std::printf("mcns-dns %.*s\n", static_cast<int>(mcns::version().size()), mcns::version().data());
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (command != "server" && command != "check-config") return usage_error("unknown command " + command);

  std::optional<std::string> config_path;
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--config") {
      if (i + 1 >= argc) return usage_error("--config needs a value");
      config_path = argv[++i];
    } else if (arg.starts_with("--config=")) {
      config_path = std::string(arg.substr(9));
    } else {
      return usage_error("unknown argument " + std::string(arg) + " for " + command);
    }
  }
  if (!config_path) return usage_error(command + " needs --config PATH");

  std::vector<std::string> warnings;
  auto config = mcns::config::load_dns(*config_path, mcns::config::process_environment(), &warnings);
  if (!config.ok()) return usage_error(std::string(config.status().message()));
  mcns::log::Level level{};
  mcns::log::parse_level(config->log.level, level);
  mcns::log::set_level(level);
  for (const auto& w : warnings) mcns::log::warn(w);

  if (command == "check-config") return mcns::frontend::app::run_check_config(*config);
  return mcns::frontend::app::run_server(*config);
}
