#pragma once
// Running a command line from a multi-process test (the real CLI binaries, dig/kdig,
// Python checkers). Library mcns::test_command, apart from mcns::test_harness so that the
// DNS harness can use it without linking the control's REST and auth code.
#include <string>

namespace mcns::test {

struct CommandResult {
  int code = -1;       // the exit status; -1 when it could not run or did not exit
  std::string output;  // stdout and stderr together
};

// Runs `command` with /bin/sh (arguments quoted by the caller). With `echo`, the output is
// also copied to this process's stdout as it arrives, for commands that run for minutes.
CommandResult run_command(const std::string& command, bool echo = false);

// `s` as one shell word: in single quotes, which it must not contain itself.
inline std::string quote(const std::string& s) { return "'" + s + "'"; }

}  // namespace mcns::test
