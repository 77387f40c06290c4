// Replays testdata/fuzz_corpus/ through the libFuzzer entry point of query_fuzz.cpp,
// so the corpus (and every crash input added to it) runs in the normal test suite.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "services/dns-frontend/query/query_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

TEST(QueryFuzzReplay, Corpus) {
  std::filesystem::path dir =
      std::filesystem::path(mcns::frontend::testing::source_dir()) / "services/dns-frontend/query/testdata/fuzz_corpus";
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().filename().string());
    // Every mode byte: all transports, buffer sizes, readiness and forwarding.
    std::vector<std::uint8_t> input = bytes.empty() ? std::vector<std::uint8_t>{0} : bytes;
    for (int mode = 0; mode < 64; ++mode) {
      input[0] = static_cast<std::uint8_t>(mode);
      LLVMFuzzerTestOneInput(input.data(), input.size());
    }
    ++files;
  }
  EXPECT_GE(files, 24u);
}
