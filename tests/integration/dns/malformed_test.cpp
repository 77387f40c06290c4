// Malformed packets never crash mcns-dns, and the next valid query is answered
// (SPEC 9 and 16). Each case is sent, then a valid query must get its answer and
// the process must still be running.
#include <gtest/gtest.h>

#include <random>

#include "services/dns-frontend/forward/forward_test_util.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/dns/test_zones.h"

namespace mcns::test::dns {
namespace {

namespace fw = frontend::forward::testing;

class Malformed : public ::testing::Test {
 protected:
  void SetUp() override {
    DnsOptions o;
    o.zone_files = {dir_.write("example.zone", example_zone())};
    dns_ = DnsProcess::start(dir_, o);
    ASSERT_NE(dns_, nullptr);
  }
  void TearDown() override {
    if (dns_) {
      EXPECT_EQ(dns_->stop(), 0) << dns_->log();
    }
  }
  // The liveness check after each bad input.
  void expect_still_answers(const std::string& after) {
    ASSERT_TRUE(dns_->alive()) << "crashed after " << after << "\n" << dns_->log();
    auto r = udp_exchange(dns_->dns_port(), fw::make_query("www.example.com", 1, {.id = 0x5151}));
    ASSERT_TRUE(r.has_value()) << "no answer after " << after;
    EXPECT_EQ(fw::get16(*r, 0), 0x5151);
    EXPECT_EQ((*r)[3] & 0x0f, 0) << after;
  }

  ScratchDir dir_;
  std::unique_ptr<DnsProcess> dns_;
};

fw::Bytes valid() { return fw::make_query("www.example.com", 1, {.id = 7}); }

TEST_F(Malformed, UdpCases) {
  struct Case {
    const char* name;
    fw::Bytes bytes;
  };
  std::vector<Case> cases;
  cases.push_back({"empty datagram", {}});
  cases.push_back({"truncated header", {0x12, 0x34, 0x01, 0x00, 0x00}});
  fw::Bytes q0 = valid();
  q0[5] = 0;
  cases.push_back({"qdcount 0", q0});
  fw::Bytes q2 = valid();
  q2[5] = 2;
  cases.push_back({"qdcount 2 with one question", q2});
  fw::Bytes q2full = valid();
  q2full[5] = 2;
  fw::Bytes again = fw::name_wire("mail.example.com");
  q2full.insert(q2full.end(), again.begin(), again.end());
  q2full.insert(q2full.end(), {0, 1, 0, 1});
  cases.push_back({"qdcount 2 with two questions", q2full});
  fw::Bytes loop = {0xAB, 0xCD, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01};
  cases.push_back({"compression pointer to itself", loop});
  fw::Bytes loop2 = {0xAB, 0xCE, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                     0x01, 'a', 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01};
  cases.push_back({"compression loop through a label", loop2});
  fw::Bytes forward_ptr = {0xAB, 0xCF, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0xFF, 0x00, 0x01, 0x00, 0x01};
  cases.push_back({"compression pointer past the end", forward_ptr});
  fw::Bytes qr = valid();
  qr[2] |= 0x80;
  cases.push_back({"QR=1 (a response)", qr});
  fw::Bytes cut = valid();
  cut.resize(cut.size() - 3);
  cases.push_back({"question cut short", cut});
  fw::Bytes label = valid();
  label[12] = 63;  // label runs past the end
  cases.push_back({"label longer than the message", label});
  fw::Bytes edns_cut = fw::make_query("www.example.com", 1, {.edns = true});
  edns_cut.resize(edns_cut.size() - 4);
  cases.push_back({"OPT record cut short", edns_cut});
  fw::Bytes opcode = valid();
  opcode[2] = 0x78;  // opcode 15
  cases.push_back({"unknown opcode", opcode});
  fw::Bytes big = valid();
  big.resize(9000, 0x41);
  cases.push_back({"oversized datagram", big});
  fw::Bytes trailing = valid();
  trailing.insert(trailing.end(), 100, 0xFF);
  cases.push_back({"trailing garbage", trailing});

  for (const auto& c : cases) {
    udp_send(dns_->dns_port(), c.bytes);
    expect_still_answers(c.name);
  }
  // A query with qdcount 2 is answered FORMERR (or dropped), never with an answer.
  auto r = udp_exchange(dns_->dns_port(), q2full, 500);
  if (r) {
    EXPECT_EQ((*r)[3] & 0x0f, 1);
  }
  // A response is never answered (no reflection loops).
  EXPECT_FALSE(udp_exchange(dns_->dns_port(), qr, 300).has_value());
}

TEST_F(Malformed, RandomGarbageBurst) {
  std::mt19937 rng(4242);  // fixed seed: reproducible
  for (int i = 0; i < 3000; ++i) {
    fw::Bytes b = valid();
    int kind = i % 3;
    if (kind == 0) {
      b.resize(rng() % 64);
      for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    } else {
      for (int flips = 0; flips < 4; ++flips) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
      if (kind == 2) b[2] &= 0x7f;  // keep QR=0 so most get parsed further
    }
    udp_send(dns_->dns_port(), b);
  }
  expect_still_answers("3000 random datagrams");
}

TEST_F(Malformed, TcpCases) {
  {
    TcpClient c(dns_->dns_port());
    ASSERT_TRUE(c.send_raw({0, 0}));  // a zero-length message
    ASSERT_TRUE(c.send_frame(valid()));
    auto r = c.read_frame();
    ASSERT_TRUE(r.has_value()) << "zero-length message broke the connection";
    EXPECT_EQ(fw::get16(*r, 0), 7);
  }
  {
    TcpClient c(dns_->dns_port());
    ASSERT_TRUE(c.send_frame({1, 2, 3}));  // shorter than a header
    fw::Bytes qr = valid();
    qr[2] |= 0x80;
    ASSERT_TRUE(c.send_frame(qr));
    ASSERT_TRUE(c.send_frame(valid()));
    auto r = c.read_frame();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(fw::get16(*r, 0), 7);
  }
  {
    TcpClient c(dns_->dns_port());
    fw::Bytes junk(65535, 0x5A);  // the largest frame there is, all junk
    ASSERT_TRUE(c.send_frame(junk));
    ASSERT_TRUE(c.send_frame(valid()));
    auto r = c.read_frame();
    ASSERT_TRUE(r.has_value());
    if (fw::get16(*r, 0) == 0x5A5A) {  // the junk may get its own error reply (opcode 11: NOTIMP)
      EXPECT_NE((*r)[3] & 0x0f, 0);
      r = c.read_frame();
      ASSERT_TRUE(r.has_value());
    }
    EXPECT_EQ(fw::get16(*r, 0), 7);
  }
  {
    TcpClient c(dns_->dns_port());
    ASSERT_TRUE(c.send_raw({0x40, 0x00, 1, 2, 3}));  // announces 16 KiB, sends 3 octets, hangs up
  }
  {
    TcpClient c(dns_->dns_port());
    ASSERT_TRUE(c.send_raw({0x00}));  // half a length prefix
  }
  expect_still_answers("TCP cases");
  TcpClient c(dns_->dns_port());
  ASSERT_TRUE(c.send_frame(valid()));
  EXPECT_TRUE(c.read_frame().has_value());
}

}  // namespace
}  // namespace mcns::test::dns
