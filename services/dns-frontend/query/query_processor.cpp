#include "services/dns-frontend/query/query_processor.h"

#include <cstring>

#include "common/dns/rr_type.h"
#include "common/dns_wire/message.h"
#include "common/dns_wire/wire.h"
#include "common/zone/zone.h"

namespace mcns::frontend {
namespace {

using dns_wire::Name;
using dns_wire::NameCompressor;
using dns_wire::ParsedQuery;
using dns_wire::ParseResult;
using dns_wire::WireWriter;
namespace rcode = dns_wire::rcode;
namespace flag = dns_wire::flag;
namespace type = dns::type;

// Knot DNS 3.2 follows at most five CNAMEs and then answers with what it has
// (checked against knotd: a 25-step chain yields exactly five CNAME records).
constexpr unsigned kMaxCnameChain = 5;
constexpr std::uint16_t kTypeDs = 43;
constexpr std::size_t kMaxTargets = 16;   // NS/MX/SRV targets looked up for additional data
constexpr std::size_t kQuestionRef = dns_wire::kHeaderSize;
constexpr std::uint16_t kRcodeBadCookie = 23;  // RFC 7873 8 (extended: needs OPT)

// Where an owner name is in the reply: `ref` is a pointer target, or -1 when the name
// still has to be written (then `name` is used, compressed, and `ref` remembered).
struct Owner {
  int ref = -1;
  const std::uint8_t* name = nullptr;
  std::size_t length = 0;
};

struct Targets {
  std::size_t count = 0;
  Owner items[kMaxTargets];
  void add(int ref, const std::uint8_t* name, std::size_t length) noexcept {
    if (count == kMaxTargets) return;
    items[count++] = Owner{ref <= static_cast<int>(dns_wire::kMaxPointerTarget) ? ref : -1, name, length};
  }
};

// Which targets put_additionals() looks at: all of them (optional data), or, for a
// referral (RFC 9471), only those at or below the cut (in-domain glue, required) or
// only the others (sibling glue, optional).
enum class Glue : std::uint8_t { kAll, kInDomain, kSibling };
struct Cut {
  const std::uint8_t* name = nullptr;  // lower case, uncompressed
  std::size_t length = 0;
  unsigned labels = 0;
};

class Responder {
 public:
  Responder(const zone::ZoneSet& zones, const ParsedQuery& q, std::span<std::uint8_t> out) noexcept
      : zones_(zones), q_(q), w_(out) {}

  // Sets the header fields every reply shares and the size limit; copies the question
  // when `with_question`.
  void begin(bool with_question, std::size_t max_size, bool forwarding) noexcept {
    flags_ = static_cast<std::uint16_t>(flag::kQr | (q_.header.flags & (flag::kOpcodeMask | flag::kRd)));
    if (forwarding) flags_ |= flag::kRa;
    max_size_ = max_size < w_.limit() ? max_size : w_.limit();
    w_.set_limit(max_size_);
    w_.put_bytes(std::span<const std::uint8_t>(zero_header_, dns_wire::kHeaderSize));
    // A caller buffer too small for the question gets a header-only reply.
    if (with_question && w_.put_bytes(q_question_.data(), q_question_.size())) {
      qdcount_ = 1;
      comp_.add(kQuestionRef);
    }
    question_end_ = w_.size();
  }
  void set_question(std::span<const std::uint8_t> question) noexcept { q_question_ = question; }
  bool has_question() const noexcept { return qdcount_ != 0; }

  // The COOKIE option data of the reply's OPT record (call before reserve_opt()).
  void set_cookie(std::span<const std::uint8_t> cookie) noexcept { cookie_ = cookie; }

  // Reserves room for the OPT record written by finish().
  void reserve_opt(int ede) noexcept {
    opt_ede_ = ede;
    if (!q_.edns.present) return;
    std::size_t need = dns_wire::opt_size(ede, cookie_.size());
    w_.set_limit(max_size_ >= need ? max_size_ - need : 0);
  }

