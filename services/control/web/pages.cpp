#include "services/control/web/pages.h"

#include <algorithm>
#include <cstdio>

#include "common/base/strings.h"
#include "common/dns/rr_type.h"
#include "services/control/web/html.h"

namespace mcns::control::web {

namespace {

// htmx settings (read from this meta tag by htmx itself; no inline script):
// - includeIndicatorStyles false: htmx would otherwise inject an inline <style>, which the
//   Content-Security-Policy blocks (a console error on every page);
// - 4xx/5xx answers are swapped like 2xx ones ("error": false also keeps htmx from
//   logging them as errors): a 409 carries the form with the error at the field;
// - no eval (hx-on / js: values), no <script> in swapped content, same-origin only.
constexpr std::string_view kHtmxConfig =
    R"({"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,)"
    R"("selfRequestsOnly":true,"historyCacheSize":0,"refreshOnHistoryMiss":true,)"
    R"("responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},)"
    R"({"code":"[45]..","swap":true,"error":false},{"code":"...","swap":false}]})";

struct TypeHint {
  std::string_view type, hint, example;
};
constexpr TypeHint kHints[] = {
    {"A", "An IPv4 address.", "192.0.2.10"},
    {"AAAA", "An IPv6 address.", "2001:db8::10"},
    {"CNAME", "The canonical name this name points to. A CNAME cannot share its name with other records.",
     "www.example.com."},
    {"NS", "A name server's host name.", "ns1.example.com."},
    {"PTR", "The host name this address points to.", "host.example.com."},
    {"MX", "Preference, then the mail server's host name.", "10 mail.example.com."},
    {"TXT", "Text. Quotes are optional for a single string.", "v=spf1 -all"},
    {"SRV", "Priority, weight, port, then the target host.", "10 5 443 svc.example.com."},
    {"CAA", "Flags, tag, then the value in quotes.", "0 issue \"letsencrypt.org\""},
};

const TypeHint* hint_for(std::string_view type) {
  for (const auto& h : kHints)
    if (iequals(h.type, type)) return &h;
  return nullptr;
}

std::string csrf_input(std::string_view csrf) {
  return str_cat(R"(<input type="hidden" name="csrf" value=")", escape(csrf), R"(">)");
}

std::string zone_path(std::string_view zone) { return str_cat("/zones/", url_encode(zone)); }

std::string banner(const FieldError& error, std::string_view notice) {
  std::string out;
  if (!notice.empty()) out += str_cat(R"(<p class="banner ok" role="status">)", escape(notice), "</p>");
  if (!error.message.empty() && error.field.empty())
    out += str_cat(R"(<p class="banner error" role="alert">)", escape(error.message), "</p>");
  return out;
}

// aria-invalid and aria-describedby for an input whose error may be shown.
std::string invalid_attrs(const FieldError& error, std::string_view field, std::string_view error_id,
                          std::string_view extra_described_by = {}) {
  std::string described(extra_described_by);
  if (error.at(field)) {
    if (!described.empty()) described += ' ';
    described += error_id;
  }
  std::string out;
  if (!described.empty()) out += str_cat(R"( aria-describedby=")", escape(described), '"');
  if (error.at(field)) out += R"( aria-invalid="true")";
  return out;
}

std::string error_at(const FieldError& error, std::string_view field, std::string_view error_id) {
  if (!error.at(field)) return {};
  return str_cat(R"(<small class="error" id=")", escape(error_id), R"(" role="alert">)", escape(error.message),
                 "</small>");
}

std::string type_options(std::string_view selected) {
  std::string out;
  bool found = false;
  for (const auto& t : dns::all_types()) {
    if (!t.api_allowed) continue;
    bool sel = iequals(t.mnemonic, selected);
    found = found || sel;
    out += str_cat("<option", sel ? " selected" : "", ">", escape(t.mnemonic), "</option>");
  }
  // An unknown type typed by hand (the domain rejects it) stays visible with its error.
  if (!found && !selected.empty())
    out += str_cat("<option selected>", escape(selected), "</option>");
  return out;
}

