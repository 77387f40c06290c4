// libFuzzer target for the whole query path: parse -> look up -> encode. Built with
// clang when MCNS_FUZZ is ON (preset `fuzz`); mcns_fuzz_target links the same entry
// point into frontend_query_fuzz_replay, which replays testdata/fuzz_corpus/ in the
// normal test suite with any compiler.
//
// Input: byte 0 chooses transport, forwarding, readiness and the output buffer size;
// the rest is the DNS message. Checked invariants: no crash or sanitizer report, the
// reply fits the buffer (and the UDP limit), keeps the query ID, and is a well-formed
// DNS message according to ldns (an independent parser).
#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/query/query_test_util.h"

#define FUZZ_CHECK(cond)                                                         \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "query_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcns::frontend;
  static const mcns::zone::ZoneSetPtr zones = testing::example_zones();
  static const mcns::zone::ZoneSet not_ready;
  static std::vector<std::uint8_t> out(65535 + 64);
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const Transport transport = (mode & 1) ? Transport::kTcp : Transport::kUdp;
  const bool forwarding = (mode & 2) != 0;
  const mcns::zone::ZoneSet& zs = (mode & 4) ? not_ready : *zones;
  static constexpr std::size_t kSizes[] = {65535, 512, 1232, 12, 100, 4096, 300, 0};
  const std::size_t out_size = kSizes[(mode >> 3) & 7];
  std::span<const std::uint8_t> in(data + 1, size - 1);

  std::memset(out.data() + out_size, 0xab, 64);
  QueryResult r = process_query(zs, in, std::span<std::uint8_t>(out.data(), out_size), transport, forwarding);
  for (std::size_t i = 0; i < 64; ++i) FUZZ_CHECK(out[out_size + i] == 0xab);  // no overrun
  if (r.action != QueryAction::kRespond) {
    FUZZ_CHECK(r.size == 0);
    if (r.action == QueryAction::kForward) FUZZ_CHECK(forwarding && &zs == zones.get());
    return 0;
  }
  FUZZ_CHECK(r.size >= 12 && r.size <= out_size);
  if (transport == Transport::kUdp) FUZZ_CHECK(r.size <= kMaxUdpPayload);
  FUZZ_CHECK(in.size() >= 12 && std::memcmp(out.data(), in.data(), 2) == 0);  // same ID
  FUZZ_CHECK((out[2] & 0x80) != 0);                                            // QR
  ldns_pkt* pkt = nullptr;
  ldns_status st = ldns_wire2pkt(&pkt, out.data(), r.size);
  if (st != LDNS_STATUS_OK) {
    std::fprintf(stderr, "query_fuzz: ldns cannot parse the reply (%s), mode %u:\n", ldns_get_errorstr_by_id(st), mode);
    for (std::size_t i = 0; i < r.size; ++i) std::fprintf(stderr, "%02x", out[i]);
    std::fprintf(stderr, "\n");
  }
  FUZZ_CHECK(st == LDNS_STATUS_OK);
  ldns_pkt_free(pkt);
  return 0;
}
