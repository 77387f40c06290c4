#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include "services/dns-frontend/server/server.h"

#include <boost/asio.hpp>

#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/base/strings.h"
#include "services/dns-frontend/query/rrl.h"
#include "services/dns-frontend/server/listen_socket.h"
#include "services/dns-frontend/server/udp_loop.h"
#include "services/dns-frontend/server/worker.h"

namespace mcns::frontend::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl {
  ServerOptions options;
  SipKey cookie_secret{};  // [dns] cookie_secret_file, or random
  SipKey rrl_key{};        // random: the RRL table index
  // Declared first, destroyed last: the workers' io threads send forwarded replies
  // through these sockets until they are joined.
  std::vector<std::unique_ptr<UdpLoop>> udp_loops;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::string> bound;
  bool started = false;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(std::chrono::milliseconds(0)); }

Status Server::check(const ServerOptions& options) {
  if (options.listen.empty()) return invalid_argument("[dns] listen: at least one address is required");
  for (const auto& l : options.listen) MCNS_RETURN_IF_ERROR(parse_listen(l).status());
  if (options.threads < 0) return invalid_argument("[dns] threads must be 0 (one per core) or more");
  if (!options.cookie_secret_file.empty()) MCNS_RETURN_IF_ERROR(load_cookie_secret(options.cookie_secret_file).status());
  return ok_status();
}

StatusOr<std::unique_ptr<Server>> Server::bind(const ServerOptions& options, const zone::SnapshotHolder& holder,
                                               forward::Forwarder* forwarder, metrics::Registry* registry) {
  MCNS_RETURN_IF_ERROR(check(options));
  std::vector<ListenSpec> specs;
  for (const auto& l : options.listen) {
    MCNS_ASSIGN_OR_RETURN(ListenSpec spec, parse_listen(l));
    specs.push_back(std::move(spec));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  MCNS_ASSIGN_OR_RETURN(impl->cookie_secret, load_cookie_secret(options.cookie_secret_file));
  MCNS_ASSIGN_OR_RETURN(impl->rrl_key, load_cookie_secret(""));
  int threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  for (int i = 0; i < threads; ++i) {
    impl->workers.push_back(std::make_unique<Worker>(i, threads, holder, forwarder, impl->options));
    impl->workers.back()->set_cookie_secret(&impl->cookie_secret);
  }

  for (const ListenSpec& spec : specs) {
    // With port 0 the first socket picks the port and every other socket (UDP and TCP,
    // every worker) binds the same one; if TCP finds it taken, start over.
    if (spec.port != 0 && probe_free(spec))
      return unavailable(str_cat("[dns] listen ", spec.text, ": address already in use (another mcns-dns?)"));
    constexpr int kAttempts = 20;
    bool bound = false;
    for (int attempt = 0; attempt < kAttempts && !bound; ++attempt) {
      std::uint16_t port = spec.port;
      std::vector<int> udps;
      std::vector<tcp::acceptor> tcps;
      boost::system::error_code ec;
      for (auto& w : impl->workers) {
        int u = open_udp(spec, port, ec);
        if (u < 0) break;
        udps.push_back(u);
        tcp::acceptor a(w->io());
        ec = open_tcp(a, spec, port);
        if (ec) break;
        tcps.push_back(std::move(a));
      }
      if (ec) {
        for (int fd : udps) ::close(fd);
        if (spec.port == 0 && ec == asio::error::address_in_use) continue;
        return unavailable(str_cat("[dns] listen ", spec.text, ": cannot bind: ", ec.message()));
      }
      for (std::size_t i = 0; i < impl->workers.size(); ++i) {
        std::unique_ptr<RateLimiter> rrl;
        if (options.rrl_responses_per_second > 0)
          rrl = std::make_unique<RateLimiter>(rrl_share(options.rrl_responses_per_second, i, impl->workers.size()),
                                              options.rrl_slip, impl->rrl_key);
        impl->udp_loops.push_back(std::make_unique<UdpLoop>(*impl->workers[i], udps[i], spec.wildcard, holder,
                                                            &impl->cookie_secret, std::move(rrl)));
        impl->workers[i]->add_tcp(std::move(tcps[i]));
      }
      impl->bound.push_back(endpoint_text(spec.address, port));
      bound = true;
    }
    if (!bound) return unavailable(str_cat("[dns] listen ", spec.text, ": no free port found"));
  }

  if (registry) {
    std::vector<const WorkerStats*> stats;
    for (const auto& w : impl->workers) stats.push_back(&w->stats());
    for (const auto& u : impl->udp_loops) stats.push_back(&u->stats());
    // NOTE: the registry must stop serving before the Server is destroyed.
    registry->add_collector([stats](std::string& out) { render_stats(stats, out); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::vector<std::string> Server::bound_addresses() const { return impl_->bound; }
int Server::threads() const noexcept { return static_cast<int>(impl_->workers.size()); }

void Server::start() {
  if (impl_->started) return;
  impl_->started = true;
  for (auto& w : impl_->workers) w->start_thread();
  for (auto& u : impl_->udp_loops) u->start();
}

bool Server::stop(std::chrono::milliseconds drain) {
  if (!impl_->started || impl_->stopped) return true;
  impl_->stopped = true;
  // UDP first: once its threads are joined nothing posts new forwards to the workers.
  for (auto& u : impl_->udp_loops) u->request_stop();
  for (auto& u : impl_->udp_loops) u->join();
  for (auto& w : impl_->workers) {
    Worker* raw = w.get();
    asio::post(raw->io(), [raw] { raw->begin_stop(); });
  }
  auto deadline = std::chrono::steady_clock::now() + drain;
  bool in_time = true;
  for (auto& w : impl_->workers) in_time = w->finish(deadline) && in_time;
  return in_time;
}

}  // namespace mcns::frontend::server