std::string type_select(std::string_view zone, std::string_view id, std::string_view slot, std::string_view form_id,
                        const RecordForm& form, std::string_view label_attr) {
  return str_cat(R"(<select id=")", id, R"(" name="type")", form_id.empty() ? "" : str_cat(R"( form=")", form_id, '"'),
                 label_attr, R"( hx-get=")", zone_path(zone), R"(/hint" hx-trigger="change" hx-target="#hint-)",
                 slot, R"(" hx-swap="outerHTML" hx-vals='{"slot":")", slot, R"("}')",
                 invalid_attrs(form.error, "type", str_cat(id, "-error")), ">", type_options(form.type),
                 "</select>", error_at(form.error, "type", str_cat(id, "-error")));
}

std::string placeholder_for(std::string_view type) {
  const TypeHint* h = hint_for(type);
  return h ? escape(h->example) : std::string();
}

}  // namespace

std::string format_time(domain::Timestamp t) {
  if (t.time_since_epoch().count() == 0) return "-";
  auto days = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{t - days};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld:%02ld UTC", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

std::string document(std::string_view title, const Chrome* chrome, std::string_view main_html) {
  std::string out = str_cat(
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"htmx-config\" content=\"", escape(kHtmxConfig), "\">\n<title>", escape(title),
      " · MCNS</title>\n"
      "<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">\n"
      "<link rel=\"stylesheet\" href=\"/assets/app.css\">\n"
      "<script src=\"/assets/htmx.min.js\" defer></script>\n</head>\n<body>\n"
      "<a class=\"skip\" href=\"#main\">Skip to content</a>\n<header class=\"top\">\n"
      "<span class=\"brand\">MCNS</span>\n");
  if (chrome) {
    auto link = [&](std::string_view href, std::string_view label, std::string_view key) {
      return str_cat("<a href=\"", href, "\"", chrome->active == key ? " aria-current=\"page\"" : "", ">", label,
                     "</a>");
    };
    out += str_cat("<nav aria-label=\"Main\">", link("/", "Zones", "zones"), link("/frontends", "Frontends", "frontends"),
                   "</nav>\n<form method=\"post\" action=\"/logout\">", csrf_input(chrome->csrf),
                   "<span class=\"muted\">", escape(chrome->username), "</span> "
                   "<button type=\"submit\">Sign out</button></form>\n");
  }
  out += str_cat("</header>\n<main id=\"main\">\n", main_html, "\n</main>\n</body>\n</html>\n");
  return out;
}

std::string login_main(const LoginView& view) {
  std::string out = R"(<section class="login"><h1>Sign in</h1>)";
  if (!view.notice.empty()) out += str_cat(R"(<p class="banner ok" role="status">)", escape(view.notice), "</p>");
  if (!view.error.empty()) out += str_cat(R"(<p class="banner error" role="alert" id="login-error">)", escape(view.error), "</p>");
  out += str_cat(R"(<form method="post" action="/login">)", csrf_input(view.csrf));
  if (view.token_mode) {
    out += R"(<div class="field"><label for="token">Token</label>)"
           R"(<input id="token" name="token" type="password" autocomplete="off" required autofocus class="wide">)"
           R"(<small class="hint">This control uses local tokens ([auth] mode = "local").</small></div>)";
  } else {
    out += str_cat(R"(<div class="field"><label for="username">Username</label>)"
                   R"(<input id="username" name="username" autocomplete="username" required autofocus value=")",
                   escape(view.username), R"(" class="wide"></div>)"
                   R"(<div class="field"><label for="password">Password</label>)"
                   R"(<input id="password" name="password" type="password" autocomplete="current-password" required class="wide"></div>)"
                   R"(<div class="field"><label for="totp">One-time code (if your account has one)</label>)"
                   R"(<input id="totp" name="totp_code" inputmode="numeric" autocomplete="one-time-code" class="wide"></div>)");
  }
  out += R"(<button class="primary" type="submit">Sign in</button></form></section>)";
  return out;
}

