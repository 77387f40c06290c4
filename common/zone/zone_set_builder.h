#pragma once
// Builds immutable ZoneSets, from scratch (zone files, a full resync) or as the next
// version of an existing one (one watch change). Off the hot path; not thread-safe
// (one builder per writer thread).
//
//   ZoneSetBuilder b(holder.load());                    // or ZoneSetBuilder b; (empty)
//   b.upsert_zone("example.com", soa);                  // create, or replace its SOA
//   b.add_record("example.com", "www", dns::type::kA, 300, rdata);
//   b.remove_record("example.com", "old", dns::type::kA, rdata);
//   auto next = b.build();                              // StatusOr<ZoneSetPtr>
//   if (next.ok()) holder.publish(*next);
//
// Names:
//  - zone: presentation form, case-insensitive, trailing dot optional ("Example.com.").
//  - owner: presentation form, case-insensitive. Ending with '.' it is absolute
//    ("www.example.com.") and must be at or below the zone; otherwise it is relative to
//    the zone as the control plane stores it ("www", "a.b", "*" , "@" for the apex).
//    Owners are validated with common/dns/name.h (letters, digits, '-', '_', and '*' as
//    the leftmost label). The *_wire variants take an uncompressed wire name instead
//    (any octets, as a zone-file parser produces) and are the fast path for bulk loads.
//  - rdata: uncompressed wire RDATA as common/dns/value.h value_to_rdata() returns it.
//    Served as given (case of names in RDATA preserved).
//
// Semantics:
//  - Records are a set per (owner, type, rdata); adding an existing one replaces its
//    TTL, removing an absent one is not an error (a resync replays freely).
//  - The SOA is not a record: upsert_zone() sets it (and add_record(SOA) is an error).
//    For watch-fed zones use soa.ttl = soa.minimum (ARCHITECTURE.md Decision 2); zone
//    files carry their own SOA TTL.
//  - Operations apply in call order; errors leave the builder as it was before the call.
//  - build() may be called several times; each call starts from the previous result.
//  - Unchanged zones, and unchanged shards of changed zones, are shared with the base.
//
// Inside (one idea per file): record_rules.h (what may go in), zone_draft.h (pending
// changes per zone), full_build.h and incremental_build.h (the two ways to the next
// content), shard_encoder.h (the served form of a shard).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/zone/record_rules.h"  // SoaParams
#include "common/zone/zone_set.h"

namespace mcns::zone {

class ZoneSetBuilder {
 public:
  ZoneSetBuilder();                          // starts from an empty set
  explicit ZoneSetBuilder(ZoneSetPtr base);  // starts from `base` (null = empty)
  ~ZoneSetBuilder();
  ZoneSetBuilder(ZoneSetBuilder&&) noexcept;
  ZoneSetBuilder& operator=(ZoneSetBuilder&&) noexcept;

  // Creates the zone or replaces the SOA of an existing one (records are kept).
  Status upsert_zone(std::string_view zone, const SoaParams& soa);
  // Same, with the SOA as wire RDATA (as a zone-file parser has it).
  Status upsert_zone_wire(std::string_view zone, std::uint32_t soa_ttl,
                          std::span<const std::uint8_t> soa_rdata);
  // Removes the zone and all its records. NOT_FOUND when absent.
  Status delete_zone(std::string_view zone);
  // Removes every record of the zone, keeping the zone and its SOA (before a
  // per-zone reload). NOT_FOUND when absent.
  Status clear_zone(std::string_view zone);

  Status add_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                    std::uint32_t ttl, std::span<const std::uint8_t> rdata);
  Status remove_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                       std::span<const std::uint8_t> rdata);
  Status add_record_wire(std::string_view zone, std::span<const std::uint8_t> owner_wire,
                         std::uint16_t type, std::uint32_t ttl,
                         std::span<const std::uint8_t> rdata);

  // Optional hint before a bulk load: about how many records will be added in total.
  void reserve(std::size_t records);

  // The new snapshot (always ready). Errors only for internal limits (e.g. a shard
  // larger than 4 GiB); the builder is unchanged then.
  StatusOr<ZoneSetPtr> build();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcns::zone
