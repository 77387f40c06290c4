#include "services/control/dns/transfer.h"

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/rr_type.h"
#include "common/dns/value.h"
#include "common/dns_wire/wire.h"

namespace mcns::control::dns {
namespace {

constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kFlagsAnswer = 0x8400;  // QR, AA

struct SoaFields {
  std::string primary_ns, admin_email;
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};

SoaFields soa_of(const domain::Zone& z) {
  return {z.primary_ns, z.admin_email, z.serial, z.refresh, z.retry, z.expire, z.minimum_ttl};
}
SoaFields soa_of(const mcns::v1::SyncZone& z) {
  return {z.primary_ns(), z.admin_email(), z.serial(), z.refresh(), z.retry(), z.expire(), z.minimum_ttl()};
}

constexpr auto put16 = dns_wire::append_u16;
constexpr auto put32 = dns_wire::append_u32;

std::vector<std::uint8_t> soa_rdata(const SoaFields& s) {
  std::vector<std::uint8_t> rd = mcns::dns::name_to_wire(s.primary_ns);
  auto rname = mcns::dns::name_to_wire(s.admin_email);
  rd.insert(rd.end(), rname.begin(), rname.end());
  for (std::uint32_t v : {s.serial, s.refresh, s.retry, s.expire, s.minimum}) put32(rd, v);
  return rd;
}

// Packs RRs into messages of at most `max` octets. Every message repeats the question,
// so the zone apex is always at offset 12 and each owner is its relative labels plus a
// pointer to it.
class MessageWriter {
 public:
  MessageWriter(const TransferRequest& req, const Emit& emit) : req_(req), emit_(emit) { open(); }

  // `relative`: the owner relative to the zone ("@" for the apex).
  bool add(std::string_view relative, std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
    owner_.clear();
    if (relative != "@") {
      for (std::string_view label : split(relative, '.')) {
        owner_.push_back(static_cast<std::uint8_t>(label.size()));
        owner_.insert(owner_.end(), label.begin(), label.end());
      }
    }
    owner_.push_back(0xc0);
    owner_.push_back(0x0c);
    std::size_t rr = owner_.size() + 10 + rdata.size();
    if (count_ > 0 && msg_.size() + rr > req_.max_message) {
      if (!flush()) return false;
      open();
    }
    msg_.insert(msg_.end(), owner_.begin(), owner_.end());
    put16(msg_, type);
    put16(msg_, kClassIn);
    put32(msg_, ttl);
    put16(msg_, static_cast<std::uint16_t>(rdata.size()));
    msg_.insert(msg_.end(), rdata.begin(), rdata.end());
    ++count_;
    ++records_;
    return true;
  }
  bool finish() { return count_ == 0 || flush(); }
  std::size_t messages() const { return messages_; }
  std::size_t records() const { return records_; }

 private:
  void open() {
    msg_.clear();
    put16(msg_, req_.id);
    put16(msg_, kFlagsAnswer);
    put16(msg_, 1);
    put16(msg_, 0);
    put16(msg_, 0);
    put16(msg_, 0);
    msg_.insert(msg_.end(), req_.question.begin(), req_.question.end());
    count_ = 0;
  }
  bool flush() {
    dns_wire::store_u16(msg_.data() + 6, static_cast<std::uint16_t>(count_));
    ++messages_;
    return emit_(msg_);
  }

  const TransferRequest& req_;
  const Emit& emit_;
  std::vector<std::uint8_t> msg_;
  std::vector<std::uint8_t> owner_;
  std::size_t count_ = 0, messages_ = 0, records_ = 0;
};

bool add_soa(MessageWriter& w, const SoaFields& soa) {
  auto rd = soa_rdata(soa);
  return w.add("@", mcns::dns::type::kSOA, soa.minimum, rd);  // SOA TTL = minimum (Decision 2)
}

Status add_record(MessageWriter& w, std::string_view name, std::string_view type, std::string_view value,
                  std::uint32_t ttl, bool& stopped) {
  const mcns::dns::RRTypeInfo* info = mcns::dns::find_type(type);
  if (!info) return Status(StatusCode::kDataLoss, str_cat("stored record of unknown type ", type));
  MCNS_ASSIGN_OR_RETURN(auto rdata, mcns::dns::value_to_rdata(*info, value));
  if (!w.add(name, info->code, ttl, rdata)) stopped = true;
  return ok_status();
}

// One change of the zone's journal.
struct Delta {
  std::uint64_t version = 0;
  bool restore = false;      // a restore moved every zone (its content is not a diff)
  bool zone_deleted = false;
  std::optional<SoaFields> soa;  // after the change
  std::vector<mcns::v1::SyncRecord> removed, added;
};

StatusOr<std::vector<Delta>> journal(store::Store& store, const std::string& zone) {
  MCNS_ASSIGN_OR_RETURN(auto rows, store.zone_changes(zone));
  std::vector<Delta> out;
  for (auto& row : rows) {
    Delta d;
    d.version = row.version;
    d.restore = row.zone == "*";
    for (const auto& op : row.change.ops()) {
      if (op.has_zone_upsert() && op.zone_upsert().name() == zone) d.soa = soa_of(op.zone_upsert());
      if (op.has_zone_delete() && op.zone_delete() == zone) d.zone_deleted = true;
      if (op.has_record_add() && op.record_add().zone() == zone) d.added.push_back(op.record_add().record());
      if (op.has_record_remove() && op.record_remove().zone() == zone) d.removed.push_back(op.record_remove().record());
    }
    out.push_back(std::move(d));
  }
  return out;
}

bool serial_ahead_or_equal(std::uint32_t a, std::uint32_t b) {
  return a == b || static_cast<std::int32_t>(a - b) > 0;
}

}  // namespace

StatusOr<TransferResult> transfer(store::Store& store, const TransferRequest& request, const Emit& emit) {
  TransferResult result;
  std::optional<domain::Zone> zone;
  MCNS_RETURN_IF_ERROR(store.read([&](store::ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone, tx.find_zone(request.zone));
    return ok_status();
  }));
  if (!zone) return result;
  result.found = true;
  result.serial = zone->serial;
  const SoaFields current = soa_of(*zone);

