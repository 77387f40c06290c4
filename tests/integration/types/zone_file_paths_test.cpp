// One zone file, two ways in: `mcns-control import` (then served by a frontend that
// follows the control) and a frontend's own `[zones] files`. Both read it with the one
// reader (common/zonefile), so every question gets the same answer, TTLs included — and
// the TTLs are the ones BIND gives the file (checked against named-checkzone where it is
// installed).
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "common/base/strings.h"
#include "tests/integration/dns/dns_tools.h"
#include "tests/integration/sync/sync_fixture.h"

namespace mcns::test::types {
namespace {

using sync::eventually;

constexpr const char* kFileZone = "filepaths.example";

// The serial is ahead of any date-based one, so the import keeps it (ARCHITECTURE.md
// Decision 18) and both SOAs are alike. No $TTL until late, so the BIND rules all show: the SOA minimum (120) is the default
// from the SOA on, an explicit TTL applies to its record only, and $TTL 900 takes over.
constexpr const char* kFile = R"($ORIGIN filepaths.example.
@         IN SOA ns1 hostmaster 2099010101 3600 600 86400 120
@         IN NS    ns1
ns1       IN A     192.0.2.1
www   600 IN A     192.0.2.10
www       IN AAAA  2001:db8::10
mail      IN A     192.0.2.25
@         IN MX    10 mail
txt       IN TXT   "hello world"
$TTL 900
_sip._tcp IN SRV   10 5 5060 sip
sip    60 IN A     192.0.2.26
@         IN CAA   0 issue "letsencrypt.org"
alias     IN CNAME www
)";

struct Question {
  const char* name;  // relative; "@" is the apex
  const char* type;
  const char* want;  // the answer RR, white space collapsed, lower case
};
const Question kQuestions[] = {
    {"@", "SOA",
     "filepaths.example. 120 in soa ns1.filepaths.example. hostmaster.filepaths.example. 2099010101 3600 600 86400 120"},
    {"@", "NS", "filepaths.example. 120 in ns ns1.filepaths.example."},
    {"ns1", "A", "ns1.filepaths.example. 120 in a 192.0.2.1"},
    {"www", "A", "www.filepaths.example. 600 in a 192.0.2.10"},
    {"www", "AAAA", "www.filepaths.example. 120 in aaaa 2001:db8::10"},
    {"mail", "A", "mail.filepaths.example. 120 in a 192.0.2.25"},
    {"@", "MX", "filepaths.example. 120 in mx 10 mail.filepaths.example."},
    {"txt", "TXT", "txt.filepaths.example. 120 in txt \"hello world\""},
    {"_sip._tcp", "SRV", "_sip._tcp.filepaths.example. 900 in srv 10 5 5060 sip.filepaths.example."},
    {"sip", "A", "sip.filepaths.example. 60 in a 192.0.2.26"},
    {"@", "CAA", "filepaths.example. 900 in caa 0 issue \"letsencrypt.org\""},
    {"alias", "CNAME", "alias.filepaths.example. 900 in cname www.filepaths.example."},
};

std::string fqdn(const std::string& name) {
  return name == "@" ? str_cat(kFileZone, ".") : str_cat(name, ".", kFileZone, ".");
}

std::set<std::string> answer(std::uint16_t port, const Question& q) {
  std::set<std::string> out;
  std::istringstream lines(dns::kdig(port, str_cat("+noall +answer ", fqdn(q.name), " ", q.type)));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == ';') continue;
    std::istringstream words(line);
    std::string word, joined;
    while (words >> word) joined += (joined.empty() ? "" : " ") + word;
    out.insert(to_lower(joined));
  }
  return out;
}

class ZoneFilePathsTest : public sync::SyncTest {};

TEST_F(ZoneFilePathsTest, ImportAndZonesFilesAnswerAlike) {
  std::string file = dir_.write("filepaths.zone", kFile);

  // Path 1: `mcns-control import` into the control's database (the server stopped, as
  // for any offline import), then a frontend following the control.
  ASSERT_EQ(control_->stop(SIGTERM), 0);
  std::string out = dns::shell(str_cat(binary_path("mcns-control"), " import --config ", control_->config_path(),
                                       " --zone ", kFileZone, " ", file, " 2>&1; echo exit=$?"));
  ASSERT_NE(out.find("exit=0"), std::string::npos) << out;
  ASSERT_NE(out.find("zone filepaths.example created"), std::string::npos) << out;
  ASSERT_TRUE(restart_control_on_same_ports());
  auto following = start_frontend();
  ASSERT_TRUE(following);
  ASSERT_TRUE(caught_up(*following));

  // Path 2: a frontend serving the same file from `[zones] files`.
  dns::ScratchDir d;
  dns::DnsOptions o;
  o.zone_files = {file};
  auto from_file = dns::DnsProcess::start(d, o);
  ASSERT_TRUE(from_file);

  for (const Question& q : kQuestions) {
    SCOPED_TRACE(str_cat(q.name, " ", q.type));
    std::set<std::string> want = {q.want};
    EXPECT_EQ(answer(from_file->dns_port(), q), want);
    std::set<std::string> got;
    EXPECT_TRUE(eventually([&] { return (got = answer(following->dns_port(), q)) == want; }))
        << join(std::vector<std::string>(got.begin(), got.end()), " | ");
  }
}

// The TTLs pinned above are BIND's: named-checkzone prints the same records.
TEST(ZoneFilePaths, PinnedAnswersAreBinds) {
  const char* tool = "/usr/bin/named-checkzone";
  if (::access(tool, X_OK) != 0) GTEST_SKIP() << tool << " is not installed (bind9-utils)";
  TempDir dir;
  std::string file = dir.write("filepaths.zone", kFile);
  std::string out = dns::shell(str_cat(tool, " -q -i local -D -o - ", kFileZone, " ", file));
  std::set<std::string> got;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string word, joined;
    while (words >> word) joined += (joined.empty() ? "" : " ") + word;
    if (!joined.empty()) got.insert(to_lower(joined));
  }
  std::set<std::string> want;
  for (const Question& q : kQuestions) want.insert(q.want);
  EXPECT_EQ(got, want) << out;
}

}  // namespace
}  // namespace mcns::test::types