std::string zones_main(const ZonesView& view, std::string_view csrf) {
  std::string out = str_cat("<h1>Zones</h1>", banner(view.error, {}));
  out += R"(<div class="table-wrap"><table id="zones"><thead><tr><th scope="col">Zone</th>)"
         R"(<th scope="col">Serial</th><th scope="col">Records</th><th scope="col">Last change</th></tr></thead><tbody>)";
  for (const auto& row : view.zones) {
    out += str_cat(R"(<tr><td><a href=")", zone_path(row.zone.name), R"(">)", escape(row.zone.name), "</a></td><td>",
                   row.zone.serial, "</td><td>", row.records ? std::to_string(*row.records) : std::string("?"),
                   "</td><td>", format_time(row.zone.updated_at), "</td></tr>");
  }
  if (view.zones.empty()) out += R"(<tr><td colspan="4" class="muted">No zones yet.</td></tr>)";
  out += "</tbody></table></div>";
  if (view.can_create) {
    out += str_cat(R"(<h2>Create a zone</h2><form id="create-zone" method="post" action="/zones">)", csrf_input(csrf),
                   R"(<div class="fields"><div class="field"><label for="zone-name">Zone name</label>)"
                   R"(<input id="zone-name" name="name" required placeholder="example.org" class="wide" value=")",
                   escape(view.name), '"', invalid_attrs(view.error, "name", "zone-name-error", "zone-name-hint"),
                   R"(><small class="hint" id="zone-name-hint">SOA fields get the defaults; change them through the API.</small>)",
                   error_at(view.error, "name", "zone-name-error"),
                   R"(</div><div class="field"><span class="hint">&nbsp;</span><button class="primary" type="submit">Create zone</button></div></div></form>)");
  }
  return out;
}

std::string value_hint(std::string_view type, std::string_view slot) {
  const TypeHint* h = hint_for(type);
  std::string text = h ? str_cat(h->hint, " Example: ", h->example)
                       : std::string("The value as written in a zone file.");
  return str_cat(R"(<small class="hint" id="hint-)", escape(slot), R"(" aria-live="polite">)", escape(text),
                 "</small>");
}

std::string record_row(std::string_view zone, const RecordRow& row, std::string_view csrf) {
  const auto& r = row.record;
  std::string path = str_cat(zone_path(zone), "/records/", r.id);
  std::string out = str_cat(R"(<tr id="rec-)", r.id, R"("><td>)", escape(r.name), "</td><td>", r.ttl, "</td><td>",
                            escape(r.type), R"(</td><td class="value">)", escape(r.value), R"(</td><td class="actions">)");
  if (row.can_edit) {
    std::string what = escape(str_cat(r.name, " ", r.type, " ", r.value));
    out += str_cat(R"(<a href=")", path, R"(/edit" hx-get=")", path, R"(/edit" hx-target="#rec-)", r.id,
                   R"(" hx-swap="outerHTML" aria-label="Edit )", what, R"(">Edit</a> )",
                   R"(<form method="post" action=")", path, R"(/delete" hx-post=")", path,
                   R"(/delete" hx-target="#zone" hx-swap="outerHTML">)", csrf_input(csrf),
                   R"(<button type="submit" class="danger" aria-label="Delete )", what, R"(">Delete</button></form>)");
  }
  out += "</td></tr>";
  return out;
}