  QueryResult finish(std::uint16_t rc) noexcept {
    if (q_.edns.present) {
      w_.set_limit(max_size_);
      const auto payload = static_cast<std::uint16_t>(kMaxUdpPayload);
      bool written = dns_wire::write_opt(w_, payload, rc, q_.edns.dnssec_ok, opt_ede_, cookie_);
      if (!written) {  // only with a caller buffer too small for the reserved room
        truncate();
        written = dns_wire::write_opt(w_, payload, rc, q_.edns.dnssec_ok, opt_ede_, cookie_);
      }
      if (written) ++ar_;
    }
    std::uint8_t* h = w_.data();
    dns_wire::store_u16(h, q_.header.id);
    dns_wire::store_u16(h + 2, static_cast<std::uint16_t>(flags_ | (rc & flag::kRcodeMask)));
    dns_wire::store_u16(h + 4, qdcount_);
    dns_wire::store_u16(h + 6, an_);
    dns_wire::store_u16(h + 8, ns_);
    dns_wire::store_u16(h + 10, ar_);
    return QueryResult{QueryAction::kRespond, w_.size(), rc, q_.qtype};
  }

  // Empties the record sections and sets TC (RFC 2181 9; Knot keeps only the question).
  void truncate() noexcept {
    w_.rewind(question_end_);
    comp_.truncate(qdcount_ ? 1 : 0);
    an_ = ns_ = ar_ = 0;
    flags_ |= flag::kTc;
  }

  void set_aa(bool on) noexcept {
    if (on) flags_ |= flag::kAa;
    else flags_ &= static_cast<std::uint16_t>(~flag::kAa);
  }

  // The authoritative answer, starting in `zone` (which encloses the question name).
  std::uint16_t answer(const zone::Zone* zone) noexcept;

 private:
  struct Resolution {
    enum Kind : std::uint8_t { kNode, kWildcard, kNxDomain, kDelegation } kind = kNxDomain;
    zone::NodeRef node;
    unsigned labels = 0;  // delegation point: its label count
  };
  Resolution resolve(const zone::Zone& zone, const Name& name) const noexcept;

  bool put_owner(Owner& owner) noexcept;
  bool put_rrset(const zone::Shard& shard, const zone::RRset& set, Owner& owner, Targets* targets) noexcept;
  bool put_soa(const zone::Zone& zone, std::uint32_t ttl, Owner& owner) noexcept;
  // False when a required (in-domain) record did not fit; the reply is then as it was
  // before the call. Optional records that do not fit are left out.
  bool put_additionals(const zone::Zone& zone, const Targets& targets, Glue which = Glue::kAll,
                       const Cut& cut = {}) noexcept;
  // Owner of the suffix of `name` starting at label `label` (the qname's suffixes are
  // in the question; other names go through the compressor).
  Owner suffix_owner(const Name& name, bool is_qname, unsigned label) const noexcept;
  // Answer/authority: on overflow the reply is truncated and false returned.
  bool section(bool ok) noexcept {
    if (!ok) truncate();
    return ok;
  }

