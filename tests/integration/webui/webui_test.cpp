// The web UI (SPEC 15) in a real headless Chromium: a real mcns-control (MCIAS mode,
// against the fake MCIAS over HTTPS) and a real mcns-dns frontend following it, both on
// loopback with ephemeral ports; webui_browser.py drives Chromium through Selenium and
// asks the frontend over DNS after every change (see its docstring for the checks).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/base/strings.h"
#include "tests/integration/dns/dns_process.h"
#include "tests/integration/harness/control_process.h"
#include "tests/integration/harness/fake_mcias.h"
#include "tests/integration/harness/pki.h"
#include "tests/integration/harness/rest_client.h"
#include "tests/integration/harness/run_command.h"
#include "tests/integration/harness/temp_dir.h"
#include "tests/integration/sync/sync_fixture.h"

namespace mcns::test {
namespace {

using namespace std::chrono_literals;

const std::string kScript = std::string(MCNS_SOURCE_DIR) + "/tests/integration/webui/webui_browser.py";

bool have_browser() {
  return run_command("test -x /usr/bin/chromium && test -x /usr/bin/chromedriver && "
                     "/usr/bin/python3 -c 'import selenium, dns' >/dev/null",
                     /*echo=*/true).code == 0;
}

TEST(WebUiBrowser, ChromiumDrivesTheControlAndTheFrontendAnswersEveryChange) {
  ASSERT_TRUE(have_browser()) << "chromium, chromium-driver and python3-selenium are needed: "
                                 "deploy/scripts/install-deps.sh installs them";
  FakeMcias mcias;
  mcias.add_user("alice", {.password = "alice-password", .token = "tok-webui-alice"});
  mcias.add_token("tok-webui-alice", {.username = "alice", .roles = {"admin"}});
  mcias.add_user("rita", {.password = "rita-password", .token = "tok-webui-rita"});
  mcias.add_token("tok-webui-rita", {.username = "rita", .roles = {"user"}});
  mcias.add_user("nora", {.password = "nora-password", .token = "tok-webui-nora"});
  mcias.add_token("tok-webui-nora", {.username = "nora", .roles = {"admin"}});
  mcias.add_token("tok-webui-dns", {.username = "mcns-dns", .roles = {}, .account_type = "system"});

  TempDir dir;
  ControlOptions o;
  o.mcias_url = mcias.url();
  auto control = ControlProcess::start(dir, o);
  ASSERT_TRUE(control) << "mcns-control did not start";

  dns::ScratchDir fdir;
  std::ifstream ca_in(test_pki().ca_cert);
  std::stringstream pem;
  pem << ca_in.rdbuf();
  std::string ca = fdir.write("ca.pem", pem.str());
  std::string token_file = fdir.write("token", "tok-webui-dns\n");
  dns::DnsOptions d;
  d.extra_toml = str_cat("[control]\ngrpc_addr = \"localhost:", control->grpc_port(), "\"\nca_cert = \"", ca,
                         "\"\ntoken_file = \"", token_file, "\"\nname = \"webui-frontend\"\n");
  auto frontend = dns::DnsProcess::start(fdir, d);
  ASSERT_TRUE(frontend) << "mcns-dns did not start";
  ASSERT_TRUE(sync::eventually([&] { return sync::http_status(frontend->metrics_port(), "/readyz") == 200; }, 20s))
      << "the frontend never became ready";

  // History and rollback (SPEC 14) are tested in the browser only when the server has
  // them; otherwise the page must say that history is unavailable.
  RestClient rest(control->rest_url(), test_pki().ca_cert);
  int history = rest.get("/v1/zones/svc.mcp.metacircular.net/changes", "tok-webui-alice").status;
  std::printf("GET /v1/zones/{zone}/changes -> %d: history checks %s\n", history, history == 200 ? "on" : "off");

  auto result = run_command(str_cat("/usr/bin/python3 ", quote(kScript), " --url ", quote(control->rest_url()),
                                    " --ca ", quote(test_pki().ca_cert), " --dns-port ", frontend->dns_port(),
                                    " --admin alice:alice-password --reader rita:rita-password --admin2 nora:nora-password --history ",
                                    history == 200 ? "on" : "off",
                                    // MCNS_WEBUI_SCREENSHOTS=DIR keeps PNGs of the pages, to look at them.
                                    std::getenv("MCNS_WEBUI_SCREENSHOTS")
                                        ? str_cat(" --screenshots ", quote(std::getenv("MCNS_WEBUI_SCREENSHOTS")))
                                        : std::string()),
                            /*echo=*/true);
  EXPECT_EQ(result.code, 0) << "webui_browser.py failed:\n" << result.output;
  EXPECT_NE(result.output.find("all web UI checks passed"), std::string::npos);
  // The session's bearer token never reaches the log.
  EXPECT_EQ(control->log_text().find("tok-webui-alice"), std::string::npos);
}

}  // namespace
}  // namespace mcns::test
