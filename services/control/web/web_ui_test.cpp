// The web UI against the real domain service over a temporary SQLite file, with a fake
// identity provider: sessions, CSRF, headers, escaping, errors at the field, and that the
// domain (not the UI) refuses a reader. The browser test (tests/integration/webui) drives
// the same pages in Chromium.
#include "services/control/web/web_ui.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "common/base/strings.h"
#include "services/control/auth/sha256.h"
#include "services/control/domain/zone_service_impl.h"
#include "services/control/store/test_support.h"
#include "services/control/web/assets.h"

namespace mcns::control::web {
namespace {

using rest::Request;
using rest::Response;

constexpr const char* kZone = "svc.mcp.metacircular.net";

class FakeIdentity final : public auth::Authenticator {
 public:
  explicit FakeIdentity(std::string mode) : mode_(std::move(mode)) {}
  StatusOr<auth::Principal> authenticate(std::string_view token) override {
    if (token == "tok-alice") return principal("alice", {"admin"});
    if (token == "tok-bob") return principal("bob", {"user"});
    return unauthenticated("invalid or expired token");
  }
  StatusOr<auth::LoginResult> login(const auth::LoginRequest& r) override {
    if (mode_ == "local") return unimplemented("local mode");
    if (r.password != "secret") return unauthenticated("invalid credentials");
    if (r.username == "alice") return auth::LoginResult{"tok-alice", "2099-01-01T00:00:00Z", std::nullopt};
    if (r.username == "bob") return auth::LoginResult{"tok-bob", "2099-01-01T00:00:00Z", std::nullopt};
    return unauthenticated("invalid credentials");
  }
  Status logout(std::string_view token) override {
    logged_out.emplace_back(token);
    return ok_status();
  }
  std::string_view mode() const noexcept override { return mode_; }
  std::vector<std::string> logged_out;

 private:
  static auth::Principal principal(std::string name, std::vector<std::string> roles) {
    auth::Principal p;
    p.username = std::move(name);
    p.roles = std::move(roles);
    return p;
  }
  std::string mode_;
};

std::string header(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (iequals(k, name)) return v;
  return {};
}

std::string csrf_in(const std::string& body) {
  std::smatch m;
  static const std::regex re(R"re(name="csrf" value="([0-9a-f]{64})")re");
  return std::regex_search(body, m, re) ? m[1].str() : std::string();
}

class WebUiTest : public ::testing::Test {
 protected:
  void SetUp() override { start("mcias"); }

  void start(const std::string& mode) {
    ui_.reset();
    auto store = store::Store::open(dir_.file(str_cat("db-", mode)), {.migrate = true, .create = true});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    zones_ = std::make_unique<domain::ZoneServiceImpl>(*store_, domain::AuthzPolicy{});
    identity_ = std::make_unique<FakeIdentity>(mode);
    ui_ = std::make_unique<WebUi>(*zones_, *identity_, nullptr);
  }

  Response call(std::string method, std::string target, std::string body = {}, std::string cookie = {},
                bool htmx = false) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.peer = "127.0.0.1:1";
    if (!cookie.empty()) r.headers.emplace_back("cookie", cookie);
    if (htmx) r.headers.emplace_back("hx-request", "true");
    if (r.method == "POST") r.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    return ui_->handle(r);
  }

  static std::string cookie_of(const Response& r) {
    std::string set = header(r, "Set-Cookie");
    return set.substr(0, set.find(';'));
  }

  // Signs in through the form; the cookie ("name=id") and the session's CSRF token.
  std::pair<std::string, std::string> sign_in(const std::string& user, const std::string& password = "secret") {
    Response form = call("GET", "/login");
    std::string anon = cookie_of(form);
    Response done = call("POST", "/login", str_cat("csrf=", csrf_in(form.body), "&username=", user, "&password=", password),
                         anon);
    EXPECT_EQ(done.status, 303) << done.body;
    std::string cookie = cookie_of(done);
    Response page = call("GET", "/", {}, cookie);
    EXPECT_EQ(page.status, 200);
    return {cookie, csrf_in(page.body)};
  }

  std::size_t count(const std::string& name, const std::string& type) {
    auth::Principal admin;
    admin.username = "root";
    admin.roles = {"admin"};
    auto records = zones_->list_records(admin, {kZone, name, type});
    return records.ok() ? records->size() : 0;
  }