std::string edit_row(std::string_view zone, std::int64_t id, const RecordForm& form, std::string_view csrf) {
  std::string path = str_cat(zone_path(zone), "/records/", id);
  std::string fid = str_cat("edit-", id);
  std::string slot = str_cat("e", id);
  auto input = [&](std::string_view field, std::string_view label, std::string_view value, std::string_view cls,
                   std::string_view extra) {
    std::string eid = str_cat(fid, "-", field);
    return str_cat(R"(<input form=")", fid, R"(" id=")", eid, R"(" name=")", field, R"(" value=")", escape(value),
                   R"(" aria-label=")", label, R"(" class=")", cls, '"', extra,
                   invalid_attrs(form.error, field, str_cat(eid, "-error"),
                                 field == "value" ? str_cat("hint-", slot) : std::string()),
                   ">", error_at(form.error, field, str_cat(eid, "-error")));
  };
  std::string out = str_cat(R"(<tr id="rec-)", id, R"(" class="editing"><td>)",
                            input("name", "Name", form.name, "", " required autofocus"), "</td><td>",
                            input("ttl", "TTL", form.ttl, "ttl", R"( inputmode="numeric")"), "</td><td>",
                            type_select(zone, str_cat(fid, "-type"), slot, fid, form, R"( aria-label="Type")"),
                            "</td><td>",
                            input("value", "Value", form.value, "wide", str_cat(R"( required placeholder=")",
                                                                                 placeholder_for(form.type), '"')),
                            value_hint(form.type, slot), "</td><td class=\"actions\">");
  if (!form.error.message.empty() && form.error.field.empty())
    out += str_cat(R"(<small class="error" role="alert" id=")", fid, R"(-error">)", escape(form.error.message), "</small>");
  out += str_cat(R"(<form id=")", fid, R"(" method="post" action=")", path, R"(" hx-post=")", path,
                 R"(" hx-target="#zone" hx-swap="outerHTML">)", csrf_input(csrf),
                 R"(<button type="submit" class="primary">Save</button></form> <a href=")", zone_path(zone), "#rec-", id,
                 R"(" hx-get=")", path, R"(" hx-target="#rec-)", id, R"(" hx-swap="outerHTML">Cancel</a></td></tr>)");
  return out;
}

std::string zone_section(const ZoneView& view, std::string_view csrf) {
  const auto& z = view.zone;
  std::string zp = zone_path(z.name);
  std::string out = str_cat(R"(<section id="zone" aria-labelledby="zone-title"><h1 id="zone-title">)", escape(z.name),
                            R"(</h1><p class="muted">Serial <strong id="serial">)", z.serial, "</strong> · ",
                            view.rows.size(), " records · last change ", format_time(z.updated_at),
                            R"( · <a href=")", zp, R"(/history">History</a></p>)", banner(view.error, view.notice));
  if (view.can_add) {
    const RecordForm& f = view.add;
    auto field = [&](std::string_view name, std::string_view label, std::string_view value, std::string_view attrs,
                     std::string_view hint_id, std::string_view after) {
      std::string id = str_cat("add-", name);
      return str_cat(R"(<div class="field"><label for=")", id, R"(">)", label, R"(</label><input id=")", id,
                     R"(" name=")", name, R"(" value=")", escape(value), '"', attrs,
                     invalid_attrs(f.error, name, str_cat(id, "-error"), hint_id), ">", after,
                     error_at(f.error, name, str_cat(id, "-error")), "</div>");
    };
    out += str_cat(R"(<h2>Add a record</h2><form id="add-form" method="post" action=")", zp, R"(/records" hx-post=")",
                   zp, R"(/records" hx-target="#zone" hx-swap="outerHTML">)", csrf_input(csrf),
                   R"(<div class="fields">)",
                   field("name", "Name", f.name, R"( required autocomplete="off")", "add-name-hint",
                         R"(<small class="hint" id="add-name-hint">Relative to the zone; @ is the apex.</small>)"),
                   R"(<div class="field"><label for="add-type">Type</label>)",
                   type_select(z.name, "add-type", "add", {}, f, {}), "</div>",
                   field("value", "Value", f.value,
                         str_cat(R"( required autocomplete="off" class="wide" placeholder=")", placeholder_for(f.type), '"'),
                         "hint-add", value_hint(f.type, "add")),
                   field("ttl", "TTL", f.ttl, R"( inputmode="numeric" class="ttl")", {}, {}),
                   R"(<div class="field"><span class="hint">&nbsp;</span><button class="primary" type="submit" id="add-submit">Add record</button></div>)",
                   "</div>");
    if (!f.error.message.empty() && f.error.field.empty())
      out += str_cat(R"(<p class="error" role="alert" id="add-error">)", escape(f.error.message), "</p>");
    out += "</form>";
  }
  out += R"(<h2>Records</h2><div class="table-wrap"><table id="records"><thead><tr><th scope="col">Name</th>)"
         R"(<th scope="col">TTL</th><th scope="col">Type</th><th scope="col">Value</th><th scope="col">)";
  bool any_edit = std::any_of(view.rows.begin(), view.rows.end(), [](const RecordRow& r) { return r.can_edit; });
  out += any_edit ? "Actions" : R"(<span class="sr-only">Actions</span>)";
  out += "</th></tr></thead><tbody>";
  for (const auto& row : view.rows) {
    if (row.record.id == view.editing)
      out += edit_row(z.name, row.record.id, view.edit, csrf);
    else
      out += record_row(z.name, row, csrf);
  }
  if (view.rows.empty()) out += R"(<tr><td colspan="5" class="muted">No records.</td></tr>)";
  out += "</tbody></table></div>";
  out += R"(<details><summary>Value formats</summary><dl>)";
  for (const auto& h : kHints)
    out += str_cat("<dt>", h.type, "</dt><dd>", escape(h.hint), " Example: <code>", escape(h.example), "</code></dd>");
  out += "</dl></details></section>";
  return out;
}

