// A deliberately small HTTP/1.1 server: GET only, one request per connection, 8 KiB
// request limit, 5 s deadline. Enough for Prometheus and health probes, and it keeps
// Beast out of the frontend.
#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

#include <memory>
#include <thread>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/config/config.h"
#include "common/metrics/metrics.h"

namespace mcns::metrics {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxRequest = 8192;

std::string_view reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const Registry& registry, const std::map<std::string, HttpHandler>& handlers)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        buffer_(kMaxRequest),
        registry_(registry),
        handlers_(handlers) {}

  void start() {
    timer_.expires_after(std::chrono::seconds(5));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->socket_.close(ec);
    });
    asio::async_read_until(socket_, buffer_, "\r\n\r\n",
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(boost::system::error_code ec) {
    HttpResponse response;
    if (ec) {
      if (ec != asio::error::not_found) return finish();  // closed or timed out
      response = {400, "text/plain; charset=utf-8", "request too large\n"};
    } else {
      std::string head(asio::buffers_begin(buffer_.data()), asio::buffers_end(buffer_.data()));
      response = handle(head.substr(0, head.find("\r\n")));
    }
    out_ = str_cat("HTTP/1.1 ", response.status, " ", reason(response.status), "\r\nContent-Type: ",
                   response.content_type, "\r\nContent-Length: ", response.body.size(),
                   "\r\nConnection: close\r\n\r\n", response.body);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](boost::system::error_code, std::size_t) { self->finish(); });
  }

  HttpResponse handle(std::string_view request_line) {
    auto parts = split(request_line, ' ');
    if (parts.size() != 3 || !parts[2].starts_with("HTTP/1.")) return {400, "text/plain; charset=utf-8", "bad request\n"};
    std::string_view path = parts[1];
    path = path.substr(0, path.find('?'));
    if (parts[0] != "GET" && parts[0] != "HEAD") return {405, "text/plain; charset=utf-8", "method not allowed\n"};
    try {
      if (path == "/metrics") return {200, "text/plain; version=0.0.4; charset=utf-8", registry_.serialize()};
      if (auto it = handlers_.find(std::string(path)); it != handlers_.end()) return it->second();
    } catch (const std::exception& e) {
      log::error("metrics endpoint: handler for ", path, " failed: ", e.what());
      return {500, "text/plain; charset=utf-8", "internal error\n"};
    }
    return {404, "text/plain; charset=utf-8", "not found\n"};
  }

  void finish() {
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf buffer_;
  std::string out_;
  const Registry& registry_;
  const std::map<std::string, HttpHandler>& handlers_;
};

}  // namespace

struct HttpEndpoint::Impl {
  Impl(const Registry& r, std::map<std::string, HttpHandler> h) : registry(r), handlers(std::move(h)) {}
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  const Registry& registry;
  std::map<std::string, HttpHandler> handlers;
  std::thread thread;

  void do_accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) std::make_shared<Connection>(std::move(socket), registry, handlers)->start();
      do_accept();
    });
  }
};

HttpEndpoint::HttpEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpEndpoint::~HttpEndpoint() {
  asio::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->io.stop();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t HttpEndpoint::port() const noexcept {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(const std::string& listen_addr, const Registry& registry,
                                                            std::map<std::string, HttpHandler> handlers) {
  MCNS_ASSIGN_OR_RETURN(config::HostPort hp, config::parse_host_port(listen_addr));
  auto impl = std::make_unique<Impl>(registry, std::move(handlers));
  boost::system::error_code ec;
  auto address = hp.host.empty() ? asio::ip::address(asio::ip::address_v6::any())
                                 : asio::ip::make_address(hp.host == "localhost" ? "127.0.0.1" : hp.host, ec);
  if (ec) return invalid_argument(str_cat("metrics listen address \"", listen_addr, "\": ", ec.message()));
  tcp::endpoint endpoint(address, hp.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec && address.is_v6() && hp.host.empty()) impl->acceptor.set_option(asio::ip::v6_only(false), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable(str_cat("metrics listener on ", listen_addr, ": ", ec.message()));
  impl->do_accept();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->io.run(); });
  return std::make_unique<HttpEndpoint>(std::move(impl));
}

}  // namespace mcns::metrics