  control::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<domain::ZoneServiceImpl> zones_;
  std::unique_ptr<FakeIdentity> identity_;
  std::unique_ptr<WebUi> ui_;
};

TEST_F(WebUiTest, SignedOutVisitorsAreSentToTheLoginForm) {
  Response r = call("GET", "/");
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(header(r, "Location"), "/login");
  EXPECT_EQ(r.route, "GET /");
  Response h = call("GET", "/zones/x", {}, {}, true);
  EXPECT_EQ(header(h, "HX-Redirect"), "/login");
}

TEST_F(WebUiTest, LoginSetsAStrictSessionCookieAndReplacesTheAnonymousOne) {
  Response form = call("GET", "/login");
  ASSERT_EQ(form.status, 200);
  EXPECT_NE(form.body.find(R"(name="password")"), std::string::npos);
  std::string set = header(form, "Set-Cookie");
  EXPECT_TRUE(set.starts_with("__Host-mcns_session=")) << set;
  for (auto attr : {"HttpOnly", "Secure", "SameSite=Strict", "Path=/"}) EXPECT_NE(set.find(attr), std::string::npos) << attr;
  std::string anon = cookie_of(form), csrf = csrf_in(form.body);
  ASSERT_FALSE(csrf.empty());

  EXPECT_EQ(call("POST", "/login", "username=alice&password=secret", anon).status, 403);  // no CSRF token
  Response wrong = call("POST", "/login", str_cat("csrf=", csrf, "&username=alice&password=nope"), anon);
  EXPECT_EQ(wrong.status, 401);
  EXPECT_NE(wrong.body.find("Wrong username"), std::string::npos);

  Response ok = call("POST", "/login", str_cat("csrf=", csrf, "&username=alice&password=secret"), anon);
  ASSERT_EQ(ok.status, 303);
  EXPECT_EQ(header(ok, "Location"), "/");
  std::string session = header(ok, "Set-Cookie");
  EXPECT_NE(cookie_of(ok), anon);
  for (auto attr : {"HttpOnly", "Secure", "SameSite=Strict", "Max-Age="}) EXPECT_NE(session.find(attr), std::string::npos);
  // The anonymous id is gone: it cannot be used as a session (no fixation).
  EXPECT_EQ(call("GET", "/", {}, anon).status, 303);
  EXPECT_EQ(call("GET", "/", {}, cookie_of(ok)).status, 200);
}

TEST_F(WebUiTest, EveryAnswerCarriesTheSecurityHeaders) {
  auto [cookie, csrf] = sign_in("alice");
  for (const std::string& path : std::vector<std::string>{"/", "/login", str_cat("/zones/", kZone), str_cat("/zones/", kZone, "/history"),
                           std::string("/frontends"), std::string("/nope"), std::string("/assets/htmx.min.js")}) {
    Response r = call("GET", path, {}, cookie);
    std::string csp = header(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << path;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << path;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << path;
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff") << path;
    if (r.content_type.starts_with("text/html")) {
      EXPECT_EQ(r.body.find("<script>"), std::string::npos) << path;
      EXPECT_EQ(r.body.find(" style="), std::string::npos) << path;
    }
  }
}

TEST_F(WebUiTest, PostsWithoutTheSessionsCsrfTokenAreForbidden) {
  auto [cookie, csrf] = sign_in("alice");
  std::string path = str_cat("/zones/", kZone, "/records");
  EXPECT_EQ(call("POST", path, "name=x&type=A&value=192.0.2.1", cookie).status, 403);
  EXPECT_EQ(call("POST", path, str_cat("csrf=", std::string(64, 'a'), "&name=x&type=A&value=192.0.2.1"), cookie).status, 403);
  EXPECT_EQ(call("POST", path, str_cat("csrf=", csrf, "&name=x&type=A&value=192.0.2.1")).status, 403);  // no cookie
  EXPECT_EQ(count("x", "A"), 0u);
  Response ok = call("POST", path, str_cat("csrf=", csrf, "&name=x&type=A&value=192.0.2.1&ttl=60"), cookie);
  EXPECT_EQ(ok.status, 303);
  EXPECT_EQ(header(ok, "Location"), str_cat("/zones/", kZone, "?done=added"));
  EXPECT_EQ(count("x", "A"), 1u);
}

TEST_F(WebUiTest, ErrorsAreShownAtTheirField) {
  auto [cookie, csrf] = sign_in("alice");
  std::string path = str_cat("/zones/", kZone, "/records");
  // metacrypt has A records: a CNAME there conflicts (409), shown at the name.
  Response conflict = call("POST", path, str_cat("csrf=", csrf, "&name=metacrypt&type=CNAME&value=x.example.com."),
                           cookie, true);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_TRUE(conflict.body.starts_with(R"(<section id="zone")")) << conflict.body.substr(0, 80);
  EXPECT_NE(conflict.body.find(R"(id="add-name-error" role="alert">CNAME conflict)"), std::string::npos);
  EXPECT_NE(conflict.body.find(R"(value="x.example.com.")"), std::string::npos);  // the input is kept
  Response bad = call("POST", path, str_cat("csrf=", csrf, "&name=www&type=A&value=300.1.1.1"), cookie, true);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find(R"(id="add-value-error")"), std::string::npos);
  Response ttl = call("POST", path, str_cat("csrf=", csrf, "&name=www&type=A&value=192.0.2.1&ttl=soon"), cookie);
  EXPECT_EQ(ttl.status, 400);
  EXPECT_NE(ttl.body.find(R"(id="add-ttl-error")"), std::string::npos);
  EXPECT_TRUE(ttl.body.starts_with("<!doctype html>"));  // without htmx: the whole page
}

TEST_F(WebUiTest, UserContentIsEscaped) {
  auto [cookie, csrf] = sign_in("alice");
  Response r = call("POST", str_cat("/zones/", kZone, "/records"),
                    str_cat("csrf=", csrf, "&name=txt&type=TXT&value=%3Cscript%3Ealert(1)%3C%2Fscript%3E"), cookie, true);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("<script>alert"), std::string::npos);
  EXPECT_NE(r.body.find("&lt;script&gt;"), std::string::npos);
}

