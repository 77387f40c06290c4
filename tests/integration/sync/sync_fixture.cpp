#include "tests/integration/sync/sync_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "common/base/strings.h"
#include "tests/integration/harness/local_tokens.h"

namespace mcns::test::sync {

Answer ask(std::uint16_t port, const std::string& fqdn, const std::string& type) {
  Answer out;
  ldns_resolver* res = ldns_resolver_new();
  ldns_rdf* ns = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_A, "127.0.0.1");
  ldns_resolver_push_nameserver(res, ns);
  ldns_rdf_deep_free(ns);
  ldns_resolver_set_port(res, port);
  ldns_resolver_set_recursive(res, false);
  ldns_resolver_set_retry(res, 2);
  ldns_resolver_set_timeout(res, timeval{1, 0});
  ldns_rdf* name = ldns_dname_new_frm_str(fqdn.c_str());
  ldns_rr_type rr_type = ldns_get_rr_type_by_name(type.c_str());
  ldns_pkt* pkt = nullptr;
  if (ldns_resolver_send(&pkt, res, name, rr_type, LDNS_RR_CLASS_IN, 0) == LDNS_STATUS_OK && pkt) {
    out.rcode = ldns_pkt_get_rcode(pkt);
    ldns_rr_list* answer = ldns_pkt_answer(pkt);
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(answer); ++i) {
      ldns_rr* rr = ldns_rr_list_rr(answer, i);
      if (ldns_rr_get_type(rr) != rr_type || ldns_dname_compare(ldns_rr_owner(rr), name) != 0) continue;
      std::string text = type;
      for (std::size_t f = 0; f < ldns_rr_rd_count(rr); ++f) {
        char* s = ldns_rdf2str(ldns_rr_rdf(rr, f));
        text += " ";
        text += s;
        free(s);
      }
      out.rrs.insert(to_lower(text));
    }
    ldns_pkt_free(pkt);
  }
  ldns_rdf_deep_free(name);
  ldns_resolver_deep_free(res);
  return out;
}

int http_status(std::uint16_t port, const std::string& path, std::string* body) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = str_cat("GET ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
  if (body) {
    auto pos = response.find("\r\n\r\n");
    *body = pos == std::string::npos ? "" : response.substr(pos + 4);
  }
  return parse_int<int>(response.substr(9, 3)).value_or(0);
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

double metric(const std::string& exposition, const std::string& series) {
  for (auto line : split(exposition, '\n')) {
    if (!line.starts_with(series)) continue;
    auto rest = line.substr(series.size());
    if (rest.empty() || (rest[0] != ' ' && rest[0] != '{')) continue;
    auto space = line.rfind(' ');
    return std::stod(std::string(line.substr(space + 1)));
  }
  return -1;
}

// A port in [20000, 32000) that is free for TCP now (on every address).
static std::uint16_t fixed_port() {
  static std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto port = static_cast<std::uint16_t>(20000 + rng() % 12000);
    int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    int off = 0;
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(port);
    bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    if (free) return port;
  }
  return 0;
}

void SyncTest::SetUp() {
  dir_.write("tokens.toml", admin_token_entry(admin_token_) + token_entry(dns_token_, "mcns-dns", "[]", "system") +
                                token_entry(other_token_, "metacrypt", "[]", "system"));
  // Below the kernel's ephemeral range (32768-60999): the control is restarted on the
  // same ports by several tests, and an ephemeral port freed by the first start could be
  // taken meanwhile by some client connection as its source port.
  control_ = start_control(fixed_port(), fixed_port());
  ASSERT_TRUE(control_) << "mcns-control did not start";
  rest_ = std::make_unique<RestClient>(control_->rest_url(), test_pki().ca_cert);
}

void SyncTest::TearDown() {}

std::unique_ptr<ControlProcess> SyncTest::start_control(std::uint16_t rest_port, std::uint16_t grpc_port,
                                                        const std::string& database) {
  ControlOptions o;
  o.database = database;
  o.auth_mode = "local";
  o.local_tokens_file = dir_.file("tokens.toml");
  if (rest_port) o.env["PORT"] = std::to_string(rest_port);
  if (grpc_port) o.env["PORT_GRPC"] = std::to_string(grpc_port);
  return ControlProcess::start(dir_, o);
}

bool SyncTest::restart_control_on_same_ports(const std::string& database) {
  std::uint16_t rest_port = control_->rest_port(), grpc_port = control_->grpc_port();
  control_ = start_control(rest_port, grpc_port, database);
  if (!control_) return false;
  rest_ = std::make_unique<RestClient>(control_->rest_url(), test_pki().ca_cert);
  return true;
}

std::unique_ptr<dns::DnsProcess> SyncTest::start_frontend(const std::string& token, const std::string& name) {
  frontend_dirs_.push_back(std::make_unique<dns::ScratchDir>());
  const auto& d = *frontend_dirs_.back();
  std::string token_file = d.write("token", (token.empty() ? dns_token_ : token) + "\n");
  std::string ca = d.write("ca.pem", [] {
    std::string pem;
    FILE* f = std::fopen(test_pki().ca_cert.c_str(), "r");
    char buf[4096];
    std::size_t n;
    while (f && (n = std::fread(buf, 1, sizeof buf, f)) > 0) pem.append(buf, n);
    if (f) std::fclose(f);
    return pem;
  }());
  dns::DnsOptions o;
  o.extra_toml = str_cat("[control]\ngrpc_addr = \"localhost:", control_->grpc_port(), "\"\nca_cert = \"", ca,
                         "\"\ntoken_file = \"", token_file, "\"\n");
  if (!name.empty()) o.extra_toml += str_cat("name = \"", name, "\"\n");
  return dns::DnsProcess::start(d, o);
}

bool SyncTest::ready(const dns::DnsProcess& frontend) const {
  return http_status(frontend.metrics_port(), "/readyz") == 200;
}

std::uint64_t SyncTest::control_version() {
  return static_cast<std::uint64_t>(metric(plain_http_get(control_->metrics_port(), "/metrics"), "mcns_store_version"));
}

bool SyncTest::caught_up(const dns::DnsProcess& frontend) {
  return eventually([&] {
    std::string body;
    if (http_status(frontend.metrics_port(), "/readyz", &body) != 200) return false;
    auto version = str_cat("\"version\":", control_version(), ",");
    return body.find(version) != std::string::npos;
  });
}

RestReply SyncTest::create(const std::string& name, const std::string& type, const std::string& value, int ttl) {
  return rest_->post(str_cat("/v1/zones/", kZone, "/records"),
                     {{"name", name}, {"type", type}, {"value", value}, {"ttl", ttl}}, admin_token_);
}

}  // namespace mcns::test::sync
