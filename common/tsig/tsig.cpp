#include "common/tsig/tsig.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

#include "common/base/strings.h"
#include "common/dns_wire/wire.h"

namespace mcns::tsig {
namespace {

using dns_wire::WireReader;

constexpr std::size_t kHeaderSize = 12;

const EVP_MD* digest_of(Algorithm a) {
  switch (a) {
    case Algorithm::kHmacSha256: return EVP_sha256();
    case Algorithm::kHmacSha384: return EVP_sha384();
    case Algorithm::kHmacSha512: return EVP_sha512();
  }
  return EVP_sha256();
}

constexpr auto put16 = dns_wire::append_u16;
constexpr auto put32 = dns_wire::append_u32;
void put48(std::vector<std::uint8_t>& out, std::uint64_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 32));
  put32(out, static_cast<std::uint32_t>(v));
}
void put_bytes(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); }

// "xfr.rift" -> \3xfr\4rift\0 (lower case). Key and algorithm names are plain labels.
std::vector<std::uint8_t> name_wire(std::string_view text) {
  std::vector<std::uint8_t> out;
  for (std::string_view label : split(text, '.')) {
    if (label.empty()) continue;
    out.push_back(static_cast<std::uint8_t>(std::min<std::size_t>(label.size(), 63)));
    for (char c : label.substr(0, 63)) out.push_back(dns_wire::ascii_lower(static_cast<std::uint8_t>(c)));
  }
  out.push_back(0);
  return out;
}

bool skip_rr(WireReader& r) {
  std::uint16_t type, klass, rdlen;
  std::uint32_t ttl;
  return r.read_name(nullptr) && r.read_u16(type) && r.read_u16(klass) && r.read_u32(ttl) && r.read_u16(rdlen) &&
         r.skip(rdlen);
}

std::vector<std::uint8_t> hmac(const Key& key, std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(digest_of(key.algorithm), key.secret.data(), static_cast<int>(key.secret.size()), data.data(), data.size(),
       md.data(), &len);
  return {md.begin(), md.begin() + len};
}

// The message as it was before the TSIG RR was added: without the RR, ARCOUNT one less,
// and the original ID in place.
void unsigned_message(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> msg, std::size_t tsig_offset,
                      std::uint16_t original_id) {
  std::size_t start = out.size();
  out.insert(out.end(), msg.begin(), msg.begin() + static_cast<std::ptrdiff_t>(tsig_offset));
  dns_wire::store_u16(out.data() + start, original_id);
  std::uint16_t arcount = dns_wire::load_u16(out.data() + start + 10);
  dns_wire::store_u16(out.data() + start + 10, static_cast<std::uint16_t>(arcount - 1));
}

// The TSIG variables of RFC 8945 §4.3.3.
void variables(std::vector<std::uint8_t>& out, std::string_view key_name, std::string_view algorithm,
               std::uint64_t time_signed, std::uint16_t fudge, std::uint16_t error,
               std::span<const std::uint8_t> other) {
  put_bytes(out, name_wire(key_name));
  put16(out, kClassAny);
  put32(out, 0);
  put_bytes(out, name_wire(algorithm));
  put48(out, time_signed);
  put16(out, fudge);
  put16(out, error);
  put16(out, static_cast<std::uint16_t>(other.size()));
  put_bytes(out, other);
}

void append_rr(std::vector<std::uint8_t>& msg, std::string_view key_name, std::string_view algorithm,
               std::uint64_t time_signed, std::uint16_t fudge, std::span<const std::uint8_t> mac,
               std::uint16_t original_id, std::uint16_t error, std::span<const std::uint8_t> other) {
  put_bytes(msg, name_wire(key_name));
  put16(msg, kTypeTsig);
  put16(msg, kClassAny);
  put32(msg, 0);
  std::size_t rdlen_at = msg.size();
  put16(msg, 0);
  put_bytes(msg, name_wire(algorithm));
  put48(msg, time_signed);
  put16(msg, fudge);
  put16(msg, static_cast<std::uint16_t>(mac.size()));
  put_bytes(msg, mac);
  put16(msg, original_id);
  put16(msg, error);
  put16(msg, static_cast<std::uint16_t>(other.size()));
  put_bytes(msg, other);
  dns_wire::store_u16(msg.data() + rdlen_at, static_cast<std::uint16_t>(msg.size() - rdlen_at - 2));
  std::uint16_t arcount = dns_wire::load_u16(msg.data() + 10);
  dns_wire::store_u16(msg.data() + 10, static_cast<std::uint16_t>(arcount + 1));
}

