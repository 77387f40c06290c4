#include "services/control/auth/authenticator.h"

#include "services/control/auth/local_tokens.h"
#include "services/control/auth/mcias.h"

namespace mcns::control::auth {

StatusOr<std::unique_ptr<Authenticator>> make_authenticator(const config::ControlConfig& config, AuthHooks hooks) {
  if (config.auth.mode == "local") {
    MCNS_ASSIGN_OR_RETURN(auto local, LocalTokenAuthenticator::create(config.auth.local_tokens_file));
    return std::unique_ptr<Authenticator>(std::move(local));
  }
  if (config.auth.mode == "mcias") {
    MciasOptions options;
    options.server_url = config.mcias.server_url;
    options.ca_cert = config.mcias.ca_cert;
    options.service_name = config.mcias.service_name;
    options.tags = config.mcias.tags;
    options.hooks = std::move(hooks);
    MCNS_ASSIGN_OR_RETURN(auto mcias, MciasAuthenticator::create(std::move(options)));
    return std::unique_ptr<Authenticator>(std::move(mcias));
  }
  return invalid_argument("[auth] mode must be \"mcias\" or \"local\", got \"" + config.auth.mode + "\"");
}

}  // namespace mcns::control::auth
