#include "services/control/dns/notifier.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns_wire/wire.h"
#include "common/tsig/tsig.h"

namespace mcns::control::dns {
namespace {

constexpr int kMaxAttempts = 5;

std::string canonical_zone(std::string_view z) {
  std::string out = to_lower(trim(z));
  while (out.size() > 1 && out.back() == '.') out.pop_back();
  return out;
}

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

}  // namespace

bool NotifyTarget::covers(const std::string& zone) const {
  for (const auto& z : zones)
    if (z == "*" || z == zone) return true;
  return false;
}

StatusOr<std::vector<NotifyTarget>> notify_targets(const config::ControlConfig& config) {
  std::vector<NotifyTarget> out;
  auto add = [&](const std::string& address, const std::string& key, const std::vector<std::string>& zones) -> Status {
    MCNS_ASSIGN_OR_RETURN(config::HostPort hp, config::parse_host_port(address));
    NotifyTarget t;
    t.address = address;
    t.key = key.empty() ? std::string() : tsig::canonical_key_name(key);
    for (const auto& z : zones) t.zones.push_back(z == "*" ? z : canonical_zone(z));
    auto* v4 = reinterpret_cast<sockaddr_in*>(&t.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
    if (inet_pton(AF_INET, hp.host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(hp.port);
      t.addr_len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, hp.host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(hp.port);
      t.addr_len = sizeof(sockaddr_in6);
    } else {
      return invalid_argument(str_cat("notify address \"", address, "\" must be an IP address and port"));
    }
    out.push_back(std::move(t));
    return ok_status();
  };
  for (const auto& a : config.dns.notify) MCNS_RETURN_IF_ERROR(add(a, config.dns.notify_key, {"*"}));
  for (const auto& n : config.notify) MCNS_RETURN_IF_ERROR(add(n.address, n.key, n.zones));
  return out;
}

Notifier::Notifier(std::vector<NotifyTarget> targets, Keys keys, metrics::Registry& registry)
    : targets_(std::move(targets)),
      keys_(std::move(keys)),
      ok_(registry.counter("mcns_notify_total", "NOTIFY messages to secondaries, by outcome", {{"result", "ok"}})),
      retry_(registry.counter("mcns_notify_total", "NOTIFY messages to secondaries, by outcome", {{"result", "retry"}})),
      failed_(
          registry.counter("mcns_notify_total", "NOTIFY messages to secondaries, by outcome", {{"result", "failed"}})) {}

Notifier::~Notifier() { stop(); }

Status Notifier::start() {
  fd4_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  fd6_ = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd4_ < 0) return unavailable(str_cat("notify: socket: ", std::strerror(errno)));
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void Notifier::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd4_ >= 0) ::close(fd4_);
  if (fd6_ >= 0) ::close(fd6_);
  fd4_ = fd6_ = -1;
}

void Notifier::zones_changed(const std::vector<std::string>& zones) {
  {
    std::lock_guard lock(mu_);
    for (const auto& zone : zones)
      for (std::size_t t = 0; t < targets_.size(); ++t) {
        if (!targets_[t].covers(zone)) continue;
        Pending& p = pending_[{zone, t}];
        p.dirty = true;
        if (!p.in_flight) p.next = std::chrono::steady_clock::now();
      }
    wake_ = true;
  }
  cv_.notify_all();
}

// Requires mu_.
void Notifier::send(const std::string& zone, std::size_t target, Pending& p) {
  static thread_local std::mt19937 rng(std::random_device{}());
  const NotifyTarget& t = targets_[target];
  p.id = static_cast<std::uint16_t>(rng());
  std::vector<std::uint8_t> msg(12, 0);
  dns_wire::store_u16(msg.data(), p.id);
  dns_wire::store_u16(msg.data() + 2, 0x2400);  // opcode NOTIFY, AA
  dns_wire::store_u16(msg.data() + 4, 1);
  auto qname = mcns::dns::name_to_wire(zone + ".");
  msg.insert(msg.end(), qname.begin(), qname.end());
  for (std::uint8_t b : {0, 6, 0, 1}) msg.push_back(b);  // SOA IN
  p.key.reset();
  p.mac.clear();
  if (!t.key.empty()) {
    auto keys = keys_();
    const tsig::Key* key = keys ? keys->key(t.key) : nullptr;
    if (!key) {
      log::error("notify: key ", t.key, " for ", t.address, " is not configured; sending unsigned");
    } else {
      p.mac = tsig::sign(msg, *key, {}, unix_now());
      p.key = *key;  // a SIGHUP may replace the key set before the answer comes
    }
  }
  int fd = t.addr.ss_family == AF_INET6 ? fd6_ : fd4_;
  ::sendto(fd, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&t.addr), t.addr_len);
  p.in_flight = true;
  p.dirty = false;
  ++p.attempts;
  p.next = std::chrono::steady_clock::now() + std::chrono::seconds(1 << (p.attempts - 1));
}

