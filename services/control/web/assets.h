#pragma once
// The web UI's static assets, embedded at build time (embed_assets.cmake): the vendored
// htmx (assets/htmx-2.0.4.min.js, SHA-256 checked by the build) and the style sheet.
// No file is read at run time and nothing is fetched from a CDN.
#include <string_view>

namespace mcns::control::web {

std::string_view htmx_js() noexcept;
std::string_view htmx_etag() noexcept;      // "\"<first 16 hex of its SHA-256>\""
std::string_view htmx_sha256() noexcept;    // the full pinned SHA-256, hex
std::string_view app_css() noexcept;
std::string_view app_css_etag() noexcept;

}  // namespace mcns::control::web
