#include "services/control/grpc/grpc_server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/config/config.h"
#include "common/grpcutil/grpcutil.h"
#include "services/control/grpc/auth_processor.h"
#include "services/control/grpc/services.h"

namespace mcns::control::grpcapi {

namespace {

namespace exp = ::grpc::experimental;

// Sees the final status of every call that reached the server (calls refused at the
// edge never do; the auth processor reports those).
class MetricsInterceptor final : public exp::Interceptor {
 public:
  MetricsInterceptor(exp::ServerRpcInfo* info, const CallHook& hook)
      : method_(info->method() ? info->method() : "?"), hook_(hook), started_(std::chrono::steady_clock::now()) {}

  void Intercept(exp::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(exp::InterceptionHookPoints::PRE_SEND_STATUS)) {
      auto status = methods->GetSendStatus();
      hook_(method_, static_cast<StatusCode>(status.error_code()), std::chrono::steady_clock::now() - started_);
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  const CallHook& hook_;
  std::chrono::steady_clock::time_point started_;
};

class MetricsInterceptorFactory final : public exp::ServerInterceptorFactoryInterface {
 public:
  explicit MetricsInterceptorFactory(const CallHook& hook) : hook_(hook) {}
  exp::Interceptor* CreateServerInterceptor(exp::ServerRpcInfo* info) override {
    return new MetricsInterceptor(info, hook_);
  }

 private:
  const CallHook& hook_;
};

}  // namespace

struct GrpcServer::Impl {
  GrpcServerOptions options;
  CallHook hook;
  AdminRpc admin;
  AuthRpc auth_rpc;
  ZoneRpc zone_rpc;
  RecordRpc record_rpc;
  ChangeRpc change_rpc;
  std::unique_ptr<::grpc::Server> server;
  int port = 0;
  std::string host;
  bool stopped = false;

  Impl(GrpcServerOptions o, domain::ZoneService& zones, auth::Authenticator& authenticator)
      : options(std::move(o)), admin(zones, authenticator), auth_rpc(authenticator), zone_rpc(zones, authenticator, options.import_zone, options.change_feed), record_rpc(zones, authenticator), change_rpc(zones, authenticator) {
    hook = options.on_call ? options.on_call : CallHook([](std::string_view, StatusCode, std::chrono::duration<double>) {});
  }
};

StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::start(GrpcServerOptions options, domain::ZoneService& zones,
                                                         auth::Authenticator& authenticator) {
  MCNS_ASSIGN_OR_RETURN(config::HostPort hp, config::parse_host_port(options.listen_addr));
  MCNS_ASSIGN_OR_RETURN(auto creds, grpcutil::server_credentials(options.tls_cert, options.tls_key));
  auto impl = std::make_unique<Impl>(std::move(options), zones, authenticator);
  const MethodMap& map = impl->options.method_map ? *impl->options.method_map : MethodMap::standard();
  creds->SetAuthMetadataProcessor(make_auth_processor(map, impl->hook));

  ::grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  ::grpc::ServerBuilder builder;
  impl->host = hp.host.empty() ? "[::]" : (hp.host.find(':') != std::string::npos ? "[" + hp.host + "]" : hp.host);
  // gRPC binds with SO_REUSEPORT by default: a second control on this port would share
  // the connections of the first instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(str_cat(impl->host, ":", hp.port), creds, &impl->port);
  builder.RegisterService(&impl->admin);
  builder.RegisterService(&impl->auth_rpc);
  builder.RegisterService(&impl->zone_rpc);
  builder.RegisterService(&impl->record_rpc);
  builder.RegisterService(&impl->change_rpc);
  for (::grpc::Service* s : impl->options.extra_services) builder.RegisterService(s);
  // SPEC 16: management messages are small (REST caps bodies at 64 KiB as well); a larger
  // one is RESOURCE_EXHAUSTED before any handler sees it.
  builder.SetMaxReceiveMessageSize(kMaxRequestBytes);
  // Bounded concurrent streams per connection, and a keepalive policy: clients may not
  // ping more often than every 10 s without data (two strikes and the connection goes),
  // and the server pings idle connections so half-dead ones are found and closed.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, 100);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  std::vector<std::unique_ptr<exp::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(std::make_unique<MetricsInterceptorFactory>(impl->hook));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0)
    return unavailable(str_cat("grpc: cannot listen on ", impl->options.listen_addr));
  return std::unique_ptr<GrpcServer>(new GrpcServer(std::move(impl)));
}

GrpcServer::GrpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GrpcServer::~GrpcServer() { shutdown(std::chrono::milliseconds(0)); }

std::uint16_t GrpcServer::port() const noexcept { return static_cast<std::uint16_t>(impl_->port); }
std::string GrpcServer::address() const { return str_cat(impl_->host, ":", impl_->port); }

void GrpcServer::shutdown(std::chrono::milliseconds deadline) {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->server->Shutdown(std::chrono::system_clock::now() + deadline);
  impl_->server->Wait();
}

}  // namespace mcns::control::grpcapi
