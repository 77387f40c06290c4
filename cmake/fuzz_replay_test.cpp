// Replays a committed seed corpus through a libFuzzer entry point linked into the same
// binary, so every seed (and every crash input added to the corpus) runs in the normal
// test suite with any compiler. The corpus folder and the minimum number of files come
// from the build: MCNS_FUZZ_CORPUS, MCNS_FUZZ_MIN_FILES, MCNS_FUZZ_MODES, and the test
// suite name MCNS_FUZZ_SUITE (one per target). The body of every `name`_replay test
// that mcns_fuzz_target (McnsTargets.cmake) adds.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

TEST(MCNS_FUZZ_SUITE, Corpus) {
  std::filesystem::path dir = MCNS_FUZZ_CORPUS;
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().filename().string());
    // Every value of the first (mode) byte, when the target uses one, is tried.
    std::vector<std::uint8_t> input = bytes.empty() ? std::vector<std::uint8_t>{0} : bytes;
    for (int mode = 0; mode < MCNS_FUZZ_MODES; ++mode) {
      if (MCNS_FUZZ_MODES > 1) input[0] = static_cast<std::uint8_t>(mode);
      EXPECT_EQ(LLVMFuzzerTestOneInput(input.data(), input.size()), 0);
    }
    ++files;
  }
  EXPECT_GE(files, static_cast<std::size_t>(MCNS_FUZZ_MIN_FILES));
}
