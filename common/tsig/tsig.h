#pragma once
// TSIG (RFC 8945): HMAC-SHA256/384/512 transaction signatures on DNS messages.
//
// - find() locates the TSIG RR, which must be the last record of the additional section.
// - verify_request() checks a signed request against a key set (BADKEY / BADSIG /
//   BADTIME, RFC 8945 §5.2) in the order the RFC gives.
// - sign_request() / sign_response() append a TSIG RR to a complete message (ARCOUNT is
//   raised by one). A response is signed over the request's MAC (§5.3).
// - StreamSigner signs the messages of a multi-message answer (AXFR/IXFR, §5.3.1): the
//   first over the request MAC, each later one over the previous MAC and the unsigned
//   messages since then; every message is signed (the RFC asks for at least every 100th).
// - error_response_tsig() builds the unsigned TSIG RR of a BADKEY/BADSIG answer (§5.3.2).
//
// Not on the DNS hot path: this allocates. Names are compared case-insensitively and
// digested in canonical (lower-case, uncompressed) form.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace mcns::tsig {

inline constexpr std::uint16_t kTypeTsig = 250;
inline constexpr std::uint16_t kClassAny = 255;
inline constexpr std::uint16_t kDefaultFudge = 300;
// TSIG error codes (RFC 8945 §3; extended RCODEs in the TSIG Error field).
inline constexpr std::uint16_t kNoError = 0;
inline constexpr std::uint16_t kBadSig = 16;
inline constexpr std::uint16_t kBadKey = 17;
inline constexpr std::uint16_t kBadTime = 18;
inline constexpr std::uint16_t kBadTrunc = 22;
inline constexpr std::uint8_t kRcodeNotAuth = 9;

enum class Algorithm : std::uint8_t { kHmacSha256, kHmacSha384, kHmacSha512 };

// "hmac-sha256" (case-insensitive, with or without the trailing dot); nullopt otherwise.
std::optional<Algorithm> parse_algorithm(std::string_view name);
std::string_view algorithm_name(Algorithm algorithm) noexcept;  // "hmac-sha256"
std::size_t mac_length(Algorithm algorithm) noexcept;

struct Key {
  std::string name;  // lower case, without the trailing dot ("xfr.rift")
  Algorithm algorithm = Algorithm::kHmacSha256;
  std::string secret;  // the raw key bytes
};

// RFC 4648 base64, surrounding white space ignored; INVALID_ARGUMENT otherwise.
StatusOr<std::string> decode_base64(std::string_view text);

// A parsed TSIG RR.
struct Record {
  std::string key_name;   // lower case, no trailing dot
  std::string algorithm;  // lower case, no trailing dot ("hmac-sha256")
  std::uint64_t time_signed = 0;  // 48 bits
  std::uint16_t fudge = 0;
  std::vector<std::uint8_t> mac;
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;
  std::vector<std::uint8_t> other;
  std::size_t offset = 0;  // where the RR starts in the message
};

// The TSIG RR of `msg`, nullopt when there is none; INVALID_ARGUMENT (answer FORMERR)
// when the message cannot be walked, or a TSIG RR is not the last record, or is malformed.
StatusOr<std::optional<Record>> find(std::span<const std::uint8_t> msg);

using KeyLookup = std::function<const Key*(std::string_view key_name)>;

struct Verification {
  std::uint16_t error = kNoError;  // kNoError, kBadKey, kBadSig or kBadTime
  const Key* key = nullptr;        // the key, when known (BADSIG/BADTIME/ok)
};

// Verifies the signed request `msg` whose TSIG RR is `record` (from find()) at `now`
// (seconds since the epoch).
Verification verify_request(std::span<const std::uint8_t> msg, const Record& record, const KeyLookup& keys,
                            std::uint64_t now);

// Appends a TSIG RR to the complete message `msg`, signed with `key`; returns its MAC.
// `request_mac` empty: a request; otherwise the response to a request with that MAC.
// `error`/`other` as RFC 8945 §5.2.3 wants for BADTIME (other = the server's time). The
// fudge is kDefaultFudge, the 300 s RFC 8945 recommends.
std::vector<std::uint8_t> sign(std::vector<std::uint8_t>& msg, const Key& key,
                               std::span<const std::uint8_t> request_mac, std::uint64_t time_signed,
                               std::uint16_t error = kNoError, std::span<const std::uint8_t> other = {});

// Appends the unsigned TSIG RR of an error answer (BADKEY, BADSIG: MAC size 0) echoing
// the request's key name, algorithm and time.
void append_unsigned_error(std::vector<std::uint8_t>& msg, const Record& request, std::uint16_t error);

// Signs consecutive messages of one answer stream (AXFR/IXFR over TCP).
class StreamSigner {
 public:
  StreamSigner(const Key& key, std::vector<std::uint8_t> request_mac, std::uint64_t time_signed);
  // Appends the TSIG RR to `msg` (a complete message).
  void sign(std::vector<std::uint8_t>& msg);

 private:
  const Key& key_;
  std::vector<std::uint8_t> prior_mac_;
  std::uint64_t time_signed_;
  bool first_ = true;
};

// Verifies the TSIG RR of a response to a request we signed with `request_mac` (a NOTIFY
// answer). OK when the MAC matches.
Status verify_response(std::span<const std::uint8_t> msg, const Key& key, std::span<const std::uint8_t> request_mac);

// The name `text` ("xfr.rift" or "xfr.rift.") in canonical form: lower case, no trailing dot.
std::string canonical_key_name(std::string_view text);

}  // namespace mcns::tsig
