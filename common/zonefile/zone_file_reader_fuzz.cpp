// libFuzzer target for the zone-file reader (zone_file_reader.h): any input is either
// refused with a message or read into a zone whose first record is its SOA. Read twice:
// as the frontend does (no zone given) and as `mcns-control import` does (zone given,
// with text fields). Built with clang when MCNS_FUZZ is ON; the replay test runs
// testdata/zone_file_fuzz_corpus through it in every build.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/zonefile/zone_file_reader.h"

#define FUZZ_CHECK(cond)                                                                          \
  do {                                                                                            \
    if (!(cond)) {                                                                                \
      std::fprintf(stderr, "zonefile_fuzz: check failed at line %d: %s\n", __LINE__, #cond);     \
      std::abort();                                                                               \
    }                                                                                             \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcns::zonefile;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* zone : {"", "example.com"}) {
    ReadOptions options;
    options.zone = zone;
    options.with_text = *zone != '\0';
    auto file = read_zone_text(text, options);
    if (!file.ok()) {
      FUZZ_CHECK(!file.status().message().empty());
      continue;
    }
    FUZZ_CHECK(!file->zone.empty());
    FUZZ_CHECK(!file->records.empty() && file->records[0].type == 6);
    for (const Record& r : file->records) {
      FUZZ_CHECK(!r.owner.empty() && r.owner.back() == 0);
      FUZZ_CHECK(r.line >= 1);
      FUZZ_CHECK(!options.with_text || !r.fields.empty() || r.rdata.empty());
    }
  }
  return 0;
}
