#include "tests/integration/harness/run_command.h"

#include <sys/wait.h>

#include <cstdio>

namespace mcns::test {

CommandResult run_command(const std::string& command, bool echo) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    r.output.append(buf, n);
    if (echo) {
      std::fwrite(buf, 1, n, stdout);
      std::fflush(stdout);
    }
  }
  int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace mcns::test
