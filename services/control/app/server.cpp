// Placeholder until the API lands.
#include <cstdio>

#include "services/control/app/commands.h"

namespace mcns::control::app {
int run_server(const config::ControlConfig&) {
  std::fprintf(stderr, "mcns-control: server is not implemented yet\n");
  return 1;
}
}  // namespace mcns::control::app
