#pragma once
#include <string_view>

namespace mcns {
// `git describe --always --dirty --tags` of the source tree at build time.
std::string_view version() noexcept;
}  // namespace mcns
