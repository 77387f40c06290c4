#include "common/zone/snapshot_holder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "common/zone/zone.h"
#include "common/zone/zone_set_builder.h"

namespace mcns::zone {
namespace {

ZoneSetPtr make_set(std::uint32_t serial) {
  ZoneSetBuilder b;
  SoaParams s;
  s.primary_ns = "ns.example.com.";
  s.admin = "hostmaster.example.com.";
  s.serial = serial;
  EXPECT_TRUE(b.upsert_zone("example.com", s).ok());
  return *b.build();
}

TEST(SnapshotHolder, StartsNotReadyAndPublishes) {
  SnapshotHolder h;
  LocalSnapshot local(h);
  EXPECT_FALSE(local.get().ready());
  std::uint64_t g0 = h.generation();
  ZoneSetPtr v1 = make_set(1);
  h.publish(v1);
  EXPECT_GT(h.generation(), g0);
  EXPECT_EQ(&local.get(), v1.get());
  EXPECT_TRUE(local.get().ready());
  h.publish(nullptr);  // ignored
  EXPECT_EQ(h.load(), v1);
}

TEST(SnapshotHolder, OldSnapshotsAreFreedOffTheWorkers) {
  SnapshotHolder h;
  LocalSnapshot worker(h);
  std::weak_ptr<const ZoneSet> w1;
  {
    ZoneSetPtr v1 = make_set(1);
    w1 = v1;
    h.publish(std::move(v1));
  }
  EXPECT_EQ(worker.get().zones()[0]->serial(), 1u);  // the worker holds v1
  h.publish(make_set(2));
  EXPECT_FALSE(w1.expired());  // retired, still referenced by the worker
  // The worker moves on: it drops v1, but the holder still owns it, so the free does
  // not happen on the worker thread...
  EXPECT_EQ(worker.get().zones()[0]->serial(), 2u);
  EXPECT_FALSE(w1.expired());
  // ...but on the next sweep (publisher / timer thread).
  h.sweep();
  EXPECT_TRUE(w1.expired());
}

TEST(SnapshotHolder, ConcurrentReadersSeeWholeSnapshots) {
  SnapshotHolder h;
  h.publish(make_set(1));
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t) {
    workers.emplace_back([&] {
      LocalSnapshot local(h);
      std::uint32_t last = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const ZoneSet& zs = local.get();
        std::uint32_t serial = zs.zones()[0]->serial();
        EXPECT_GE(serial, last);  // never goes back
        last = serial;
        reads.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  while (reads.load() < 3) std::this_thread::yield();  // the readers are running
  std::vector<std::weak_ptr<const ZoneSet>> published;
  for (std::uint32_t s = 2; s < 300; ++s) {
    ZoneSetPtr next = make_set(s);
    published.push_back(next);
    h.publish(std::move(next));
    std::this_thread::yield();
    if (s % 50 == 0) h.sweep();
  }
  stop = true;
  for (auto& t : workers) t.join();
  EXPECT_GT(reads.load(), 0);
  h.sweep();
  // Every retired snapshot was freed; only the current one is alive.
  for (std::size_t i = 0; i + 1 < published.size(); ++i) EXPECT_TRUE(published[i].expired()) << i;
  EXPECT_FALSE(published.back().expired());
}

}  // namespace
}  // namespace mcns::zone
