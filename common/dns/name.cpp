#include "common/dns/name.h"

#include <cctype>

#include "common/base/strings.h"


namespace mcns::dns {
namespace {

enum class Wildcard { kForbidden, kLeftmost };

Status bad(std::string_view what, std::string_view name, std::string_view why) {
  return invalid_argument(str_cat("invalid ", what, " \"", name, "\": ", why));
}

// Validates the dot-separated labels of `name` (no trailing dot) and returns the
// lower-cased text, or the first problem found.
StatusOr<std::string> check_labels(std::string_view what, std::string_view original, std::string_view name,
                                         Wildcard wildcard) {
  if (name.empty()) return bad(what, original, "empty name");
  std::string out;
  out.reserve(name.size());
  std::size_t index = 0;
  for (std::string_view label : split(name, '.')) {
    if (label.empty()) return bad(what, original, "empty label");
    if (label.size() > kMaxLabelLength)
      return bad(what, original, str_cat("label \"", label.substr(0, 16), "...\" is longer than 63 octets"));
    if (label == "*") {
      if (wildcard == Wildcard::kForbidden || index != 0)
        return bad(what, original, "'*' is only allowed as the leftmost label of a record name");
    } else {
      for (char c : label) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        if (!ok) {
          std::string shown = std::isprint(static_cast<unsigned char>(c))
                                  ? std::string(1, c)
                                  : str_cat("\\", static_cast<int>(static_cast<unsigned char>(c)));
          return bad(what, original, str_cat("character '", shown, "' is not allowed"));
        }
      }
      if (label.front() == '-' || label.back() == '-')
        return bad(what, original, str_cat("label \"", label, "\" starts or ends with '-'"));
    }
    if (!out.empty()) out.push_back('.');
    out.append(to_lower(label));
    ++index;
  }
  return out;
}

// Wire length of a presentation name without trailing dot: each label plus its length
// octet, plus the root octet.
std::size_t wire_length(std::string_view name) { return name.empty() ? 1 : name.size() + 2; }

}  // namespace

StatusOr<std::string> canonical_zone_name(std::string_view text) {
  std::string_view name = text;
  if (name == ".") return bad("zone name", text, "the root zone cannot be served");
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  MCNS_ASSIGN_OR_RETURN(std::string out, check_labels("zone name", text, name, Wildcard::kForbidden));
  if (wire_length(out) > kMaxNameWireLength) return bad("zone name", text, "longer than 255 octets");
  return out;
}

StatusOr<std::string> canonical_record_name(std::string_view text, std::string_view zone) {
  if (text == "@") return std::string("@");
  if (text.empty()) return bad("record name", text, "empty name (use @ for the zone apex)");
  if (text.back() == '.')
    return bad("record name", text, "names are relative to the zone: drop the trailing dot (use @ for the apex)");
  MCNS_ASSIGN_OR_RETURN(std::string out, check_labels("record name", text, text, Wildcard::kLeftmost));
  if (out.size() + 1 + wire_length(zone) > kMaxNameWireLength)
    return bad("record name", text, str_cat("with the zone \"", zone, "\" the name is longer than 255 octets"));
  return out;
}

StatusOr<std::string> canonical_absolute_name(std::string_view text, bool allow_root) {
  if (text == ".") {
    if (allow_root) return std::string(".");
    return bad("name", text, "the root name is not allowed here");
  }
  std::string_view name = text;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  MCNS_ASSIGN_OR_RETURN(std::string out, check_labels("name", text, name, Wildcard::kForbidden));
  if (wire_length(out) > kMaxNameWireLength) return bad("name", text, "longer than 255 octets");
  out.push_back('.');
  return out;
}

std::string absolute_record_name(std::string_view record_name, std::string_view zone) {
  if (record_name == "@") return str_cat(zone, ".");
  return str_cat(record_name, ".", zone, ".");
}

std::vector<std::uint8_t> name_to_wire(std::string_view absolute_name) {
  std::vector<std::uint8_t> out;
  out.reserve(absolute_name.size() + 1);
  std::string_view rest = absolute_name;
  if (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  if (!rest.empty()) {
    for (std::string_view label : split(rest, '.')) {
      out.push_back(static_cast<std::uint8_t>(label.size()));
      out.insert(out.end(), label.begin(), label.end());
    }
  }
  out.push_back(0);
  return out;
}

}  // namespace mcns::dns
