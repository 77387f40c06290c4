// libFuzzer target for TSIG on untrusted messages: find() either refuses the message or
// returns a record inside it; verify_request() then answers with one of the RFC 8945
// verdicts, and signing a copy appends exactly one well-formed TSIG record that find()
// reads back. Built with clang when MCNS_FUZZ is ON; the replay test runs the committed
// corpus through it in every build.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "common/tsig/tsig.h"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "tsig_fuzz: check failed at line %d: %s\n", __LINE__, #cond);  \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcns::tsig;
  static const Key key{"xfr.rift", Algorithm::kHmacSha256, "secret-secret-secret-secret!"};
  std::span<const std::uint8_t> msg(data, size);
  auto found = find(msg);
  if (!found.ok()) return 0;
  if (found->has_value()) {
    const Record& rec = **found;
    FUZZ_CHECK(rec.offset >= 12 && rec.offset < size);
    KeyLookup lookup = [&](std::string_view name) { return name == key.name ? &key : nullptr; };
    Verification v = verify_request(msg, rec, lookup, 1796067790);
    FUZZ_CHECK(v.error == kNoError || v.error == kBadKey || v.error == kBadSig || v.error == kBadTime);
    return 0;
  }
  // An unsigned message: signing a copy must give one that find() reads back.
  std::vector<std::uint8_t> copy(data, data + size);
  sign(copy, key, {}, 1796067790);
  auto again = find(copy);
  FUZZ_CHECK(again.ok() && again->has_value());
  FUZZ_CHECK((**again).key_name == key.name && (**again).mac.size() == 32);
  return 0;
}
