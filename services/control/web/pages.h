#pragma once
// The web UI's HTML, built as strings (no template engine). Every function here escapes
// what it is given; callers pass raw values. Pages work without JavaScript (every form
// has an action and a method); htmx attributes only make the same requests in place.
//
// Fragments that htmx swaps carry the id they replace: the zone's section (#zone), a
// record's table row (#rec-ID) and a value hint (#hint-SLOT).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "services/control/domain/model.h"

namespace mcns::control::web {

// What every signed-in page shows around its content.
struct Chrome {
  std::string username;
  std::string csrf;
  std::string active;  // "zones" | "frontends" | ""
};

// A complete HTML document. `chrome` null: the signed-out layout (login page).
std::string document(std::string_view title, const Chrome* chrome, std::string_view main_html);

struct LoginView {
  std::string csrf;
  bool token_mode = false;  // local-token mode: one token field instead of username/password
  std::string username;
  std::string error;
  std::string notice;
};
std::string login_main(const LoginView& view);

// A form's error, placed at one of its fields ("name", "type", "value", "ttl", ...) or,
// with an empty field, above the form.
struct FieldError {
  std::string field;
  std::string message;
  bool at(std::string_view f) const { return !message.empty() && field == f; }
};

struct ZoneRow {
  domain::Zone zone;
  std::optional<std::size_t> records;  // none: could not be counted
};
struct ZonesView {
  std::vector<ZoneRow> zones;
  bool can_create = false;
  std::string name;  // the create form's value after a failed attempt
  FieldError error;
};
std::string zones_main(const ZonesView& view, std::string_view csrf);

struct RecordForm {
  std::string name;
  std::string type = "A";
  std::string value;
  std::string ttl = "300";
  FieldError error;
};

struct RecordRow {
  domain::Record record;
  bool can_edit = false;  // shows Edit and Delete (the domain still decides on POST)
};

struct ZoneView {
  domain::Zone zone;
  std::vector<RecordRow> rows;
  bool can_add = false;           // shows the add form
  std::int64_t editing = 0;       // the record shown as an edit row (0: none)
  RecordForm edit;                // its values and error
  RecordForm add;                 // the add form's values and error
  std::string notice;             // a fixed confirmation text ("Record added.")
  FieldError error;               // a failure not tied to a form (field empty)
};
// <section id="zone">: header (serial, counts), messages, add form, records table.
std::string zone_section(const ZoneView& view, std::string_view csrf);
std::string record_row(std::string_view zone, const RecordRow& row, std::string_view csrf);
std::string edit_row(std::string_view zone, std::int64_t id, const RecordForm& form, std::string_view csrf);
// <small id="hint-SLOT">: how a value of `type` is written. `slot` must be [a-z0-9]+.
std::string value_hint(std::string_view type, std::string_view slot);

struct HistoryView {
  domain::Zone zone;
  bool available = true;  // false: the server does not provide history (yet)
  std::vector<domain::Change> changes;  // oldest first, as the domain returns them
  bool can_rollback = false;
  std::string notice;
  FieldError error;
};
std::string history_main(const HistoryView& view, std::string_view csrf);

struct FrontendRow {
  std::string name, peer;
  std::uint64_t version = 0, lag_versions = 0;
  double lag_seconds = 0;
  bool connected = false, reports = false;
  std::string connected_since, last_report;  // RFC 3339; last_report empty: never
};
struct FrontendsView {
  bool available = true;  // false: this control keeps no fleet registry
  std::uint64_t latest = 0;
  std::vector<FrontendRow> frontends;
};
std::string frontends_main(const FrontendsView& view);

// A short page body for errors (403, 404, 503, ...).
std::string message_main(std::string_view heading, std::string_view message);

// "2026-11-30 20:12:28 UTC".
std::string format_time(domain::Timestamp t);

}  // namespace mcns::control::web