void Notifier::run() {
  std::vector<std::uint8_t> buf(4096);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = std::chrono::steady_clock::now();
    for (auto it = pending_.begin(); it != pending_.end();) {
      auto& [key, p] = *it;
      if (p.next <= now) {
        if (p.in_flight && p.attempts >= kMaxAttempts) {
          log::warn("notify: ", targets_[key.second].address, " did not answer for ", key.first, "; giving up");
          failed_.inc();
          it = pending_.erase(it);
          continue;
        }
        if (p.in_flight) retry_.inc();
        if (p.in_flight || p.dirty) send(key.first, key.second, p);
      }
      ++it;
    }
    // Answers: match the ID and the sender.
    lock.unlock();
    pollfd pfds[2] = {{fd4_, POLLIN, 0}, {fd6_, POLLIN, 0}};
    ::poll(pfds, fd6_ >= 0 ? 2 : 1, 100);
    std::vector<Answer> answers;
    for (int fd : {fd4_, fd6_}) {
      if (fd < 0) continue;
      while (true) {
        sockaddr_storage from{};
        socklen_t flen = sizeof from;
        ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &flen);
        if (n < 12) {
          if (n < 0) break;
          continue;
        }
        if ((buf[2] & 0x80) == 0 || ((buf[2] >> 3) & 0x0f) != 4) continue;  // not a NOTIFY answer
        answers.push_back({dns_wire::load_u16(buf.data()), from, {buf.begin(), buf.begin() + n}});
      }
    }
    lock.lock();
    for (const auto& [id, from, answer] : answers) {
      for (auto it = pending_.begin(); it != pending_.end(); ++it) {
        auto& [key, p] = *it;
        const NotifyTarget& t = targets_[key.second];
        if (!p.in_flight || p.id != id || from.ss_family != t.addr.ss_family) continue;
        bool same_port = from.ss_family == AF_INET
                             ? reinterpret_cast<const sockaddr_in&>(from).sin_port ==
                                   reinterpret_cast<const sockaddr_in&>(t.addr).sin_port
                             : reinterpret_cast<const sockaddr_in6&>(from).sin6_port ==
                                   reinterpret_cast<const sockaddr_in6&>(t.addr).sin6_port;
        if (!same_port) continue;
        if (p.key) {
          if (Status v = tsig::verify_response(answer, *p.key, p.mac); !v.ok()) {
            log::warn("notify: answer from ", t.address, " for ", key.first, " discarded: ", v.message());
            break;  // still in flight: retried as if unanswered
          }
        }
        ok_.inc();
        p.in_flight = false;
        p.attempts = 0;
        if (p.dirty) {
          p.next = std::chrono::steady_clock::now();  // coalesced changes: one more
        } else {
          pending_.erase(it);
        }
        break;
      }
    }
    // Woken at once by a change (the flag survives a notify that came during poll()).
    cv_.wait_for(lock, std::chrono::milliseconds(pending_.empty() ? 1000 : 20),
                 [this] { return stopping_ || wake_; });
    wake_ = false;
  }
}

}  // namespace mcns::control::dns
