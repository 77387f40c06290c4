#include "services/control/dns/dns_service.h"

#include "common/base/log.h"
#include "common/base/strings.h"
#include "services/control/dns/listener.h"
#include "services/control/dns/notifier.h"
#include "services/control/dns/responder.h"
#include "services/control/dns/tsig_keys.h"
#include "services/control/dns/update.h"
#include "services/control/dns/zone_mirror.h"

namespace mcns::control::dns {

struct DnsService::Parts {
  std::unique_ptr<Notifier> notifier;
  std::unique_ptr<ZoneMirror> mirror;
  // UPDATE's domain service: the same rules, store and change feed as the API's (commits
  // of both are serialised by the store's writer lock, so the feed sees versions in order).
  std::unique_ptr<domain::ZoneServiceImpl> domain;
  std::unique_ptr<UpdateHandler> updates;
  std::unique_ptr<Responder> responder;
  std::unique_ptr<Listener> listener;
};

DnsService::DnsService(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
DnsService::~DnsService() { stop(); }

StatusOr<std::unique_ptr<DnsService>> DnsService::start(const config::ControlConfig& config, store::Store& store,
                                                        feed::ChangeFeed& feed, metrics::Registry& registry) {
  MCNS_ASSIGN_OR_RETURN(std::vector<NotifyTarget> targets, notify_targets(config));
  if (config.dns.listen.empty() && targets.empty()) return std::unique_ptr<DnsService>();
  MCNS_ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> keys, KeySet::load(config.tsig));
  MCNS_ASSIGN_OR_RETURN(frontend::forward::AllowList allow, frontend::forward::AllowList::parse(config.dns.allow));

  auto parts = std::make_unique<Parts>();
  Parts* p = parts.get();
  parts->notifier = std::make_unique<Notifier>(
      std::move(targets), [p] { return p->responder->keys(); }, registry);
  parts->mirror = std::make_unique<ZoneMirror>(feed, [p](const std::vector<std::string>& zones) {
    p->notifier->zones_changed(zones);
  });
  parts->domain = std::make_unique<domain::ZoneServiceImpl>(
      store, domain::AuthzPolicy{config.auth.record_admins, config.sync.allowed_accounts}, domain::ZoneServiceImpl::Clock{},
      [&feed](std::uint64_t version) { feed.notify(version); });
  parts->updates = std::make_unique<UpdateHandler>(*parts->domain, registry);
  parts->responder = std::make_unique<Responder>(store, parts->mirror->holder(), std::move(allow), registry,
                                                 parts->updates.get());
  parts->responder->set_keys(std::move(keys));
  MCNS_RETURN_IF_ERROR(parts->notifier->start());
  parts->mirror->start();
  if (!config.dns.listen.empty()) {
    MCNS_ASSIGN_OR_RETURN(parts->listener, Listener::start(config.dns.listen, *parts->responder));
  }
  return std::unique_ptr<DnsService>(new DnsService(std::move(parts)));
}

Status DnsService::reload_keys(const std::string& config_path) {
  auto config = config::load_control(config_path, config::process_environment());
  if (!config.ok()) return config.status();
  MCNS_ASSIGN_OR_RETURN(std::shared_ptr<const KeySet> keys, KeySet::load(config->tsig));
  std::size_t n = keys->size();
  parts_->responder->set_keys(std::move(keys));
  log::info("SIGHUP: reloaded ", n, " TSIG key(s)");
  return ok_status();
}

void DnsService::stop() {
  if (!parts_) return;
  if (parts_->listener) parts_->listener->stop();
  if (parts_->mirror) parts_->mirror->stop();
  if (parts_->notifier) parts_->notifier->stop();
}

std::string DnsService::addresses() const {
  if (!parts_ || !parts_->listener) return "off";
  return join(parts_->listener->addresses(), ",");
}

}  // namespace mcns::control::dns
