#include "services/dns-frontend/server/worker.h"

#include <memory>

#include "services/dns-frontend/server/tcp_session.h"

namespace mcns::frontend::server {

void Worker::accept(tcp::acceptor& a) {
  a.async_accept([this, &a](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping_) return;
    if (ec) {
      // E.g. EMFILE: do not spin; try again shortly.
      auto t = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
      t->async_wait([this, &a, t](boost::system::error_code ec) {
        if (!ec && !stopping_) accept(a);
      });
      return;
    }
    boost::system::error_code peer_ec;
    tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (peer_ec || !admit(client_key(peer.address()))) {
      boost::system::error_code ignored;
      socket.close(ignored);
    } else {
      std::make_shared<TcpSession>(*this, std::move(socket), peer)->start();
    }
    accept(a);
  });
}

void Worker::begin_stop() {
  stopping_ = true;
  work_.reset();
  boost::system::error_code ignored;
  for (auto& a : acceptors_) a->close(ignored);
  refresh_timer_.cancel();
  // shutdown() may close (and so unregister) a session: iterate over a copy.
  std::vector<TcpConnection*> sessions;
  for (TcpConnection& c : all_) sessions.push_back(&c);
  for (TcpConnection* c : sessions) c->shutdown();
}

}  // namespace mcns::frontend::server
