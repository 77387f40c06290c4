// libFuzzer target for the zone-file source of mcns-dns ([zones] files, read by
// common/zonefile): load_zone_file() reads the input as a master file (through a memfd, so nothing
// touches the disk), and a zone it accepts must build into a snapshot. Built with clang
// when MCNS_FUZZ is ON (preset `fuzz`); cmake/fuzz_replay_test.cpp replays
// common/zonefile/testdata/zone_file_fuzz_corpus/ through the same entry point in every build.
//
// Checked invariants: no crash or sanitizer report; an accepted file names a zone and
// holds at least its SOA, and the builder then builds.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/zone/zone_set_builder.h"
#include "services/dns-frontend/zonesrc/zone_file.h"

#define FUZZ_CHECK(cond)                                                                        \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "zone_file_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcns;
  static const int fd = ::memfd_create("zone_file_fuzz", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  FUZZ_CHECK(::ftruncate(fd, 0) == 0);
  FUZZ_CHECK(::pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);

  zone::ZoneSetBuilder builder;
  auto info = frontend::zonesrc::load_zone_file(path, builder);
  if (!info.ok()) {
    FUZZ_CHECK(!info.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(!info->zone.empty() && info->records >= 1);
  auto built = builder.build();
  if (!built.ok()) {
    std::fprintf(stderr, "zone_file_fuzz: accepted file does not build: %s\n", built.status().to_string().c_str());
  }
  FUZZ_CHECK(built.ok());
  return 0;
}
