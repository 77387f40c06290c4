#pragma once
// The worker's view of a TCP connection for the caps of SPEC 16: the client key and the
// intrusive least-recently-active lists.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio/ip/address.hpp>
#include <boost/intrusive/list.hpp>

#include <array>
#include <cstddef>
#include <cstdint>

namespace mcns::frontend::server {

// A TCP client's address (IPv4 as v4-mapped IPv6), the key of the per-client cap.
using ClientKey = std::array<std::uint8_t, 16>;

inline ClientKey client_key(const boost::asio::ip::address& a) noexcept {
  if (a.is_v4()) return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, a.to_v4()).to_bytes();
  return a.to_v6().to_bytes();
}

struct ClientKeyHash {
  std::size_t operator()(const ClientKey& k) const noexcept {
    std::uint64_t h = 14695981039346656037ull;  // FNV-1a
    for (std::uint8_t b : k) h = (h ^ b) * 1099511628211ull;
    return static_cast<std::size_t>(h);
  }
};

using LruHook = boost::intrusive::list_member_hook<>;

// What the worker's connection bookkeeping sees of a TCP session: two places in
// least-recently-active order (all of the worker's connections, and those of the same
// client), linked in place so that moving a session to the back on every answered
// message allocates nothing.
class TcpConnection {
 public:
  explicit TcpConnection(const ClientKey& key) : key_(key) {}
  virtual ~TcpConnection() = default;
  // Owes nothing: no forward outstanding, nothing to write, no whole message unread.
  virtual bool idle() const = 0;
  // Closed by the worker to make room (caps); unregisters itself.
  virtual void evict() = 0;
  // The worker's idle timeout changed (pressure began): re-arm the idle timer.
  virtual void rearm() = 0;
  // The worker is stopping: finish what is owed, then close.
  virtual void shutdown() = 0;

  const ClientKey key_;
  LruHook all_hook_;
  LruHook client_hook_;
  void* client_ = nullptr;  // the worker's entry for key_ while registered
};

using AllList = boost::intrusive::list<TcpConnection,
                                       boost::intrusive::member_hook<TcpConnection, LruHook, &TcpConnection::all_hook_>>;
using ClientList =
    boost::intrusive::list<TcpConnection,
                           boost::intrusive::member_hook<TcpConnection, LruHook, &TcpConnection::client_hook_>>;

template <typename List>
TcpConnection* oldest_idle(List& list) noexcept {
  for (TcpConnection& c : list)
    if (c.idle()) return &c;
  return nullptr;
}


}  // namespace mcns::frontend::server
