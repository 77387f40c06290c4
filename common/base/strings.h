#pragma once
// Small string helpers on std::string_view (see status.h for why not Abseil's).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace mcns {

namespace strings_internal {
inline void append_one(std::string& out, std::string_view s) { out.append(s); }
inline void append_one(std::string& out, const char* s) { out.append(s); }
inline void append_one(std::string& out, const std::string& s) { out.append(s); }
inline void append_one(std::string& out, char c) { out.push_back(c); }
inline void append_one(std::string& out, bool b) { out.append(b ? "true" : "false"); }
void append_double(std::string& out, double v);
template <typename T>
  requires std::is_integral_v<T>
void append_one(std::string& out, T v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}
template <typename T>
  requires std::is_floating_point_v<T>
void append_one(std::string& out, T v) {
  append_double(out, static_cast<double>(v));
}
}  // namespace strings_internal

// str_cat("zone ", name, " has ", 3, " records")
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::string out;
  (strings_internal::append_one(out, args), ...);
  return out;
}

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string_view trim(std::string_view s) noexcept;
// Splits on `sep`, keeping empty parts ("a,,b" -> {"a","","b"}).
std::vector<std::string_view> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// Whole-string decimal parse; nullopt on any junk, sign where unsigned, or overflow.
template <typename T>
std::optional<T> parse_int(std::string_view s) noexcept {
  T v{};
  if (s.empty()) return std::nullopt;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// Hex of bytes, lower case.
std::string to_hex(std::string_view bytes);

}  // namespace mcns
