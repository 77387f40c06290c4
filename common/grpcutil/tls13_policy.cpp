// Process-wide TLS 1.3 floor.
//
// SPEC: REST, gRPC and the MCIAS client speak TLS 1.3 only. gRPC 1.51 (Debian 12) has no
// public API to raise its minimum TLS version: its TSI layer calls
// SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) on every context it makes, which
// overrides any OpenSSL configuration. That macro expands to SSL_CTX_ctrl(), so this
// object defines SSL_CTX_ctrl in the executable (exported with
// --export-dynamic-symbol) and raises any minimum below TLS 1.3 before passing the call
// to libssl. Every TLS context in the process is therefore TLS 1.3 only, which is the
// policy for both services anyway. tests: grpcutil_test (TLS 1.2 client refused).
#include <dlfcn.h>
#include <openssl/ssl.h>

#include "common/grpcutil/grpcutil.h"

namespace {
using CtrlFn = long (*)(SSL_CTX*, int, long, void*);

CtrlFn real_ctrl() {
  static CtrlFn fn = reinterpret_cast<CtrlFn>(dlsym(RTLD_NEXT, "SSL_CTX_ctrl"));
  return fn;
}
}  // namespace

extern "C" __attribute__((visibility("default"))) long SSL_CTX_ctrl(SSL_CTX* ctx, int cmd, long larg, void* parg) {
  if (cmd == SSL_CTRL_SET_MIN_PROTO_VERSION && (larg == 0 || larg < TLS1_3_VERSION)) larg = TLS1_3_VERSION;
  return real_ctrl()(ctx, cmd, larg, parg);
}

namespace mcns::grpcutil {
bool tls13_policy_active() noexcept {
  SSL_CTX* ctx = ::SSL_CTX_new(TLS_method());
  if (!ctx) return false;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  bool active = SSL_CTX_get_min_proto_version(ctx) == TLS1_3_VERSION;
  SSL_CTX_free(ctx);
  return active;
}
}  // namespace mcns::grpcutil
