#include "services/dns-frontend/server/dns_stats.h"

#include <string_view>

#include "common/base/strings.h"

namespace mcns::frontend::server {

namespace {

struct QtypeName {
  std::uint16_t code;
  std::string_view name;
};
// Slot i+1 is kQtypes[i]; slot 0 is "other".
constexpr QtypeName kQtypes[kQtypeSlots - 1] = {
    {1, "A"},      {2, "NS"},     {5, "CNAME"},   {6, "SOA"},   {12, "PTR"},   {15, "MX"},   {16, "TXT"},
    {28, "AAAA"},  {33, "SRV"},   {35, "NAPTR"},  {43, "DS"},   {48, "DNSKEY"}, {52, "TLSA"}, {64, "SVCB"},
    {65, "HTTPS"}, {251, "IXFR"}, {252, "AXFR"},  {255, "ANY"}, {257, "CAA"},
};

constexpr std::string_view kRcodes[kRcodeSlots] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
    "NOTAUTH", "NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14", "RCODE15",  "BADVERS", "BADKEY",
    "BADTIME", "BADMODE", "BADNAME",  "BADALG",  "BADTRUNC", "BADCOOKIE", "other"};

}  // namespace

std::size_t qtype_slot(std::uint16_t qtype) noexcept {
  // A short switch beats a search: this runs once per query.
  switch (qtype) {
    case 1: return 1;
    case 2: return 2;
    case 5: return 3;
    case 6: return 4;
    case 12: return 5;
    case 15: return 6;
    case 16: return 7;
    case 28: return 8;
    case 33: return 9;
    case 35: return 10;
    case 43: return 11;
    case 48: return 12;
    case 52: return 13;
    case 64: return 14;
    case 65: return 15;
    case 251: return 16;
    case 252: return 17;
    case 255: return 18;
    case 257: return 19;
    default: return 0;
  }
}

void WorkerStats::observe_ns_n(std::uint64_t ns, std::uint64_t n) noexcept {
  double s = static_cast<double>(ns) * 1e-9;
  std::size_t i = 0;
  while (i < kDurationBuckets.size() && s > kDurationBuckets[i]) ++i;
  duration_buckets[i].add(n);
  duration_count.add(n);
  duration_sum_ns.add(ns * n);
}

void render_stats(const std::vector<const WorkerStats*>& workers, std::string& out) {
  out += "# HELP mcns_dns_requests_total DNS queries received.\n# TYPE mcns_dns_requests_total counter\n";
  for (int proto = 0; proto < 2; ++proto) {
    for (std::size_t slot = 0; slot < kQtypeSlots; ++slot) {
      std::uint64_t n = 0;
      for (const auto* w : workers) n += w->requests[proto][slot].get();
      if (n == 0 && slot != 1) continue;  // keep the exposition short; A is always shown
      out += str_cat("mcns_dns_requests_total{proto=\"", proto == 0 ? "udp" : "tcp", "\",qtype=\"",
                     slot == 0 ? std::string_view("other") : kQtypes[slot - 1].name, "\"} ", n, "\n");
    }
  }
  out += "# HELP mcns_dns_responses_total DNS responses sent, by rcode.\n# TYPE mcns_dns_responses_total counter\n";
  for (std::size_t slot = 0; slot < kRcodeSlots; ++slot) {
    std::uint64_t n = 0;
    for (const auto* w : workers) n += w->responses[slot].get();
    if (n == 0 && slot != 0) continue;
    out += str_cat("mcns_dns_responses_total{rcode=\"", kRcodes[slot], "\"} ", n, "\n");
  }
  std::uint64_t dropped = 0, refused = 0, evicted = 0;
  for (const auto* w : workers) {
    dropped += w->dropped.get();
    refused += w->tcp_connections_refused.get();
    evicted += w->tcp_connections_evicted.get();
  }
  out += str_cat("# HELP mcns_dns_dropped_total DNS messages dropped without a reply (responses, runts, oversized).\n"
                 "# TYPE mcns_dns_dropped_total counter\nmcns_dns_dropped_total ", dropped, "\n",
                 "# HELP mcns_dns_tcp_connections_refused_total TCP connections closed at once: a connection cap "
                 "reached and nothing idle to close.\n"
                 "# TYPE mcns_dns_tcp_connections_refused_total counter\nmcns_dns_tcp_connections_refused_total ",
                 refused, "\n",
                 "# HELP mcns_dns_tcp_connections_evicted_total Idle TCP connections closed to admit a new one "
                 "(per-client or per-worker cap).\n"
                 "# TYPE mcns_dns_tcp_connections_evicted_total counter\nmcns_dns_tcp_connections_evicted_total ",
                 evicted, "\n");
  std::uint64_t slip = 0, drop = 0;
  std::array<std::uint64_t, kCookieSlots> cookies{};
  for (const auto* w : workers) {
    slip += w->rrl_slip.get();
    drop += w->rrl_drop.get();
    for (std::size_t i = 0; i < kCookieSlots; ++i) cookies[i] += w->cookies[i].get();
  }
  out += str_cat("# HELP mcns_dns_rrl_total UDP answers over the response rate limit: sent truncated (slip) or "
                 "dropped.\n# TYPE mcns_dns_rrl_total counter\nmcns_dns_rrl_total{action=\"slip\"} ",
                 slip, "\nmcns_dns_rrl_total{action=\"drop\"} ", drop, "\n");
  out += "# HELP mcns_dns_cookies_total Queries with a COOKIE option, by outcome.\n"
         "# TYPE mcns_dns_cookies_total counter\n";
  static constexpr std::string_view kCookieNames[kCookieSlots] = {"new", "valid", "invalid", "badcookie", "malformed"};
  for (std::size_t i = 0; i < kCookieSlots; ++i)
    out += str_cat("mcns_dns_cookies_total{result=\"", kCookieNames[i], "\"} ", cookies[i], "\n");
  out += "# HELP mcns_dns_request_duration_seconds Time from receiving a query to its reply.\n"
         "# TYPE mcns_dns_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kDurationBuckets.size(); ++i) {
    for (const auto* w : workers) cumulative += w->duration_buckets[i].get();
    if (i < kDurationBuckets.size())
      out += str_cat("mcns_dns_request_duration_seconds_bucket{le=\"", kDurationBuckets[i], "\"} ", cumulative, "\n");
    else
      out += str_cat("mcns_dns_request_duration_seconds_bucket{le=\"+Inf\"} ", cumulative, "\n");
  }
  std::uint64_t count = 0, sum_ns = 0;
  for (const auto* w : workers) {
    count += w->duration_count.get();
    sum_ns += w->duration_sum_ns.get();
  }
  out += str_cat("mcns_dns_request_duration_seconds_sum ", static_cast<double>(sum_ns) * 1e-9, "\n",
                 "mcns_dns_request_duration_seconds_count ", count, "\n");
}

}  // namespace mcns::frontend::server
