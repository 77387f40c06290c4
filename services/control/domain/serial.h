#pragma once
// SOA serials in YYYYMMDDNN form (SPEC section 5), as pure functions of the current serial
// and today's UTC date, so the rule is tested without a clock.
#include <cstdint>

namespace mcns::control::domain {

// The first serial of a day: 20261129 -> 2026112901.
constexpr std::uint32_t first_serial(std::uint32_t yyyymmdd) { return yyyymmdd * 100 + 1; }

// The serial after `current` on `yyyymmdd`:
//   same day (2026112905)            -> 2026112906
//   an earlier day (2026112805)      -> 2026112901 (today01)
//   NN = 99 (2026112999)             -> 2026113000 (plain increment: never backwards)
//   ahead of today (2030010100)      -> 2030010101 (plain increment)
// i.e. max(current + 1, today01). At 4294967295 it wraps to today01, which RFC 1982
// serial arithmetic still counts as forward.
std::uint32_t next_serial(std::uint32_t current, std::uint32_t yyyymmdd);

// Whether `a` is after `b` in RFC 1982 serial arithmetic.
bool serial_after(std::uint32_t a, std::uint32_t b);

}  // namespace mcns::control::domain
