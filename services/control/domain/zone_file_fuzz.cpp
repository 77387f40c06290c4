// libFuzzer target for the zone-file reader of `mcns-control import` (domain/zone_file):
// any input is either refused with a message or parsed into records that are canonical
// for the API (what the import then writes). Built with clang when MCNS_FUZZ is ON;
// the replay test runs the committed zone-file corpus through it in every build.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "services/control/domain/zone_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = mcns::control::domain::parse_zone_file(text, "example.com");
  if (!parsed.ok() && parsed.status().message().empty()) {
    std::fprintf(stderr, "control_zone_file_fuzz: a refusal without a message\n");
    std::abort();
  }
  return 0;
}
