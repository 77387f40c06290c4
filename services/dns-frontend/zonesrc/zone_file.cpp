#include "services/dns-frontend/zonesrc/zone_file.h"

#include <stdbool.h>  // before ldns: its common.h otherwise redefines bool
#include <ldns/ldns.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/base/strings.h"
#include "common/dns/name.h"

namespace mcns::frontend::zonesrc {

namespace {

struct RrDeleter {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct RdfDeleter {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrDeleter>;

std::vector<std::uint8_t> rdata_of(const ldns_rr* rr) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    out.insert(out.end(), ldns_rdf_data(rdf), ldns_rdf_data(rdf) + ldns_rdf_size(rdf));
  }
  return out;
}

std::span<const std::uint8_t> rdf_span(const ldns_rdf* rdf) { return {ldns_rdf_data(rdf), ldns_rdf_size(rdf)}; }

std::string rdf_text(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? s : "?";
  std::free(s);
  return out;
}

std::string lower_key(const ldns_rdf* owner) {
  std::string key(reinterpret_cast<const char*>(ldns_rdf_data(owner)), ldns_rdf_size(owner));
  for (char& c : key)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return key;
}

// Owner-name bookkeeping for the CNAME rules.
struct OwnerTypes {
  bool cname = false;
  bool other = false;
};

class Loader {
 public:
  Loader(const std::string& path, zone::ZoneSetBuilder& builder, const ZoneCheck& check_zone)
      : path_(path), builder_(builder), check_zone_(check_zone) {}

  Status error(int line, const std::string& what) const {
    return invalid_argument(str_cat("zone file ", path_, ":", line, ": ", what));
  }

  StatusOr<ZoneFileInfo> run() {
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path_.c_str(), "r"));
    if (!f) {
      int err = errno;
      Status st(err == ENOENT ? StatusCode::kNotFound : StatusCode::kInvalidArgument,
                str_cat("zone file ", path_, ": cannot open: ", std::strerror(err)));
      return st;
    }
    std::uint32_t default_ttl = 3600;
    ldns_rdf* origin = nullptr;
    ldns_rdf* prev = nullptr;
    int line = 0;
    std::vector<std::pair<RrPtr, int>> before_soa;  // records written before the SOA
    Status result = ok_status();
    while (result.ok() && !std::feof(f.get())) {
      ldns_rr* raw = nullptr;
      ldns_status st = ldns_rr_new_frm_fp_l(&raw, f.get(), &default_ttl, &origin, &prev, &line);
      RrPtr rr(raw);
      if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL || st == LDNS_STATUS_SYNTAX_ORIGIN) continue;
      if (st == LDNS_STATUS_SYNTAX_INCLUDE) {
        result = error(line, "$INCLUDE is not supported (list every file in [zones] files)");
        break;
      }
      if (st != LDNS_STATUS_OK) {
        // ldns reports a trailing blank/comment-only tail as an error at EOF on some inputs.
        if (std::feof(f.get()) && st == LDNS_STATUS_SYNTAX_ERR && !rr) break;
        result = error(line, ldns_get_errorstr_by_id(st));
        break;
      }
      if (!soa_seen_ && ldns_rr_get_type(rr.get()) != LDNS_RR_TYPE_SOA) {
        before_soa.emplace_back(std::move(rr), line);
        continue;
      }
      result = add(std::move(rr), line);
      if (result.ok() && soa_seen_ && !before_soa.empty()) {
        for (auto& [r, l] : before_soa) {
          result = add(std::move(r), l);
          if (!result.ok()) break;
        }
        before_soa.clear();
      }
    }
    if (origin) ldns_rdf_deep_free(origin);
    if (prev) ldns_rdf_deep_free(prev);
    MCNS_RETURN_IF_ERROR(result);
    if (!soa_seen_) return error(line, "no SOA record: a zone file needs exactly one, at the zone's apex");
    return info_;
  }

 private:
  Status add(RrPtr rr, int line) {
    if (ldns_rr_get_class(rr.get()) != LDNS_RR_CLASS_IN) return error(line, "only class IN is served");
    const ldns_rdf* owner = ldns_rr_owner(rr.get());
    if (!ldns_dname_absolute(owner))
      return error(line, str_cat("relative owner \"", rdf_text(owner), "\" with no $ORIGIN before it"));
    auto type = static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()));
    if (type == LDNS_RR_TYPE_SOA) {
      if (soa_seen_) return error(line, "a second SOA record: a zone file holds one zone");
      soa_seen_ = true;
      apex_.reset(ldns_rdf_clone(owner));
      auto zone = dns::canonical_zone_name(rdf_text(owner));
      if (!zone.ok()) return error(line, str_cat("SOA owner: ", zone.status().message()));
      info_.path = path_;
      info_.zone = *zone;
      if (check_zone_) {
        Status ok = check_zone_(info_.zone);
        if (!ok.ok()) return Status(ok.code(), str_cat("zone file ", path_, ":", line, ": ", ok.message()));
      }
      if (ldns_rr_rd_count(rr.get()) == 7) info_.serial = ldns_rdf2native_int32(ldns_rr_rdf(rr.get(), 2));
      Status st = builder_.upsert_zone_wire(info_.zone, ldns_rr_ttl(rr.get()), rdata_of(rr.get()));
      if (!st.ok()) return error(line, st.message());
      ++info_.records;
      types_[lower_key(owner)].other = true;
      return ok_status();
    }
    if (ldns_dname_compare(owner, apex_.get()) != 0 && !ldns_dname_is_subdomain(owner, apex_.get()))
      return error(line, str_cat("owner \"", rdf_text(owner), "\" is outside the zone \"", info_.zone, ".\""));
    OwnerTypes& t = types_[lower_key(owner)];
    if (type == LDNS_RR_TYPE_CNAME) {
      if (ldns_dname_compare(owner, apex_.get()) == 0) return error(line, "a CNAME cannot be at the zone apex");
      if (t.cname) return error(line, str_cat("a second CNAME at \"", rdf_text(owner), "\""));
      if (t.other) return error(line, str_cat("CNAME and other data at \"", rdf_text(owner), "\" (RFC 1034 3.6.2)"));
      t.cname = true;
    } else if (type != LDNS_RR_TYPE_RRSIG && type != LDNS_RR_TYPE_NSEC) {
      if (t.cname) return error(line, str_cat("CNAME and other data at \"", rdf_text(owner), "\" (RFC 1034 3.6.2)"));
      t.other = true;
    }
    Status st = builder_.add_record_wire(info_.zone, rdf_span(owner), type, ldns_rr_ttl(rr.get()), rdata_of(rr.get()));
    if (!st.ok()) return error(line, st.message());
    ++info_.records;
    return ok_status();
  }

  const std::string& path_;
  zone::ZoneSetBuilder& builder_;
  const ZoneCheck& check_zone_;
  bool soa_seen_ = false;
  std::unique_ptr<ldns_rdf, RdfDeleter> apex_;
  ZoneFileInfo info_;
  std::unordered_map<std::string, OwnerTypes> types_;
};

}  // namespace

StatusOr<ZoneFileInfo> load_zone_file(const std::string& path, zone::ZoneSetBuilder& builder,
                                      const ZoneCheck& check_zone) {
  return Loader(path, builder, check_zone).run();
}

}  // namespace mcns::frontend::zonesrc