  const zone::ZoneSet& zones_;
  const ParsedQuery& q_;
  WireWriter w_;
  NameCompressor comp_;
  std::span<const std::uint8_t> q_question_;
  std::span<const std::uint8_t> cookie_;
  static constexpr std::uint8_t zero_header_[dns_wire::kHeaderSize] = {};
  std::size_t max_size_ = 0;
  std::size_t question_end_ = 0;
  std::uint16_t flags_ = 0;
  std::uint16_t qdcount_ = 0, an_ = 0, ns_ = 0, ar_ = 0;
  int opt_ede_ = -1;
};

Owner Responder::suffix_owner(const Name& name, bool is_qname, unsigned label) const noexcept {
  if (is_qname) return Owner{static_cast<int>(kQuestionRef + name.label_offsets[label]), nullptr, 0};
  return Owner{-1, name.suffix(label), name.suffix_length(label)};
}

bool Responder::put_owner(Owner& owner) noexcept {
  if (owner.ref >= 0) return w_.put_u16(static_cast<std::uint16_t>(0xc000 | owner.ref));
  int ref = comp_.write(w_, owner.name, owner.length);
  if (ref < 0) return false;
  if (ref <= static_cast<int>(dns_wire::kMaxPointerTarget)) owner.ref = ref;
  return true;
}

bool Responder::put_rrset(const zone::Shard& shard, const zone::RRset& set, Owner& owner,
                          Targets* targets) noexcept {
  const std::uint8_t* p = shard.data() + set.offset;
  const std::uint8_t* end = p + set.size;
  const bool compress = (set.flags & zone::rrset_flag::kCompressName) != 0;
  // Remember where each RDATA name went (additional-data owners, CNAME targets).
  const bool additional =
      targets && (set.flags & (zone::rrset_flag::kAdditional | zone::rrset_flag::kCompressName));
  // The common case: owner = question name, nothing to compress or remember: one copy
  // (each pre-encoded record starts with the pointer C0 0C).
  if (owner.ref == static_cast<int>(kQuestionRef) && !compress && !additional) return w_.put_bytes(p, set.size);
  while (p < end) {
    const std::uint16_t rdlength = dns_wire::load_u16(p + 10);
    const std::uint8_t* rdata = p + 12;
    if (!put_owner(owner)) return false;
    if (!w_.put_bytes(p + 2, 10)) return false;  // type, class, ttl, rdlength
    const std::size_t rdlength_at = w_.size() - 2;
    if (compress) {
      const std::size_t pos = set.name_pos;
      if (!w_.put_bytes(rdata, pos)) return false;
      int ref = comp_.write(w_, rdata + pos, rdlength - pos);
      if (ref < 0) return false;
      if (additional) targets->add(ref, rdata + pos, rdlength - pos);
      w_.patch_u16(rdlength_at, static_cast<std::uint16_t>(w_.size() - rdlength_at - 2));
    } else {
      const std::size_t at = w_.size();
      if (!w_.put_bytes(rdata, rdlength)) return false;
      if (additional) targets->add(static_cast<int>(at + set.name_pos), rdata + set.name_pos, rdlength - set.name_pos);
    }
    p = rdata + rdlength;
  }
  return true;
}

bool Responder::put_soa(const zone::Zone& zone, std::uint32_t ttl, Owner& owner) noexcept {
  const auto rdata = zone.soa_rdata();
  if (!put_owner(owner)) return false;
  if (!w_.put_u16(type::kSOA) || !w_.put_u16(dns_wire::kClassIn) || !w_.put_u32(ttl) || !w_.put_u16(0)) return false;
  const std::size_t rdlength_at = w_.size() - 2;
  if (comp_.write(w_, rdata.data(), zone.soa_mname_end()) < 0) return false;
  if (comp_.write(w_, rdata.data() + zone.soa_mname_end(), zone.soa_rname_end() - zone.soa_mname_end()) < 0)
    return false;
  if (!w_.put_bytes(rdata.data() + zone.soa_rname_end(), 20)) return false;
  w_.patch_u16(rdlength_at, static_cast<std::uint16_t>(w_.size() - rdlength_at - 2));
  return true;
}

// A/AAAA of NS, MX and SRV targets found in the same zone, as Knot adds them. Records
// that do not fit are left out without TC (RFC 2181 9: additional data is optional),
// except in-domain glue of a referral (RFC 9471 2.1: the caller sets TC).
bool Responder::put_additionals(const zone::Zone& zone, const Targets& targets, Glue which, const Cut& cut) noexcept {
  const std::size_t start = w_.size();
  const std::size_t start_comp = comp_.count();
  const std::uint16_t start_ar = ar_;
  for (std::size_t i = 0; i < targets.count; ++i) {
    Owner owner = targets.items[i];
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j)
      seen = dns_wire::names_equal_ci(targets.items[j].name, targets.items[j].length, owner.name, owner.length);
    if (seen) continue;
    Name lower;
    if (!lower.assign({owner.name, owner.length})) continue;
    lower.to_lower();
    if (which != Glue::kAll) {
      const bool in_domain =
          lower.label_count >= cut.labels &&
          dns_wire::names_equal_ci(lower.suffix(lower.label_count - cut.labels),
                                   lower.suffix_length(lower.label_count - cut.labels), cut.name, cut.length);
      if (in_domain != (which == Glue::kInDomain)) continue;
    }
    zone::NodeRef ref = zone.find(lower.data.data(), lower.length);
    if (!ref) continue;
    for (std::uint16_t t : {type::kA, type::kAAAA}) {
      const zone::RRset* set = ref.shard->find_rrset(*ref.node, t);
      if (!set) continue;
      const std::size_t mark = w_.size();
      const std::size_t comp_mark = comp_.count();
      if (!put_rrset(*ref.shard, *set, owner, nullptr)) {
        if (which == Glue::kInDomain) {  // all or nothing: the caller truncates
          w_.rewind(start);
          comp_.truncate(start_comp);
          ar_ = start_ar;
          return false;
        }
        w_.rewind(mark);
        comp_.truncate(comp_mark);
        return true;
      }
      ar_ = static_cast<std::uint16_t>(ar_ + set->count);
    }
  }
  return true;
}

Responder::Resolution Responder::resolve(const zone::Zone& zone, const Name& name) const noexcept {
  Resolution res;
  const unsigned n = name.label_count;
  const unsigned apex = zone.apex_labels();
  // A delegation at or above the name (below the apex) wins: referral. The topmost cut
  // decides. DS at the cut itself belongs to the parent side (RFC 4035 3.1.4.1).
  if (zone.has_delegations()) {
    const unsigned top = (q_.qtype == kTypeDs) ? n - 1 : n;
    for (unsigned d = apex + 1; d <= top; ++d) {
      if (!zone.has_delegations_at(d)) continue;
      zone::NodeRef r = zone.find(name.suffix(n - d), name.suffix_length(n - d));
      if (r && (r.node->flags & zone::node_flag::kDelegation)) {
        res.kind = Resolution::kDelegation;
        res.node = r;
        res.labels = d;
        return res;
      }
    }
  }
  if (zone::NodeRef r = zone.find(name.data.data(), name.length)) {
    res.kind = Resolution::kNode;
    res.node = r;
    return res;
  }
  // Closest encloser (empty non-terminals are nodes, the apex always exists), then
  // its wildcard child (RFC 4592 3.3.1).
  for (unsigned d = n - 1; d >= apex; --d) {
    if (d > apex && !zone.has_nodes_at(d)) continue;
    const std::uint8_t* s = name.suffix(n - d);
    const std::size_t len = name.suffix_length(n - d);
    zone::NodeRef ce = d == apex ? zone.apex_node() : zone.find(s, len);
    if (!ce) {
      if (d == apex) break;
      continue;
    }
    if ((ce.node->flags & zone::node_flag::kWildcardChild) && len + 2 <= dns_wire::kMaxNameLength) {
      std::uint8_t star[dns_wire::kMaxNameLength];
      star[0] = 1;
      star[1] = '*';
      std::memcpy(star + 2, s, len);
      if (zone::NodeRef w = zone.find(star, len + 2)) {
        res.kind = Resolution::kWildcard;
        res.node = w;
        return res;
      }
    }
    break;
  }
  res.kind = Resolution::kNxDomain;
  return res;
}

std::uint16_t Responder::answer(const zone::Zone* zone) noexcept {
  set_aa(true);
  // The current name (lower case): the qname, then CNAME targets (kept in `names`,
  // alternating, so the qname is never copied).
  Name names[2];
  const Name* cur = &q_.lower;
  bool is_qname = true;
  Owner cur_owner{static_cast<int>(kQuestionRef), nullptr, 0};
  std::uint32_t visited[kMaxCnameChain + 1];
  std::uint16_t visited_len[kMaxCnameChain + 1];
  unsigned chain = 0;
  visited[0] = zone::name_hash(cur->data.data(), cur->length);
  visited_len[0] = cur->length;
  const std::uint16_t qtype = q_.qtype;

  for (;;) {
    const Resolution res = resolve(*zone, *cur);
    // Owner of the zone apex for the SOA in negative answers.
    Owner apex_owner = suffix_owner(*cur, is_qname, cur->label_count - zone->apex_labels());

    if (res.kind == Resolution::kDelegation) {
      if (chain == 0) set_aa(false);
      const zone::RRset* ns = res.node.shard->find_rrset(*res.node.node, type::kNS);
      const unsigned cut_at = cur->label_count - res.labels;
      Owner owner = suffix_owner(*cur, is_qname, cut_at);
      Targets targets;
      if (!section(put_rrset(*res.node.shard, *ns, owner, &targets))) return rcode::kNoError;
      ns_ = static_cast<std::uint16_t>(ns_ + ns->count);
      // Glue (RFC 9471): the addresses of NS names at or below the cut are the only way
      // to reach the child, so when they do not all fit the referral goes out with TC;
      // sibling glue (NS names elsewhere in this zone) comes after and may be dropped.
      const Cut cut{cur->suffix(cut_at), cur->suffix_length(cut_at), res.labels};
      if (!section(put_additionals(*zone, targets, Glue::kInDomain, cut))) return rcode::kNoError;
      put_additionals(*zone, targets, Glue::kSibling, cut);
      return rcode::kNoError;
    }
    if (res.kind == Resolution::kNxDomain) {
      if (!section(put_soa(*zone, zone->negative_ttl(), apex_owner))) return rcode::kNxDomain;
      ++ns_;
      return rcode::kNxDomain;
    }

    const zone::Shard& shard = *res.node.shard;
    const zone::Node& node = *res.node.node;
    const bool apex = (node.flags & zone::node_flag::kApex) != 0;
    const zone::RRset* set = nullptr;
    bool soa = false;
    if (qtype == dns::type::kANY) {
      // RFC 8482 4.1 as Knot does it: one RRset, the one with the lowest type.
      auto sets = shard.rrsets(node);
      if (apex && (sets.empty() || sets[0].type > type::kSOA)) soa = true;
      else if (!sets.empty()) set = &sets[0];
    } else if (qtype == type::kSOA && apex) {
      soa = true;
    } else {
      set = shard.find_rrset(node, qtype);
    }
    if (soa) {
      if (!section(put_soa(*zone, zone->soa_ttl(), cur_owner))) return rcode::kNoError;
      ++an_;
      return rcode::kNoError;
    }
    if (set) {
      Targets targets;
      if (!section(put_rrset(shard, *set, cur_owner, &targets))) return rcode::kNoError;
      an_ = static_cast<std::uint16_t>(an_ + set->count);
      if (set->flags & zone::rrset_flag::kAdditional) put_additionals(*zone, targets);
      return rcode::kNoError;
    }
    const zone::RRset* cname = (node.flags & zone::node_flag::kCname) ? shard.find_rrset(node, type::kCNAME) : nullptr;
    if (!cname || qtype == dns::type::kANY) {
      // NODATA (also empty non-terminals): SOA in authority.
      if (!section(put_soa(*zone, zone->negative_ttl(), apex_owner))) return rcode::kNoError;
      ++ns_;
      return rcode::kNoError;
    }

    // CNAME: answer it, then follow the target within the served zones.
    Targets target;
    if (!section(put_rrset(shard, *cname, cur_owner, &target))) return rcode::kNoError;
    an_ = static_cast<std::uint16_t>(an_ + cname->count);
    ++chain;
    const std::uint8_t* rd = shard.data() + cname->offset + 12;
    const std::uint16_t rdlength = dns_wire::load_u16(shard.data() + cname->offset + 10);
    if (chain >= kMaxCnameChain || target.count == 0) return rcode::kNoError;
    Name& next = names[chain & 1];
    if (!next.assign({rd, rdlength})) return rcode::kNoError;
    next.to_lower();
    const std::uint32_t h = zone::name_hash(next.data.data(), next.length);
    for (unsigned i = 0; i < chain; ++i)
      if (visited[i] == h && visited_len[i] == next.length) return rcode::kNoError;  // loop: stop
    visited[chain] = h;
    visited_len[chain] = next.length;
    const zone::Zone* next_zone = zones_.match(next);
    if (!next_zone) return rcode::kNoError;  // target outside our zones: the CNAME is the answer
    zone = next_zone;
    cur = &next;
    is_qname = false;
    cur_owner = target.items[0];
  }
}

}  // namespace

