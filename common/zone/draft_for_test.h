#pragma once
// TEST ONLY (header-only): the draft a builder test starts from and the one-line way to
// put an operation in it, shared by the full and the incremental build tests.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/zone/record_rules.h"
#include "common/zone/zone.h"
#include "common/zone/zone_draft.h"

namespace mcns::zone::testing {

// The SOA of example.com with the default timers.
inline ZoneSoa test_soa() {
  SoaParams p;
  p.primary_ns = "ns.example.com.";
  p.admin = "hostmaster.example.com.";
  return *soa_from_params(p);
}

// Adds (or, with `add` false, removes) one record of `owner` (relative) with TTL 300.
inline void add(ZoneDraft& d, const std::string& owner, std::uint16_t type, const std::vector<std::uint8_t>& rdata,
                bool add = true) {
  ASSERT_TRUE(d.add_op(*d.owner_from_text(owner), type, 300, rdata, add).ok());
}

// The zone of `d`'s identity and SOA with `content`.
inline ZonePtr zone_of(const ZoneDraft& d, ZoneContent content) {
  return std::make_shared<const Zone>(d.name, d.apex, d.soa, std::move(content));
}

}  // namespace mcns::zone::testing
