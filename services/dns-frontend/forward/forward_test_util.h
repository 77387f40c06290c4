#pragma once
// Test-only helpers: build DNS messages from text without any DNS library.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns_wire/wire.h"

namespace mcns::frontend::forward::testing {

using Bytes = std::vector<std::uint8_t>;

// The wire vocabulary is common/dns_wire's; these adapt it to Bytes.
inline void put16(Bytes& b, std::uint16_t v) { dns_wire::append_u16(b, v); }
inline void put32(Bytes& b, std::uint32_t v) { dns_wire::append_u32(b, v); }
inline std::uint16_t get16(const Bytes& b, std::size_t pos) { return dns_wire::load_u16(b.data() + pos); }
inline std::uint32_t get32(const Bytes& b, std::size_t pos) { return dns_wire::load_u32(b.data() + pos); }

// "www.Example.com" -> 3www7Example3com0 (case kept).
inline Bytes name_wire(std::string_view name) {
  Bytes out;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  while (!name.empty()) {
    auto dot = name.find('.');
    auto label = name.substr(0, dot);
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  out.push_back(0);
  return out;
}

struct QueryOptions {
  std::uint16_t id = 0x1234;
  bool rd = true;
  bool edns = false;
  bool do_bit = false;
  std::uint16_t payload = 1232;
};

inline Bytes make_query(std::string_view name, std::uint16_t qtype, QueryOptions o = {}) {
  Bytes b;
  put16(b, o.id);
  b.push_back(o.rd ? 0x01 : 0x00);
  b.push_back(0);
  put16(b, 1);
  put16(b, 0);
  put16(b, 0);
  put16(b, o.edns ? 1 : 0);
  Bytes n = name_wire(name);
  b.insert(b.end(), n.begin(), n.end());
  put16(b, qtype);
  put16(b, 1);
  if (o.edns) {
    b.push_back(0);
    put16(b, 41);
    put16(b, o.payload);
    b.push_back(0);
    b.push_back(0);
    b.push_back(o.do_bit ? 0x80 : 0);
    b.push_back(0);
    put16(b, 0);
  }
  return b;
}

struct Rr {
  int section = 0;  // 0 answer, 1 authority, 2 additional
  std::uint16_t type = 1;
  std::uint32_t ttl = 300;
  Bytes rdata;
  bool owner_is_question = true;  // owner written as a pointer to the question name
  std::string owner;              // used when !owner_is_question
};

inline Bytes a_rdata(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) { return {a, b, c, d}; }
inline Bytes soa_rdata(std::uint32_t minimum) {
  Bytes r = name_wire("ns.example.");
  Bytes m = name_wire("admin.example.");
  r.insert(r.end(), m.begin(), m.end());
  put32(r, 2024010101);
  put32(r, 3600);
  put32(r, 600);
  put32(r, 86400);
  put32(r, minimum);
  return r;
}

// An answer to `query` (its ID and question copied), with `records` and an OPT record
// last when `opt`.
inline Bytes make_answer(const Bytes& query, std::uint8_t rcode, const std::vector<Rr>& records, bool opt = true,
                         bool tc = false) {
  Bytes b;
  put16(b, get16(query, 0));
  b.push_back(static_cast<std::uint8_t>(0x80 | (query[2] & 0x01) | (tc ? 0x02 : 0)));
  b.push_back(static_cast<std::uint8_t>(0x80 | (rcode & 0x0f)));
  std::uint16_t counts[3] = {0, 0, 0};
  for (const auto& r : records) ++counts[r.section];
  put16(b, 1);
  put16(b, counts[0]);
  put16(b, counts[1]);
  put16(b, static_cast<std::uint16_t>(counts[2] + (opt ? 1 : 0)));
  // Question: copied from the query.
  std::size_t pos = 12;
  while (query[pos] != 0) pos += 1 + query[pos];
  b.insert(b.end(), query.begin() + 12, query.begin() + static_cast<std::ptrdiff_t>(pos + 5));
  for (int section = 0; section < 3; ++section) {
    for (const auto& r : records) {
      if (r.section != section) continue;
      if (r.owner_is_question) {
        b.push_back(0xC0);
        b.push_back(12);
      } else {
        Bytes n = name_wire(r.owner);
        b.insert(b.end(), n.begin(), n.end());
      }
      put16(b, r.type);
      put16(b, 1);
      put32(b, r.ttl);
      put16(b, static_cast<std::uint16_t>(r.rdata.size()));
      b.insert(b.end(), r.rdata.begin(), r.rdata.end());
    }
  }
  if (opt) {
    b.push_back(0);
    put16(b, 41);
    put16(b, 1232);
    put32(b, 0);
    put16(b, 0);
  }
  return b;
}

// Offsets of the TTL fields of every non-OPT record of a message.
inline std::vector<std::uint32_t> ttls_of(const Bytes& m) {
  std::vector<std::uint32_t> out;
  std::size_t pos = 12;
  auto skip = [&](std::size_t p) {
    while (true) {
      if ((m[p] & 0xC0) == 0xC0) return p + 2;
      if (m[p] == 0) return p + 1;
      p += 1 + m[p];
    }
  };
  pos = skip(pos) + 4;
  std::size_t total = std::size_t{get16(m, 6)} + get16(m, 8) + get16(m, 10);
  for (std::size_t i = 0; i < total; ++i) {
    pos = skip(pos);
    std::uint16_t type = get16(m, pos);
    if (type != 41) out.push_back(get32(m, pos + 4));
    pos += 10 + get16(m, pos + 8);
  }
  return out;
}

}  // namespace mcns::frontend::forward::testing