TEST_F(WebUiTest, EditAndDeleteARecord) {
  auto [cookie, csrf] = sign_in("alice");
  ASSERT_EQ(call("POST", str_cat("/zones/", kZone, "/records"), str_cat("csrf=", csrf, "&name=e&type=A&value=192.0.2.7"),
                 cookie).status, 303);
  auth::Principal admin;
  admin.username = "root";
  admin.roles = {"admin"};
  auto rec = zones_->list_records(admin, {kZone, std::string("e"), std::string("A")});
  ASSERT_TRUE(rec.ok() && rec->size() == 1);
  std::string base = str_cat("/zones/", kZone, "/records/", rec->front().id);
  Response edit = call("GET", base + "/edit", {}, cookie, true);
  EXPECT_EQ(edit.status, 200);
  EXPECT_TRUE(edit.body.starts_with(str_cat(R"(<tr id="rec-)", rec->front().id))) << edit.body;
  Response noscript = call("GET", base + "/edit", {}, cookie);
  EXPECT_NE(noscript.body.find(R"(class="editing")"), std::string::npos);
  Response saved = call("POST", base, str_cat("csrf=", csrf, "&name=e&type=A&value=192.0.2.8&ttl=120"), cookie, true);
  EXPECT_EQ(saved.status, 200);
  EXPECT_NE(saved.body.find("192.0.2.8"), std::string::npos);
  Response bad = call("POST", base, str_cat("csrf=", csrf, "&name=e&type=AAAA&value=192.0.2.8"), cookie, true);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find(str_cat("edit-", rec->front().id, "-value-error")), std::string::npos);
  EXPECT_EQ(call("POST", base + "/delete", str_cat("csrf=", csrf), cookie).status, 303);
  EXPECT_EQ(count("e", "A"), 0u);
}

TEST_F(WebUiTest, AReaderSeesNoControlsAndTheDomainRefusesItsPosts) {
  auto [cookie, csrf] = sign_in("bob");
  Response page = call("GET", str_cat("/zones/", kZone), {}, cookie);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body.find("add-form"), std::string::npos);
  EXPECT_EQ(page.body.find(">Delete<"), std::string::npos);
  EXPECT_EQ(page.body.find(">Edit<"), std::string::npos);
  EXPECT_EQ(call("GET", "/", {}, cookie).body.find("create-zone"), std::string::npos);
  Response forged = call("POST", str_cat("/zones/", kZone, "/records"),
                         str_cat("csrf=", csrf, "&name=bob&type=A&value=192.0.2.1"), cookie, true);
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(count("bob", "A"), 0u);
  EXPECT_EQ(call("POST", "/zones", str_cat("csrf=", csrf, "&name=bob.example"), cookie).status, 403);
}

