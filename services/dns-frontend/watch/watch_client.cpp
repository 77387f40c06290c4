#include "services/dns-frontend/watch/watch_client.h"

#include <grpcpp/grpcpp.h>

#include <malloc.h>

#include <random>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/grpcutil/grpcutil.h"
#include "mcns/v1/sync.grpc.pb.h"

namespace mcns::frontend::watch {

using Clock = std::chrono::steady_clock;

WatchClient::WatchClient(WatchOptions options, zonesrc::ZoneCatalog& catalog)
    : options_(std::move(options)), catalog_(catalog) {
  for (const auto& f : catalog_.files()) file_zones_.insert(f.zone);
}

WatchClient::~WatchClient() { stop(); }

void WatchClient::set_channel_for_test(std::shared_ptr<grpc::Channel> channel) { test_channel_ = std::move(channel); }

void WatchClient::start() {
  thread_ = std::thread([this] { run(); });
  watchdog_thread_ = std::thread([this] { watchdog(); });
}

void WatchClient::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (active_) active_->TryCancel();
    if (report_active_) report_active_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (watchdog_thread_.joinable()) watchdog_thread_.join();
}

WatchState WatchClient::state() const {
  std::lock_guard lock(mu_);
  WatchState s = state_;
  if (s.ready)
    s.last_change_age_seconds = std::chrono::duration<double>(Clock::now() - last_change_).count();
  return s;
}

std::shared_ptr<grpc::Channel> WatchClient::channel() {
  if (test_channel_) return test_channel_;
  std::shared_ptr<grpc::Channel>& cached = channel_;
  if (!cached) {
    auto creds = grpcutil::channel_credentials(options_.ca_cert);
    if (!creds.ok()) return nullptr;
    grpc::ChannelArguments args;
    // Snapshot chunks are bounded by the control, but a big zone change can be large.
    args.SetMaxReceiveMessageSize(256 << 20);
    // Our own loop does the backoff (with jitter): every attempt gets a fresh channel with
    // its own subchannel, so gRPC's connection backoff (shared through the global
    // subchannel pool, and in TRANSIENT_FAILURE answering with the last error without
    // trying) cannot delay the reconnect after a control restart.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    cached = grpc::CreateCustomChannel(options_.grpc_addr, *creds, args);
  }
  return cached;
}

void WatchClient::set_error(const Status& status) {
  std::lock_guard lock(mu_);
  state_.last_error = status.to_string();
}

void WatchClient::mark_applied(std::uint64_t version, std::optional<std::uint64_t> chain, bool snapshot) {
  std::lock_guard lock(mu_);
  applied_in_stream_ = true;
  state_.version = version;
  state_.chain = chain;
  state_.ready = true;
  if (snapshot) ++state_.snapshots;
  last_change_ = Clock::now();
}

