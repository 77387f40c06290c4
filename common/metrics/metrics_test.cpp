#include "common/metrics/metrics.h"

#include <gtest/gtest.h>

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without it

#include <boost/asio.hpp>

namespace mcns::metrics {
namespace {

std::string http_get(std::uint16_t port, const std::string& request) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  char buf[4096];
  while (true) {
    std::size_t n = s.read_some(asio::buffer(buf), ec);
    out.append(buf, n);
    if (ec) break;
  }
  return out;
}

TEST(MetricsTest, CountersGaugesHistogramsSerialize) {
  Registry r;
  r.counter("mcns_api_requests_total", "API requests", {{"api", "rest"}, {"code", "200"}}).inc();
  r.counter("mcns_api_requests_total", "API requests", {{"api", "rest"}, {"code", "200"}}).inc(2);
  r.gauge("mcns_store_version", "version").set(42);
  r.histogram("mcns_api_request_duration_seconds", "latency", latency_buckets()).observe(0.002);
  r.add_collector([](std::string& out) { out += "# TYPE custom_total counter\ncustom_total 7\n"; });
  std::string text = r.serialize();
  EXPECT_NE(text.find("mcns_api_requests_total{api=\"rest\",code=\"200\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_store_version 42"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_api_request_duration_seconds_count 1"), std::string::npos) << text;
  EXPECT_NE(text.find("custom_total 7"), std::string::npos) << text;
}

TEST(MetricsTest, SameSeriesIsOneHandle) {
  Registry r;
  EXPECT_EQ(&r.counter("a_total", "h", {{"x", "1"}}), &r.counter("a_total", "h", {{"x", "1"}}));
  EXPECT_NE(&r.counter("a_total", "h", {{"x", "1"}}), &r.counter("a_total", "h", {{"x", "2"}}));
}

TEST(HttpEndpointTest, ServesMetricsHandlersAndErrors) {
  Registry r;
  r.gauge("mcns_sync_connected", "connected").set(1);
  auto ep = HttpEndpoint::start("127.0.0.1:0", r,
                                {{"/readyz", [] { return HttpResponse{503, "application/json", "{\"version\":0}"}; }}});
  ASSERT_TRUE(ep.ok()) << ep.status();
  std::uint16_t port = (*ep)->port();
  ASSERT_NE(port, 0);
  auto metrics = http_get(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(metrics.starts_with("HTTP/1.1 200 OK")) << metrics;
  EXPECT_NE(metrics.find("mcns_sync_connected 1"), std::string::npos);
  auto ready = http_get(port, "GET /readyz HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(ready.starts_with("HTTP/1.1 503")) << ready;
  EXPECT_NE(ready.find("{\"version\":0}"), std::string::npos);
  EXPECT_TRUE(http_get(port, "GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(http_get(port, "POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(http_get(port, "garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(http_get(port, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 400"));
}

TEST(HttpEndpointTest, BadAddressIsAnError) {
  Registry r;
  EXPECT_FALSE(HttpEndpoint::start("nonsense", r).ok());
  EXPECT_FALSE(HttpEndpoint::start("256.0.0.1:0", r).ok());
}

}  // namespace
}  // namespace mcns::metrics
