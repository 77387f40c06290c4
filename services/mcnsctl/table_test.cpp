#include "services/mcnsctl/table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace mcns::mcnsctl {
namespace {

TEST(TableTest, ColumnsAreAlignedAndTheLastIsNotPadded) {
  Table t({"ID", "NAME", "VALUE"});
  t.add({"1", "metacrypt", "192.168.88.181"});
  t.add({"12", "é", "x"});
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(),
            "ID  NAME       VALUE\n"
            "1   metacrypt  192.168.88.181\n"
            "12  é          x\n");
}

TEST(TableTest, EmptyTableIsTheHeader) {
  Table t({"NAME", "SERIAL"});
  std::ostringstream out;
  t.print(out);
  EXPECT_EQ(out.str(), "NAME  SERIAL\n");
}

}  // namespace
}  // namespace mcns::mcnsctl
