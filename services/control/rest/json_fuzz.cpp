// libFuzzer target for the REST API's JSON request decoding (json_codec): every decoder
// gets the input as a request body, and encode_error() gets it as a message. Built with
// clang when MCNS_FUZZ is ON (preset `fuzz`); the corpus replay
// (cmake/fuzz_replay_test.cpp) runs
// testdata/json_fuzz_corpus/ through the same entry point in every build.
//
// Checked invariants: no crash, no exception, no sanitizer report; a refused body is
// INVALID_ARGUMENT with a message; encode_error() always produces a JSON object whose
// "error" is a string, whatever bytes it was given.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "services/control/rest/json_codec.h"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "json_fuzz: check failed at line %d: %s\n", __LINE__, #cond); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace {

template <typename T>
void check_refusal(const mcns::StatusOr<T>& r) {
  if (r.ok()) return;
  FUZZ_CHECK(r.status().code() == mcns::StatusCode::kInvalidArgument);
  FUZZ_CHECK(!r.status().message().empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mcns::control::rest;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  check_refusal(decode_create_zone(body));
  check_refusal(decode_update_zone(body));
  check_refusal(decode_record(body));
  check_refusal(decode_login(body));

  std::string encoded = encode_error(body);
  auto j = nlohmann::json::parse(encoded, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_string());
  return 0;
}
