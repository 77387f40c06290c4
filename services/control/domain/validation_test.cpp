#include "services/control/domain/validation.h"

#include <gtest/gtest.h>

namespace mcns::control::domain {
namespace {

TEST(ValidationTest, AdminEmailForms) {
  struct Case {
    const char* in;
    const char* want;  // nullptr: refused
  } cases[] = {
      {"admin@example.com", "admin.example.com."},
      {"Admin@Example.COM.", "admin.example.com."},
      {"hostmaster.example.com", "hostmaster.example.com."},
      {"hostmaster.example.com.", "hostmaster.example.com."},
      {"first.last@example.com", nullptr},
      {"@example.com", nullptr},
      {"a@b@example.com", nullptr},
      {"admin@", nullptr},
      {"", nullptr},
      {"bad name@example.com", nullptr},
  };
  for (const Case& c : cases) {
    auto got = canonical_admin_email(c.in);
    if (c.want) {
      ASSERT_TRUE(got.ok()) << c.in << ": " << got.status();
      EXPECT_EQ(*got, c.want);
    } else {
      ASSERT_FALSE(got.ok()) << c.in;
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(got.status().message().find("invalid admin_email"), std::string::npos) << got.status();
    }
  }
}

TEST(ValidationTest, SoaTimersAndNames) {
  auto ok = validate_soa({.primary_ns = "NS1.Example.com", .admin_email = "me@example.com", .refresh = 1,
                          .retry = 2147483647, .expire = 86400, .minimum_ttl = 60});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok->primary_ns, "ns1.example.com.");
  EXPECT_EQ(*ok->admin_email, "me.example.com.");
  EXPECT_EQ(*ok->retry, 2147483647u);

  EXPECT_EQ(validate_soa({.refresh = 0}).status().message(), "invalid refresh 0: must be between 1 and 2147483647");
  EXPECT_EQ(validate_soa({.retry = -5}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(validate_soa({.expire = 2147483648}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(validate_soa({.minimum_ttl = 4294967296}).status().code(), StatusCode::kInvalidArgument);
  auto bad_ns = validate_soa({.primary_ns = "ns!.example.com"});
  EXPECT_EQ(bad_ns.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_ns.status().message().find("invalid primary_ns"), std::string::npos);
}

TEST(ValidationTest, DefaultsAndApply) {
  Zone z = zone_with_defaults("example.com");
  EXPECT_EQ(z.primary_ns, "ns.example.com.");
  EXPECT_EQ(z.admin_email, "hostmaster.example.com.");
  EXPECT_EQ(z.refresh, 3600u);
  EXPECT_EQ(z.retry, 600u);
  EXPECT_EQ(z.expire, 86400u);
  EXPECT_EQ(z.minimum_ttl, 300u);

  ValidSoa same{.refresh = 3600u};
  EXPECT_FALSE(apply_soa(same, z));
  ValidSoa change{.admin_email = std::string("me.example.com."), .minimum_ttl = 60u};
  EXPECT_TRUE(apply_soa(change, z));
  EXPECT_EQ(z.admin_email, "me.example.com.");
  EXPECT_EQ(z.minimum_ttl, 60u);
  EXPECT_EQ(z.primary_ns, "ns.example.com.");

  // A zone name so long that "hostmaster." does not fit leaves that default empty.
  std::string long_zone;
  for (int i = 0; i < 4; ++i) long_zone += std::string(60, 'a' + i) + ".";
  long_zone += "com";  // 247 characters
  Zone tight = zone_with_defaults(long_zone);
  EXPECT_EQ(tight.primary_ns, "ns." + long_zone + ".");
  EXPECT_EQ(tight.admin_email, "");
}

TEST(ValidationTest, RecordTypes) {
  EXPECT_EQ((*record_type("aaaa"))->mnemonic, "AAAA");
  auto soa = record_type("SOA");
  EXPECT_NE(soa.status().message().find("zone's fields"), std::string::npos);
  auto unknown = record_type("XYZ");
  EXPECT_EQ(unknown.status().message(),
            "unknown record type \"XYZ\" (supported: A, NS, CNAME, PTR, MX, TXT, AAAA, SRV, CAA)");
  EXPECT_EQ(record_type("").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mcns::control::domain
