#pragma once
// The change log's hash chain (migration 3): what tells two histories apart when they
// number their changes alike (a restored backup, a new database on the same address).
#include <bit>
#include <cstdint>
#include <string_view>

namespace mcns::control::store {

// The chain value of `version` whose serialised change is `payload`, following `prev`
// (the chain of version - 1, or the genesis). The first 64 bits of
// SHA-256(prev || version || payload), both numbers big-endian.
std::uint64_t next_chain(std::uint64_t prev, std::uint64_t version, std::string_view payload);

// A random 64-bit genesis, drawn once when a database gets its chain.
std::uint64_t random_genesis();

// SQLite integers are signed: chain values are stored bit for bit.
constexpr std::int64_t to_sql(std::uint64_t v) noexcept { return std::bit_cast<std::int64_t>(v); }
constexpr std::uint64_t from_sql(std::int64_t v) noexcept { return std::bit_cast<std::uint64_t>(v); }

}  // namespace mcns::control::store