std::string history_main(const HistoryView& view, std::string_view csrf) {
  std::string zp = zone_path(view.zone.name);
  std::string out = str_cat(R"(<h1>History of )", escape(view.zone.name), R"(</h1><p><a href=")", zp,
                            R"(">Back to the records</a> · current serial <strong id="serial">)", view.zone.serial,
                            "</strong></p>", banner(view.error, view.notice));
  if (!view.available) {
    out += R"(<p class="banner error" role="status" id="history-unavailable">History unavailable: this control )"
           R"(does not provide the change history yet. Records and zones can still be changed.</p>)";
    return out;
  }
  if (view.changes.empty()) return out + R"(<p class="muted">No recorded changes.</p>)";
  out += R"(<div class="table-wrap"><table id="history"><thead><tr><th scope="col">Serial</th>)"
         R"(<th scope="col">Time</th><th scope="col">Who</th><th scope="col">Changes</th>)";
  if (view.can_rollback) out += R"(<th scope="col">Rollback</th>)";
  out += "</tr></thead><tbody>";
  // Every change carries the zone's SOA (its serial moved); the SOA line is shown only
  // where the SOA fields themselves changed (or the zone was created or deleted).
  std::vector<bool> soa_changed(view.changes.size(), false);
  {
    const domain::Zone* last = nullptr;
    for (std::size_t i = 0; i < view.changes.size(); ++i) {
      for (const auto& op : view.changes[i].ops) {
        if (op.op != "zone") continue;
        const domain::Zone& z = op.zone;
        soa_changed[i] = soa_changed[i] || op.zone_deleted || !last || z.primary_ns != last->primary_ns ||
                         z.admin_email != last->admin_email || z.refresh != last->refresh || z.retry != last->retry ||
                         z.expire != last->expire || z.minimum_ttl != last->minimum_ttl;
        last = op.zone_deleted ? nullptr : &z;
      }
    }
  }
  // Newest first: the question is usually "what just changed?".
  for (auto it = view.changes.rbegin(); it != view.changes.rend(); ++it) {
    const domain::Change& c = *it;
    const bool show_soa = soa_changed[static_cast<std::size_t>(view.changes.rend() - it - 1)];
    out += str_cat(R"(<tr id="change-)", c.version, R"("><td>)", c.serial, R"(<br><small class="muted">version )",
                   c.version, "</small></td><td>", format_time(c.time), "</td><td>", escape(c.user),
                   R"(<br><span class="badge">)", escape(c.via), R"(</span></td><td><ul class="diff">)");
    for (const auto& op : c.ops) {
      if (op.op == "zone") {
        if (!show_soa) continue;
        out += str_cat(R"(<li class="zone">)",
                       op.zone_deleted ? std::string("zone deleted")
                                       : str_cat("SOA ", escape(op.zone.primary_ns), " ", escape(op.zone.admin_email),
                                                 " refresh ", op.zone.refresh, " retry ", op.zone.retry, " expire ",
                                                 op.zone.expire, " minimum ", op.zone.minimum_ttl),
                       "</li>");
      } else {
        bool add = op.op == "add";
        out += str_cat(R"(<li class=")", add ? "add" : "remove", R"("><span aria-hidden="true">)", add ? "+ " : "− ",
                       R"(</span><span class="sr-only">)", add ? "added " : "removed ", "</span>",
                       escape(op.record.name), " ", op.record.ttl, " ", escape(op.record.type), " ",
                       escape(op.record.value), "</li>");
      }
    }
    out += "</ul></td>";
    if (view.can_rollback) {
      out += "<td>";
      if (it == view.changes.rbegin()) {
        out += R"(<span class="muted">current</span>)";
      } else {
        out += str_cat(R"(<form method="post" action=")", zp, R"(/rollback">)", csrf_input(csrf),
                       R"(<input type="hidden" name="to_serial" value=")", c.serial,
                       R"("><button type="submit" class="danger">Roll back to )", c.serial, "</button></form>");
      }
      out += "</td>";
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  return out;
}

