#include "common/grpcutil/grpcutil.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/base/http_status.h"
#include "common/base/strings.h"

namespace mcns::grpcutil {

grpc::Status to_grpc(const Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // The same filter as the REST edge: SQLite's text and internal detail stay in the log.
  Status shown = client_facing(status);
  return grpc::Status(static_cast<grpc::StatusCode>(static_cast<int>(shown.code())), shown.message());
}

Status from_grpc(const grpc::Status& status) {
  if (status.ok()) return ok_status();
  return Status(static_cast<StatusCode>(static_cast<int>(status.error_code())), status.error_message());
}

StatusOr<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    std::string why = str_cat("cannot read ", path, ": ", std::strerror(err));
    if (err == ENOENT) return not_found(why);
    if (err == EACCES) return permission_denied(why);
    return unavailable(why);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

StatusOr<std::shared_ptr<grpc::ServerCredentials>> server_credentials(const std::string& cert_path,
                                                                      const std::string& key_path) {
  MCNS_ASSIGN_OR_RETURN(std::string cert, read_file(cert_path));
  MCNS_ASSIGN_OR_RETURN(std::string key, read_file(key_path));
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({key, cert});
  return grpc::SslServerCredentials(options);
}

StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel_credentials(const std::string& ca_cert_path) {
  grpc::SslCredentialsOptions options;
  if (!ca_cert_path.empty()) {
    MCNS_ASSIGN_OR_RETURN(options.pem_root_certs, read_file(ca_cert_path));
  }
  return grpc::SslCredentials(options);
}

}  // namespace mcns::grpcutil
