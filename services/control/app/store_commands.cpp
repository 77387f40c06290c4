// Placeholder until the store lands: each command says it is not built yet.
#include <cstdio>

#include "services/control/app/commands.h"

namespace mcns::control::app {
int run_migrate(const config::ControlConfig&) {
  std::fprintf(stderr, "mcns-control: migrate is not implemented yet\n");
  return 1;
}
int run_snapshot(const config::ControlConfig&, const std::optional<std::string>&) {
  std::fprintf(stderr, "mcns-control: snapshot is not implemented yet\n");
  return 1;
}
int run_import(const config::ControlConfig&, const std::string&, const std::string&) {
  std::fprintf(stderr, "mcns-control: import is not implemented yet\n");
  return 1;
}
}  // namespace mcns::control::app
