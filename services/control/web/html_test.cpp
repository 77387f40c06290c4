#include "services/control/web/html.h"

#include <gtest/gtest.h>

namespace mcns::control::web {
namespace {

TEST(Html, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(escape(R"(<script>alert("x&'y")</script>)"),
            "&lt;script&gt;alert(&quot;x&amp;&#39;y&quot;)&lt;/script&gt;");
  EXPECT_EQ(escape("plain.example.org"), "plain.example.org");
}

TEST(Html, DecodesFormsAndRejectsBrokenEscapes) {
  auto form = FormData::parse("name=www&value=v%3Dspf1+-all&csrf=abc&empty=&bad=%zz");
  EXPECT_EQ(form.get("name"), "www");
  EXPECT_EQ(form.get("value"), "v=spf1 -all");
  EXPECT_TRUE(form.has("empty"));
  EXPECT_FALSE(form.has("bad"));  // a broken escape drops the pair
  EXPECT_EQ(form.get("missing"), "");
  EXPECT_FALSE(url_decode("%4", false));
  EXPECT_FALSE(url_decode("%", false));
  EXPECT_EQ(*url_decode("a+b%20c", false), "a+b c");
}

TEST(Html, EncodesPathSegments) {
  EXPECT_EQ(url_encode("svc.mcp.metacircular.net"), "svc.mcp.metacircular.net");
  EXPECT_EQ(url_encode("a b/c?\"<"), "a%20b%2Fc%3F%22%3C");
}

TEST(Html, ReadsOneCookie) {
  EXPECT_EQ(*cookie_value("a=1; __Host-mcns_session=abc; b=2", "__Host-mcns_session"), "abc");
  EXPECT_EQ(*cookie_value("x=\"quoted\"", "x"), "quoted");
  EXPECT_FALSE(cookie_value("a=1", "__Host-mcns_session"));
}

TEST(Html, ComparesSecrets) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

}  // namespace
}  // namespace mcns::control::web
