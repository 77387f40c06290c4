#include "common/zonefile/zone_file_reader.h"

#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>

#include "common/base/strings.h"
#include "common/dns/name.h"

namespace mcns::zonefile {
namespace {

// Defaults handed to ldns, which cannot say whether a record had a TTL: a record that
// comes back with kUnset was either written without a TTL or with exactly 4294967295,
// and parsing it again with kUnsetToo tells the two apart.
constexpr std::uint32_t kUnset = 0xFFFFFFFFu;
constexpr std::uint32_t kUnsetToo = 0xFFFFFFFEu;
constexpr std::uint32_t kMaxDollarTtl = 2147483647u;  // RFC 2181 section 8

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
struct RrFree {
  void operator()(ldns_rr* rr) const noexcept { ldns_rr_free(rr); }
};
struct RdfFree {
  void operator()(ldns_rdf* rdf) const noexcept { ldns_rdf_deep_free(rdf); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
// ldns frees and replaces *slot itself (the previous owner); this owns what it holds last.
struct RdfSlot {
  ldns_rdf* rdf = nullptr;
  RdfSlot() = default;
  RdfSlot(const RdfSlot&) = delete;
  RdfSlot& operator=(const RdfSlot&) = delete;
  ~RdfSlot() {
    if (rdf) ldns_rdf_deep_free(rdf);
  }
};

std::string rdf_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  if (!s) return {};
  std::string out(s);
  LDNS_FREE(s);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

// The position of the next character that is neither white space nor in a ';' comment.
std::size_t skip_blank(std::string_view text, std::size_t pos) {
  while (pos < text.size()) {
    if (is_space(text[pos])) {
      ++pos;
    } else if (text[pos] == ';') {
      while (pos < text.size() && text[pos] != '\n') ++pos;
    } else {
      break;
    }
  }
  return pos;
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::uint8_t> lower_wire(std::span<const std::uint8_t> wire) {
  // Length octets are at most 63, below 'A', so folding every octet is safe.
  std::vector<std::uint8_t> out(wire.begin(), wire.end());
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<std::uint8_t>(c + 32);
  return out;
}

// Both lower-cased, uncompressed, absolute wire names.
bool at_or_below(const std::vector<std::uint8_t>& name, const std::vector<std::uint8_t>& apex) {
  std::size_t pos = 0;
  while (pos < name.size()) {
    if (name.size() - pos == apex.size() && std::equal(apex.begin(), apex.end(), name.begin() + pos)) return true;
    if (name[pos] == 0) return false;
    pos += name[pos] + 1u;
  }
  return false;
}

class Reader {
 public:
  Reader(std::string_view text, const ReadOptions& options, const Handlers& handlers)
      : text_(text), options_(options), handlers_(handlers) {}

  Status run();

 private:
  Status error(int line, std::string_view what) const {
    if (options_.source.empty()) return invalid_argument(str_cat("line ", line, ": ", what));
    return invalid_argument(str_cat("zone file ", options_.source, ":", line, ": ", what));
  }
  Status error(std::string_view what) const {
    if (options_.source.empty()) return invalid_argument(std::string(what));
    return invalid_argument(str_cat("zone file ", options_.source, ": ", what));
  }

  int line_at(std::size_t pos);
  Status directive(std::string_view line_text, int line);
  Status parse_record(const char* line_text, int line);
  StatusOr<std::uint32_t> ttl_of(const ldns_rr* rr, const char* line_text, int line, const Soa* soa);
  Status on_soa(Record record, const Soa& soa);
  Status deliver(const Record& record);

  std::string_view text_;
  const ReadOptions& options_;
  const Handlers& handlers_;

  // Line counting: newlines in text_[0, counted_) are counted_lines_.
  std::size_t counted_ = 0;
  int counted_lines_ = 0;

  RdfPtr origin_;
  RdfSlot prev_;  // the previous owner, for records with a blank owner
  std::optional<std::uint32_t> default_ttl_;  // $TTL, or the SOA MINIMUM (rule 2)
  std::optional<std::uint32_t> last_ttl_;     // the previous record's TTL (rule 3)
  int missing_ttl_line_ = 0;                  // first record with no TTL to take (rule 4)

  std::string expected_zone_;  // canonical ReadOptions::zone, or empty
  bool soa_seen_ = false;
  int soa_line_ = 0;
  std::string zone_;
  std::vector<std::uint8_t> apex_;  // lower-case wire
  std::vector<Record> before_soa_;
};

int Reader::line_at(std::size_t pos) {
  for (; counted_ < pos && counted_ < text_.size(); ++counted_)
    if (text_[counted_] == '\n') ++counted_lines_;
  return counted_lines_ + 1;
}

Status Reader::run() {
  if (!options_.zone.empty()) {
    auto zone = dns::canonical_zone_name(options_.zone);
    if (!zone.ok()) return zone.status();
    expected_zone_ = *zone;
    origin_.reset(ldns_dname_new_frm_str(str_cat(expected_zone_, ".").c_str()));
    if (!origin_) return internal_error("cannot build the zone origin");
  }
  if (skip_blank(text_, 0) == text_.size())
    return error("the zone file has no records (an SOA record is required)");

  // fmemopen reads the bytes in place; ldns wants a FILE*.
  std::string buffer(text_);
  std::unique_ptr<std::FILE, FileCloser> fp(fmemopen(buffer.data(), buffer.size(), "r"));
  if (!fp) return internal_error("cannot read the zone text");
  std::vector<char> line_buf(LDNS_MAX_LINELEN + 1);
  int ldns_line = 0;

  while (true) {
    long offset = std::ftell(fp.get());
    if (offset < 0) return internal_error("cannot read the zone text");
    std::size_t start = skip_blank(text_, static_cast<std::size_t>(offset));
    if (start >= text_.size()) break;
    int line = line_at(start);
    ssize_t n = ldns_fget_token_l(fp.get(), line_buf.data(), LDNS_PARSE_SKIP_SPACE, LDNS_MAX_LINELEN, &ldns_line);
    if (std::ftell(fp.get()) <= offset && !std::feof(fp.get())) return error(line, "unreadable text");
    if (n < 0) return error(line, "syntax error (unbalanced parentheses, or a line longer than 10230 characters)");
    if (n == 0) {
      if (std::feof(fp.get())) break;
      continue;
    }
    std::string_view logical(line_buf.data());
    if (strip(logical).empty()) continue;
    if (logical.front() == '$') {
      MCNS_RETURN_IF_ERROR(directive(logical, line));
    } else {
      MCNS_RETURN_IF_ERROR(parse_record(line_buf.data(), line));
    }
  }
  if (!soa_seen_) return error("no SOA record: a zone file needs exactly one, at the zone's apex");
  return ok_status();
}

Status Reader::directive(std::string_view line_text, int line) {
  std::size_t end = 0;
  while (end < line_text.size() && !is_space(line_text[end])) ++end;
  std::string name = to_upper(line_text.substr(0, end));
  std::string value(strip(line_text.substr(end)));
  if (name == "$ORIGIN") {
    RdfPtr next(value.empty() ? nullptr : ldns_dname_new_frm_str(value.c_str()));
    if (!next) return error(line, str_cat("invalid $ORIGIN \"", value, "\""));
    if (!ldns_dname_str_absolute(value.c_str())) {
      if (!origin_) return error(line, str_cat("relative $ORIGIN \"", value, "\" with no origin before it"));
      if (ldns_dname_cat(next.get(), origin_.get()) != LDNS_STATUS_OK)
        return error(line, str_cat("$ORIGIN \"", value, "\" makes a name longer than 255 octets"));
    }
    origin_ = std::move(next);
    return ok_status();
  }
  if (name == "$TTL") {
    const char* endptr = nullptr;
    std::uint32_t ttl = ldns_str2period(value.c_str(), &endptr);
    if (value.empty() || !std::isdigit(static_cast<unsigned char>(value[0])) || !endptr || *endptr != '\0' ||
        ttl > kMaxDollarTtl)
      return error(line, str_cat("invalid $TTL \"", value, "\" (a number of seconds up to 2147483647, or 1h30m style)"));
    default_ttl_ = ttl;
    return ok_status();
  }
  if (name == "$INCLUDE") return error(line, "$INCLUDE is not supported: put every record in one file");
  return error(line, str_cat("unknown directive ", name));
}

StatusOr<std::uint32_t> Reader::ttl_of(const ldns_rr* rr, const char* line_text, int line, const Soa* soa) {
  std::uint32_t ttl = ldns_rr_ttl(rr);
  bool explicit_ttl = ttl != kUnset;
  if (!explicit_ttl) {
    ldns_rr* raw = nullptr;
    if (ldns_rr_new_frm_str(&raw, line_text, kUnsetToo, origin_.get(), nullptr) == LDNS_STATUS_OK) {
      RrPtr again(raw);
      explicit_ttl = ldns_rr_ttl(again.get()) == kUnset;
    }
  }
  if (explicit_ttl) {
    last_ttl_ = ttl;
    return ttl;
  }
  if (default_ttl_) {
    ttl = *default_ttl_;
  } else if (soa && !last_ttl_) {
    ttl = soa->minimum;
    default_ttl_ = ttl;
  } else if (last_ttl_) {
    ttl = *last_ttl_;
  } else {
    // Only before the SOA. Refused once the SOA is read (a file without one is refused
    // for that first): BIND rejects the zone.
    if (missing_ttl_line_ == 0) missing_ttl_line_ = line;
    return std::uint32_t{0};
  }
  last_ttl_ = ttl;
  return ttl;
}

Status Reader::parse_record(const char* line_text, int line) {
  if (!origin_ && !is_space(line_text[0])) {
    // ldns would anchor a relative owner at the root; without an origin it is a mistake.
    std::string_view owner(line_text);
    owner = owner.substr(0, std::min(owner.find_first_of(" \t"), owner.size()));
    if (owner == "@" || !ldns_dname_str_absolute(std::string(owner).c_str()))
      return error(line, str_cat("relative owner \"", owner, "\" with no $ORIGIN before it"));
  }
  ldns_rr* raw = nullptr;
  ldns_status st = ldns_rr_new_frm_str(&raw, line_text, kUnset, origin_.get(), &prev_.rdf);
  RrPtr rr(raw);
  if (st != LDNS_STATUS_OK) return error(line, ldns_get_errorstr_by_id(st));
  if (!rr) return error(line, "unreadable record");
  if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) return error(line, "only class IN is supported");
  const ldns_rdf* owner = ldns_rr_owner(rr.get());
  if (!owner) return error(line, "unreadable owner");

  Record record;
  record.line = line;
  record.owner.assign(ldns_rdf_data(owner), ldns_rdf_data(owner) + ldns_rdf_size(owner));
  record.type = static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()));
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr.get(), i);
    record.rdata.insert(record.rdata.end(), ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
    if (options_.with_text) record.fields.push_back(rdf_text(rdf));
  }

