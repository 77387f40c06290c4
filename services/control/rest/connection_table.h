#pragma once
// The bookkeeping behind the REST server's connection caps (SPEC 16): how many
// connections there are, how many each client address holds, and which of them are
// idle. No sockets here, so the policy can be tested on its own; the server guards one
// table with its mutex and carries out the verdicts.
//
// A connection is idle from its accept until a whole request head has arrived (TLS
// handshake included), and again from its response until the next request head: those
// are the connections an attacker can hold for free. At the global cap the connection
// that has been idle the longest makes room for the new one; connections with a request
// in progress are never chosen, so an idle flood cannot lock out active clients.
#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>

namespace mcns::control::rest {

using ConnectionId = std::uint64_t;

struct ConnectionLimits {
  std::size_t max_connections = 1024;
  std::size_t max_per_client = 64;
};

class ConnectionTable {
 public:
  explicit ConnectionTable(ConnectionLimits limits);

  enum class Verdict {
    kAdmitted,         // `id` is the new connection's; close `evicted` if set
    kClientOverLimit,  // the address holds max_per_client already: close the new one
    kFull,             // at the cap and nothing idle to close: close the new one
  };
  struct Admission {
    Verdict verdict = Verdict::kFull;
    ConnectionId id = 0;
    std::optional<ConnectionId> evicted;  // already removed from the table
  };
  // A new connection from `client` (its address, no port). Admitted connections start idle.
  Admission admit(const std::string& client);

  // The connection has a whole request head: it is no longer a candidate for eviction.
  // False when it was evicted in the meantime (the caller closes it).
  bool mark_busy(ConnectionId id);
  // The connection waits for its next request; it goes to the back of the idle order.
  void mark_idle(ConnectionId id);
  // The connection ended (unknown ids, e.g. evicted ones, are ignored).
  void remove(ConnectionId id);

  std::size_t size() const noexcept { return entries_.size(); }
  std::size_t idle_count() const noexcept { return idle_order_.size(); }
  std::size_t from_client(const std::string& client) const;
  bool contains(ConnectionId id) const { return entries_.contains(id); }
  const ConnectionLimits& limits() const noexcept { return limits_; }

 private:
  struct Entry {
    std::string client;
    bool idle = true;
    std::list<ConnectionId>::iterator idle_position;  // valid while idle
  };
  void forget(std::unordered_map<ConnectionId, Entry>::iterator it);

  ConnectionLimits limits_;
  ConnectionId next_id_ = 1;
  std::unordered_map<ConnectionId, Entry> entries_;
  std::unordered_map<std::string, std::size_t> per_client_;
  std::list<ConnectionId> idle_order_;  // front: idle the longest
};

}  // namespace mcns::control::rest
