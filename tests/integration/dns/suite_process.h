#pragma once
// One mcns-dns shared by every test of a suite: started in the fixture's
// SetUpTestSuite, stopped (and expected to exit 0) in its TearDownTestSuite, so a suite
// pays for one process start instead of one per test.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "tests/integration/dns/dns_process.h"

namespace mcns::test::dns {

class SuiteProcess {
 public:
  // Starts the binary in a fresh scratch directory with the options `configure` makes
  // there (zone files are written into it); a fatal test failure when it does not start.
  void start(const std::function<DnsOptions(ScratchDir&)>& configure) {
    dir_ = std::make_unique<ScratchDir>();
    dns_ = DnsProcess::start(*dir_, configure(*dir_));
    ASSERT_NE(dns_, nullptr);
  }
  void stop() {
    if (dns_) {
      EXPECT_EQ(dns_->stop(), 0);
    }
    dns_.reset();
    dir_.reset();
  }
  DnsProcess& process() const { return *dns_; }

 private:
  std::unique_ptr<ScratchDir> dir_;
  std::unique_ptr<DnsProcess> dns_;
};

}  // namespace mcns::test::dns
