#include "services/control/auth/local_tokens.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <toml.hpp>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "services/control/auth/sha256.h"

namespace mcns::control::auth {

namespace {

std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

StatusOr<std::map<std::string, Principal>> load_local_tokens(const std::string& path) {
  if (path.empty()) return invalid_argument("[auth] local_tokens_file is required when [auth] mode = \"local\"");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    std::string why = str_cat("local tokens file ", path, ": ", std::strerror(err));
    return err == ENOENT ? not_found(why) : permission_denied(why);
  }
  if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH))
    return permission_denied(str_cat("local tokens file ", path, " is accessible by group or others (mode 0",
                                     (st.st_mode >> 6) & 7, (st.st_mode >> 3) & 7, st.st_mode & 7,
                                     "); run chmod 600 ", path));
  toml::value root;
  try {
    root = toml::parse(path);
  } catch (const std::exception& e) {
    return invalid_argument(str_cat("local tokens file ", path, ": ", one_line(e.what())));
  }
  auto bad = [&](std::size_t i, std::string_view what) {
    return invalid_argument(str_cat("local tokens file ", path, ": [[token]] #", i + 1, ": ", what));
  };
  std::map<std::string, Principal> out;
  if (!root.is_table() || !root.as_table().count("token")) return out;  // no tokens: nobody gets in
  const toml::value& list = root.as_table().at("token");
  if (!list.is_array()) return invalid_argument(str_cat("local tokens file ", path, ": token must be [[token]] tables"));
  const auto& entries = list.as_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].is_table()) return bad(i, "not a table");
    const auto& t = entries[i].as_table();
    auto str = [&](const char* key) -> std::optional<std::string> {
      auto it = t.find(key);
      if (it == t.end() || !it->second.is_string()) return std::nullopt;
      return it->second.as_string().str;
    };
    auto hash = str("sha256");
    if (!hash || !is_hex64(*hash)) return bad(i, "sha256 must be the 64 hex digits of the token's SHA-256");
    auto username = str("username");
    if (!username || username->empty()) return bad(i, "username is required");
    Principal who;
    who.username = *username;
    if (auto it = t.find("roles"); it != t.end()) {
      if (!it->second.is_array()) return bad(i, "roles must be a list of strings");
      for (const auto& r : it->second.as_array()) {
        if (!r.is_string()) return bad(i, "roles must be a list of strings");
        who.roles.push_back(r.as_string().str);
      }
    }
    auto account = str("account");
    if (t.count("account") && !account) return bad(i, "account must be \"human\" or \"system\"");
    if (!account) who.account_type = who.roles.empty() ? AccountType::kSystem : AccountType::kHuman;
    else if (iequals(*account, "system")) who.account_type = AccountType::kSystem;
    else if (iequals(*account, "human")) who.account_type = AccountType::kHuman;
    else return bad(i, "account must be \"human\" or \"system\"");
    if (!out.emplace(to_lower(*hash), std::move(who)).second) return bad(i, "duplicate sha256");
  }
  return out;
}

StatusOr<std::unique_ptr<LocalTokenAuthenticator>> LocalTokenAuthenticator::create(std::string path) {
  std::unique_ptr<LocalTokenAuthenticator> a(new LocalTokenAuthenticator(std::move(path)));
  MCNS_RETURN_IF_ERROR(a->reload());
  return a;
}

Status LocalTokenAuthenticator::reload() {
  MCNS_ASSIGN_OR_RETURN(auto table, load_local_tokens(path_));
  std::size_t n = table.size();
  {
    std::lock_guard lock(mu_);
    by_hash_ = std::move(table);
  }
  log::info("auth: loaded ", n, " local token(s) from ", path_);
  return ok_status();
}

std::size_t LocalTokenAuthenticator::size() const {
  std::lock_guard lock(mu_);
  return by_hash_.size();
}

StatusOr<Principal> LocalTokenAuthenticator::authenticate(std::string_view token) {
  if (token.empty()) return unauthenticated("missing bearer token");
  std::string key = sha256_hex(token);
  std::lock_guard lock(mu_);
  auto it = by_hash_.find(key);
  if (it == by_hash_.end()) return unauthenticated("invalid or expired token");
  return it->second;
}

StatusOr<LoginResult> LocalTokenAuthenticator::login(const LoginRequest&) {
  return unimplemented("login is not available in local-token mode ([auth] mode = \"local\"): "
                       "use a token from the local tokens file");
}

Status LocalTokenAuthenticator::logout(std::string_view) { return ok_status(); }

}  // namespace mcns::control::auth
