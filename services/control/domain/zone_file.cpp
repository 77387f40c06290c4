#include "services/control/domain/zone_file.h"

#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>

#include <cstdio>
#include <memory>
#include <string>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/rr_type.h"

namespace mcns::control::domain {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
struct RrFree {
  void operator()(ldns_rr* rr) const noexcept { ldns_rr_free(rr); }
};
// ldns frees and replaces *origin and *prev itself; this owns whatever they hold last.
struct RdfSlot {
  ldns_rdf* rdf = nullptr;
  ~RdfSlot() {
    if (rdf) ldns_rdf_deep_free(rdf);
  }
};

Status at_line(int line, std::string_view message) {
  return invalid_argument(str_cat("line ", line, ": ", message));
}

std::string rdf_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  if (!s) return {};
  std::string out(s);
  LDNS_FREE(s);
  return out;
}

// True when `rest` holds nothing but white space and ';' comments.
bool only_comments(std::string_view rest) {
  bool in_comment = false;
  for (char c : rest) {
    if (in_comment) {
      if (c == '\n') in_comment = false;
    } else if (c == ';') {
      in_comment = true;
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      return false;
    }
  }
  return true;
}

// "www.example.com." in zone "example.com" -> "www"; the apex -> "@".
StatusOr<std::string> relative_owner(const ldns_rdf* owner, std::string_view zone, int line) {
  std::string absolute = to_lower(rdf_text(owner));
  std::string apex = str_cat(zone, ".");
  if (absolute == apex) return std::string("@");
  std::string suffix = str_cat(".", apex);
  if (absolute.size() > suffix.size() && absolute.ends_with(suffix))
    return absolute.substr(0, absolute.size() - suffix.size());
  return at_line(line, str_cat("owner \"", absolute, "\" is outside zone \"", zone, "\""));
}

Status read_soa(const ldns_rr* rr, int line, ZoneImport& out) {
  if (ldns_rr_rd_count(rr) != 7) return at_line(line, "SOA record needs 7 fields");
  out.soa.primary_ns = rdf_text(ldns_rr_rdf(rr, 0));
  out.soa.admin_email = rdf_text(ldns_rr_rdf(rr, 1));
  out.serial = ldns_rdf2native_int32(ldns_rr_rdf(rr, 2));
  out.soa.refresh = ldns_rdf2native_int32(ldns_rr_rdf(rr, 3));
  out.soa.retry = ldns_rdf2native_int32(ldns_rr_rdf(rr, 4));
  out.soa.expire = ldns_rdf2native_int32(ldns_rr_rdf(rr, 5));
  out.soa.minimum_ttl = ldns_rdf2native_int32(ldns_rr_rdf(rr, 6));
  return ok_status();
}

}  // namespace

StatusOr<ZoneImport> parse_zone_file(std::string_view text, std::string_view zone_in) {
  MCNS_ASSIGN_OR_RETURN(std::string zone, dns::canonical_zone_name(zone_in));
  ZoneImport out;
  out.zone = zone;
  if (only_comments(text)) return invalid_argument("the zone file has no records (an SOA record is required)");

  // fmemopen reads the caller's bytes in place; ldns wants a FILE*.
  std::string buffer(text);
  std::unique_ptr<std::FILE, FileCloser> fp(fmemopen(buffer.data(), buffer.size(), "r"));
  if (!fp) return internal_error("cannot read the zone text");

  RdfSlot origin, prev;
  origin.rdf = ldns_dname_new_frm_str(str_cat(zone, ".").c_str());
  if (!origin.rdf) return internal_error("cannot build the zone origin");
  std::uint32_t default_ttl = 300;
  int line = 0;
  int soa_line = 0;

  while (!std::feof(fp.get())) {
    long start = std::ftell(fp.get());
    ldns_rr* raw = nullptr;
    ldns_status st = ldns_rr_new_frm_fp_l(&raw, fp.get(), &default_ttl, &origin.rdf, &prev.rdf, &line);
    std::unique_ptr<ldns_rr, RrFree> rr(raw);
    switch (st) {
      case LDNS_STATUS_OK:
        break;
      case LDNS_STATUS_SYNTAX_EMPTY:
      case LDNS_STATUS_SYNTAX_ORIGIN:
        continue;
      case LDNS_STATUS_SYNTAX_TTL:
        // ldns reads an unparsable $TTL as 0, which no record may have anyway.
        if (default_ttl == 0) return at_line(line, "invalid $TTL (must be between 1 and 2147483647)");
        continue;
      case LDNS_STATUS_SYNTAX_INCLUDE:
        return at_line(line, "$INCLUDE is not supported: put every record in one file");
      default:
        // At the end of the file ldns reports a syntax error when only comments or
        // blank lines were left; that is not an error.
        if (std::feof(fp.get()) && start >= 0 && static_cast<std::size_t>(start) <= buffer.size() &&
            only_comments(std::string_view(buffer).substr(static_cast<std::size_t>(start))))
          continue;
        return at_line(line, ldns_get_errorstr_by_id(st));
    }
    if (!rr) return at_line(line, "unreadable record");
    if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) return at_line(line, "only class IN is supported");
    MCNS_ASSIGN_OR_RETURN(std::string name, relative_owner(ldns_rr_owner(rr.get()), zone, line));
    const std::uint16_t code = static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()));

    if (code == dns::type::kSOA) {
      if (name != "@") return at_line(line, "the SOA record must be at the zone apex");
      if (soa_line != 0) return at_line(line, str_cat("second SOA record (the first is on line ", soa_line, ")"));
      soa_line = line;
      MCNS_RETURN_IF_ERROR(read_soa(rr.get(), line, out));
      continue;
    }
    const dns::RRTypeInfo* info = dns::find_type(code);
    if (!info || !info->api_allowed) {
      char* type_name = ldns_rr_type2str(ldns_rr_get_type(rr.get()));
      std::string shown = type_name ? type_name : str_cat("TYPE", code);
      if (type_name) LDNS_FREE(type_name);
      return at_line(line, str_cat("record type ", shown, " is not supported"));
    }
    std::vector<std::string> fields;
    for (std::size_t i = 0; i < ldns_rr_rd_count(rr.get()); ++i) fields.push_back(rdf_text(ldns_rr_rdf(rr.get(), i)));
    ImportRecord record;
    record.line = line;
    record.fields.name = std::move(name);
    record.fields.type = std::string(info->mnemonic);
    record.fields.value = join(fields, " ");
    record.fields.ttl = ldns_rr_ttl(rr.get());
    out.records.push_back(std::move(record));
  }
  if (soa_line == 0) return invalid_argument(str_cat("the zone file has no SOA record for \"", zone, "\""));
  return out;
}

}  // namespace mcns::control::domain
