#include "tests/integration/harness/pki.h"

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "tests/integration/harness/temp_dir.h"

namespace mcns::test {

namespace {
void run(const std::string& cmd) {
  std::string full = cmd + " >/dev/null 2>&1";
  if (std::system(full.c_str()) != 0) {
    std::fprintf(stderr, "test pki: command failed: %s\n", cmd.c_str());
    std::abort();
  }
}
}  // namespace

const Pki& test_pki() {
  static TempDir dir_holder;  // removed at exit, after every test
  static TempDir* dir = &dir_holder;
  static const Pki pki = [] {
    Pki p;
    p.dir = dir->path();
    p.ca_cert = dir->file("ca.pem");
    p.server_cert = dir->file("cert.pem");
    p.server_key = dir->file("key.pem");
    p.other_ca_cert = dir->file("other-ca.pem");
    const std::string d = dir->path();
    const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
    run("openssl req -x509" + ec + "-days 2 -subj /CN=mcns-test-ca -keyout " + d + "/ca.key -out " + p.ca_cert);
    run("openssl req -x509" + ec + "-days 2 -subj /CN=other-ca -keyout " + d + "/other-ca.key -out " + p.other_ca_cert);
    run("openssl req" + ec + "-subj /CN=localhost -keyout " + p.server_key + " -out " + d + "/server.csr");
    dir->write("ext.cnf", "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                          "extendedKeyUsage=serverAuth\n");
    run("openssl x509 -req -days 2 -in " + d + "/server.csr -CA " + p.ca_cert + " -CAkey " + d +
        "/ca.key -CAcreateserial -extfile " + d + "/ext.cnf -out " + p.server_cert);
    return p;
  }();
  return pki;
}

}  // namespace mcns::test
