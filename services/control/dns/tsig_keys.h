#pragma once
// The [[tsig]] keys of mcns-control (SPEC 13) with what each may do: read at start-up
// and again on SIGHUP. A key's secret comes from `secret_file` (base64, refused when
// readable by group or others, like the local token file) or inline `secret`.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/config/config.h"
#include "common/tsig/tsig.h"

namespace mcns::control::dns {

struct KeyPolicy {
  tsig::Key key;
  bool transfer = false;
  bool update = false;
  std::vector<std::string> zones;  // canonical zone names, or "*"
  std::vector<std::string> update_names;
  std::vector<std::string> update_types;

  // Whether this key's `zones` cover `zone` (canonical, no trailing dot).
  bool covers(std::string_view zone) const;
};

class KeySet {
 public:
  // Reads every secret; INVALID_ARGUMENT / NOT_FOUND naming the key and file on failure.
  static StatusOr<std::shared_ptr<const KeySet>> load(const std::vector<config::ControlConfig::Tsig>& keys);

  const KeyPolicy* find(std::string_view name) const;  // canonical key name
  const tsig::Key* key(std::string_view name) const {
    const KeyPolicy* p = find(name);
    return p ? &p->key : nullptr;
  }
  std::size_t size() const noexcept { return keys_.size(); }

 private:
  std::vector<KeyPolicy> keys_;
};

}  // namespace mcns::control::dns