std::size_t udp_reply_limit(const ParsedQuery& q) noexcept {
  if (!q.edns.present) return 512;
  std::size_t p = q.edns.payload;
  if (p < 512) p = 512;
  if (p > kMaxUdpPayload) p = kMaxUdpPayload;
  return p;
}

// A frontend holds no TSIG keys (SPEC 13): any signed message gets NOTAUTH with an
// unsigned TSIG record carrying BADKEY (RFC 8945 5.2.1), the request's key name,
// algorithm, time and fudge echoed, as Knot and NSD answer; the question and OPT kept.
QueryResult tsig_badkey(const ParsedQuery& q, std::span<const std::uint8_t> in, std::span<std::uint8_t> out,
                        std::size_t limit) noexcept {
  constexpr std::uint16_t kBadKey = 17;
  dns_wire::Name algorithm;
  std::size_t alg_len = 0;
  auto rdata = in.subspan(q.tsig.rdata_offset, q.tsig.rdlength);
  // Algorithm name, then time (6) and fudge (2): without them there is nothing to echo.
  if (!algorithm.assign(rdata, &alg_len) || rdata.size() < alg_len + 8) return QueryResult{};
  dns_wire::WireWriter w(out.first(std::min(out.size(), limit)));
  // Header: QR, the opcode and RD copied, NOTAUTH; one question, OPT (if any) and TSIG.
  bool ok = w.put_u16(q.header.id) &&
            w.put_u16(static_cast<std::uint16_t>(dns_wire::flag::kQr | (q.header.flags & 0x7900) | rcode::kNotAuth)) &&
            w.put_u16(1) && w.put_u16(0) && w.put_u16(0) && w.put_u16(static_cast<std::uint16_t>(q.edns.present ? 2 : 1));
  ok = ok && w.put_bytes(in.subspan(dns_wire::kHeaderSize, q.question_end - dns_wire::kHeaderSize));
  if (ok && q.edns.present) ok = dns_wire::write_opt(w, kMaxUdpPayload, rcode::kNotAuth, q.edns.dnssec_ok);
  ok = ok && w.put_bytes(q.tsig.key.wire()) && w.put_u16(dns_wire::kTypeTsig) && w.put_u16(255) && w.put_u32(0) &&
       w.put_u16(static_cast<std::uint16_t>(alg_len + 16)) && w.put_bytes(algorithm.wire()) &&
       w.put_bytes(rdata.subspan(alg_len, 8)) && w.put_u16(0) && w.put_u16(q.header.id) && w.put_u16(kBadKey) &&
       w.put_u16(0);
  if (!ok) return QueryResult{};
  return QueryResult{QueryAction::kRespond, w.size(), rcode::kNotAuth, q.qtype};
}