std::string frontends_main(const FrontendsView& view) {
  std::string out = "<h1>Frontends</h1>";
  if (!view.available) return out + R"(<p class="muted">This control keeps no list of frontends.</p>)";
  out += str_cat(R"(<p class="muted">Latest change version of this control: <strong id="latest">)", view.latest,
                 "</strong></p>");
  // What matters first on a narrow screen: version, lag, state; the peer after them.
  out += R"(<div class="table-wrap"><table id="frontends"><thead><tr><th scope="col">Name</th>)"
         R"(<th scope="col">Version</th><th scope="col">Lag</th><th scope="col">State</th><th scope="col">Peer</th>)"
         R"(<th scope="col">Connected since</th><th scope="col">Last report</th></tr></thead><tbody>)";
  for (const auto& f : view.frontends) {
    char lag[64];
    std::snprintf(lag, sizeof lag, "%.1f s", f.lag_seconds);
    out += str_cat("<tr><td>", escape(f.name), "</td><td>",
                   f.reports ? std::to_string(f.version) : std::string("not reported"), "</td><td>",
                   f.reports ? str_cat(f.lag_versions, " versions, ", lag) : std::string("-"), "</td><td>",
                   f.connected ? R"(<span class="badge">connected</span>)" : R"(<span class="badge bad">disconnected</span>)",
                   "</td><td>", escape(f.peer), "</td><td>", escape(f.connected_since), "</td><td>",
                   f.last_report.empty() ? std::string("never") : escape(f.last_report), "</td></tr>");
  }
  if (view.frontends.empty()) out += R"(<tr><td colspan="7" class="muted">No frontend is following this control.</td></tr>)";
  out += "</tbody></table></div>";
  return out;
}

std::string message_main(std::string_view heading, std::string_view message) {
  return str_cat("<h1>", escape(heading), R"(</h1><p class="banner error" role="alert">)", escape(message),
                 R"(</p><p><a href="/">Back to the zones</a></p>)");
}

}  // namespace mcns::control::web
