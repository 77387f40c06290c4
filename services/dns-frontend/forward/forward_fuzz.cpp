// libFuzzer target for the forwarder's reading of untrusted bytes (forward_wire): the
// client's question (parse_question) and, above all, upstream answers (answer_matches,
// prepare_answer), then what the cache stores and renders for a client. Built with clang
// when MCNS_FUZZ is ON (preset `fuzz`); cmake/fuzz_replay_test.cpp replays
// testdata/forward_fuzz_corpus/ through the same entry point in every build.
//
// Input: byte 0 chooses max_ttl, the client's EDNS/DO and the reply limit; the rest is
// an upstream answer (also tried as a client query). Checked invariants: no crash or
// sanitizer report; an answer that prepare_answer accepts renders within the limit
// without overrun, as a message whose question and records all read back with
// common/dns_wire's reader (pointers followed) and end exactly at its size; the cache
// renders the same bytes as render_answer and stays within its byte bound.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/dns_wire/message.h"
#include "common/dns_wire/wire.h"
#include "services/dns-frontend/forward/forward_cache.h"
#include "services/dns-frontend/forward/forward_wire.h"

#define FUZZ_CHECK(cond)                                                                    \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "forward_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace {

using namespace mcns::frontend::forward;
namespace wire = mcns::dns_wire;

// Reads a rendered reply back: header, an uncompressed question, then every record.
bool well_formed(std::span<const std::uint8_t> m) {
  wire::Header h;
  if (!h.read(m) || h.qdcount != 1) return false;
  wire::WireReader r(m);
  r.seek(wire::kHeaderSize);
  if (!r.read_name(nullptr, /*allow_compression=*/false) || !r.skip(4)) return false;
  std::size_t records = std::size_t{h.ancount} + h.nscount + h.arcount;
  for (std::size_t i = 0; i < records; ++i) {
    std::uint16_t type = 0, klass = 0, rdlen = 0;
    std::uint32_t ttl = 0;
    if (!r.read_name(nullptr) || !r.read_u16(type) || !r.read_u16(klass) || !r.read_u32(ttl) ||
        !r.read_u16(rdlen) || !r.skip(rdlen))
      return false;
  }
  return r.remaining() == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::vector<std::uint8_t> out(65535 + 64);
  static std::vector<std::uint8_t> out2(65535 + 64);
  static ForwardCache cache(64, 256 * 1024);
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  std::span<const std::uint8_t> in(data + 1, size - 1);
  static constexpr std::uint32_t kMaxTtl[] = {300, 0, 1, 86400};
  static constexpr std::size_t kLimits[] = {512, 1232, 65535, 100};
  const std::uint32_t max_ttl = kMaxTtl[mode & 3];
  const std::size_t limit = kLimits[(mode >> 2) & 3];

  // 1. The bytes as a client query.
  Question cq;
  if (parse_question(in, cq)) {
    FUZZ_CHECK(cq.name_len >= 1 && cq.name_len <= kMaxNameWire);
    std::uint8_t query[wire::kHeaderSize + kMaxNameWire + 4 + wire::kOptSize];
    std::size_t n = build_upstream_query(cq, 0x4242, query);
    FUZZ_CHECK(n > 0 && well_formed(std::span<const std::uint8_t>(query, n)));
    n = render_error(cq, wire::rcode::kServFail, out, reply_limit(cq, (mode & 0x40) != 0, out.size()));
    FUZZ_CHECK(n > 0 && well_formed(std::span<const std::uint8_t>(out.data(), n)));
  }

  // 2. The bytes as an upstream answer, whatever its question.
  PreparedAnswer p;
  PrepareResult pr = prepare_answer(in, max_ttl, p);
  if (pr != PrepareResult::kOk) return 0;
  FUZZ_CHECK(p.wire.size() >= wire::kHeaderSize && p.wire.size() <= in.size());
  FUZZ_CHECK(p.lifetime <= max_ttl);
  for (const TtlSlot& s : p.ttls) FUZZ_CHECK(s.offset + 4 <= p.wire.size() && s.ttl <= max_ttl);

  // 3. A client asking that answer's question (built from it), with or without EDNS.
  std::size_t qend = skip_name(in, wire::kHeaderSize);
  FUZZ_CHECK(qend != 0 && qend + 4 <= in.size());
  std::vector<std::uint8_t> query(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(qend + 4));
  query[2] = 0x01;  // RD
  query[3] = (mode & 0x80) ? 0x20 : 0x00;
  for (int i = 6; i < 12; ++i) query[static_cast<std::size_t>(i)] = 0;
  if (mode & 0x10) {
    query[11] = 1;
    const std::uint8_t opt[] = {0, 0, 41, 0x10, 0, 0, 0, static_cast<std::uint8_t>((mode & 0x20) ? 0x80 : 0), 0, 0, 0};
    query.insert(query.end(), std::begin(opt), std::end(opt));
  }
  Question q;
  if (!parse_question(query, q)) return 0;  // e.g. a QR bit echoed from the answer's header
  FUZZ_CHECK(answer_matches(in, q.id, q) == ((in[2] & 0x80) && !(in[2] & 0x78)));

  std::memset(out.data() + limit, 0xab, 64);
  std::size_t n = render_answer(AnswerView{p.wire, p.ttls}, 5, q, out, limit);
  for (std::size_t i = 0; i < 64; ++i) FUZZ_CHECK(out[limit + i] == 0xab);  // no overrun
  if (n == 0) {  // only when not even the question fits (limits below 512)
    FUZZ_CHECK(wire::kHeaderSize + q.name_len + 4 + (q.has_edns ? wire::kOptSize : 0) > limit);
    return 0;
  }
  FUZZ_CHECK(n >= wire::kHeaderSize && n <= limit);
  FUZZ_CHECK(std::memcmp(out.data(), query.data(), 2) == 0);  // the client's ID
  FUZZ_CHECK(well_formed(std::span<const std::uint8_t>(out.data(), n)));

  // 4. Through the cache: the same bytes come back, and the bound holds.
  if (p.lifetime > 0) {
    cache.insert(q, p, 1000);
    FUZZ_CHECK(cache.bytes() <= cache.max_bytes());
    std::size_t m = cache.lookup(q, 1000, out2, limit);
    if (m > 0) {
      std::size_t direct = render_answer(AnswerView{p.wire, p.ttls}, 0, q, out, limit);
      FUZZ_CHECK(m == direct && std::memcmp(out.data(), out2.data(), m) == 0);
    }
  }
  return 0;
}
