// Placeholder until the frontend server lands.
#include <cstdio>

#include "services/dns-frontend/app/commands.h"

namespace mcns::frontend::app {
int run_server(const config::DnsConfig&) {
  std::fprintf(stderr, "mcns-dns: server is not implemented yet\n");
  return 1;
}
int run_check_config(const config::DnsConfig&) {
  std::fprintf(stderr, "mcns-dns: check-config is not implemented yet\n");
  return 1;
}
}  // namespace mcns::frontend::app
