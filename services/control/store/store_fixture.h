#pragma once
// The store tests' fixture (tests only): a store on a temporary file with a settable
// clock, and a helper that commits one record with its change-log row.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/base/strings.h"
#include "services/control/store/store.h"
#include "services/control/store/sync_mapping.h"
#include "services/control/store/test_support.h"

namespace mcns::control::store {

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open_store(StoreOptions options = {}) {
    options.clock = clock_.as_clock();
    auto store = Store::open(path_, std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Adds one A record "h<n>" to `zone` and a change-log row, in one transaction.
  StatusOr<std::uint64_t> add_host(Store& store, std::string_view zone_name, int n) {
    return store.write([&](WriteTx& tx) -> Status {
      MCNS_ASSIGN_OR_RETURN(auto zone, tx.find_zone(zone_name));
      if (!zone) return not_found("no zone");
      domain::Record r;
      r.zone_id = zone->id;
      r.name = str_cat("h", n);
      r.type = "A";
      r.value = str_cat("10.0.", n / 256, ".", n % 256);
      r.ttl = 300;
      MCNS_ASSIGN_OR_RETURN(r.id, tx.insert_record(r));
      mcns::v1::Change change;
      auto* add = change.add_ops()->mutable_record_add();
      add->set_zone(zone->name);
      *add->mutable_record() = to_sync_record(r);
      return tx.append_change(zone->name, change, domain::Timestamp{}, {}).status();
    });
  }

  testing::TempDir dir_;
  std::string path_ = dir_.file("mcns.db");
  testing::FakeClock clock_;
};

}  // namespace mcns::control::store