  if (request.incremental && request.client_serial) {
    MessageWriter w(request, emit);
    if (serial_ahead_or_equal(*request.client_serial, zone->serial)) {
      // Up to date (RFC 1995 §2): the current SOA alone.
      add_soa(w, current);
      w.finish();
      result.incremental = true;
      result.messages = w.messages();
      result.records = w.records();
      return result;
    }
    MCNS_ASSIGN_OR_RETURN(std::vector<Delta> deltas, journal(store, request.zone));
    // The first change after the one that left the zone at the client's serial.
    std::size_t start = deltas.size();
    for (std::size_t i = 0; i < deltas.size(); ++i)
      if (deltas[i].soa && !deltas[i].restore && deltas[i].soa->serial == *request.client_serial) start = i + 1;
    bool usable = start < deltas.size();
    std::optional<SoaFields> before = usable ? deltas[start - 1].soa : std::nullopt;
    for (std::size_t i = start; usable && i < deltas.size(); ++i)
      if (deltas[i].restore || deltas[i].zone_deleted) usable = false;
    // The journal must end at the zone's current serial (nothing written past it since).
    if (usable) {
      std::optional<SoaFields> last;
      for (std::size_t i = start; i < deltas.size(); ++i)
        if (deltas[i].soa) last = deltas[i].soa;
      usable = last && last->serial == zone->serial;
    }
    if (usable && before) {
      bool stopped = false;
      add_soa(w, current);
      SoaFields old = *before;
      for (std::size_t i = start; i < deltas.size() && !stopped; ++i) {
        const Delta& d = deltas[i];
        SoaFields next = d.soa ? *d.soa : old;
        if (!add_soa(w, old)) stopped = true;
        for (const auto& r : d.removed)
          if (!stopped) MCNS_RETURN_IF_ERROR(add_record(w, r.name(), r.type(), r.value(), r.ttl(), stopped));
        if (!stopped && !add_soa(w, next)) stopped = true;
        for (const auto& r : d.added)
          if (!stopped) MCNS_RETURN_IF_ERROR(add_record(w, r.name(), r.type(), r.value(), r.ttl(), stopped));
        old = next;
      }
      if (!stopped) add_soa(w, current);
      if (!stopped) w.finish();
      result.incremental = true;
      result.messages = w.messages();
      result.records = w.records();
      return result;
    }
    // Not covered: a full transfer (RFC 1995 §4), framed as an AXFR.
  }

  MessageWriter w(request, emit);
  bool stopped = !add_soa(w, current);
  Status read = store.read([&](store::ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(auto again, tx.find_zone(request.zone));
    if (!again) return ok_status();
    return tx.for_each_record(again->id, [&](const store::RecordView& r) -> Status {
      if (stopped) return Status(StatusCode::kCancelled, "the client went away");
      return add_record(w, r.name, r.type, r.value, r.ttl, stopped);
    });
  });
  if (!read.ok() && read.code() != StatusCode::kCancelled) return read;
  if (!stopped) stopped = !add_soa(w, current);
  if (!stopped) w.finish();
  result.messages = w.messages();
  result.records = w.records();
  return result;
}

StatusOr<std::optional<std::vector<std::uint8_t>>> soa_answer(store::Store& store, const TransferRequest& request) {
  std::optional<domain::Zone> zone;
  MCNS_RETURN_IF_ERROR(store.read([&](store::ReadTx& tx) -> Status {
    MCNS_ASSIGN_OR_RETURN(zone, tx.find_zone(request.zone));
    return ok_status();
  }));
  if (!zone) return std::optional<std::vector<std::uint8_t>>{};
  std::vector<std::uint8_t> out;
  Emit keep = [&](std::vector<std::uint8_t>& m) {
    out = m;
    return true;
  };
  MessageWriter w(request, keep);
  add_soa(w, soa_of(*zone));
  w.finish();
  return std::optional<std::vector<std::uint8_t>>(std::move(out));
}

}  // namespace mcns::control::dns
