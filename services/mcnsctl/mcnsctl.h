#pragma once
// mcnsctl, the operator's command line (SPEC 15): a client of the gRPC management API.
// The whole tree of commands is parsed by one CLI11 parser, kept inside commands.cpp.
//
// Exit codes: 0 success; 1 refused or failed by the server (its message printed); 2 a
// usage error, or the server could not be reached (connection refused, TLS failure,
// unreadable CA or token file). Errors are one line on stderr, "mcnsctl: ...".
namespace mcns::mcnsctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Runs one command line and returns its exit code. Output goes to stdout, errors to
// stderr; `login` reads the password from the terminal without echo, or one line of
// standard input when it is not a terminal.
int run(int argc, char** argv);

}  // namespace mcns::mcnsctl
