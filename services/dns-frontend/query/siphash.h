#pragma once
// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed
// 64-bit hash, for RFC 9018 server cookies and the RRL table index. No allocation.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace mcns::frontend {

using SipKey = std::array<std::uint8_t, 16>;

// The 64-bit result; its little-endian octets are the 8-byte output of the paper.
std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data) noexcept;

}  // namespace mcns::frontend
