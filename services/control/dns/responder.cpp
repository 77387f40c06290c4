#include "services/control/dns/responder.h"

#include <chrono>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "common/dns/rr_type.h"
#include "common/dns_wire/message.h"
#include "common/dns_wire/wire.h"
#include "common/tsig/tsig.h"
#include "services/dns-frontend/query/query_processor.h"

namespace mcns::control::dns {
namespace {

namespace type = mcns::dns::type;
constexpr std::uint8_t kOpcodeQuery = 0;
constexpr std::uint8_t kOpcodeUpdate = 5;
constexpr auto kRcodeFormErr = static_cast<std::uint8_t>(dns_wire::rcode::kFormErr);
constexpr auto kRcodeServFail = static_cast<std::uint8_t>(dns_wire::rcode::kServFail);
constexpr auto kRcodeNotImp = static_cast<std::uint8_t>(dns_wire::rcode::kNotImp);
constexpr auto kRcodeRefused = static_cast<std::uint8_t>(dns_wire::rcode::kRefused);
constexpr auto kRcodeNotAuth = static_cast<std::uint8_t>(dns_wire::rcode::kNotAuth);

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

struct Question {
  std::size_t end = 0;  // offset just past the question (12 when there is none)
  dns_wire::Name name;  // lower case
  std::uint16_t type = 0;
  std::uint16_t klass = 0;
  bool present = false;
};

Question read_question(std::span<const std::uint8_t> msg, const dns_wire::Header& h) {
  Question q;
  q.end = 12;
  if (h.qdcount != 1) return q;
  dns_wire::WireReader r(msg);
  r.seek(12);
  if (!r.read_name(&q.name) || !r.read_u16(q.type) || !r.read_u16(q.klass)) return q;
  q.name.to_lower();
  q.end = r.position();
  q.present = true;
  return q;
}

// A reply of the header and question alone with `rcode` (AA when `aa`).
std::vector<std::uint8_t> header_reply(std::span<const std::uint8_t> req, const Question& q, std::uint8_t rcode) {
  std::vector<std::uint8_t> out(req.begin(), req.begin() + static_cast<std::ptrdiff_t>(q.present ? q.end : 12));
  std::uint16_t flags = dns_wire::load_u16(req.data() + 2);
  // QR; keep opcode and RD; clear AA, TC, RA, Z, AD, CD and the rcode.
  flags = static_cast<std::uint16_t>(0x8000 | (flags & 0x7900) | rcode);
  dns_wire::store_u16(out.data() + 2, flags);
  dns_wire::store_u16(out.data() + 4, q.present ? 1 : 0);
  for (std::size_t at : {6u, 8u, 10u}) dns_wire::store_u16(out.data() + at, 0);
  return out;
}

// The serial of the SOA in an IXFR request's authority section.
std::optional<std::uint32_t> ixfr_serial(std::span<const std::uint8_t> msg, const dns_wire::Header& h,
                                         std::size_t after_question) {
  if (h.nscount < 1) return std::nullopt;
  dns_wire::WireReader r(msg);
  r.seek(after_question);
  for (unsigned i = 0; i < h.ancount; ++i) {
    std::uint16_t t, c, l;
    std::uint32_t ttl;
    if (!r.read_name(nullptr) || !r.read_u16(t) || !r.read_u16(c) || !r.read_u32(ttl) || !r.read_u16(l) || !r.skip(l))
      return std::nullopt;
  }
  std::uint16_t type, klass, rdlen;
  std::uint32_t ttl, serial;
  if (!r.read_name(nullptr) || !r.read_u16(type) || !r.read_u16(klass) || !r.read_u32(ttl) || !r.read_u16(rdlen) ||
      type != type::kSOA || !r.read_name(nullptr) || !r.read_name(nullptr) || !r.read_u32(serial))
    return std::nullopt;
  return serial;
}

}  // namespace

Responder::Responder(store::Store& store, const zone::SnapshotHolder& zones, frontend::forward::AllowList allow,
                     metrics::Registry& registry, UpdateHandler* updates)
    : store_(store),
      zones_(zones),
      allow_(std::move(allow)),
      keys_(std::make_shared<KeySet>()),
      registry_(registry),
      updates_(updates) {}

void Responder::set_keys(std::shared_ptr<const KeySet> keys) {
  std::lock_guard lock(keys_mu_);
  keys_ = std::move(keys);
}

std::shared_ptr<const KeySet> Responder::keys() const {
  std::lock_guard lock(keys_mu_);
  return keys_;
}

void Responder::answer(std::span<const std::uint8_t> request, const sockaddr* peer, bool tcp, const Emit& emit) {
  dns_wire::Header h;
  if (!h.read(request) || (h.flags & 0x8000)) return;  // too short, or a response: drop
  Question q = read_question(request, h);

  if (!allow_.contains(peer)) {
    auto reply = header_reply(request, q, kRcodeRefused);
    emit(reply);
    return;
  }

  auto found = tsig::find(request);
  if (!found.ok()) {
    auto reply = header_reply(request, q, kRcodeFormErr);
    emit(reply);
    return;
  }
  const std::optional<tsig::Record>& signature = *found;
  std::shared_ptr<const KeySet> keys = this->keys();
  const KeyPolicy* policy = nullptr;
  if (signature) {
    tsig::KeyLookup lookup = [&](std::string_view name) { return keys->key(name); };
    tsig::Verification v = tsig::verify_request(request, *signature, lookup, unix_now());
    if (v.error == tsig::kBadKey || v.error == tsig::kBadSig) {
      log::warn("dns: refused a message signed with ", v.error == tsig::kBadKey ? "an unknown key " : "a bad MAC of key ",
                signature->key_name);
      auto reply = header_reply(request, q, kRcodeNotAuth);
      tsig::append_unsigned_error(reply, *signature, v.error);
      emit(reply);
      return;
    }
    if (v.error == tsig::kBadTime) {
      auto reply = header_reply(request, q, kRcodeNotAuth);
      std::uint64_t now = unix_now();
      std::vector<std::uint8_t> other = {static_cast<std::uint8_t>(now >> 40), static_cast<std::uint8_t>(now >> 32),
                                         static_cast<std::uint8_t>(now >> 24), static_cast<std::uint8_t>(now >> 16),
                                         static_cast<std::uint8_t>(now >> 8),  static_cast<std::uint8_t>(now)};
      tsig::sign(reply, *v.key, signature->mac, signature->time_signed, tsig::kBadTime, other);
      emit(reply);
      return;
    }
    policy = keys->find(signature->key_name);
  }
  const std::uint64_t signed_at = unix_now();
  // Signs `reply` when the request was signed (with the key it was signed with).
  auto finish = [&](std::vector<std::uint8_t>& reply) {
    if (policy) tsig::sign(reply, policy->key, signature->mac, signed_at);
    return emit(reply);
  };

  if (h.opcode() == kOpcodeUpdate && updates_) {
    // The answer echoes the zone section (header_reply keeps a ZOCOUNT of one) and is
    // signed with the request's key.
    auto reply = header_reply(request, q, updates_->handle(request, policy));
    finish(reply);
    return;
  }
  if (h.opcode() != kOpcodeQuery) {
    auto reply = header_reply(request, q, kRcodeNotImp);
    finish(reply);
    return;
  }
  if (!q.present) {
    auto reply = header_reply(request, q, kRcodeFormErr);
    finish(reply);
    return;
  }

  if (q.type == type::kAXFR || q.type == type::kIXFR) {
    const bool incremental = q.type == type::kIXFR;
    const std::string kind = incremental ? "ixfr" : "axfr";
    auto count = [&](const char* result) {
      registry_.counter("mcns_xfr_total", "Zone transfers asked of the control's DNS listener",
                        {{"type", kind}, {"result", result}})
          .inc();
    };
    std::string zone = dns_wire::lower_text(q.name);
    if (!policy || !policy->transfer || !policy->covers(zone)) {
      log::warn("dns: ", kind, " of ", zone, " refused: ",
                !signature ? "not signed" : str_cat("key ", signature->key_name, " may not transfer it"));
      count("refused");
      auto reply = header_reply(request, q, kRcodeRefused);
      finish(reply);
      return;
    }
    TransferRequest tr;
    tr.id = h.id;
    tr.question.assign(request.begin() + 12, request.begin() + static_cast<std::ptrdiff_t>(q.end));
    tr.zone = zone;
    tr.incremental = incremental;
    if (incremental) tr.client_serial = ixfr_serial(request, h, q.end);
    if (!tcp) {
      if (!incremental) {
        auto reply = header_reply(request, q, kRcodeNotImp);
        finish(reply);
        return;
      }
      auto soa = soa_answer(store_, tr);
      if (!soa.ok() || !soa->has_value()) {
        auto reply = header_reply(request, q, soa.ok() ? kRcodeNotAuth : kRcodeServFail);
        finish(reply);
        return;
      }
      count("udp_soa");
      finish(**soa);
      return;
    }
    std::optional<tsig::StreamSigner> signer;
    if (policy) signer.emplace(policy->key, signature->mac, signed_at);
    auto result = transfer(store_, tr, [&](std::vector<std::uint8_t>& m) {
      if (signer) signer->sign(m);
      return emit(m);
    });
    if (!result.ok()) {
      log::error("dns: ", kind, " of ", zone, " failed: ", result.status().message());
      count("error");
      auto reply = header_reply(request, q, kRcodeServFail);
      finish(reply);
      return;
    }
    if (!result->found) {
      count("notauth");
      auto reply = header_reply(request, q, kRcodeNotAuth);
      finish(reply);
      return;
    }
    count(result->incremental ? "incremental" : "full");
    log::info("dns: ", kind, " of ", zone, " serial ", result->serial, " to key ", signature->key_name, ": ",
              result->incremental ? "incremental" : "full", ", ", result->records, " records in ", result->messages,
              " messages");
    return;
  }

  // An ordinary query: the frontend's answer logic over the committed zones, on the
  // request without its TSIG record.
  std::vector<std::uint8_t> in(request.begin(), request.end());
  if (signature) {
    in.resize(signature->offset);
    dns_wire::store_u16(in.data() + 10, static_cast<std::uint16_t>(h.arcount - 1));
  }
  std::vector<std::uint8_t> out(tcp ? 65535 : frontend::kMaxUdpPayload);
  zone::ZoneSetPtr zones = zones_.load();
  auto result = frontend::process_query(*zones, in, out, tcp ? frontend::Transport::kTcp : frontend::Transport::kUdp,
                                        /*forwarding=*/false);
  if (result.action != frontend::QueryAction::kRespond) return;
  out.resize(result.size);
  if (policy && !tcp) {
    // The signature must fit too: else TC with the question alone, signed (as BIND does).
    dns_wire::ParsedQuery parsed;
    dns_wire::parse_query(in, parsed);
    const std::size_t limit = frontend::udp_reply_limit(parsed);
    std::size_t tsig_size = policy->key.name.size() + 2 + 10 + tsig::algorithm_name(policy->key.algorithm).size() + 2 +
                            16 + tsig::mac_length(policy->key.algorithm);
    if (out.size() + tsig_size > limit) {
      out = header_reply(request, q, static_cast<std::uint8_t>(out[3] & 0x0f));
      out[2] |= 0x06;  // AA + TC
    }
  }
  finish(out);
}

}  // namespace mcns::control::dns
