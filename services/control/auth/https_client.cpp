#include "services/control/auth/https_client.h"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <optional>

#include "common/base/strings.h"

namespace mcns::control::auth {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

StatusOr<HttpsUrl> parse_https_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return invalid_argument(str_cat("URL must start with https://: ", url));
  std::string_view rest = url.substr(kScheme.size());
  std::string_view authority = rest.substr(0, rest.find('/'));
  std::string_view path = rest.substr(authority.size());
  HttpsUrl out;
  std::string_view port_text;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return invalid_argument(str_cat("bad IPv6 host in URL: ", url));
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalid_argument(str_cat("bad URL: ", url));
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return invalid_argument(str_cat("URL has no host: ", url));
  if (!port_text.empty()) {
    auto port = parse_int<std::uint16_t>(port_text);
    if (!port || *port == 0) return invalid_argument(str_cat("bad port in URL: ", url));
    out.port = *port;
  }
  while (path.ends_with('/')) path.remove_suffix(1);
  if (path.find_first_of("?#") != std::string_view::npos) return invalid_argument(str_cat("URL may not have a query: ", url));
  out.base_path = std::string(path);
  return out;
}

struct HttpsConnection::Impl {
  HttpsUrl url;
  HttpsClientOptions options;
  asio::io_context ioc;
  ssl::context ctx{ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
  Status ctx_status;
  int connects = 0;
  bool retryable = false;  // the last exchange failed before the server answered a byte

  Impl(HttpsUrl u, HttpsClientOptions o) : url(std::move(u)), options(std::move(o)) {
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_3_VERSION);
    ctx.set_verify_mode(ssl::verify_peer);
    error_code ec;
    if (options.ca_cert_file.empty()) ctx.set_default_verify_paths(ec);
    else ctx.load_verify_file(options.ca_cert_file, ec);
    if (ec) ctx_status = unavailable(str_cat("cannot load CA certificates ", options.ca_cert_file, ": ", ec.message()));
  }

  // Runs the io_context until `done` or the deadline; on the deadline, closes the
  // socket so the pending operation completes (with an error) before returning.
  bool run_until(std::chrono::steady_clock::time_point deadline, const bool& done) {
    ioc.restart();
    while (!done) {
      if (ioc.run_one_until(deadline) == 0) break;
    }
    if (done) return true;
    if (stream) beast::get_lowest_layer(*stream).socket().close();
    ioc.restart();
    ioc.run();
    return false;
  }

  void close() noexcept {
    if (stream) {
      error_code ec;
      beast::get_lowest_layer(*stream).socket().close(ec);
      stream.reset();
    }
    buffer.clear();
  }

  Status connect(std::chrono::steady_clock::time_point deadline) {
    MCNS_RETURN_IF_ERROR(ctx_status);
    close();
    stream.emplace(ioc, ctx);
    SSL* ssl_handle = stream->native_handle();
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
    error_code ec;
    asio::ip::make_address(url.host, ec);
    bool is_ip = !ec;
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, url.host.c_str());
    } else {
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      X509_VERIFY_PARAM_set1_host(param, url.host.c_str(), 0);
      SSL_set_tlsext_host_name(ssl_handle, url.host.c_str());
    }
    std::string where = str_cat(url.host, ":", url.port);

    tcp::resolver resolver(ioc);
    tcp::resolver::results_type endpoints;
    bool done = false;
    resolver.async_resolve(url.host, std::to_string(url.port),
                           [&](error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             done = true;
                           });
    if (!run_until(deadline, done)) {
      resolver.cancel();
      return unavailable(str_cat("timed out resolving ", where));
    }
    if (ec) return unavailable(str_cat("cannot resolve ", where, ": ", ec.message()));

    done = false;
    beast::get_lowest_layer(*stream).expires_at(deadline);
    beast::get_lowest_layer(*stream).async_connect(endpoints, [&](error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    if (!run_until(deadline, done) || ec) {
      close();
      return unavailable(str_cat("cannot connect to ", where, ": ", ec ? ec.message() : "timed out"));
    }
    done = false;
    stream->async_handshake(ssl::stream_base::client, [&](error_code e) {
      ec = e;
      done = true;
    });
    if (!run_until(deadline, done) || ec) {
      std::string why = ec ? ec.message() : "timed out";
      close();
      return unavailable(str_cat("TLS handshake with ", where, " failed: ", why));
    }
    ++connects;
    return ok_status();
  }

  StatusOr<HttpMessage> exchange(const HttpRequestSpec& spec, std::chrono::steady_clock::time_point deadline) {
    http::request<http::string_body> req{http::string_to_verb(spec.method), url.base_path + spec.target, 11};
    req.set(http::field::host, url.host);
    req.set(http::field::user_agent, "mcns-control");
    for (const auto& [k, v] : spec.headers) req.set(k, v);
    if (!spec.body.empty()) req.set(http::field::content_type, spec.content_type);
    req.body() = spec.body;
    req.prepare_payload();
    if (spec.body.empty() && req.method() != http::verb::post && req.method() != http::verb::put)
      req.erase(http::field::content_length);

    error_code ec;
    bool done = false;
    retryable = true;
    beast::get_lowest_layer(*stream).expires_at(deadline);
    http::async_write(*stream, req, [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(deadline, done) || ec) {
      close();
      return unavailable(str_cat("cannot send request to ", url.host, ":", url.port, ": ",
                                 ec ? ec.message() : "timed out"));
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    if (req.method() == http::verb::head) parser.skip(true);
    done = false;
    http::async_read(*stream, buffer, parser, [&](error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(deadline, done) || ec) {
      retryable = !parser.got_some() && ec;
      close();
      return unavailable(str_cat("no answer from ", url.host, ":", url.port, ": ",
                                 ec ? ec.message() : "timed out"));
    }
    retryable = false;
    auto res = parser.release();
    HttpMessage out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) out.headers[to_lower(std::string_view(field.name_string().data(), field.name_string().size()))] = std::string(field.value());
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }
};

HttpsConnection::HttpsConnection(HttpsUrl url, HttpsClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(url), std::move(options))) {}
HttpsConnection::~HttpsConnection() { impl_->close(); }

StatusOr<HttpMessage> HttpsConnection::send(const HttpRequestSpec& request) {
  auto deadline = std::chrono::steady_clock::now() + impl_->options.timeout;
  bool reused = impl_->stream.has_value();
  if (!reused) MCNS_RETURN_IF_ERROR(impl_->connect(deadline));
  auto result = impl_->exchange(request, deadline);
  // A kept-alive connection may have been closed by the server meanwhile (idle timeout):
  // retry once on a fresh connection, but only when the server answered nothing at all
  // (it closed the idle connection before reading the request), as HTTP clients do.
  if (!result.ok() && reused && impl_->retryable && std::chrono::steady_clock::now() < deadline) {
    MCNS_RETURN_IF_ERROR(impl_->connect(deadline));
    result = impl_->exchange(request, deadline);
  }
  return result;
}

bool HttpsConnection::is_open() const noexcept { return impl_->stream.has_value(); }
int HttpsConnection::connects() const noexcept { return impl_->connects; }
void HttpsConnection::close() noexcept { impl_->close(); }

StatusOr<HttpMessage> https_request(const HttpsUrl& url, const HttpsClientOptions& options,
                                    const HttpRequestSpec& request) {
  HttpsConnection connection(url, options);
  return connection.send(request);
}

}  // namespace mcns::control::auth
