#pragma once
// Raw TCP probes of a server's connection limits. 127.0.0.0/8 is all loopback on Linux,
// so a test binds each connection to its own source address to play one client per
// address; then it watches whether the server closes the connection. Library
// mcns::test_net.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace mcns::test {

// A TCP connection from `source` (an address of 127.0.0.0/8) to 127.0.0.1:`port`; -1 on
// failure. With `io_timeout`, blocking sends and receives give up after it (set before
// connecting), so no test hangs on a server that stopped answering.
int connect_from(const std::string& source, std::uint16_t port,
                 std::optional<std::chrono::seconds> io_timeout = std::nullopt);

// Waits until the server closes `fd` without having sent a byte (EOF or reset); how long
// that took, or nullopt when the connection was still open at `timeout` or data came.
std::optional<std::chrono::milliseconds> closed_silently(int fd, std::chrono::milliseconds timeout);

}  // namespace mcns::test
