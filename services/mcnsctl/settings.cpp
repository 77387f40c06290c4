#include "services/mcnsctl/settings.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <filesystem>

#include <toml.hpp>

#include "common/base/strings.h"

namespace mcns::mcnsctl {
namespace {

std::optional<std::string> real_getenv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

struct FileSettings {
  std::string server, token_file, ca_cert;
};

StatusOr<FileSettings> read_config(const std::string& path) {
  FileSettings out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  try {
    const toml::value root = toml::parse(path);
    auto get = [&](const char* key, std::string& into) {
      if (root.is_table() && root.contains(key)) into = toml::get<std::string>(root.at(key));
    };
    get("server", out.server);
    get("token_file", out.token_file);
    get("ca_cert", out.ca_cert);
  } catch (const std::exception& e) {
    // toml11's messages span several lines; the first names the problem.
    std::string what = e.what();
    return invalid_argument(str_cat("config file ", path, ": ", trim(what.substr(0, what.find('\n')))));
  }
  return out;
}

}  // namespace

std::string config_dir(const Getenv& env_in) {
  Getenv env = env_in ? env_in : Getenv(real_getenv);
  auto home = env("HOME");
  return str_cat(home ? *home : std::string("."), "/.config/mcns");
}

StatusOr<Settings> resolve_settings(const Flags& flags, const Getenv& env_in) {
  Getenv env = env_in ? env_in : Getenv(real_getenv);
  Settings s;
  s.config_file = config_dir(env) + "/mcnsctl.toml";
  MCNS_ASSIGN_OR_RETURN(FileSettings file, read_config(s.config_file));

  auto pick = [](std::initializer_list<std::optional<std::string>> options, std::string fallback) {
    for (const auto& o : options)
      if (o && !o->empty()) return *o;
    return fallback;
  };
  auto flag = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
  s.server = pick({flag(flags.server), env("MCNS_SERVER"), flag(file.server)}, kDefaultServer);
  s.ca_cert = pick({flag(flags.ca_cert), env("MCNS_CA_CERT"), flag(file.ca_cert)}, "");
  s.token_file = pick({flag(flags.token_file), env("MCNS_TOKEN_FILE"), flag(file.token_file)},
                      config_dir(env) + "/token");

  // A token file named on the command line wins over MCNS_TOKEN; otherwise the variable
  // (a CI secret) wins over any file.
  if (flags.token_file.empty()) {
    if (auto t = env("MCNS_TOKEN")) {
      s.token = trim(*t);
      s.token_from_env = true;
      return s;
    }
  }
  std::ifstream in(s.token_file);
  if (!in) {
    if (errno == ENOENT) return s;  // not logged in yet
    return permission_denied(str_cat("cannot read token file ", s.token_file, ": ", std::strerror(errno)));
  }
  std::stringstream text;
  text << in.rdbuf();
  s.token = trim(text.str());
  return s;
}

}  // namespace mcns::mcnsctl
