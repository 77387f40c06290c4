#pragma once
// A raw UDP query and the first answer record's RDATA as it came on the wire, for the
// checks kdig cannot make (was a name in RDATA compressed?).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mcns::test::types {

struct WireAnswer {
  std::uint16_t type = 0;
  std::vector<std::uint8_t> rdata;  // as sent: may hold compression pointers
  int additional = 0;               // ARCOUNT (EDNS OPT not sent, so not counted)
};

// Asks 127.0.0.1:port for (fqdn, type) without EDNS; nullopt without a reply or answer.
std::optional<WireAnswer> first_answer(std::uint16_t port, const std::string& fqdn, std::uint16_t type);

// True when the name starting at rdata[pos] ends in a compression pointer.
bool name_is_compressed(const std::vector<std::uint8_t>& rdata, std::size_t pos);

}  // namespace mcns::test::types
