#include "services/control/auth/token_cache.h"

#include <algorithm>

namespace mcns::control::auth {

TokenCache::TokenCache(std::chrono::steady_clock::duration ttl, Clock clock, std::size_t max_entries)
    : ttl_(ttl), clock_(std::move(clock)), max_entries_(std::max<std::size_t>(max_entries, 1)) {}

std::optional<StatusOr<Principal>> TokenCache::find(const std::string& key) {
  auto now = clock_();
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.verdict;
}

void TokenCache::put(const std::string& key, const StatusOr<Principal>& verdict,
                     std::optional<std::chrono::steady_clock::time_point> not_after) {
  if (!verdict.ok() && verdict.status().code() == StatusCode::kUnavailable) return;
  auto now = clock_();
  auto expires = now + ttl_;
  if (not_after && *not_after < expires) expires = *not_after;
  if (expires <= now) return;
  std::lock_guard lock(mu_);
  if (entries_.size() >= max_entries_) {
    // Bounded memory against a flood of distinct tokens: drop what has expired, and if
    // that is not enough, start over (a cache miss costs one validation, nothing more).
    std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (entries_.size() >= max_entries_) entries_.clear();
  }
  entries_.insert_or_assign(key, Entry{verdict, expires});
}

void TokenCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

std::size_t TokenCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace mcns::control::auth
