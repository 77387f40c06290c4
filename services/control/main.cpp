// mcns-control: parse the command line, load the configuration, run one subcommand.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/log.h"
#include "common/base/version.h"
#include "common/config/config.h"
#include "services/control/app/commands.h"

namespace {

constexpr const char* kUsage =
    "usage: mcns-control server   --config PATH\n"
    "       mcns-control snapshot --config PATH [--out FILE]\n"
    "       mcns-control migrate  --config PATH\n"
    "       mcns-control import   --config PATH --zone NAME FILE\n"
    "       mcns-control export   --config PATH --zone NAME [--out FILE]\n"
    "       mcns-control restore  --config PATH BACKUP   (with the server stopped)\n"
    "       mcns-control version\n";

// One clear line on stderr, exit 2 (SPEC section 3).
int usage_error(const std::string& message) {
  std::fprintf(stderr, "mcns-control: %s (see mcns-control --help)\n", message.c_str());
  return 2;
}

struct Args {
  std::string command;
  std::optional<std::string> config, out, zone;
  std::vector<std::string> positional;
};

// Accepts "--flag value" and "--flag=value"; anything unknown is an error.
std::optional<std::string> parse(int argc, char** argv, Args& args) {
  if (argc < 2) return "missing command (server, snapshot, migrate, import, export, restore, version)";
  args.command = argv[1];
  if (args.command == "--help" || args.command == "-h" || args.command == "help") return std::string("help");
  for (int i = 2; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "-h") return std::string("help");
    if (!arg.starts_with("--")) {
      args.positional.emplace_back(arg);
      continue;
    }
    std::string_view name = arg, value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    std::optional<std::string>* slot = nullptr;
    if (name == "--config") slot = &args.config;
    else if (name == "--out" && (args.command == "snapshot" || args.command == "export")) slot = &args.out;
    else if (name == "--zone" && (args.command == "import" || args.command == "export")) slot = &args.zone;
    else if (name == "--help" || name == "-h") return std::string("help");
    else return "unknown flag " + std::string(name) + " for " + args.command;
    if (!has_value) {
      if (i + 1 >= argc) return std::string(name) + " needs a value";
      value = argv[++i];
    }
    *slot = std::string(value);
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed stderr pipe (a log collector restarting) must not kill a server.
  std::signal(SIGPIPE, SIG_IGN);
  Args args;
  if (auto err = parse(argc, argv, args)) {
    if (*err == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    return usage_error(*err);
  }
  if (args.command == "version" || args.command == "--version") {
    std::printf("mcns-control %.*s\n", static_cast<int>(mcns::version().size()), mcns::version().data());
    return 0;
  }
  if (args.command != "server" && args.command != "snapshot" && args.command != "migrate" &&
      args.command != "import" && args.command != "restore" && args.command != "export")
    return usage_error("unknown command " + args.command);
  if (args.command == "import") {
    if (!args.zone) return usage_error("import needs --zone NAME");
    if (args.positional.size() != 1) return usage_error("import needs exactly one zone FILE");
  } else if (args.command == "export") {
    if (!args.zone) return usage_error("export needs --zone NAME");
    if (!args.positional.empty()) return usage_error("unexpected argument " + args.positional.front());
  } else if (args.command == "restore") {
    if (args.positional.size() != 1) return usage_error("restore needs exactly one BACKUP file");
  } else if (!args.positional.empty()) {
    return usage_error("unexpected argument " + args.positional.front());
  }
  if (!args.config) return usage_error(args.command + " needs --config PATH");

  std::vector<std::string> warnings;
  auto config = mcns::config::load_control(*args.config, mcns::config::process_environment(), &warnings);
  if (!config.ok()) return usage_error(std::string(config.status().message()));
  mcns::log::Level level{};
  mcns::log::parse_level(config->log.level, level);
  mcns::log::set_level(level);
  for (const auto& w : warnings) mcns::log::warn(w);

  if (args.command == "server") return mcns::control::app::run_server(*config);
  if (args.command == "migrate") return mcns::control::app::run_migrate(*config);
  if (args.command == "snapshot") return mcns::control::app::run_snapshot(*config, args.out);
  if (args.command == "restore") return mcns::control::app::run_restore(*config, args.positional.front());
  if (args.command == "export") return mcns::control::app::run_export(*config, *args.zone, args.out);
  return mcns::control::app::run_import(*config, *args.zone, args.positional.front());
}
