#pragma once
// One line per event on stderr: `2026-11-29T09:10:34.123Z info  message key=value`.
// Thread-safe (each line is one write). Never pass a secret (tokens, passwords) here.
#include <string_view>

#include "common/base/strings.h"

namespace mcns::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug" | "info" | "warn" | "error"; false on anything else.
bool parse_level(std::string_view text, Level& out) noexcept;
void set_level(Level level) noexcept;
Level level() noexcept;
bool enabled(Level level) noexcept;
void write(Level level, std::string_view message) noexcept;

template <typename... Args>
void debug(const Args&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, str_cat(args...));
}
template <typename... Args>
void info(const Args&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, str_cat(args...));
}
template <typename... Args>
void warn(const Args&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, str_cat(args...));
}
template <typename... Args>
void error(const Args&... args) {
  if (enabled(Level::kError)) write(Level::kError, str_cat(args...));
}

}  // namespace mcns::log