TEST_F(WebUiTest, HistoryPageShowsChangesOrSaysItIsUnavailable) {
  auto [cookie, csrf] = sign_in("alice");
  ASSERT_EQ(call("POST", str_cat("/zones/", kZone, "/records"), str_cat("csrf=", csrf, "&name=h&type=A&value=192.0.2.9"),
                 cookie).status, 303);
  Response r = call("GET", str_cat("/zones/", kZone, "/history"), {}, cookie);
  EXPECT_EQ(r.status, 200);
  auth::Principal admin;
  admin.username = "root";
  admin.roles = {"admin"};
  auto changes = zones_->list_changes(admin, {kZone});
  if (changes.ok()) {
    ASSERT_FALSE(changes->empty());
    EXPECT_EQ(changes->back().via, "ui");  // Principal.via is set by the UI
    EXPECT_NE(r.body.find("h 300 A 192.0.2.9"), std::string::npos);
  } else {
    EXPECT_NE(r.body.find("History unavailable"), std::string::npos);
  }
}

TEST_F(WebUiTest, LogoutEndsTheSession) {
  auto [cookie, csrf] = sign_in("alice");
  EXPECT_EQ(call("POST", "/logout", "", cookie).status, 403);  // CSRF token needed here too
  Response out = call("POST", "/logout", str_cat("csrf=", csrf), cookie);
  EXPECT_EQ(out.status, 303);
  EXPECT_NE(header(out, "Set-Cookie").find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(identity_->logged_out, std::vector<std::string>{"tok-alice"});
  EXPECT_EQ(call("GET", "/", {}, cookie).status, 303);
}

TEST_F(WebUiTest, LocalModeSignsInWithAToken) {
  start("local");
  Response form = call("GET", "/login");
  EXPECT_NE(form.body.find(R"(name="token")"), std::string::npos);
  EXPECT_EQ(form.body.find(R"(name="password")"), std::string::npos);
  Response bad = call("POST", "/login", str_cat("csrf=", csrf_in(form.body), "&token=nope"), cookie_of(form));
  EXPECT_EQ(bad.status, 401);
  Response ok = call("POST", "/login", str_cat("csrf=", csrf_in(form.body), "&token=tok-alice"), cookie_of(form));
  EXPECT_EQ(ok.status, 303);
  EXPECT_EQ(call("GET", "/", {}, cookie_of(ok)).status, 200);
}

TEST_F(WebUiTest, RoutesHaveFixedLabelsAndAnswerUnknownPathsAndMethods) {
  auto [cookie, csrf] = sign_in("alice");
  Response hint = call("GET", str_cat("/zones/", kZone, "/hint?type=CNAME&slot=add"), {}, cookie, true);
  EXPECT_EQ(hint.status, 200);
  EXPECT_TRUE(hint.body.starts_with(R"(<small class="hint" id="hint-add")")) << hint.body;
  EXPECT_NE(hint.body.find("canonical name"), std::string::npos);
  EXPECT_EQ(hint.route, "GET /zones/{zone}/hint");
  EXPECT_EQ(call("GET", str_cat("/zones/", kZone, "/hint?type=A&slot=%22%3E"), {}, cookie, true).status, 400);
  Response missing = call("GET", "/no/such/page", {}, cookie);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.route, "web unmatched");
  Response put = call("PUT", str_cat("/zones/", kZone), {}, cookie);
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(header(put, "Allow"), "GET, HEAD");
  EXPECT_EQ(call("GET", str_cat("/zones/", kZone, "/records/12"), {}, cookie).route, "GET /zones/{zone}/records/{id}");
  EXPECT_EQ(call("GET", "/zones/nope.example", {}, cookie).status, 404);
  // An expired or revoked token ends the session: back to the login form.
  Response form = call("GET", "/login");
  EXPECT_EQ(call("GET", "/", {}, "__Host-mcns_session=" + std::string(64, 'f')).status, 303);
}

TEST_F(WebUiTest, ServesTheEmbeddedAssets) {
  Response js = call("GET", "/assets/htmx.min.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(auth::sha256_hex(js.body), htmx_sha256());
  EXPECT_TRUE(js.content_type.starts_with("text/javascript"));
  Request again;
  again.method = "GET";
  again.target = "/assets/htmx.min.js";
  again.headers.emplace_back("if-none-match", std::string(htmx_etag()));
  EXPECT_EQ(ui_->handle(again).status, 304);
  EXPECT_EQ(call("GET", "/assets/app.css").status, 200);
  EXPECT_EQ(call("GET", "/assets/nope.js").status, 404);
}

}  // namespace
}  // namespace mcns::control::web
