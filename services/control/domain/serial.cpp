#include "services/control/domain/serial.h"

#include <algorithm>

namespace mcns::control::domain {

std::uint32_t next_serial(std::uint32_t current, std::uint32_t yyyymmdd) {
  const std::uint64_t today01 = first_serial(yyyymmdd);
  const std::uint64_t candidate = std::max<std::uint64_t>(std::uint64_t{current} + 1, today01);
  if (candidate > UINT32_MAX) return static_cast<std::uint32_t>(today01);
  return static_cast<std::uint32_t>(candidate);
}

bool serial_after(std::uint32_t a, std::uint32_t b) {
  if (a == b) return false;
  const std::uint32_t half = 1u << 31;
  return (a > b && a - b < half) || (a < b && b - a > half);
}

}  // namespace mcns::control::domain