bool mac_matches(std::span<const std::uint8_t> expected, std::span<const std::uint8_t> got) {
  // RFC 8945 §5.2.2.1: a truncated MAC is accepted down to max(10, half the length).
  std::size_t minimum = std::max<std::size_t>(10, expected.size() / 2);
  if (got.size() > expected.size() || got.size() < minimum) return false;
  return CRYPTO_memcmp(expected.data(), got.data(), got.size()) == 0;
}

}  // namespace

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  std::string n = to_lower(name);
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n == "hmac-sha256") return Algorithm::kHmacSha256;
  if (n == "hmac-sha384") return Algorithm::kHmacSha384;
  if (n == "hmac-sha512") return Algorithm::kHmacSha512;
  return std::nullopt;
}

std::string_view algorithm_name(Algorithm algorithm) noexcept {
  switch (algorithm) {
    case Algorithm::kHmacSha256: return "hmac-sha256";
    case Algorithm::kHmacSha384: return "hmac-sha384";
    case Algorithm::kHmacSha512: return "hmac-sha512";
  }
  return "hmac-sha256";
}

std::size_t mac_length(Algorithm algorithm) noexcept {
  switch (algorithm) {
    case Algorithm::kHmacSha256: return 32;
    case Algorithm::kHmacSha384: return 48;
    case Algorithm::kHmacSha512: return 64;
  }
  return 32;
}

std::string canonical_key_name(std::string_view text) {
  std::string n = to_lower(trim(text));
  while (!n.empty() && n.back() == '.') n.pop_back();
  return n;
}

StatusOr<std::string> decode_base64(std::string_view text) {
  std::string clean;
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') clean.push_back(c);
  if (clean.empty() || clean.size() % 4 != 0) return invalid_argument("not base64");
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()), static_cast<int>(clean.size()));
  if (n < 0) return invalid_argument("not base64");
  std::size_t pad = 0;
  if (clean.ends_with("==")) pad = 2;
  else if (clean.ends_with("=")) pad = 1;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

StatusOr<std::optional<Record>> find(std::span<const std::uint8_t> msg) {
  dns_wire::Header h;
  if (!h.read(msg)) return invalid_argument("message shorter than a header");
  WireReader r(msg);
  r.seek(kHeaderSize);
  for (unsigned i = 0; i < h.qdcount; ++i) {
    std::uint16_t type, klass;
    if (!r.read_name(nullptr) || !r.read_u16(type) || !r.read_u16(klass)) return invalid_argument("bad question");
  }
  for (unsigned i = 0; i < unsigned{h.ancount} + h.nscount; ++i)
    if (!skip_rr(r)) return invalid_argument("bad record");
  std::optional<Record> found;
  for (unsigned i = 0; i < h.arcount; ++i) {
    std::size_t start = r.position();
    dns_wire::Name owner;
    std::uint16_t type, klass, rdlen;
    std::uint32_t ttl;
    if (!r.read_name(&owner) || !r.read_u16(type) || !r.read_u16(klass) || !r.read_u32(ttl) || !r.read_u16(rdlen))
      return invalid_argument("bad record");
    if (type != kTypeTsig) {
      if (!r.skip(rdlen)) return invalid_argument("bad record");
      continue;
    }
    if (i + 1 != h.arcount) return invalid_argument("TSIG is not the last record");
    std::size_t rdata_end = r.position() + rdlen;
    Record rec;
    rec.offset = start;
    rec.key_name = dns_wire::lower_text(owner);
    dns_wire::Name alg;
    std::uint16_t t_hi, mac_size, other_len;
    std::uint32_t t_lo;
    std::span<const std::uint8_t> mac, other;
    if (klass != kClassAny || !r.read_name(&alg, /*allow_compression=*/false) || !r.read_u16(t_hi) ||
        !r.read_u32(t_lo) || !r.read_u16(rec.fudge) || !r.read_u16(mac_size) || !r.read_bytes(mac_size, mac) ||
        !r.read_u16(rec.original_id) || !r.read_u16(rec.error) || !r.read_u16(other_len) ||
        !r.read_bytes(other_len, other) || r.position() != rdata_end || r.remaining() != 0)
      return invalid_argument("malformed TSIG record");
    rec.algorithm = dns_wire::lower_text(alg);
    rec.time_signed = (std::uint64_t{t_hi} << 32) | t_lo;
    rec.mac.assign(mac.begin(), mac.end());
    rec.other.assign(other.begin(), other.end());
    found = std::move(rec);
  }
  if (!found && r.remaining() != 0) return invalid_argument("trailing octets");
  return found;
}

