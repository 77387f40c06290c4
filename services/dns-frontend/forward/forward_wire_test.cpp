#include "services/dns-frontend/forward/forward_wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "services/dns-frontend/forward/forward_test_util.h"

namespace mcns::frontend::forward {
namespace {

using namespace testing;

Question parse(const Bytes& b) {
  Question q;
  EXPECT_TRUE(parse_question(b, q));
  return q;
}

TEST(ParseQuestion, ReadsQuestionAndEdns) {
  Question q = parse(make_query("WwW.Example.COM", 28, {.id = 77, .edns = true, .do_bit = true, .payload = 4096}));
  EXPECT_EQ(q.id, 77);
  EXPECT_EQ(q.qtype, 28);
  EXPECT_EQ(q.qclass, 1);
  EXPECT_TRUE(q.rd());
  EXPECT_TRUE(q.has_edns);
  EXPECT_TRUE(q.do_bit);
  EXPECT_EQ(q.udp_payload, 4096);
  Bytes want = name_wire("WwW.Example.COM");
  ASSERT_EQ(q.name_len, want.size());
  EXPECT_EQ(0, std::memcmp(q.name, want.data(), want.size()));
  Bytes lower = name_wire("www.example.com");
  EXPECT_EQ(0, std::memcmp(q.lower, lower.data(), lower.size()));
  EXPECT_EQ(reply_limit(q, false, 65535), 1232u);
  EXPECT_EQ(reply_limit(q, true, 65535), 65535u);

  Question plain = parse(make_query("a.b", 1));
  EXPECT_FALSE(plain.has_edns);
  EXPECT_EQ(reply_limit(plain, false, 65535), 512u);
}

// The server may hand over the query it already parsed (dns_wire::parse_query) instead
// of the bytes: the Question must be the same either way.
TEST(ParseQuestion, FromParsedQueryIsTheSame) {
  std::vector<Bytes> queries = {
      make_query("WwW.Example.COM", 28, {.id = 77, .edns = true, .do_bit = true, .payload = 4096}),
      make_query("a.b", 1, {.id = 1, .rd = false}),
      make_query("MiXeD.case.ORG", 15, {.id = 9, .edns = true, .payload = 100}),
      make_query("x.example", 16, {.id = 0xffff, .edns = true, .do_bit = false, .payload = 1232}),
      make_query(".", 2),
  };
  Bytes cd_ad = make_query("flags.example", 1, {.id = 5, .edns = true});
  cd_ad[3] = 0x30;  // AD and CD set by the client
  queries.push_back(cd_ad);
  for (const Bytes& b : queries) {
    Question want = parse(b);
    dns_wire::ParsedQuery p;
    ASSERT_EQ(dns_wire::parse_query(b, p), dns_wire::ParseResult::kOk);
    Question got;
    question_from_parsed(p, got);
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.flags_hi, want.flags_hi);
    EXPECT_EQ(got.flags_lo, want.flags_lo);
    ASSERT_EQ(got.name_len, want.name_len);
    EXPECT_EQ(0, std::memcmp(got.name, want.name, want.name_len));
    EXPECT_EQ(0, std::memcmp(got.lower, want.lower, want.name_len));
    EXPECT_EQ(got.qtype, want.qtype);
    EXPECT_EQ(got.qclass, want.qclass);
    EXPECT_EQ(got.has_edns, want.has_edns);
    EXPECT_EQ(got.do_bit, want.do_bit);
    EXPECT_EQ(got.udp_payload, want.udp_payload);
  }
}

TEST(ParseQuestion, RejectsMalformed) {
  Question q;
  Bytes ok = make_query("a.example", 1);
  EXPECT_FALSE(parse_question(std::span(ok).first(11), q));  // truncated header
  Bytes two = ok;
  two[5] = 2;  // qdcount 2
  EXPECT_FALSE(parse_question(two, q));
  Bytes zero = ok;
  zero[5] = 0;
  EXPECT_FALSE(parse_question(zero, q));
  Bytes response = ok;
  response[2] |= 0x80;
  EXPECT_FALSE(parse_question(response, q));
  Bytes pointer = ok;
  pointer[12] = 0xC0;
  pointer[13] = 12;  // a pointer to itself
  EXPECT_FALSE(parse_question(pointer, q));
  Bytes short_question = ok;
  short_question.pop_back();
  EXPECT_FALSE(parse_question(short_question, q));
  Bytes bad_opt = make_query("a.example", 1, {.edns = true});
  bad_opt.pop_back();  // OPT rdlen cut
  EXPECT_FALSE(parse_question(bad_opt, q));
}

TEST(UpstreamQuery, LowerCasedWithOptAndId) {
  Question q = parse(make_query("Mixed.CASE.org", 15, {.id = 9, .rd = false, .edns = true, .do_bit = true}));
  std::uint8_t out[600];
  std::size_t n = build_upstream_query(q, 0xBEEF, out);
  ASSERT_GT(n, 0u);
  Bytes b(out, out + n);
  Question sent = parse(b);
  EXPECT_EQ(sent.id, 0xBEEF);
  EXPECT_TRUE(sent.rd());  // a forwarder always asks for recursion
  EXPECT_TRUE(sent.do_bit);
  EXPECT_EQ(sent.udp_payload, kEdnsPayload);
  EXPECT_EQ(0, std::memcmp(sent.name, q.lower, q.name_len));
  EXPECT_EQ(build_upstream_query(q, 1, std::span(out, 20)), 0u);
}

TEST(AnswerMatches, Rfc5452) {
  Bytes query = make_query("www.example.com", 1, {.id = 500});
  Question q = parse(query);
  Bytes answer = make_answer(query, 0, {{.rdata = a_rdata(1, 2, 3, 4)}});
  EXPECT_TRUE(answer_matches(answer, 500, q));
  EXPECT_FALSE(answer_matches(answer, 501, q));  // wrong ID
  Bytes upper = make_answer(make_query("WWW.EXAMPLE.COM", 1, {.id = 500}), 0, {});
  EXPECT_TRUE(answer_matches(upper, 500, q));  // case-insensitive
  EXPECT_FALSE(answer_matches(make_answer(make_query("www.example.org", 1, {.id = 500}), 0, {}), 500, q));
  EXPECT_FALSE(answer_matches(make_answer(make_query("www.example.com", 28, {.id = 500}), 0, {}), 500, q));
  EXPECT_FALSE(answer_matches(query, 500, q));  // not a response
  EXPECT_FALSE(answer_matches(std::span(answer).first(11), 500, q));
}

TEST(PrepareAnswer, PositiveMinTtlCappedAndOptStripped) {
  Bytes query = make_query("www.example.com", 1);
  Bytes answer = make_answer(query, 0,
                             {{.ttl = 3600, .rdata = a_rdata(1, 2, 3, 4)},
                              {.ttl = 120, .rdata = a_rdata(1, 2, 3, 5)},
                              {.section = 2, .ttl = 900, .rdata = a_rdata(9, 9, 9, 9)}});
  PreparedAnswer p;
  ASSERT_EQ(prepare_answer(answer, 300, p), PrepareResult::kOk);
  EXPECT_EQ(p.lifetime, 120u);
  EXPECT_EQ(p.rcode, 0);
  ASSERT_EQ(p.ttls.size(), 3u);
  EXPECT_EQ(p.ttls[0].ttl, 300u);  // capped
  EXPECT_EQ(p.ttls[1].ttl, 120u);
  EXPECT_EQ(p.wire.size(), answer.size() - dns_wire::kOptSize);
  EXPECT_EQ(get16(p.wire, 10), 1);  // arcount without the OPT
}

TEST(PrepareAnswer, NegativeUsesSoaMinimum) {
  Bytes query = make_query("nope.example.com", 1);
  PreparedAnswer p;
  Bytes nx = make_answer(query, 3, {{.section = 1, .type = 6, .ttl = 3600, .rdata = soa_rdata(60), .owner_is_question = false, .owner = "example.com"}});
  ASSERT_EQ(prepare_answer(nx, 300, p), PrepareResult::kOk);
  EXPECT_EQ(p.rcode, 3);
  EXPECT_EQ(p.lifetime, 60u);
  ASSERT_EQ(p.ttls.size(), 1u);
  EXPECT_EQ(p.ttls[0].ttl, 60u);  // the SOA served with the negative TTL

  Bytes nodata = make_answer(query, 0, {{.section = 1, .type = 6, .ttl = 30, .rdata = soa_rdata(600), .owner_is_question = false, .owner = "example.com"}});
  ASSERT_EQ(prepare_answer(nodata, 300, p), PrepareResult::kOk);
  EXPECT_EQ(p.lifetime, 30u);

  Bytes nx_no_soa = make_answer(query, 3, {});
  ASSERT_EQ(prepare_answer(nx_no_soa, 300, p), PrepareResult::kOk);
  EXPECT_EQ(p.lifetime, 0u);  // relayed, not cached
}

TEST(PrepareAnswer, ServerErrorsAndMalformed) {
  Bytes query = make_query("www.example.com", 1);
  PreparedAnswer p;
  EXPECT_EQ(prepare_answer(make_answer(query, 2, {}), 300, p), PrepareResult::kServerError);  // SERVFAIL
  EXPECT_EQ(prepare_answer(make_answer(query, 5, {}), 300, p), PrepareResult::kServerError);  // REFUSED
  EXPECT_EQ(prepare_answer(make_answer(query, 4, {}), 300, p), PrepareResult::kServerError);  // NOTIMP
  Bytes cut = make_answer(query, 0, {{.rdata = a_rdata(1, 2, 3, 4)}});
  cut.resize(cut.size() - dns_wire::kOptSize - 2);
  EXPECT_EQ(prepare_answer(cut, 300, p), PrepareResult::kMalformed);
  Bytes zero_ttl = make_answer(query, 0, {{.ttl = 0, .rdata = a_rdata(1, 2, 3, 4)}});
  ASSERT_EQ(prepare_answer(zero_ttl, 300, p), PrepareResult::kOk);
  EXPECT_EQ(p.lifetime, 0u);
  Bytes loop = make_answer(query, 0, {{.rdata = a_rdata(1, 2, 3, 4)}}, false);
  std::size_t owner = 12 + name_wire("www.example.com").size() + 4;
  loop[owner] = 0xC0;
  loop[owner + 1] = static_cast<std::uint8_t>(owner);  // points at itself: followed, and refused
  EXPECT_EQ(prepare_answer(loop, 300, p), PrepareResult::kMalformed);
}

// Compressed upstream answers, built octet by octet: names are followed through their
// pointers (common/dns_wire's reader), so broken pointers are refused, not cached.
class CompressedAnswer : public ::testing::Test {
 protected:
  // The answer header and question for www.example.com A; records are appended.
  CompressedAnswer() : query_(make_query("www.example.com", 1, {.id = 42})), msg_(make_answer(query_, 0, {}, false)) {}

