#include "common/tsig/tsig.h"

#include <gtest/gtest.h>

#include "common/dns_wire/wire.h"

namespace mcns::tsig {
namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

// Signed by dnspython 2.3 (key xfr.rift, hmac-sha256, time 1764540000): an SOA query and
// the answer to it, so both directions are checked against another implementation.
constexpr std::string_view kQuery =
    "12340100000100000000000103737663036d63700c6d65746163697263756c6172036e657400000600010378667204726966740000fa00"
    "ff00000000003d0b686d61632d736861323536000000692cbe60012c0020a1dae4be6d60b55fb82d3fa5b2dcf34660f77a096d8e3a47a9"
    "5ffd7a76c21d0f123400000000";
constexpr std::string_view kAnswer =
    "12348100000100000000000103737663036d63700c6d65746163697263756c6172036e657400000600010378667204726966740000fa00"
    "ff00000000003d0b686d61632d736861323536000000692cbe60012c00208ad3f143b636e1f40cf02ec88a360eda4c7d1b924513ca6863"
    "cbafa3e78d4caa123400000000";
constexpr std::uint64_t kTime = 1764540000;

Key test_key() {
  return Key{"xfr.rift", Algorithm::kHmacSha256, *decode_base64("c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==")};
}

TEST(TsigTest, VerifiesARequestSignedByDnspythonAndSignsTheSameAnswer) {
  Key key = test_key();
  auto query = from_hex(kQuery);
  auto rec = find(query);
  ASSERT_TRUE(rec.ok()) << rec.status();
  ASSERT_TRUE(rec->has_value());
  EXPECT_EQ((*rec)->key_name, "xfr.rift");
  EXPECT_EQ((*rec)->algorithm, "hmac-sha256");
  EXPECT_EQ((*rec)->time_signed, kTime);
  KeyLookup keys = [&](std::string_view name) { return name == "xfr.rift" ? &key : nullptr; };
  auto v = verify_request(query, **rec, keys, kTime + 10);
  EXPECT_EQ(v.error, kNoError);
  EXPECT_EQ(v.key, &key);

  // The answer: the query's header and question with QR set, signed over the query's MAC.
  std::vector<std::uint8_t> answer(query.begin(), query.begin() + static_cast<std::ptrdiff_t>((*rec)->offset));
  answer[2] |= 0x80;
  dns_wire::store_u16(answer.data() + 10, 0);
  sign(answer, key, (*rec)->mac, kTime);
  EXPECT_EQ(answer, from_hex(kAnswer));
  EXPECT_TRUE(verify_response(answer, key, (*rec)->mac).ok());
}

TEST(TsigTest, BadKeyBadSigBadTimeInTheRfcsOrder) {
  Key key = test_key();
  auto query = from_hex(kQuery);
  auto rec = **find(query);
  KeyLookup none = [](std::string_view) -> const Key* { return nullptr; };
  EXPECT_EQ(verify_request(query, rec, none, kTime).error, kBadKey);
  Key other_alg = key;
  other_alg.algorithm = Algorithm::kHmacSha512;
  KeyLookup wrong_alg = [&](std::string_view) { return &other_alg; };
  EXPECT_EQ(verify_request(query, rec, wrong_alg, kTime).error, kBadKey);
  Key wrong_secret = key;
  wrong_secret.secret = "another secret";
  KeyLookup bad = [&](std::string_view) { return &wrong_secret; };
  EXPECT_EQ(verify_request(query, rec, bad, kTime).error, kBadSig);
  KeyLookup good = [&](std::string_view) { return &key; };
  EXPECT_EQ(verify_request(query, rec, good, kTime + 301).error, kBadTime);
  EXPECT_EQ(verify_request(query, rec, good, kTime - 301).error, kBadTime);
  // One flipped bit of the question: BADSIG.
  auto tampered = query;
  tampered[13] ^= 0x01;  // "svc" -> "rvc"
  EXPECT_EQ(verify_request(tampered, **find(tampered), good, kTime).error, kBadSig);
}

TEST(TsigTest, FindRefusesATsigThatIsNotLastAndMalformedOnes) {
  auto query = from_hex(kQuery);
  EXPECT_FALSE(find(std::span(query).first(query.size() - 3)).ok());
  auto extra = query;
  extra.push_back(0);
  EXPECT_FALSE(find(extra).ok());
  // No TSIG at all: nullopt.
  auto rec = **find(query);
  std::vector<std::uint8_t> plain(query.begin(), query.begin() + static_cast<std::ptrdiff_t>(rec.offset));
  dns_wire::store_u16(plain.data() + 10, 0);
  auto none = find(plain);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST(TsigTest, StreamSignerChainsEveryMessage) {
  Key key = test_key();
  std::vector<std::uint8_t> request_mac(32, 0xab);
  StreamSigner signer(key, request_mac, kTime);
  std::vector<std::vector<std::uint8_t>> messages;
  for (int i = 0; i < 3; ++i) {
    std::vector<std::uint8_t> m(12, 0);
    m[0] = 0x12;
    m[2] = 0x84;
    signer.sign(m);
    auto rec = find(m);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    EXPECT_EQ((*rec)->mac.size(), 32u);
    messages.push_back(m);
  }
  // The first verifies as a plain response; the later ones differ (each covers the last MAC).
  EXPECT_TRUE(verify_response(messages[0], key, request_mac).ok());
  EXPECT_NE((**find(messages[1])).mac, (**find(messages[2])).mac);
}

TEST(TsigTest, Base64AndAlgorithmNames) {
  EXPECT_EQ(*decode_base64("  aGVsbG8=\n"), "hello");
  EXPECT_FALSE(decode_base64("not base64!").ok());
  EXPECT_EQ(*decode_base64("aGVsbG8h"), "hello!");
  EXPECT_EQ(*decode_base64("aGVsbG8hIQ=="), "hello!!");
  EXPECT_EQ(parse_algorithm("HMAC-SHA384."), Algorithm::kHmacSha384);
  EXPECT_EQ(parse_algorithm("hmac-md5"), std::nullopt);
  EXPECT_EQ(canonical_key_name("Xfr.Rift."), "xfr.rift");
}

}  // namespace
}  // namespace mcns::tsig
