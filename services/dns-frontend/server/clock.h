#pragma once
// The two clocks of the query path, both read through the vDSO (no system call).
#include <time.h>

#include <cstdint>

namespace mcns::frontend::server {

// Unix time in seconds: cookie timestamps (RFC 9018) and RRL buckets.
inline std::uint32_t unix_seconds() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<std::uint32_t>(ts.tv_sec);
}

// Monotonic nanoseconds: the request-duration histogram.
inline std::uint64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace mcns::frontend::server
