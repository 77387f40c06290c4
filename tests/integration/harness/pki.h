#pragma once
// Test certificates made with the `openssl` tool at test time: a private CA and a server
// certificate for "localhost" and 127.0.0.1 signed by it, so clients verify the chain
// and the host name exactly as in production. Made once per test process.
#include <string>

namespace mcns::test {

struct Pki {
  std::string dir;
  std::string ca_cert;      // PEM of the CA (what clients trust)
  std::string server_cert;  // PEM chain of the server certificate
  std::string server_key;
  std::string other_ca_cert;  // a CA that signed nothing here (for "wrong CA" tests)
};

// Aborts the test process (with a message) when openssl fails.
const Pki& test_pki();

}  // namespace mcns::test
