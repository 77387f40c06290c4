// Runs the authoritative query path (process_query) over the first N queries of a bench
// query file, against the bench zones built the way the frontend builds them. Made to be
// counted with callgrind (bench/instructions.sh): instructions per query do not depend on
// what else the machine is doing, so two builds can be compared where wall-clock figures
// on a shared 2-core machine cannot tell a few percent apart.
//
//   query_cost DATA_DIR seed|big [N]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/dns/rr_type.h"
#include "common/zone/zone_text_for_test.h"
#include "services/dns-frontend/query/query_processor.h"
#include "services/dns-frontend/query/query_test_util.h"

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// callgrind --toggle-collect=answer_all counts only this loop, not the zone build.
__attribute__((noinline)) std::size_t answer_all(const mcns::zone::ZoneSet& zones,
                                                 const std::vector<std::vector<std::uint8_t>>& queries) {
  std::vector<std::uint8_t> out(65535);
  std::size_t bytes = 0;
  for (const auto& q : queries) {
    bytes += mcns::frontend::process_query(zones, q, out, mcns::frontend::Transport::kUdp, false).size;
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: query_cost DATA_DIR seed|big [N]\n");
    return 2;
  }
  const std::string dir = argv[1], set = argv[2];
  const std::size_t n = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 20000;
  std::vector<std::pair<std::string, std::string>> zones;
  if (set == "seed") {
    zones = {{"svc.mcp.metacircular.net", slurp(dir + "/seed.svc.zone")},
             {"mcp.metacircular.net", slurp(dir + "/seed.mcp.zone")}};
  } else {
    zones = {{"bench.mcns.test", slurp(dir + "/big.zone")}};
  }
  auto built = mcns::zone::testing::zone_set_from_text(zones);
  if (!built.ok()) {
    std::fprintf(stderr, "query_cost: %s\n", built.status().message().c_str());
    return 1;
  }
  std::ifstream file(dir + "/queries-" + set + ".txt");
  std::vector<std::vector<std::uint8_t>> queries;
  std::string name, type;
  while (queries.size() < n && file >> name >> type) {
    const auto* row = mcns::dns::find_type(type);
    if (!row) continue;
    queries.push_back(mcns::frontend::testing::make_query(name, row->code, {.edns = true}));
  }
  std::printf("%zu queries, %zu reply bytes\n", queries.size(), answer_all(**built, queries));
  return 0;
}