  static constexpr std::uint8_t kQname = 12;             // offset of "www.example.com"
  static constexpr std::uint8_t kExampleCom = 12 + 4;    // offset of "example.com"
  void record(const Bytes& owner, std::uint16_t type, std::uint32_t ttl, const Bytes& rdata, int section = 0) {
    msg_.insert(msg_.end(), owner.begin(), owner.end());
    put16(msg_, type);
    put16(msg_, 1);
    put32(msg_, ttl);
    put16(msg_, static_cast<std::uint16_t>(rdata.size()));
    msg_.insert(msg_.end(), rdata.begin(), rdata.end());
    std::size_t at = 6 + 2 * static_cast<std::size_t>(section);
    std::uint16_t n = static_cast<std::uint16_t>(get16(msg_, at) + 1);
    msg_[at] = static_cast<std::uint8_t>(n >> 8);
    msg_[at + 1] = static_cast<std::uint8_t>(n);
  }
  static Bytes ptr(std::size_t to) { return {static_cast<std::uint8_t>(0xC0 | (to >> 8)), static_cast<std::uint8_t>(to)}; }
  static Bytes cat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  PrepareResult prepare() { return prepare_answer(msg_, 300, prepared_); }

  Bytes query_;
  Bytes msg_;
  PreparedAnswer prepared_;
};

TEST_F(CompressedAnswer, CnameChainThroughPointersIsAcceptedAndRendered) {
  // www.example.com CNAME web.<ptr example.com>; web.example.com A 192.0.2.1 with the
  // owner a pointer into the CNAME's RDATA.
  record(ptr(kQname), 5, 200, cat(Bytes{3, 'w', 'e', 'b'}, ptr(kExampleCom)));
  std::size_t web_at = msg_.size() - 6;  // the CNAME RDATA: 3web + pointer
  record(ptr(web_at), 1, 100, a_rdata(192, 0, 2, 1));
  ASSERT_EQ(prepare(), PrepareResult::kOk);
  EXPECT_EQ(prepared_.lifetime, 100u);
  ASSERT_EQ(prepared_.ttls.size(), 2u);
  Question q = parse(make_query("WWW.example.COM", 1, {.id = 7}));
  ASSERT_TRUE(answer_matches(msg_, 42, q));
  std::uint8_t out[512];
  std::size_t n = render_answer(AnswerView{prepared_.wire, prepared_.ttls}, 10, q, out, sizeof out);
  ASSERT_EQ(n, msg_.size());
  EXPECT_EQ(ttls_of(Bytes(out, out + n)), (std::vector<std::uint32_t>{190, 90}));
}

TEST_F(CompressedAnswer, MxAndNsAndSoaNamesFollowPointers) {
  Bytes mx = {0, 10};
  record(ptr(kQname), 15, 60, cat(mx, cat(Bytes{4, 'm', 'a', 'i', 'l'}, ptr(kExampleCom))));
  record(ptr(kExampleCom), 2, 60, cat(Bytes{2, 'n', 's'}, ptr(kExampleCom)), 1);
  ASSERT_EQ(prepare(), PrepareResult::kOk);

  // NXDOMAIN with an SOA whose MNAME and RNAME are compressed against the question.
  Bytes nx = make_answer(query_, 3, {}, false);
  msg_ = nx;
  Bytes soa = cat(cat(Bytes{2, 'n', 's'}, ptr(kExampleCom)), cat(Bytes{5, 'a', 'd', 'm', 'i', 'n'}, ptr(kExampleCom)));
  for (std::uint32_t v : {2024010101u, 3600u, 600u, 86400u, 45u}) put32(soa, v);
  record(ptr(kExampleCom), 6, 3600, soa, 1);
  ASSERT_EQ(prepare(), PrepareResult::kOk);
  EXPECT_EQ(prepared_.lifetime, 45u);
}

TEST_F(CompressedAnswer, ForwardPointerIsMalformed) {
  std::size_t owner_at = msg_.size();
  record(ptr(owner_at + 20), 1, 60, a_rdata(1, 2, 3, 4));  // points past itself
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
}

TEST_F(CompressedAnswer, PointerOutsideTheMessageIsMalformed) {
  record(ptr(0x3fff), 1, 60, a_rdata(1, 2, 3, 4));
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
}

TEST_F(CompressedAnswer, PointerIntoTheHeaderIsMalformed) {
  record(ptr(kQname), 5, 60, cat(Bytes{1, 'a'}, ptr(4)));  // a.<qdcount...>
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
}

TEST_F(CompressedAnswer, NameThroughATtlFieldIsMalformed) {
  // The TTL octets are rewritten for every client (counted down), so a name read through
  // them would change: here a pointer to the TTL of the record itself (TTL 0x00000000 is
  // a valid root name today, a label tomorrow).
  std::size_t ttl_at = msg_.size() + 2 + 4;
  record(ptr(kQname), 5, 0, cat(Bytes{1, 'a'}, ptr(ttl_at + 3)));
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
}

TEST_F(CompressedAnswer, LoopInCnameRdataIsMalformed) {
  std::size_t rdata_at = msg_.size() + 2 + 10;  // after the owner pointer and the fixed fields
  record(ptr(kQname), 5, 60, cat(Bytes{1, 'a'}, ptr(rdata_at)));  // a.<itself>
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
}

TEST_F(CompressedAnswer, NameRunningPastItsRdataIsMalformed) {
  // A CNAME RDATA of 2 octets whose name (3web + pointer) runs into the next record.
  Bytes rdata = {3, 'w'};
  record(ptr(kQname), 5, 60, rdata);
  record(ptr(kQname), 1, 60, a_rdata(1, 2, 3, 4));
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
  // MX with a trailing octet after its name: the RDATA must end with the name.
  msg_ = make_answer(query_, 0, {}, false);
  record(ptr(kQname), 15, 60, cat(Bytes{0, 10}, cat(ptr(kExampleCom), Bytes{0})));
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
}

TEST_F(CompressedAnswer, NameLongerThan255ThroughPointersIsMalformed) {
  // Chain labels of 63 octets, each name ending in a pointer to the previous one: the
  // fifth expands to more than 255 octets.
  std::size_t prev = kQname;
  for (int i = 0; i < 5; ++i) {
    Bytes label(64, 'x');
    label[0] = 63;
    std::size_t rdata_at = msg_.size() + 2 + 10;
    record(ptr(kQname), 5, 60, cat(label, ptr(prev)));
    prev = rdata_at;
  }
  EXPECT_EQ(prepare(), PrepareResult::kMalformed);
}

TEST_F(CompressedAnswer, CompressedQuestionIsRefused) {
  Bytes a = msg_;
  // Replace the question name with a pointer into the header.
  std::size_t qlen = name_wire("www.example.com").size();
  a.erase(a.begin() + 12, a.begin() + 12 + static_cast<std::ptrdiff_t>(qlen));
  Bytes p = ptr(2);
  a.insert(a.begin() + 12, p.begin(), p.end());
  Question q = parse(query_);
  EXPECT_FALSE(answer_matches(a, 42, q));
  EXPECT_EQ(prepare_answer(a, 300, prepared_), PrepareResult::kMalformed);
}

TEST(RenderAnswer, RestoresClientAndCountsDown) {
  Bytes upstream_query = make_query("www.example.com", 1, {.id = 0x4444});
  Bytes answer = make_answer(upstream_query, 0, {{.ttl = 100, .rdata = a_rdata(1, 2, 3, 4)}});
  PreparedAnswer p;
  ASSERT_EQ(prepare_answer(answer, 300, p), PrepareResult::kOk);

  Bytes client = make_query("WWW.Example.Com", 1, {.id = 0x0102, .edns = true});
  Question q = parse(client);
  std::uint8_t out[2048];
  std::size_t n = render_answer({p.wire, p.ttls}, 40, q, out, sizeof out);
  ASSERT_EQ(n, p.wire.size() + dns_wire::kOptSize);
  Bytes r(out, out + n);
  EXPECT_EQ(get16(r, 0), 0x0102);
  EXPECT_EQ(r[2] & 0x80, 0x80);  // QR
  EXPECT_EQ(r[2] & 0x04, 0);     // AA cleared: not authoritative
  EXPECT_EQ(r[3] & 0x80, 0x80);  // RA
  Bytes name = name_wire("WWW.Example.Com");
  EXPECT_EQ(0, std::memcmp(r.data() + 12, name.data(), name.size()));
  auto ttls = ttls_of(r);
  ASSERT_EQ(ttls.size(), 1u);
  EXPECT_EQ(ttls[0], 60u);
  EXPECT_EQ(get16(r, 10), 1);  // our OPT

  Question plain = parse(make_query("www.example.com", 1, {.id = 3}));
  n = render_answer({p.wire, p.ttls}, 500, plain, out, sizeof out);
  ASSERT_EQ(n, p.wire.size());
  EXPECT_EQ(ttls_of(Bytes(out, out + n))[0], 0u);  // never negative
}

TEST(RenderAnswer, TruncatesWhenTooBig) {
  Bytes upstream_query = make_query("big.example.com", 16);
  std::vector<Rr> records;
  for (int i = 0; i < 10; ++i) records.push_back({.type = 16, .rdata = Bytes(100, 'x')});
  PreparedAnswer p;
  ASSERT_EQ(prepare_answer(make_answer(upstream_query, 0, records), 300, p), PrepareResult::kOk);
  Question q = parse(make_query("big.example.com", 16, {.id = 5}));
  std::uint8_t out[4096];
  std::size_t n = render_answer({p.wire, p.ttls}, 0, q, out, reply_limit(q, false, sizeof out));
  Bytes r(out, out + n);
  ASSERT_GE(n, 12u);
  EXPECT_LE(n, 512u);
  EXPECT_EQ(r[2] & 0x02, 0x02);  // TC
  EXPECT_EQ(get16(r, 6), 0);
  n = render_answer({p.wire, p.ttls}, 0, q, out, reply_limit(q, true, sizeof out));
  EXPECT_EQ(n, p.wire.size());
}

TEST(RenderError, ServFailEchoesQuestion) {
  Question q = parse(make_query("x.example", 1, {.id = 42, .edns = true, .do_bit = true}));
  std::uint8_t out[512];
  std::size_t n = render_error(q, dns_wire::rcode::kServFail, out, sizeof out);
  Bytes r(out, out + n);
  EXPECT_EQ(get16(r, 0), 42);
  EXPECT_EQ(r[3] & 0x0f, 2);
  EXPECT_EQ(get16(r, 4), 1);
  EXPECT_EQ(get16(r, 10), 1);
  EXPECT_EQ(r[n - 4] & 0x80, 0x80);  // DO echoed in our OPT
}

}  // namespace
}  // namespace mcns::frontend::forward
