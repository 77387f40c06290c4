#include "common/config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <set>
#include <toml.hpp>

#include "common/base/strings.h"


namespace mcns::config {
namespace {

std::string one_line(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string env_name(std::string_view section, std::string_view key) {
  return to_upper(str_cat("MCNS_", section, "_", key));
}

bool is_ip_literal(std::string_view text) {
  std::string s(text);
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Reads typed values from one TOML document, letting MCNS_<SECTION>_<KEY> win, and
// remembers which keys were read so that the rest can be reported as unknown.
class Reader {
 public:
  Reader(toml::value root, const Environment& env, std::string path)
      : root_(std::move(root)), env_(env), path_(std::move(path)) {}

  Status check_shape() {
    if (!root_.is_table()) return error("the document must be a table");
    for (const auto& [name, value] : root_.as_table()) {
      // Arrays of tables ([[tsig]], [[notify]]) are checked where they are read.
      if (value.is_array() && (name == "tsig" || name == "notify")) continue;
      if (!value.is_table()) return error(str_cat("[", name, "] must be a table"));
    }
    return ok_status();
  }

  // A section is present when the file has it or the environment sets one of its keys.
  bool has_section(std::string_view section, std::initializer_list<std::string_view> keys) const {
    if (root_.is_table() && root_.as_table().count(std::string(section))) return true;
    return std::any_of(keys.begin(), keys.end(),
                       [&](std::string_view k) { return env_(env_name(section, k)).has_value(); });
  }

  Status string(std::string_view section, std::string_view key, std::string& out, bool required = false) {
    if (auto e = env_(env_name(section, key))) {
      out = *e;
    } else if (const toml::value* v = find(section, key)) {
      if (!v->is_string()) return error(str_cat(where(section, key), " must be a string"));
      out = v->as_string().str;
    }
    if (required && out.empty()) return missing(section, key);
    return ok_status();
  }

  Status list(std::string_view section, std::string_view key, std::vector<std::string>& out,
                    bool required = false) {
    if (auto e = env_(env_name(section, key))) {
      out.clear();
      for (std::string_view part : split(*e, ',')) {
        part = trim(part);
        if (!part.empty()) out.emplace_back(part);
      }
    } else if (const toml::value* v = find(section, key)) {
      if (!v->is_array()) return error(str_cat(where(section, key), " must be a list of strings"));
      out.clear();
      for (const auto& item : v->as_array()) {
        if (!item.is_string()) return error(str_cat(where(section, key), " must be a list of strings"));
        out.push_back(item.as_string().str);
      }
    }
    if (required && out.empty()) return missing(section, key);
    return ok_status();
  }

  template <typename Int>
  Status integer(std::string_view section, std::string_view key, Int& out, std::int64_t min,
                       std::int64_t max) {
    std::int64_t value = out;
    if (auto e = env_(env_name(section, key))) {
      auto parsed = parse_int<std::int64_t>(*e);
      if (parsed) value = *parsed;
      if (!parsed)
        return error(str_cat(env_name(section, key), " must be an integer, got \"", *e, "\""));
    } else if (const toml::value* v = find(section, key)) {
      if (!v->is_integer()) return error(str_cat(where(section, key), " must be an integer"));
      value = v->as_integer();
    } else {
      return ok_status();
    }
    if (value < min || value > max)
      return error(str_cat(where(section, key), " must be between ", min, " and ", max, ", got ", value));
    out = static_cast<Int>(value);
    return ok_status();
  }

  Status boolean(std::string_view section, std::string_view key, bool& out) {
    if (auto e = env_(env_name(section, key))) {
      if (*e == "true" || *e == "1") out = true;
      else if (*e == "false" || *e == "0") out = false;
      else return error(str_cat(env_name(section, key), " must be true or false, got \"", *e, "\""));
    } else if (const toml::value* v = find(section, key)) {
      if (!v->is_boolean()) return error(str_cat(where(section, key), " must be true or false"));
      out = v->as_boolean();
    }
    return ok_status();
  }

  // The array of tables `[[name]]`, nullptr when absent; an error when `name` is not one.
  StatusOr<const toml::array*> table_array(std::string_view name) {
    if (!root_.is_table()) return static_cast<const toml::array*>(nullptr);
    const auto& top = root_.as_table();
    auto it = top.find(std::string(name));
    if (it == top.end()) return static_cast<const toml::array*>(nullptr);
    if (!it->second.is_array()) return error(str_cat("[[", name, "]] must be an array of tables"));
    for (const auto& item : it->second.as_array())
      if (!item.is_table()) return error(str_cat("[[", name, "]] must be an array of tables"));
    return &it->second.as_array();
  }

  std::vector<std::string> unknown_keys() const {
    std::vector<std::string> out;
    if (!root_.is_table()) return out;
    for (const auto& [section, table] : root_.as_table()) {
      if (!table.is_table()) continue;
      for (const auto& [key, value] : table.as_table()) {
        if (!read_.count(section + "." + key)) out.push_back(str_cat("[", section, "] ", key));
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  Status error(std::string_view what) const {
    return invalid_argument(str_cat("config ", path_, ": ", what));
  }
  Status missing(std::string_view section, std::string_view key) const {
    return error(str_cat("missing required key ", where(section, key), " (or ", env_name(section, key), ")"));
  }
  static std::string where(std::string_view section, std::string_view key) {
    return str_cat("[", section, "] ", key);
  }

 private:
  const toml::value* find(std::string_view section, std::string_view key) {
    read_.insert(str_cat(section, ".", key));
    if (!root_.is_table()) return nullptr;
    const auto& top = root_.as_table();
    auto s = top.find(std::string(section));
    if (s == top.end() || !s->second.is_table()) return nullptr;
    const auto& t = s->second.as_table();
    auto k = t.find(std::string(key));
    return k == t.end() ? nullptr : &k->second;
  }

  toml::value root_;
  const Environment& env_;
  std::string path_;
  std::set<std::string> read_;
};

StatusOr<toml::value> parse_file(const std::string& path) {
  try {
    return toml::parse(path);
  } catch (const std::exception& e) {
    return invalid_argument(str_cat("config ", path, ": ", one_line(e.what())));
  }
}

Status check_addr(Reader& r, std::string_view section, std::string_view key, const std::string& value,
                        bool allow_empty) {
  if (value.empty() && allow_empty) return ok_status();
  auto hp = parse_host_port(value);
  if (!hp.ok()) return r.error(str_cat(Reader::where(section, key), ": ", hp.status().message()));
  return ok_status();
}

Status check_level(Reader& r, std::string_view section, const std::string& value) {
  static const std::set<std::string> kLevels = {"debug", "info", "warn", "warning", "error"};
  if (!kLevels.count(value))
    return r.error(str_cat("[", section, "] level must be one of debug, info, warn, error; got \"", value, "\""));
  return ok_status();
}

Status check_cidr(Reader& r, const std::string& value, std::string_view where = "[forward] allow") {
  std::string_view addr = value;
  std::string_view prefix;
  if (auto slash = value.find('/'); slash != std::string::npos) {
    addr = std::string_view(value).substr(0, slash);
    prefix = std::string_view(value).substr(slash + 1);
  }
  std::string a(addr);
  unsigned char buf[16];
  int max_prefix = 0;
  if (inet_pton(AF_INET, a.c_str(), buf) == 1) max_prefix = 32;
  else if (inet_pton(AF_INET6, a.c_str(), buf) == 1) max_prefix = 128;
  else return r.error(str_cat(where, ": \"", value, "\" is not an address or CIDR prefix"));
  int bits = max_prefix;
  if (!prefix.empty()) bits = parse_int<int>(prefix).value_or(-1);
  if (bits < 0 || bits > max_prefix)
    return r.error(str_cat(where, ": \"", value, "\" has an invalid prefix length"));
  return ok_status();
}

// One table of a [[name]] array: typed fields, unknown keys refused (a typo in a key's
// permissions must not silently grant or deny).
class TableReader {
 public:
  TableReader(Reader& r, std::string_view array, std::size_t index, const toml::value& table)
      : r_(r), where_(str_cat("[[", array, "]] #", index + 1)), table_(table.as_table()) {}

  Status string(std::string_view key, std::string& out, bool required = false) {
    seen_.insert(std::string(key));
    auto it = table_.find(std::string(key));
    if (it != table_.end()) {
      if (!it->second.is_string()) return r_.error(str_cat(where_, " ", key, " must be a string"));
      out = it->second.as_string().str;
    }
    if (required && out.empty()) return r_.error(str_cat(where_, " needs ", key));
    return ok_status();
  }
  Status list(std::string_view key, std::vector<std::string>& out) {
    seen_.insert(std::string(key));
    auto it = table_.find(std::string(key));
    if (it == table_.end()) return ok_status();
    if (!it->second.is_array()) return r_.error(str_cat(where_, " ", key, " must be a list of strings"));
    out.clear();
    for (const auto& item : it->second.as_array()) {
      if (!item.is_string()) return r_.error(str_cat(where_, " ", key, " must be a list of strings"));
      out.push_back(item.as_string().str);
    }
    return ok_status();
  }
  Status no_unknown_keys() const {
    for (const auto& [key, value] : table_)
      if (!seen_.count(key)) return r_.error(str_cat(where_, ": unknown key ", key));
    return ok_status();
  }
  const std::string& where() const { return where_; }

 private:
  Reader& r_;
  std::string where_;
  const toml::table& table_;
  std::set<std::string> seen_;
};

// A TSIG key name as keys are compared: lower case, without the trailing dot.
std::string key_name_of(std::string_view name) {
  std::string out = to_lower(name);
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

// "192.0.2.1:53" or "[2001:db8::1]:53": an IP literal and a non-zero port.
bool is_ip_and_port(const std::string& text) {
  auto hp = parse_host_port(text);
  return hp.ok() && is_ip_literal(hp->host) && hp->port != 0;
}

Status load_control_dns(Reader& r, ControlConfig& c) {
  MCNS_RETURN_IF_ERROR(r.list("dns", "listen", c.dns.listen));
  MCNS_RETURN_IF_ERROR(r.list("dns", "allow", c.dns.allow));
  MCNS_RETURN_IF_ERROR(r.list("dns", "notify", c.dns.notify));
  MCNS_RETURN_IF_ERROR(r.string("dns", "notify_key", c.dns.notify_key));
  for (const auto& l : c.dns.listen) MCNS_RETURN_IF_ERROR(check_addr(r, "dns", "listen", l, false));
  for (const auto& a : c.dns.allow) MCNS_RETURN_IF_ERROR(check_cidr(r, a, "[dns] allow"));
  for (const auto& n : c.dns.notify)
    if (!is_ip_and_port(n)) return r.error(str_cat("[dns] notify: \"", n, "\" must be an IP address and port"));

  MCNS_ASSIGN_OR_RETURN(const toml::array* tsig, r.table_array("tsig"));
  std::set<std::string> names;
  for (std::size_t i = 0; tsig && i < tsig->size(); ++i) {
    TableReader t(r, "tsig", i, (*tsig)[i]);
    ControlConfig::Tsig k;
    MCNS_RETURN_IF_ERROR(t.string("name", k.name, true));
    MCNS_RETURN_IF_ERROR(t.string("algorithm", k.algorithm));
    MCNS_RETURN_IF_ERROR(t.string("secret_file", k.secret_file));
    MCNS_RETURN_IF_ERROR(t.string("secret", k.secret));
    MCNS_RETURN_IF_ERROR(t.list("allow", k.allow));
    MCNS_RETURN_IF_ERROR(t.list("zones", k.zones));
    MCNS_RETURN_IF_ERROR(t.list("update_names", k.update_names));
    MCNS_RETURN_IF_ERROR(t.list("update_types", k.update_types));
    MCNS_RETURN_IF_ERROR(t.no_unknown_keys());
    std::string lower = to_lower(k.algorithm);
    if (lower != "hmac-sha256" && lower != "hmac-sha384" && lower != "hmac-sha512")
      return r.error(str_cat(t.where(), " algorithm must be hmac-sha256, hmac-sha384 or hmac-sha512, got \"",
                             k.algorithm, "\""));
    if (k.secret_file.empty() == k.secret.empty())
      return r.error(str_cat(t.where(), " (", k.name, ") needs exactly one of secret_file and secret"));
    for (const auto& a : k.allow)
      if (a != "transfer" && a != "update")
        return r.error(str_cat(t.where(), " allow: \"", a, "\" must be \"transfer\" or \"update\""));
    if (!names.insert(key_name_of(k.name)).second) return r.error(str_cat(t.where(), ": key \"", k.name, "\" is defined twice"));
    c.tsig.push_back(std::move(k));
  }

  MCNS_ASSIGN_OR_RETURN(const toml::array* notify, r.table_array("notify"));
  for (std::size_t i = 0; notify && i < notify->size(); ++i) {
    TableReader t(r, "notify", i, (*notify)[i]);
    ControlConfig::Notify n;
    MCNS_RETURN_IF_ERROR(t.string("address", n.address, true));
    MCNS_RETURN_IF_ERROR(t.string("key", n.key));
    MCNS_RETURN_IF_ERROR(t.list("zones", n.zones));
    MCNS_RETURN_IF_ERROR(t.no_unknown_keys());
    if (!is_ip_and_port(n.address))
      return r.error(str_cat(t.where(), " address \"", n.address, "\" must be an IP address and port"));
    c.notify.push_back(std::move(n));
  }
  auto key_known = [&](const std::string& name) { return names.count(key_name_of(name)) > 0; };
  if (!c.dns.notify_key.empty() && !key_known(c.dns.notify_key))
    return r.error(str_cat("[dns] notify_key \"", c.dns.notify_key, "\" is not a [[tsig]] key"));
  for (const auto& n : c.notify)
    if (!n.key.empty() && !key_known(n.key))
      return r.error(str_cat("[[notify]] ", n.address, ": key \"", n.key, "\" is not a [[tsig]] key"));
  return ok_status();
}

void report_unknown(const Reader& r, std::vector<std::string>* warnings) {
  if (!warnings) return;
  for (auto& k : r.unknown_keys()) warnings->push_back(str_cat("unknown config key ", k, " ignored"));
}

}  // namespace

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

StatusOr<HostPort> parse_host_port(std::string_view text) {
  HostPort out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return invalid_argument(str_cat("\"", text, "\" is not [address]:port"));
    out.host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return invalid_argument(str_cat("\"", text, "\" is not host:port"));
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos)
      return invalid_argument(str_cat("\"", text, "\": write IPv6 addresses as [address]:port"));
    port = text.substr(colon + 1);
  }
  auto p = parse_int<std::uint16_t>(port);
  if (!p)
    return invalid_argument(str_cat("\"", text, "\" has an invalid port"));
  out.port = *p;
  return out;
}

StatusOr<ControlConfig> load_control(const std::string& path, const Environment& env,
                                           std::vector<std::string>* warnings) {
  MCNS_ASSIGN_OR_RETURN(toml::value root, parse_file(path));
  Reader r(std::move(root), env, path);
  MCNS_RETURN_IF_ERROR(r.check_shape());
  ControlConfig c;
  MCNS_RETURN_IF_ERROR(r.string("server", "listen_addr", c.server.listen_addr));
  MCNS_RETURN_IF_ERROR(r.string("server", "grpc_addr", c.server.grpc_addr));
  MCNS_RETURN_IF_ERROR(r.string("server", "tls_cert", c.server.tls_cert, true));
  MCNS_RETURN_IF_ERROR(r.string("server", "tls_key", c.server.tls_key, true));
  MCNS_RETURN_IF_ERROR(r.integer("server", "max_connections", c.server.max_connections, 1, 1000000));
  MCNS_RETURN_IF_ERROR(
      r.integer("server", "max_connections_per_client", c.server.max_connections_per_client, 1, 1000000));
  MCNS_RETURN_IF_ERROR(r.string("database", "path", c.database.path, true));
  MCNS_RETURN_IF_ERROR(r.string("mcias", "server_url", c.mcias.server_url));
  MCNS_RETURN_IF_ERROR(r.string("mcias", "ca_cert", c.mcias.ca_cert));
  MCNS_RETURN_IF_ERROR(r.string("mcias", "service_name", c.mcias.service_name));
  MCNS_RETURN_IF_ERROR(r.list("mcias", "tags", c.mcias.tags));
  MCNS_RETURN_IF_ERROR(r.string("auth", "mode", c.auth.mode));
  MCNS_RETURN_IF_ERROR(r.string("auth", "local_tokens_file", c.auth.local_tokens_file));
  MCNS_RETURN_IF_ERROR(r.list("auth", "record_admins", c.auth.record_admins));
  MCNS_RETURN_IF_ERROR(r.list("sync", "allowed_accounts", c.sync.allowed_accounts));
  MCNS_RETURN_IF_ERROR(r.integer("history", "keep_days", c.history.keep_days, 0, 36500));
  MCNS_RETURN_IF_ERROR(r.string("metrics", "listen_addr", c.metrics.listen_addr));
  MCNS_RETURN_IF_ERROR(r.string("log", "level", c.log.level));

  // $PORT / $PORT_GRPC (a bare port: all addresses) win over the file and MCNS_* alike.
  for (auto [var, target] : {std::pair{"PORT", &c.server.listen_addr}, std::pair{"PORT_GRPC", &c.server.grpc_addr}}) {
    if (auto v = env(var); v && !v->empty()) {
      auto port = parse_int<std::uint16_t>(*v);
      if (!port)
        return r.error(str_cat("$", var, " must be a port number, got \"", *v, "\""));
      *target = str_cat(":", *port);
    }
  }

  MCNS_RETURN_IF_ERROR(check_addr(r, "server", "listen_addr", c.server.listen_addr, false));
  MCNS_RETURN_IF_ERROR(check_addr(r, "server", "grpc_addr", c.server.grpc_addr, false));
  MCNS_RETURN_IF_ERROR(check_addr(r, "metrics", "listen_addr", c.metrics.listen_addr, true));
  if (c.auth.mode == "mcias") {
    if (c.mcias.server_url.empty()) return r.missing("mcias", "server_url");
    if (!c.mcias.server_url.starts_with("https://"))
      return r.error("[mcias] server_url must be an https:// URL");
  } else if (c.auth.mode == "local") {
    if (c.auth.local_tokens_file.empty()) return r.missing("auth", "local_tokens_file");
  } else {
    return r.error(str_cat("[auth] mode must be \"mcias\" or \"local\", got \"", c.auth.mode, "\""));
  }
  MCNS_RETURN_IF_ERROR(check_level(r, "log", c.log.level));
  MCNS_RETURN_IF_ERROR(load_control_dns(r, c));
  c.path = path;
  report_unknown(r, warnings);
  return c;
}

StatusOr<DnsConfig> load_dns(const std::string& path, const Environment& env,
                                   std::vector<std::string>* warnings) {
  MCNS_ASSIGN_OR_RETURN(toml::value root, parse_file(path));
  Reader r(std::move(root), env, path);
  MCNS_RETURN_IF_ERROR(r.check_shape());
  DnsConfig c;
  MCNS_RETURN_IF_ERROR(r.list("dns", "listen", c.dns.listen, true));
  MCNS_RETURN_IF_ERROR(r.integer("dns", "threads", c.dns.threads, 0, 256));
  MCNS_RETURN_IF_ERROR(r.integer("dns", "tcp_max_per_client", c.dns.tcp_max_per_client, 1, 65535));
  MCNS_RETURN_IF_ERROR(r.integer("dns", "tcp_max_connections", c.dns.tcp_max_connections, 1, 1000000));
  MCNS_RETURN_IF_ERROR(r.integer("dns", "rrl_responses_per_second", c.dns.rrl_responses_per_second, 0, 1000000));
  MCNS_RETURN_IF_ERROR(r.integer("dns", "rrl_slip", c.dns.rrl_slip, 0, 100));
  MCNS_RETURN_IF_ERROR(r.string("dns", "cookie_secret_file", c.dns.cookie_secret_file));
  for (const auto& l : c.dns.listen) MCNS_RETURN_IF_ERROR(check_addr(r, "dns", "listen", l, false));

  if (r.has_section("control", {"grpc_addr", "ca_cert", "token_file", "name"})) {
    DnsConfig::Control ctl;
    MCNS_RETURN_IF_ERROR(r.string("control", "grpc_addr", ctl.grpc_addr, true));
    MCNS_RETURN_IF_ERROR(r.string("control", "ca_cert", ctl.ca_cert));
    MCNS_RETURN_IF_ERROR(r.string("control", "token_file", ctl.token_file, true));
    MCNS_RETURN_IF_ERROR(r.string("control", "name", ctl.name));
    MCNS_RETURN_IF_ERROR(check_addr(r, "control", "grpc_addr", ctl.grpc_addr, false));
    c.control = std::move(ctl);
  }

  MCNS_RETURN_IF_ERROR(r.list("forward", "upstreams", c.forward.upstreams));
  MCNS_RETURN_IF_ERROR(r.list("forward", "allow", c.forward.allow));
  MCNS_RETURN_IF_ERROR(r.integer("forward", "max_ttl", c.forward.max_ttl, 0, 604800));
  MCNS_RETURN_IF_ERROR(r.integer("forward", "max_entries", c.forward.max_entries, 0, 100000000));
  MCNS_RETURN_IF_ERROR(r.integer("forward", "max_bytes", c.forward.max_bytes, 4096, std::int64_t{1} << 40));
  for (auto& u : c.forward.upstreams) {
    // A bare address means port 53.
    if (is_ip_literal(u)) u = u.find(':') != std::string::npos ? str_cat("[", u, "]:53") : str_cat(u, ":53");
    if (!is_ip_and_port(u))
      return r.error(str_cat("[forward] upstreams: \"", u, "\" must be an IP address with an optional port"));
  }
  for (const auto& a : c.forward.allow) MCNS_RETURN_IF_ERROR(check_cidr(r, a));

  MCNS_RETURN_IF_ERROR(r.list("zones", "files", c.zones.files));
  MCNS_RETURN_IF_ERROR(r.string("process", "user", c.process.user));
  MCNS_RETURN_IF_ERROR(r.boolean("process", "allow_root", c.process.allow_root));
  MCNS_RETURN_IF_ERROR(r.string("metrics", "listen_addr", c.metrics.listen_addr));
  MCNS_RETURN_IF_ERROR(r.string("log", "level", c.log.level));
  MCNS_RETURN_IF_ERROR(check_addr(r, "metrics", "listen_addr", c.metrics.listen_addr, true));
  MCNS_RETURN_IF_ERROR(check_level(r, "log", c.log.level));
  report_unknown(r, warnings);
  return c;
}

}  // namespace mcns::config
