#include "services/control/dns/tsig_keys.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/base/strings.h"

namespace mcns::control::dns {
namespace {

StatusOr<std::string> read_secret_file(const std::string& name, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return not_found(str_cat("[[tsig]] ", name, ": secret_file ", path, " cannot be read: ", std::strerror(errno)));
  if ((st.st_mode & 077) != 0)
    return invalid_argument(str_cat("[[tsig]] ", name, ": secret_file ", path,
                                    " is readable by group or others; chmod 0600 it"));
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) return not_found(str_cat("[[tsig]] ", name, ": secret_file ", path, " cannot be read"));
  return text.str();
}

}  // namespace

bool KeyPolicy::covers(std::string_view zone) const {
  for (const auto& z : zones)
    if (z == "*" || z == zone) return true;
  return false;
}

StatusOr<std::shared_ptr<const KeySet>> KeySet::load(const std::vector<config::ControlConfig::Tsig>& keys) {
  auto set = std::make_shared<KeySet>();
  for (const auto& k : keys) {
    KeyPolicy p;
    p.key.name = tsig::canonical_key_name(k.name);
    auto alg = tsig::parse_algorithm(k.algorithm);
    if (!alg) return invalid_argument(str_cat("[[tsig]] ", k.name, ": unknown algorithm ", k.algorithm));
    p.key.algorithm = *alg;
    std::string text = k.secret;
    if (!k.secret_file.empty()) {
      MCNS_ASSIGN_OR_RETURN(text, read_secret_file(k.name, k.secret_file));
    }
    auto secret = tsig::decode_base64(text);
    if (!secret.ok() || secret->empty())
      return invalid_argument(str_cat("[[tsig]] ", k.name, ": the secret is not base64"));
    p.key.secret = *std::move(secret);
    for (const auto& a : k.allow) {
      if (a == "transfer") p.transfer = true;
      if (a == "update") p.update = true;
    }
    for (const auto& z : k.zones) {
      std::string zone = to_lower(trim(z));
      while (zone.size() > 1 && zone.back() == '.') zone.pop_back();
      p.zones.push_back(zone);
    }
    p.update_names = k.update_names;
    p.update_types = k.update_types;
    set->keys_.push_back(std::move(p));
  }
  return std::shared_ptr<const KeySet>(std::move(set));
}

const KeyPolicy* KeySet::find(std::string_view name) const {
  for (const auto& p : keys_)
    if (p.key.name == name) return &p;
  return nullptr;
}

}  // namespace mcns::control::dns
