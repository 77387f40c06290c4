// The notifier against a fake secondary on a loopback UDP socket: a signed NOTIFY counts
// as answered only when the answer's TSIG verifies against the request's MAC.
#include "services/control/dns/notifier.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/dns_wire/wire.h"
#include "common/tsig/tsig.h"

namespace mcns::control::dns {
namespace {

using namespace std::chrono_literals;

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// A secondary that receives NOTIFYs and answers them as the test says.
class FakeSecondary {
 public:
  FakeSecondary() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    target_.address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    std::memcpy(&target_.addr, &a, sizeof a);
    target_.addr_len = sizeof a;
    target_.zones = {"*"};
  }
  ~FakeSecondary() { ::close(fd_); }

  NotifyTarget target(std::string key) const {
    NotifyTarget t = target_;
    t.key = std::move(key);
    return t;
  }
  // The next NOTIFY, nullopt when none came within `timeout`.
  std::optional<std::vector<std::uint8_t>> receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    std::vector<std::uint8_t> buf(4096);
    ssize_t n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from_), &from_len_);
    if (n < 12) return std::nullopt;
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }
  // The answer to `notify`: its header and question with QR set, nothing else; signed
  // with `key` when given.
  void answer(const std::vector<std::uint8_t>& notify, const tsig::Key* key) {
    auto rec = tsig::find(notify);
    ASSERT_TRUE(rec.ok() && rec->has_value()) << "the NOTIFY is signed";
    std::vector<std::uint8_t> msg(notify.begin(), notify.begin() + static_cast<std::ptrdiff_t>((*rec)->offset));
    dns_wire::store_u16(msg.data() + 2, static_cast<std::uint16_t>(dns_wire::load_u16(msg.data() + 2) | 0x8000));
    dns_wire::store_u16(msg.data() + 10, 0);  // ARCOUNT: the TSIG RR is not copied
    if (key) tsig::sign(msg, *key, (*rec)->mac, unix_now());
    ::sendto(fd_, msg.data(), msg.size(), 0, reinterpret_cast<const sockaddr*>(&from_), from_len_);
  }

 private:
  int fd_ = -1;
  NotifyTarget target_;
  sockaddr_storage from_{};
  socklen_t from_len_ = sizeof from_;
};

double notify_total(const metrics::Registry& registry, const std::string& result) {
  std::string text = registry.serialize();
  std::string series = "mcns_notify_total{result=\"" + result + "\"} ";
  auto at = text.find(series);
  return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size()));
}

TEST(NotifierTest, ASignedNotifyIsAnsweredOnlyByAVerifiedAnswer) {
  config::ControlConfig::Tsig k;
  k.name = "notify.key";
  k.secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
  auto keys = KeySet::load({k});
  ASSERT_TRUE(keys.ok()) << keys.status();
  const tsig::Key* key = (*keys)->key("notify.key");
  ASSERT_NE(key, nullptr);
  tsig::Key wrong = *key;
  wrong.secret = "another secret of the same length!";

  FakeSecondary secondary;
  metrics::Registry registry;
  Notifier notifier({secondary.target("notify.key")}, [&] { return *keys; }, registry);
  ASSERT_TRUE(notifier.start().ok());
  notifier.zones_changed({"example.com"});

  // Unsigned, then signed with another secret: both discarded, so the NOTIFY is sent again.
  auto first = secondary.receive(5s);
  ASSERT_TRUE(first);
  secondary.answer(*first, nullptr);
  auto second = secondary.receive(5s);
  ASSERT_TRUE(second) << "an unsigned answer does not end the retries";
  secondary.answer(*second, &wrong);
  auto third = secondary.receive(5s);
  ASSERT_TRUE(third) << "a badly signed answer does not end the retries";
  EXPECT_EQ(notify_total(registry, "ok"), 0);

  // Signed with the key over the request's MAC: answered, nothing more is sent.
  secondary.answer(*third, key);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (notify_total(registry, "ok") < 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(notify_total(registry, "ok"), 1);
  EXPECT_FALSE(secondary.receive(2500ms)) << "no retry after a verified answer";
  notifier.stop();
}

}  // namespace
}  // namespace mcns::control::dns
