#include "services/control/sync/report_service.h"

#include "common/base/log.h"
#include "common/grpcutil/grpcutil.h"

namespace mcns::control::sync {
namespace {

class RefusedReport final : public grpc::ServerReadReactor<mcns::v1::FrontendReport> {
 public:
  explicit RefusedReport(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

// Reads reports until the frontend closes its side or the call breaks.
class ReportReactor final : public grpc::ServerReadReactor<mcns::v1::FrontendReport> {
 public:
  ReportReactor(feed::FleetRegistry& fleet, std::string peer) : fleet_(fleet), peer_(std::move(peer)) {
    StartRead(&report_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the frontend closed its side (or the call broke: then Finish is moot)
      Finish(grpc::Status::OK);
      return;
    }
    if (!opened_) {
      opened_ = true;
      fleet_.report_opened(peer_, report_.name());
      log::info("report: ", report_.name(), " (", peer_, ") reports its version");
    }
    fleet_.report(peer_, report_.name(), report_.version());
    StartRead(&report_);
  }
  void OnDone() override {
    if (opened_) fleet_.report_closed(peer_);
    delete this;
  }

 private:
  feed::FleetRegistry& fleet_;
  const std::string peer_;
  mcns::v1::FrontendReport report_;
  bool opened_ = false;  // reactor callbacks are serialized: no lock needed
};

}  // namespace

SyncRpc::SyncRpc(WatchService& watch, feed::FleetRegistry& fleet, domain::ZoneService& zones,
                 WatchService::Authenticate authenticate)
    : watch_(watch), fleet_(fleet), zones_(zones), authenticate_(std::move(authenticate)) {}

grpc::ServerWriteReactor<mcns::v1::WatchEvent>* SyncRpc::Watch(grpc::CallbackServerContext* context,
                                                               const mcns::v1::WatchRequest* request) {
  return watch_.Watch(context, request);
}

grpc::ServerReadReactor<mcns::v1::FrontendReport>* SyncRpc::Report(grpc::CallbackServerContext* context,
                                                                   mcns::v1::ReportAck*) {
  // As Watch: one authorization value, a valid token, a caller allowed to watch.
  const auto& md = context->client_metadata();
  auto range = md.equal_range("authorization");
  if (std::distance(range.first, range.second) > 1) {
    log::warn("report: refused from ", context->peer(), ": several authorization values");
    return new RefusedReport(grpcutil::to_grpc(unauthenticated("several authorization values")));
  }
  std::string authorization =
      range.first == range.second ? std::string() : std::string(range.first->second.data(), range.first->second.size());
  auto who = authenticate_(authorization);
  if (!who.ok()) {
    log::warn("report: refused from ", context->peer(), ": ", who.status().to_string());
    return new RefusedReport(grpcutil::to_grpc(who.status()));
  }
  if (Status allowed = zones_.authorize_watch(*who); !allowed.ok()) {
    log::warn("report: refused for ", who->username, " from ", context->peer(), ": ", allowed.to_string());
    return new RefusedReport(grpcutil::to_grpc(allowed));
  }
  return new ReportReactor(fleet_, context->peer());
}

}  // namespace mcns::control::sync
