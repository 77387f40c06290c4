#pragma once
// Test helper of the feed and of the streams that ride it (header-only, tests only): a
// committed change of a known shape, written and announced the way the domain does it.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "common/base/strings.h"
#include "services/control/feed/change_feed.h"
#include "services/control/store/store.h"
#include "services/control/store/sync_mapping.h"

namespace mcns::control::testing {

// Commits the creation of zone `name` with `records` A records (one change-log row) and
// tells `feed` after the commit; returns the version, 0 (and a test failure) on error.
inline std::uint64_t commit_zone(store::Store& store, feed::ChangeFeed& feed, const std::string& name,
                                 int records = 0) {
  auto v = store.write(
      [&](store::WriteTx& tx) -> Status {
        domain::Zone z;
        z.name = name;
        z.primary_ns = "ns." + name + ".";
        z.admin_email = "hostmaster." + name + ".";
        z.serial = 2026112901;
        MCNS_ASSIGN_OR_RETURN(z.id, tx.insert_zone(z));
        mcns::v1::Change change;
        *change.add_ops()->mutable_zone_upsert() = store::to_sync_zone(z);
        for (int i = 0; i < records; ++i) {
          domain::Record r;
          r.zone_id = z.id;
          r.name = str_cat("host", i);
          r.type = "A";
          r.value = str_cat("10.0.", i / 256, ".", i % 256);
          MCNS_ASSIGN_OR_RETURN(r.id, tx.insert_record(r));
          auto* op = change.add_ops()->mutable_record_add();
          op->set_zone(name);
          *op->mutable_record() = store::to_sync_record(r);
        }
        return tx.append_change(name, change, domain::Timestamp{}, {}).status();
      },
      [&](std::uint64_t version) { feed.notify(version); });
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : 0;
}

}  // namespace mcns::control::testing