Verification verify_request(std::span<const std::uint8_t> msg, const Record& record, const KeyLookup& keys,
                            std::uint64_t now) {
  Verification v;
  const Key* key = keys ? keys(record.key_name) : nullptr;
  auto alg = parse_algorithm(record.algorithm);
  if (!key || !alg || *alg != key->algorithm) {
    v.error = kBadKey;
    return v;
  }
  v.key = key;
  std::vector<std::uint8_t> data;
  unsigned_message(data, msg, record.offset, record.original_id);
  variables(data, record.key_name, record.algorithm, record.time_signed, record.fudge, record.error, record.other);
  if (!mac_matches(hmac(*key, data), record.mac)) {
    v.error = kBadSig;
    return v;
  }
  std::uint64_t skew = now > record.time_signed ? now - record.time_signed : record.time_signed - now;
  if (skew > record.fudge) v.error = kBadTime;
  return v;
}

std::vector<std::uint8_t> sign(std::vector<std::uint8_t>& msg, const Key& key,
                               std::span<const std::uint8_t> request_mac, std::uint64_t time_signed,
                               std::uint16_t error, std::span<const std::uint8_t> other) {
  std::vector<std::uint8_t> data;
  if (!request_mac.empty()) {
    put16(data, static_cast<std::uint16_t>(request_mac.size()));
    put_bytes(data, request_mac);
  }
  put_bytes(data, msg);
  std::string_view alg = algorithm_name(key.algorithm);
  variables(data, key.name, alg, time_signed, kDefaultFudge, error, other);
  std::vector<std::uint8_t> mac = hmac(key, data);
  append_rr(msg, key.name, alg, time_signed, kDefaultFudge, mac, dns_wire::load_u16(msg.data()), error, other);
  return mac;
}

void append_unsigned_error(std::vector<std::uint8_t>& msg, const Record& request, std::uint16_t error) {
  append_rr(msg, request.key_name, request.algorithm, request.time_signed, request.fudge, {},
            dns_wire::load_u16(msg.data()), error, {});
}

StreamSigner::StreamSigner(const Key& key, std::vector<std::uint8_t> request_mac, std::uint64_t time_signed)
    : key_(key), prior_mac_(std::move(request_mac)), time_signed_(time_signed) {}

void StreamSigner::sign(std::vector<std::uint8_t>& msg) {
  if (first_) {
    first_ = false;
    prior_mac_ = tsig::sign(msg, key_, prior_mac_, time_signed_);
    return;
  }
  // Later messages (§5.3.1): the prior MAC, this message, and the timers only.
  std::vector<std::uint8_t> data;
  put16(data, static_cast<std::uint16_t>(prior_mac_.size()));
  put_bytes(data, prior_mac_);
  put_bytes(data, msg);
  put48(data, time_signed_);
  put16(data, kDefaultFudge);
  std::vector<std::uint8_t> mac = hmac(key_, data);
  append_rr(msg, key_.name, algorithm_name(key_.algorithm), time_signed_, kDefaultFudge, mac,
            dns_wire::load_u16(msg.data()), kNoError, {});
  prior_mac_ = std::move(mac);
}

Status verify_response(std::span<const std::uint8_t> msg, const Key& key, std::span<const std::uint8_t> request_mac) {
  MCNS_ASSIGN_OR_RETURN(std::optional<Record> rec, find(msg));
  if (!rec) return unauthenticated("the answer is not signed");
  if (rec->key_name != key.name) return unauthenticated("the answer is signed with another key");
  if (rec->error != kNoError && rec->mac.empty())
    return unauthenticated(str_cat("the peer refused the signature (TSIG error ", rec->error, ")"));
  std::vector<std::uint8_t> data;
  put16(data, static_cast<std::uint16_t>(request_mac.size()));
  put_bytes(data, request_mac);
  unsigned_message(data, msg, rec->offset, rec->original_id);
  variables(data, rec->key_name, rec->algorithm, rec->time_signed, rec->fudge, rec->error, rec->other);
  if (!mac_matches(hmac(key, data), rec->mac)) return unauthenticated("bad signature on the answer");
  return ok_status();
}

}  // namespace mcns::tsig
