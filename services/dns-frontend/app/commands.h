#pragma once
// The subcommands of mcns-dns (SPEC section 3). Each returns the process exit code:
// 0 success, 1 runtime failure, 2 bad configuration (after one line on stderr).
#include "common/config/config.h"

namespace mcns::frontend::app {

// Serves DNS until SIGINT/SIGTERM, then drains (bounded) and returns 0.
int run_server(const config::DnsConfig& config);
// Checks what the configuration refers to (zone files parse, token file readable,
// addresses valid) without binding anything; prints a summary and returns 0 or 2.
int run_check_config(const config::DnsConfig& config);

}  // namespace mcns::frontend::app
