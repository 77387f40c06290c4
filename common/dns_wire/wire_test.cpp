#include "common/dns_wire/wire.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace mcns::dns_wire {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes wire(std::string_view dotted) {
  Bytes out;
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    out.push_back(static_cast<std::uint8_t>(dot - start));
    out.insert(out.end(), dotted.begin() + static_cast<long>(start), dotted.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

std::string text(const Name& n) {
  std::string out;
  for (unsigned i = 0; i < n.label_count; ++i) {
    const std::uint8_t* l = n.data.data() + n.label_offsets[i];
    out.append(reinterpret_cast<const char*>(l + 1), l[0]);
    out.push_back('.');
  }
  return out.empty() ? "." : out;
}

TEST(WireReader, BoundsChecked) {
  Bytes b = {1, 2, 3, 4, 5};
  WireReader r(b);
  std::uint32_t v32 = 0;
  std::uint16_t v16 = 0;
  std::uint8_t v8 = 0;
  EXPECT_TRUE(r.read_u32(v32));
  EXPECT_EQ(v32, 0x01020304u);
  EXPECT_FALSE(r.read_u16(v16));  // one octet left: fails, position unchanged
  EXPECT_EQ(r.position(), 4u);
  EXPECT_TRUE(r.read_u8(v8));
  EXPECT_EQ(v8, 5);
  EXPECT_FALSE(r.read_u8(v8));
  EXPECT_FALSE(r.skip(1));
  std::span<const std::uint8_t> s;
  r.seek(1);
  EXPECT_FALSE(r.read_bytes(5, s));
  EXPECT_TRUE(r.read_bytes(4, s));
  EXPECT_EQ(s.size(), 4u);
}

struct NameCase {
  const char* name;
  Bytes msg;
  std::size_t start;
  bool ok;
  std::string want;
  std::size_t end;  // position after the name
};

TEST(WireReader, Names) {
  // A message whose octet 12 starts "example.com" (the usual pointer target).
  Bytes base(12, 0);
  Bytes ex = wire("example.com");
  base.insert(base.end(), ex.begin(), ex.end());  // 12..24
  auto with = [&](Bytes tail) {
    Bytes m = base;
    m.insert(m.end(), tail.begin(), tail.end());
    return m;
  };
  Bytes label64 = {64};
  label64.insert(label64.end(), 64, 'a');
  label64.push_back(0);
  Bytes long_name;
  for (int i = 0; i < 4; ++i) {
    long_name.push_back(63);
    long_name.insert(long_name.end(), 63, 'b');
  }
  long_name.push_back(0);  // 4 * 64 + 1 = 257 octets
  Bytes max_name;
  for (int i = 0; i < 3; ++i) {
    max_name.push_back(63);
    max_name.insert(max_name.end(), 63, 'c');
  }
  max_name.push_back(61);
  max_name.insert(max_name.end(), 61, 'd');
  max_name.push_back(0);  // 255 octets exactly
  Bytes many_labels;
  for (int i = 0; i < 127; ++i) many_labels.insert(many_labels.end(), {1, 'x'});
  many_labels.push_back(0);  // 255 octets, 127 labels
  std::string many_text;
  for (int i = 0; i < 127; ++i) many_text += "x.";

  std::vector<NameCase> cases = {
      {"plain", base, 12, true, "example.com.", 25},
      {"root", Bytes{0}, 0, true, ".", 1},
      {"backward pointer", with({3, 'w', 'w', 'w', 0xc0, 12}), 25, true, "www.example.com.", 31},
      {"pointer to a suffix", with({0xc0, 20}), 25, true, "com.", 27},
      {"pointer chain", with({3, 'w', 'w', 'w', 0xc0, 12, 1, 'a', 0xc0, 25}), 31, true, "a.www.example.com.", 35},
      {"pointer to itself", with({0xc0, 25}), 25, false, "", 0},
      {"forward pointer", with({0xc0, 27, 0}), 25, false, "", 0},
      {"two pointers in a loop", with({0xc0, 27, 0xc0, 25}), 27, false, "", 0},
      {"label run looping through a pointer", with({1, 'a', 0xc0, 25}), 25, false, "", 0},
      {"truncated pointer", with({0xc0}), 25, false, "", 0},
      {"truncated label", with({5, 'a', 'b'}), 25, false, "", 0},
      {"missing root", with({1, 'a'}), 25, false, "", 0},
      {"label longer than 63", label64, 0, false, "", 0},
      {"extended label 0x40", Bytes{0x41, 'a', 0}, 0, false, "", 0},
      {"extended label 0x80", Bytes{0x81, 'a', 0}, 0, false, "", 0},
      {"name longer than 255", long_name, 0, false, "", 0},
      {"name of exactly 255", max_name, 0, true, "", 255},
      {"127 labels", many_labels, 0, true, many_text, 255},
      {"empty input", Bytes{}, 0, false, "", 0},
  };
  for (const NameCase& c : cases) {
    SCOPED_TRACE(c.name);
    WireReader r(c.msg);
    r.seek(c.start);
    Name n;
    EXPECT_EQ(r.read_name(&n), c.ok);
    if (!c.ok) {
      EXPECT_EQ(r.position(), c.start);
      continue;
    }
    if (!c.want.empty()) {
      EXPECT_EQ(text(n), c.want);
    }
    EXPECT_EQ(r.position(), c.end);
    EXPECT_LE(n.length, 255u);
    EXPECT_EQ(n.data[n.length - 1], 0);
    // Validation-only mode agrees.
    WireReader r2(c.msg);
    r2.seek(c.start);
    EXPECT_TRUE(r2.read_name(nullptr));
    EXPECT_EQ(r2.position(), c.end);
  }
  // Compression can be refused (question names).
  Bytes m = with({3, 'w', 'w', 'w', 0xc0, 12});
  WireReader r(m);
  r.seek(25);
  EXPECT_FALSE(r.read_name(nullptr, /*allow_compression=*/false));

  // read_plain_name() accepts exactly what read_name(…, false) accepts, at the same
  // position, with the same octets and the same lower-cased form.
  for (const NameCase& c : cases) {
    SCOPED_TRACE(c.name);
    WireReader full(c.msg);
    full.seek(c.start);
    Name n;
    const bool ok = full.read_name(&n, /*allow_compression=*/false);
    WireReader plain(c.msg);
    plain.seek(c.start);
    std::uint8_t out[kMaxNameLength], lower[kMaxNameLength];
    const std::size_t len = plain.read_plain_name(out, lower);
    EXPECT_EQ(len != 0, ok);
    EXPECT_EQ(plain.position(), full.position());
    if (!ok) continue;
    ASSERT_EQ(len, n.length);
    EXPECT_EQ(0, std::memcmp(out, n.data.data(), len));
    Name low;
    low.assign_lower(n);
    EXPECT_EQ(0, std::memcmp(lower, low.data.data(), len));
  }
  WireReader refused(m);
  refused.seek(25);
  std::uint8_t out[kMaxNameLength];
  EXPECT_EQ(refused.read_plain_name(out, nullptr), 0u);
  EXPECT_EQ(refused.position(), 25u);
}

TEST(WireReader, PlainNameLowerCasesAsciiOnly) {
  // Every octet value in labels of every length 1..63 and at every alignment: only
  // 'A'..'Z' change (the neighbours '@', '[', '`', '{' and octets >= 0x80 do not).
  for (std::size_t label = 1; label <= 63; ++label) {
    for (std::size_t offset = 0; offset < 8; ++offset) {
      Bytes msg(offset, 0xff);
      std::size_t start = msg.size();
      for (int first = 0; first < 256; first += static_cast<int>(label)) {
        if (msg.size() - start + 1 + label + 1 > kMaxNameLength) break;
        msg.push_back(static_cast<std::uint8_t>(label));
        for (std::size_t i = 0; i < label; ++i) msg.push_back(static_cast<std::uint8_t>((first + static_cast<int>(i)) % 256));
      }
      msg.push_back(0);
      msg.insert(msg.end(), {0, 1, 0, 1});  // (qtype, qclass: room after the name)
      WireReader r(msg);
      r.seek(start);
      std::uint8_t out[kMaxNameLength], lower[kMaxNameLength];
      const std::size_t len = r.read_plain_name(out, lower);
      ASSERT_GT(len, 0u);
      for (std::size_t i = 0; i < len; ++i) {
        ASSERT_EQ(out[i], msg[start + i]);
        ASSERT_EQ(lower[i], ascii_lower(msg[start + i])) << "octet " << int(msg[start + i]);
      }
      std::uint8_t copy[300];
      ascii_lower_copy(copy, msg.data() + start, len);
      ASSERT_EQ(0, std::memcmp(copy, lower, len));
    }
  }
}

TEST(Name, AssignLowerAndSuffixes) {
  Name n;
  Bytes w = wire("WwW.Example.COM");
  std::size_t used = 0;
  ASSERT_TRUE(n.assign(w, &used));
  EXPECT_EQ(used, w.size());
  EXPECT_EQ(n.label_count, 3);
  Name l;
  l.assign_lower(n);
  EXPECT_EQ(text(l), "www.example.com.");
  EXPECT_EQ(text(n), "WwW.Example.COM.");
  EXPECT_EQ(l.suffix_length(1), 13u);  // "example.com."
  EXPECT_EQ(l.suffix_length(3), 1u);   // root
  EXPECT_TRUE(names_equal_ci(n.data.data(), n.length, l.data.data(), l.length));
  EXPECT_FALSE(n.assign(Bytes{3, 'a', 'b'}));
  EXPECT_FALSE(n.assign(Bytes{0xc0, 12}));  // compressed: not a stored name
  EXPECT_EQ(text(n), "WwW.Example.COM.");  // unchanged on failure
}

TEST(WireWriter, LimitsAndRewind) {
  Bytes buf(16, 0xee);
  WireWriter w(buf);
  w.set_limit(6);
  EXPECT_TRUE(w.put_u32(0xdeadbeef));
  EXPECT_FALSE(w.put_u32(1));  // does not fit: nothing written
  EXPECT_EQ(w.size(), 4u);
  EXPECT_TRUE(w.put_u16(0x0102));
  EXPECT_FALSE(w.put_u8(1));
  EXPECT_EQ(buf[6], 0xee);
  w.set_limit(100);  // clamped to the buffer
  EXPECT_EQ(w.limit(), 16u);
  w.rewind(2);
  EXPECT_EQ(w.size(), 2u);
  w.patch_u16(0, 0x0a0b);
  EXPECT_EQ(buf[0], 0x0a);
  w.patch_u16(10, 0xffff);  // beyond what was written: ignored
  EXPECT_EQ(buf[10], 0xee);
}

TEST(NameCompressor, LongestSuffixCaseInsensitive) {
  Bytes buf(512);
  WireWriter w(buf);
  Bytes header(12, 0);
  w.put_bytes(header);
  Bytes q = wire("WWW.Example.Com");
  w.put_bytes(q);  // question at 12
  NameCompressor c;
  c.add(12);
  Bytes n1 = wire("www.example.com");
  EXPECT_EQ(c.write(w, n1.data(), n1.size()), 12);  // whole name: a pointer to the question
  EXPECT_EQ(buf[w.size() - 2], 0xc0);
  EXPECT_EQ(buf[w.size() - 1], 12);
  std::size_t at = w.size();
  Bytes n2 = wire("ns1.example.com");
  EXPECT_EQ(c.write(w, n2.data(), n2.size()), static_cast<int>(at));
  EXPECT_EQ(w.size(), at + 4 + 2);  // "ns1" + pointer to "example.com" at 16
  EXPECT_EQ(buf[at + 4], 0xc0);
  EXPECT_EQ(buf[at + 5], 16);
  // A later name can point into the one just written.
  std::size_t at2 = w.size();
  Bytes n3 = wire("a.ns1.example.com");
  c.write(w, n3.data(), n3.size());
  EXPECT_EQ(w.size(), at2 + 2 + 2);
  EXPECT_EQ(buf[at2 + 3], static_cast<std::uint8_t>(at));
  // No common suffix: written in full.
  std::size_t at3 = w.size();
  Bytes n4 = wire("example.net");
  c.write(w, n4.data(), n4.size());
  EXPECT_EQ(w.size(), at3 + n4.size());
  // Does not fit: nothing written, -1.
  w.set_limit(w.size() + 3);
  std::size_t before = w.size();
  Bytes n5 = wire("other.org");
  EXPECT_EQ(c.write(w, n5.data(), n5.size()), -1);
  EXPECT_EQ(w.size(), before);
  // Every name decodes back.
  WireReader r(std::span<const std::uint8_t>(buf.data(), w.size()));
  r.seek(at2);
  Name back;
  ASSERT_TRUE(r.read_name(&back));
  EXPECT_EQ(text(back), "a.ns1.Example.Com.");  // the pointer reaches the question's case
}

TEST(NameCompressor, TableFullStillWritesCorrectNames) {
  Bytes buf(8192);
  WireWriter w(buf);
  NameCompressor c;
  std::vector<std::size_t> starts;
  for (int i = 0; i < 100; ++i) {
    Bytes n = wire("n" + std::to_string(i) + ".zone" + std::to_string(i % 7) + ".test");
    starts.push_back(w.size());
    ASSERT_GE(c.write(w, n.data(), n.size()), 0);
  }
  EXPECT_EQ(c.count(), NameCompressor::kMaxEntries);
  for (int i = 0; i < 100; ++i) {
    WireReader r(std::span<const std::uint8_t>(buf.data(), w.size()));
    r.seek(starts[i]);
    Name n;
    ASSERT_TRUE(r.read_name(&n));
    EXPECT_EQ(text(n), "n" + std::to_string(i) + ".zone" + std::to_string(i % 7) + ".test.");
  }
}

TEST(NameCompressor, NoPointersBeyond16K) {
  Bytes buf(20000);
  WireWriter w(buf);
  w.put_bytes(Bytes(17000, 0).data(), 17000);
  NameCompressor c;
  Bytes n = wire("far.example");
  int first = c.write(w, n.data(), n.size());
  EXPECT_EQ(first, 17000);
  std::size_t at = w.size();
  c.write(w, n.data(), n.size());  // cannot point at 17000: written in full again
  EXPECT_EQ(w.size(), at + n.size());
}

}  // namespace
}  // namespace mcns::dns_wire