void WatchClient::run() {
  std::mt19937_64 rng(std::random_device{}());
  auto backoff = options_.backoff_initial;
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    bool healthy = false;
    {
      std::lock_guard lock(mu_);
      applied_in_stream_ = false;
    }
    auto started = Clock::now();
    Status status = stream_once();
    {
      std::lock_guard lock(mu_);
      // Healthy: it applied something, or stayed up a while. A stream that only delivers
      // what cannot be applied must keep backing off, not reconnect (and re-download a
      // snapshot) every 100 ms.
      healthy = applied_in_stream_ || (state_.connected && Clock::now() - started > std::chrono::seconds(10));
      state_.connected = false;
      catalog_.set_connected(false);
      if (stopping_) break;
      state_.last_error = status.to_string();
      ++state_.reconnects;
    }
    // A stream that worked resets the backoff: a control restart should be followed
    // within a fraction of a second, a misconfiguration retried slowly. The wait is
    // "equal jitter": uniform in [backoff/2, backoff].
    if (healthy) backoff = options_.backoff_initial;
    auto wait = std::chrono::milliseconds(
        std::uniform_int_distribution<std::int64_t>(backoff.count() / 2, backoff.count())(rng));
    log::warn("watch: ", status.to_string(), "; reconnecting from version ", state().version, " in ",
              wait.count(), " ms");
    backoff = std::min(backoff * 2, options_.backoff_max);
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

namespace {
std::optional<std::uint64_t> chain_of(const mcns::v1::WatchEvent& event) {
  if (!event.has_chain()) return std::nullopt;
  return event.chain();
}
}  // namespace

Status WatchClient::apply_snapshot(mcns::v1::WatchEvent& event, const std::function<bool(mcns::v1::WatchEvent&)>& next,
                                   bool ready, std::size_t& records) {
  const std::uint64_t version = event.version();
  records = 0;
  Status conflict;
  // The chunks are applied as they arrive, inside one catalog replacement: no copy of the
  // whole snapshot is held, and a stream that breaks half-way changes nothing.
  Status s = catalog_.replace_control_zones(version, [&](zonesrc::ControlZoneEditor& editor) -> Status {
    if (event.snapshot().total_records() > 0) editor.reserve(event.snapshot().total_records());
    while (true) {
      for (const auto& data : event.snapshot().zones()) {
        if (file_zones_.count(data.zone().name())) {
          conflict = already_exists(str_cat("zone ", data.zone().name(),
                                            " is served from a zone file and by the control plane"));
          if (!ready) return conflict;  // a start-up error (SPEC section 4)
          continue;                      // later: keep the file's copy, say so
        }
        MCNS_RETURN_IF_ERROR(add_zone_data(editor, data));
        records += static_cast<std::size_t>(data.records_size());
      }
      if (event.snapshot().last()) return ok_status();
      if (!next(event)) return unavailable("the stream ended inside a snapshot");
      if (!event.has_snapshot() || event.snapshot().first() || event.version() != version)
        return aborted("snapshot chunk out of order");
    }
  });
  if (!conflict.ok()) {
    log::error("watch: ", conflict.message(), ready ? "; the control's copy is ignored" : "");
    if (!ready && options_.on_fatal) {
      options_.on_fatal(conflict);
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
  }
  if (!s.ok()) return s;
  mark_applied(version, chain_of(event), true);
  // The messages and the builder's scratch space are freed now: give the pages back so a
  // resync does not leave the process at its peak size.
  malloc_trim(0);
  return ok_status();
}

Status WatchClient::stream_once() {
  auto token_text = grpcutil::read_file(options_.token_file);
  if (!token_text.ok()) return token_text.status();
  std::string token(trim(*token_text));
  if (token.empty()) return failed_precondition(str_cat("token file ", options_.token_file, " is empty"));
  channel_.reset();  // a fresh connection per attempt (see channel())
  auto chan = channel();
  if (!chan) return failed_precondition(str_cat("cannot read ca_cert ", options_.ca_cert));

  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", str_cat("Bearer ", token));
  std::uint64_t applied = 0;
  std::optional<std::uint64_t> applied_chain;
  bool ready = false;
  bool resync = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return aborted("stopping");
    active_ = &ctx;
    last_message_ = Clock::now();
    applied = state_.version;
    applied_chain = state_.chain;
    ready = state_.ready;
    resync = std::exchange(resync_next_, false);
  }
  struct Clear {
    WatchClient* self;
    ~Clear() {
      std::lock_guard lock(self->mu_);
      self->active_ = nullptr;
    }
  } clear{this};

  mcns::v1::WatchRequest request;
  request.set_after_version(ready && !resync ? applied : 0);
  if (ready && !resync && applied_chain) request.set_after_chain(*applied_chain);
  request.set_frontend(options_.frontend_name);
  auto stub = mcns::v1::SyncService::NewStub(chan);
  auto reader = stub->Watch(&ctx, request);

  // The report stream (SPEC 14): same channel, same token; best-effort.
  grpc::ClientContext report_ctx;
  report_ctx.AddMetadata("authorization", str_cat("Bearer ", token));
  mcns::v1::ReportAck report_ack;
  std::unique_ptr<grpc::ClientWriter<mcns::v1::FrontendReport>> reporter = stub->Report(&report_ctx, &report_ack);
  {
    std::lock_guard lock(mu_);
    report_active_ = &report_ctx;
  }
  struct ClearReport {
    WatchClient* self;
    ~ClearReport() {
      std::lock_guard lock(self->mu_);
      self->report_active_ = nullptr;
    }
  } clear_report{this};
  auto report = [&](std::uint64_t version) {
    if (!reporter) return;
    mcns::v1::FrontendReport r;
    r.set_name(options_.frontend_name);
    r.set_version(version);
    if (reporter->Write(r)) return;
    grpc::Status why = reporter->Finish();
    reporter.reset();
    std::lock_guard lock(mu_);
    if (stopping_ || std::exchange(report_failure_logged_, true)) return;
    log::warn("watch: the control does not take version reports (", grpcutil::from_grpc(why).to_string(),
              "); following the watch stream without reporting (logged once)");
  };
  auto end_report = [&] {
    if (!reporter) return;
    report_ctx.TryCancel();
    reporter->Finish();
    reporter.reset();
  };
  report(applied);  // what it serves now (0 before its first snapshot)

  Status failure;
  mcns::v1::WatchEvent event;
  while (failure.ok() && reader->Read(&event)) {
    {
      std::lock_guard lock(mu_);
      last_message_ = Clock::now();
      if (!state_.connected) {
        state_.connected = true;
        catalog_.set_connected(true);
      }
    }
    switch (event.kind_case()) {
      case mcns::v1::WatchEvent::kHeartbeat:
        // Heartbeats follow the changes on the same ordered stream: one ahead of us
        // means a change was lost.
        if (ready && event.version() > applied)
          failure = aborted(str_cat("heartbeat at version ", event.version(), " but applied ", applied));
        else
          report(applied);  // also tells the control this frontend is alive
        break;
      case mcns::v1::WatchEvent::kSnapshot: {
        if (!event.snapshot().first()) {
          failure = aborted("snapshot chunk out of order");
          break;
        }
        auto started = Clock::now();
        std::uint64_t version = event.version();
        std::size_t records = 0;
        failure = apply_snapshot(
            event,
            [&](mcns::v1::WatchEvent& next) {
              if (!reader->Read(&next)) return false;
              std::lock_guard lock(mu_);
              last_message_ = Clock::now();
              return true;
            },
            ready, records);
        if (!failure.ok()) {
          // A broken stream is retried as it is; data the frontend cannot take is reported.
          if (failure.code() != StatusCode::kUnavailable && failure.code() != StatusCode::kAborted) {
            log::error("watch: cannot apply the snapshot at version ", version, ": ", failure.message());
            catalog_.report_apply_error(str_cat("snapshot at version ", version, ": ", failure.message()));
          }
          break;
        }
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        log::info("watch: snapshot at version ", version, " applied: ", records, " records in ", ms, " ms");
        applied = version;
        ready = true;
        report(applied);
        break;
      }
      case mcns::v1::WatchEvent::kChange: {
        if (!ready) {
          failure = aborted("change before the first snapshot");
          break;
        }
        if (event.version() <= applied) break;  // already have it
        if (event.version() != applied + 1) {
          failure = aborted(str_cat("version gap: got ", event.version(), " after ", applied));
          break;
        }
        std::vector<std::string> skipped;
        auto is_file_zone = [this](const std::string& z) { return file_zones_.count(z) > 0; };
        Status s = catalog_.apply_control_change(event.version(), [&](zonesrc::ControlZoneEditor& editor) {
          return apply_change(editor, event.change(), is_file_zone, &skipped);
        });
        for (const auto& z : skipped)
          log::error("watch: change ", event.version(), " touches zone ", z, " which is served from a zone file; ignored");
        if (!s.ok()) {
          failure = Status(s.code(), str_cat("change ", event.version(), ": ", s.message()));
          // Retrying the same change would fail the same way: say so, and start over from
          // a full snapshot on the next connection.
          log::error("watch: cannot apply change ", event.version(), ": ", s.message(),
                     "; serving version ", applied, " and asking for a full snapshot");
          catalog_.report_apply_error(str_cat("change ", event.version(), ": ", s.message()));
          std::lock_guard lock(mu_);
          resync_next_ = true;
          break;
        }
        mark_applied(event.version(), chain_of(event), false);
        applied = event.version();
        report(applied);
        log::debug("watch: applied change ", applied);
        break;
      }
      case mcns::v1::WatchEvent::KIND_NOT_SET:
        failure = aborted("empty watch event");
        break;
    }
  }
  end_report();
  if (!failure.ok()) {
    ctx.TryCancel();
    reader->Finish();
    return failure;
  }
  grpc::Status end = reader->Finish();
  if (end.ok()) return unavailable("the control ended the stream");
  return grpcutil::from_grpc(end);
}

void WatchClient::watchdog() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stopping_; });
    if (stopping_) break;
    if (active_ && Clock::now() - last_message_ > options_.heartbeat_timeout) {
      log::warn("watch: no message from the control for ", options_.heartbeat_timeout.count(),
                " ms; reconnecting");
      active_->TryCancel();
      if (report_active_) report_active_->TryCancel();
      last_message_ = Clock::now();
    }
  }
}

}  // namespace mcns::frontend::watch