namespace {
QueryResult process_parsed(const zone::ZoneSet& zones, std::span<const std::uint8_t> in,
                           std::span<std::uint8_t> out, Transport transport, bool forwarding,
                           QueryContext* ctx, ParsedQuery& q) noexcept;
}  // namespace

QueryResult process_query(const zone::ZoneSet& zones, std::span<const std::uint8_t> in,
                          std::span<std::uint8_t> out, Transport transport, bool forwarding,
                          QueryContext* ctx) noexcept {
  if (ctx != nullptr && ctx->parsed != nullptr) {
    return process_parsed(zones, in, out, transport, forwarding, ctx, *ctx->parsed);
  }
  ParsedQuery q;
  return process_parsed(zones, in, out, transport, forwarding, ctx, q);
}

namespace {
QueryResult process_parsed(const zone::ZoneSet& zones, std::span<const std::uint8_t> in,
                           std::span<std::uint8_t> out, Transport transport, bool forwarding,
                           QueryContext* ctx, ParsedQuery& q) noexcept {
  const ParseResult parsed = dns_wire::parse_query(in, q);
  if (parsed == ParseResult::kDrop || out.size() < dns_wire::kHeaderSize) return QueryResult{};
  const bool question_ok = parsed == ParseResult::kOk || parsed == ParseResult::kFormErrQuestion;

  std::size_t limit = transport == Transport::kUdp ? udp_reply_limit(q) : dns_wire::kMaxMessageSize;
  Responder r(zones, q, out);
  if (question_ok) r.set_question(in.subspan(dns_wire::kHeaderSize, q.question_end - dns_wire::kHeaderSize));

  // RRL (SPEC 16), once per answered UDP query, before the answer is built.
  const bool limiting = ctx != nullptr && ctx->rrl != nullptr && transport == Transport::kUdp;
  auto rate_limit = [&]() noexcept {
    if (!limiting || ctx->cookie == CookieResult::kValid) return RrlVerdict::kPass;
    ctx->rrl_verdict = ctx->rrl->check(ctx->client, ctx->now);
    return ctx->rrl_verdict;
  };
  // A slipped answer: TC with the question (and OPT) only.
  auto slipped = [&](std::uint16_t rc, bool with_question, int ede) noexcept {
    r.begin(with_question, limit, forwarding);
    r.reserve_opt(ede);
    r.truncate();
    return r.finish(rc);
  };
  auto simple = [&](std::uint16_t rc, bool with_question, bool with_opt, int ede = -1) noexcept {
    if (!with_opt) q.edns.present = false;
    if (const RrlVerdict v = rate_limit(); v != RrlVerdict::kPass)
      return v == RrlVerdict::kDrop ? QueryResult{} : slipped(rc, with_question, ede);
    r.begin(with_question, limit, forwarding);
    r.reserve_opt(ede);
    return r.finish(rc);
  };

  if (parsed == ParseResult::kOk && q.tsig.present) {
    if (const RrlVerdict v = rate_limit(); v != RrlVerdict::kPass)
      return v == RrlVerdict::kDrop ? QueryResult{} : slipped(rcode::kNotAuth, true, -1);
    return tsig_badkey(q, in, out, limit);
  }
  // UPDATE (RFC 2136) goes to mcns-control, never to a frontend: REFUSED (SPEC 13).
  if (q.header.opcode() == 5) return simple(rcode::kRefused, question_ok, parsed == ParseResult::kOk);
  // Other opcodes (IQUERY, STATUS, NOTIFY, ...): NOTIMP (RFC 1035 4.1.1), with the
  // question when it could be read.
  if (q.header.opcode() != 0) return simple(rcode::kNotImp, question_ok, parsed == ParseResult::kOk);
  if (parsed == ParseResult::kFormErrHeader) return simple(rcode::kFormErr, false, true);
  if (parsed == ParseResult::kFormErrQuestion) return simple(rcode::kFormErr, true, false);
  if (q.edns.present && q.edns.version != 0) return simple(rcode::kBadVers, true, true);
  // DNS Cookies (RFC 7873 5.2, RFC 9018).
  std::uint8_t cookie[kClientCookieSize + kServerCookieSize];
  if (ctx != nullptr && ctx->cookie_secret != nullptr && q.edns.present && q.edns.cookie) {
    const std::size_t len = q.edns.cookie_length;
    if (len != kClientCookieSize && (len < 16 || len > 40)) {
      ctx->cookie = CookieResult::kMalformed;
      return simple(rcode::kFormErr, true, true);
    }
    const auto client_cookie = in.subspan(q.edns.cookie_offset, kClientCookieSize);
    const auto server_cookie = in.subspan(q.edns.cookie_offset + kClientCookieSize, len - kClientCookieSize);
    std::memcpy(cookie, client_cookie.data(), kClientCookieSize);
    std::uint32_t stamp = 0;
    const SipKey& secret = *ctx->cookie_secret;
    if (len == kClientCookieSize) {
      ctx->cookie = CookieResult::kNew;
    } else if (check_server_cookie(secret, client_cookie, server_cookie, ctx->now, ctx->client, stamp)) {
      ctx->cookie = CookieResult::kValid;
    } else {
      ctx->cookie = transport == Transport::kUdp ? CookieResult::kBadCookie : CookieResult::kInvalid;
    }
    const auto age = static_cast<std::int32_t>(ctx->now - stamp);
    if (ctx->cookie == CookieResult::kValid && age < static_cast<std::int32_t>(kCookieRefreshAge))
      std::memcpy(cookie + kClientCookieSize, server_cookie.data(), kServerCookieSize);  // still fresh: echoed
    else
      make_server_cookie(secret, client_cookie, ctx->now, ctx->client, cookie + kClientCookieSize);
    r.set_cookie(std::span<const std::uint8_t>(cookie, sizeof cookie));
    if (ctx->cookie == CookieResult::kBadCookie) return simple(kRcodeBadCookie, true, true);
  }
  if (!zones.ready()) return simple(rcode::kRefused, true, true, dns_wire::ede::kNotReady);
  // Knot answers class ANY as IN and refuses every other class (CH, NONE, HS, ...).
  if (q.qclass != dns_wire::kClassIn && q.qclass != dns_wire::kClassAny) return simple(rcode::kRefused, true, true);
  // Knot: qtype 0 is NOTIMP; AXFR over UDP NOTIMP; transfers otherwise not authorised.
  if (q.qtype == 0) return simple(rcode::kNotImp, true, true);
  if (q.qtype == type::kAXFR)
    return simple(transport == Transport::kUdp ? rcode::kNotImp : rcode::kNotAuth, true, true);
  if (q.qtype == type::kIXFR) return simple(rcode::kNotAuth, true, true);

  const zone::Zone* zone = zones.match(q.lower);
  if (!zone) {
    if (forwarding && q.qclass == dns_wire::kClassIn) return QueryResult{QueryAction::kForward, 0, 0, q.qtype};
    return simple(rcode::kRefused, true, true, dns_wire::ede::kNotAuthoritative);
  }
  if (const RrlVerdict v = rate_limit(); v != RrlVerdict::kPass)
    return v == RrlVerdict::kDrop ? QueryResult{} : slipped(rcode::kNoError, true, -1);
  r.begin(true, limit, forwarding);
  r.reserve_opt(-1);
  if (!r.has_question()) {  // buffer below the question's size: nothing useful fits
    r.truncate();
    return r.finish(rcode::kNoError);
  }
  const std::uint16_t rc = r.answer(zone);
  return r.finish(rc);
}

}  // namespace

}  // namespace mcns::frontend
