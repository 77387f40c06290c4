#pragma once
// Small text helpers of the web UI: HTML escaping (everything user-controlled passes
// through escape()), percent-decoding and -encoding, form bodies and cookies. No
// templates library: pages are built with str_cat and these functions.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mcns::control::web {

// Escapes & < > " ' for HTML text and double- or single-quoted attribute values.
std::string escape(std::string_view text);

// Percent-decoding; `plus_is_space` for form and query strings. nullopt on a broken
// escape.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space);
// Percent-encodes everything but unreserved characters (RFC 3986), for a path segment
// or a query value.
std::string url_encode(std::string_view text);

// An application/x-www-form-urlencoded body or a query string. A malformed pair is
// skipped (its field then reads as absent).
class FormData {
 public:
  static FormData parse(std::string_view text);
  // The first value of `name`; empty when absent.
  std::string get(std::string_view name) const;
  bool has(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"); nullopt when absent.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// Compares secrets without an early exit on the first differing byte.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace mcns::control::web
