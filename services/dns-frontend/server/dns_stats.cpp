#include "services/dns-frontend/server/dns_stats.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "common/base/strings.h"
#include "common/dns/rr_type.h"

namespace mcns::frontend::server {

namespace {

namespace type = dns::type;

// The qtypes with a label of their own, in slot order: slot i+1 is kSlotTypes[i], slot 0
// is "other". Their label values are the registry's mnemonics (dns::kTypeMnemonics).
constexpr std::uint16_t kSlotTypes[kQtypeSlots - 1] = {
    type::kA,     type::kNS,    type::kCNAME, type::kSOA,  type::kPTR,  type::kMX,     type::kTXT,
    type::kAAAA,  type::kSRV,   type::kNAPTR, type::kDS,   type::kDNSKEY, type::kTLSA, type::kSVCB,
    type::kHTTPS, type::kIXFR,  type::kAXFR,  type::kANY,  type::kCAA,
};

constexpr std::array<std::string_view, kQtypeSlots> qtype_labels() {
  std::array<std::string_view, kQtypeSlots> labels{"other"};
  for (std::size_t i = 0; i < std::size(kSlotTypes); ++i) labels[i + 1] = dns::type_mnemonic(kSlotTypes[i]);
  return labels;
}
constexpr auto kQtypeLabels = qtype_labels();
static_assert(std::ranges::none_of(kQtypeLabels, [](std::string_view l) { return l.empty(); }),
              "every labelled qtype needs a mnemonic in dns::kTypeMnemonics");

// qtype -> slot for every qtype up to the largest labelled one, built at compile time:
// one compare and one load per query (this runs once per query), no search.
constexpr auto kSlotOf = [] {
  std::array<std::uint8_t, *std::ranges::max_element(kSlotTypes) + 1> slots{};
  for (std::size_t i = 0; i < std::size(kSlotTypes); ++i) slots[kSlotTypes[i]] = static_cast<std::uint8_t>(i + 1);
  return slots;
}();
static_assert([] {
  for (std::size_t i = 0; i < std::size(kSlotTypes); ++i)
    if (kSlotOf[kSlotTypes[i]] != i + 1) return false;
  return true;
}(), "a qtype is labelled twice");

constexpr std::string_view kRcodes[kRcodeSlots] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
    "NOTAUTH", "NOTZONE", "DSOTYPENI", "RCODE12", "RCODE13", "RCODE14", "RCODE15",  "BADVERS", "BADKEY",
    "BADTIME", "BADMODE", "BADNAME",  "BADALG",  "BADTRUNC", "BADCOOKIE", "other"};

}  // namespace

std::size_t qtype_slot(std::uint16_t qtype) noexcept { return qtype < kSlotOf.size() ? kSlotOf[qtype] : 0; }

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
                     kQtypeLabels[slot], "\"} ", n, "\n");
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
