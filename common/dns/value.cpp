#include "common/dns/value.h"

#include <arpa/inet.h>
#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>

#include <memory>

#include "common/base/strings.h"
#include "common/dns/name.h"

namespace mcns::dns {
namespace {

struct RrDeleter {
  void operator()(ldns_rr* rr) const noexcept { ldns_rr_free(rr); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;

Status bad_value(const RRTypeInfo& type, std::string_view value, std::string_view why) {
  return invalid_argument(str_cat("invalid ", type.mnemonic, " value \"", value, "\": ", why));
}

// Dotted quad, each part 0..255 in decimal without leading zeros ("010" could be octal to
// some parsers, so it is refused rather than guessed).
// No allocation: a full resync converts a million of these.
bool parse_ipv4(std::string_view text, std::uint8_t out[4]) {
  std::size_t pos = 0;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return false;
      ++pos;
    }
    std::size_t start = pos;
    int v = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) v = v * 10 + (text[pos++] - '0');
    std::size_t digits = pos - start;
    if (digits == 0 || (digits > 1 && text[start] == '0') || v > 255) return false;
    out[i] = static_cast<std::uint8_t>(v);
  }
  return pos == text.size();
}

bool parse_ipv6(std::string_view text, std::uint8_t out[16]) {
  if (text.empty() || text.size() > 45 || text.find('%') != std::string_view::npos) return false;
  std::string s(text);
  return inet_pton(AF_INET6, s.c_str(), out) == 1;
}

// A TXT value not written as quoted strings is one string of text; long text is split
// into 255-octet strings as RFC 1035 3.3.14 requires.
std::string quote_txt(std::string_view text) {
  std::string out;
  std::size_t in_chunk = 0;
  out.push_back('"');
  for (char c : text) {
    if (in_chunk == 255) {
      out.append("\" \"");
      in_chunk = 0;
    }
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
    ++in_chunk;
  }
  out.push_back('"');
  return out;
}

StatusOr<RrPtr> parse_generic(const RRTypeInfo& type, std::string_view value) {
  std::string text = str_cat("mcns.invalid. 300 IN ", type.mnemonic, " ", value);
  ldns_rr* raw = nullptr;
  ldns_status st = ldns_rr_new_frm_str(&raw, text.c_str(), 300, nullptr, nullptr);
  RrPtr rr(raw);
  if (st != LDNS_STATUS_OK || !rr) return bad_value(type, value, ldns_get_errorstr_by_id(st));
  if (ldns_rr_get_type(rr.get()) != type.code) return bad_value(type, value, "type mismatch");
  if (ldns_rr_rd_count(rr.get()) == 0) return bad_value(type, value, "empty value");
  ldns_rr2canonical(rr.get());
  return rr;
}

}  // namespace

StatusOr<std::string> canonical_value(const RRTypeInfo& type, std::string_view value) {
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return bad_value(type, value, "control characters are not allowed");
  }
  if (value.empty()) return bad_value(type, value, "empty value");
  switch (type.kind) {
    case ValueKind::kIpv4: {
      std::uint8_t a[4];
      if (!parse_ipv4(value, a)) return bad_value(type, value, "not an IPv4 address");
      return str_cat(a[0], ".", a[1], ".", a[2], ".", a[3]);
    }
    case ValueKind::kIpv6: {
      std::uint8_t a[16];
      if (!parse_ipv6(value, a)) return bad_value(type, value, "not an IPv6 address");
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, a, buf, sizeof buf);
      return std::string(buf);
    }
    case ValueKind::kDomainName: {
      auto name = canonical_absolute_name(value, /*allow_root=*/false);
      if (!name.ok()) return bad_value(type, value, name.status().message());
      return *std::move(name);
    }
    case ValueKind::kGeneric:
      break;
  }
  std::string input(value);
  if (type.code == type::kTXT && value.front() != '"') input = quote_txt(value);
  MCNS_ASSIGN_OR_RETURN(RrPtr rr, parse_generic(type, input));
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
    char* s = ldns_rdf2str(ldns_rr_rdf(rr.get(), i));
    if (!s) return bad_value(type, value, "cannot be printed");
    fields.emplace_back(s);
    LDNS_FREE(s);
  }
  return join(fields, " ");
}

Status check_ttl(std::int64_t ttl) {
  if (ttl < kMinTtl || ttl > kMaxTtl)
    return invalid_argument(str_cat("invalid TTL ", ttl, ": must be between ", kMinTtl, " and ", kMaxTtl));
  return ok_status();
}

StatusOr<std::vector<std::uint8_t>> value_to_rdata(const RRTypeInfo& type, std::string_view canonical) {
  switch (type.kind) {
    case ValueKind::kIpv4: {
      std::uint8_t a[4];
      if (!parse_ipv4(canonical, a)) return bad_value(type, canonical, "not an IPv4 address");
      return std::vector<std::uint8_t>(a, a + 4);
    }
    case ValueKind::kIpv6: {
      std::uint8_t a[16];
      if (!parse_ipv6(canonical, a)) return bad_value(type, canonical, "not an IPv6 address");
      return std::vector<std::uint8_t>(a, a + 16);
    }
    case ValueKind::kDomainName: {
      auto name = canonical_absolute_name(canonical, false);
      if (!name.ok()) return bad_value(type, canonical, name.status().message());
      return name_to_wire(*name);
    }
    case ValueKind::kGeneric:
      break;
  }
  MCNS_ASSIGN_OR_RETURN(RrPtr rr, parse_generic(type, canonical));
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr.get(), i);
    const std::uint8_t* data = ldns_rdf_data(rdf);
    out.insert(out.end(), data, data + ldns_rdf_size(rdf));
  }
  return out;
}

}  // namespace mcns::dns