  if (ldns_rr_get_type(rr.get()) != LDNS_RR_TYPE_SOA) {
    MCNS_ASSIGN_OR_RETURN(record.ttl, ttl_of(rr.get(), line_text, line, nullptr));
    if (soa_seen_) return deliver(record);
    before_soa_.push_back(std::move(record));
    return ok_status();
  }
  if (!expected_zone_.empty()) {
    auto zone = dns::canonical_zone_name(name_text(record.owner));
    if (!zone.ok() || *zone != expected_zone_)
      return error(line, str_cat("the SOA record must be at the zone apex (\"", expected_zone_, ".\")"));
  }
  if (soa_seen_) return error(line, str_cat("a second SOA record (the first is on line ", soa_line_, ")"));
  if (ldns_rr_rd_count(rr.get()) != 7) return error(line, "the SOA record needs 7 fields");
  Soa soa;
  soa.primary_ns = rdf_text(ldns_rr_rdf(rr.get(), 0));
  soa.admin = rdf_text(ldns_rr_rdf(rr.get(), 1));
  soa.serial = ldns_rdf2native_int32(ldns_rr_rdf(rr.get(), 2));
  soa.refresh = ldns_rdf2native_int32(ldns_rr_rdf(rr.get(), 3));
  soa.retry = ldns_rdf2native_int32(ldns_rr_rdf(rr.get(), 4));
  soa.expire = ldns_rdf2native_int32(ldns_rr_rdf(rr.get(), 5));
  soa.minimum = ldns_rdf2native_int32(ldns_rr_rdf(rr.get(), 6));
  MCNS_ASSIGN_OR_RETURN(record.ttl, ttl_of(rr.get(), line_text, line, &soa));
  return on_soa(std::move(record), soa);
}

Status Reader::on_soa(Record record, const Soa& soa) {
  soa_seen_ = true;
  soa_line_ = record.line;
  auto zone = dns::canonical_zone_name(name_text(record.owner));
  if (!zone.ok()) return error(record.line, str_cat("SOA owner: ", zone.status().message()));
  if (missing_ttl_line_ != 0) return error(missing_ttl_line_, "no TTL, and no $TTL or earlier record to take one from");
  zone_ = *zone;
  apex_ = lower_wire(record.owner);
  if (handlers_.zone) MCNS_RETURN_IF_ERROR(handlers_.zone(zone_, soa, record));
  std::vector<Record> waiting = std::move(before_soa_);
  before_soa_.clear();
  for (const Record& r : waiting) MCNS_RETURN_IF_ERROR(deliver(r));
  return ok_status();
}

Status Reader::deliver(const Record& record) {
  if (!at_or_below(lower_wire(record.owner), apex_))
    return error(record.line,
                 str_cat("owner \"", name_text(record.owner), "\" is outside the zone \"", zone_, ".\""));
  if (handlers_.record) return handlers_.record(record);
  return ok_status();
}

}  // namespace

Status read_zone_file(std::string_view text, const ReadOptions& options, const Handlers& handlers) {
  return Reader(text, options, handlers).run();
}

StatusOr<ZoneFile> read_zone_text(std::string_view text, const ReadOptions& options) {
  ZoneFile out;
  Handlers handlers;
  handlers.zone = [&](const std::string& zone, const Soa& soa, const Record& soa_record) {
    out.zone = zone;
    out.soa = soa;
    out.records.push_back(soa_record);
    return ok_status();
  };
  handlers.record = [&](const Record& record) {
    out.records.push_back(record);
    return ok_status();
  };
  MCNS_RETURN_IF_ERROR(read_zone_file(text, options, handlers));
  return out;
}

std::string name_text(std::span<const std::uint8_t> wire_name) {
  RdfPtr rdf(ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire_name.size(), wire_name.data()));
  if (!rdf) return "?";
  return rdf_text(rdf.get());
}

std::string type_text(std::uint16_t type) {
  char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
  if (!s) return str_cat("TYPE", type);
  std::string out(s);
  LDNS_FREE(s);
  return out;
}

}  // namespace mcns::zonefile
