#include "services/control/rest/connection_table.h"

#include <algorithm>

namespace mcns::control::rest {

ConnectionTable::ConnectionTable(ConnectionLimits limits) : limits_(limits) {
  // A cap of 0 would refuse everything; the config validates >= 1, tests may not.
  limits_.max_connections = std::max<std::size_t>(1, limits_.max_connections);
  limits_.max_per_client = std::max<std::size_t>(1, limits_.max_per_client);
}

ConnectionTable::Admission ConnectionTable::admit(const std::string& client) {
  Admission a;
  if (from_client(client) >= limits_.max_per_client) {
    a.verdict = Verdict::kClientOverLimit;
    return a;
  }
  if (entries_.size() >= limits_.max_connections) {
    if (idle_order_.empty()) {
      a.verdict = Verdict::kFull;
      return a;
    }
    a.evicted = idle_order_.front();
    forget(entries_.find(*a.evicted));
  }
  a.verdict = Verdict::kAdmitted;
  a.id = next_id_++;
  Entry& e = entries_[a.id];
  e.client = client;
  e.idle = true;
  e.idle_position = idle_order_.insert(idle_order_.end(), a.id);
  ++per_client_[client];
  return a;
}

bool ConnectionTable::mark_busy(ConnectionId id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return false;
  if (it->second.idle) {
    idle_order_.erase(it->second.idle_position);
    it->second.idle = false;
  }
  return true;
}

void ConnectionTable::mark_idle(ConnectionId id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.idle) return;
  it->second.idle = true;
  it->second.idle_position = idle_order_.insert(idle_order_.end(), id);
}

void ConnectionTable::remove(ConnectionId id) {
  auto it = entries_.find(id);
  if (it != entries_.end()) forget(it);
}

std::size_t ConnectionTable::from_client(const std::string& client) const {
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

void ConnectionTable::forget(std::unordered_map<ConnectionId, Entry>::iterator it) {
  if (it->second.idle) idle_order_.erase(it->second.idle_position);
  auto count = per_client_.find(it->second.client);
  if (count != per_client_.end() && --count->second == 0) per_client_.erase(count);
  entries_.erase(it);
}

}  // namespace mcns::control::rest
