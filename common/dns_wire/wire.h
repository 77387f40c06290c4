#pragma once
// Bounds-checked DNS wire primitives for the hot path: a reader and a writer over
// caller-owned spans, names in fixed buffers, and name compression with a fixed table.
// Nothing here allocates or throws. Every length read from the wire is checked against
// the bytes that remain (PowerDNS, "Dealing with Untrusted Data").
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace mcns::dns_wire {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxNameLength = 255;  // wire octets including the root
inline constexpr std::size_t kMaxLabelLength = 63;
inline constexpr unsigned kMaxLabels = 127;         // 255 octets hold at most 127 labels
inline constexpr std::size_t kMaxMessageSize = 65535;
inline constexpr std::size_t kMaxPointerTarget = 0x3fff;

namespace rcode {
inline constexpr std::uint16_t kNoError = 0;
inline constexpr std::uint16_t kFormErr = 1;
inline constexpr std::uint16_t kServFail = 2;
inline constexpr std::uint16_t kNxDomain = 3;
inline constexpr std::uint16_t kNotImp = 4;
inline constexpr std::uint16_t kRefused = 5;
inline constexpr std::uint16_t kNotAuth = 9;
inline constexpr std::uint16_t kBadVers = 16;  // extended (needs OPT)
}  // namespace rcode

namespace flag {
inline constexpr std::uint16_t kQr = 0x8000;
inline constexpr std::uint16_t kOpcodeMask = 0x7800;
inline constexpr std::uint16_t kAa = 0x0400;
inline constexpr std::uint16_t kTc = 0x0200;
inline constexpr std::uint16_t kRd = 0x0100;
inline constexpr std::uint16_t kRa = 0x0080;
inline constexpr std::uint16_t kAd = 0x0020;
inline constexpr std::uint16_t kCd = 0x0010;
inline constexpr std::uint16_t kRcodeMask = 0x000f;
}  // namespace flag

inline constexpr std::uint16_t kClassIn = 1;
inline constexpr std::uint16_t kClassAny = 255;

inline std::uint16_t load_u16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t load_u32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
inline void store_u16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void store_u32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}
// Appending to a growing message (off the hot path: transfers, TSIG, NOTIFY).
inline void append_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void append_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  append_u16(out, static_cast<std::uint16_t>(v >> 16));
  append_u16(out, static_cast<std::uint16_t>(v));
}
inline std::uint8_t ascii_lower(std::uint8_t c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32) : c;
}
// Copies `n` octets with ASCII letters lower-cased, eight at a time (no branch per octet).
void ascii_lower_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept;

struct Header {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::uint16_t qdcount = 0;
  std::uint16_t ancount = 0;
  std::uint16_t nscount = 0;
  std::uint16_t arcount = 0;

  std::uint8_t opcode() const noexcept { return static_cast<std::uint8_t>((flags >> 11) & 0x0f); }
  // False when fewer than kHeaderSize octets are given.
  bool read(std::span<const std::uint8_t> msg) noexcept;
  void write(std::uint8_t* out) const noexcept;
};

// A domain name in uncompressed wire form, in a fixed buffer (no allocation). Label i
// starts at data[label_offsets[i]] (its length octet); the suffix from label i is
// data[label_offsets[i] .. length). The root label is not counted in label_count.
struct Name {
  std::uint16_t length = 0;      // octets including the root octet, 1..255
  std::uint8_t label_count = 0;  // 0 for the root name
  std::array<std::uint8_t, kMaxNameLength> data{};
  std::array<std::uint8_t, kMaxLabels + 1> label_offsets{};

  const std::uint8_t* suffix(unsigned label) const noexcept { return data.data() + label_offsets[label]; }
  std::size_t suffix_length(unsigned label) const noexcept { return length - label_offsets[label]; }
  std::span<const std::uint8_t> wire() const noexcept { return {data.data(), length}; }
  // Sets this to an uncompressed wire name (as stored in RDATA or a zone). False, and
  // this unchanged, unless `wire` starts with a valid name ending with the root label;
  // `consumed` (optional) gets its length.
  bool assign(std::span<const std::uint8_t> wire, std::size_t* consumed = nullptr) noexcept;
  // Copies `other` with ASCII letters lower-cased.
  void assign_lower(const Name& other) noexcept;
  void to_lower() noexcept;
};

// `name` in text, lower case, labels joined by dots, no trailing dot ("" for the root).
// Off the hot path (it allocates): key, zone and owner names of TSIG, transfers, UPDATE.
std::string lower_text(const Name& name);

// Case-insensitive comparison of two uncompressed wire names.
bool names_equal_ci(const std::uint8_t* a, std::size_t a_len, const std::uint8_t* b, std::size_t b_len) noexcept;

// Walks the label offsets of the uncompressed wire name `wire` (trusted: built by us).
// Returns the number of labels (excluding root); `offsets` needs kMaxLabels + 1 slots.
unsigned label_offsets_of(const std::uint8_t* wire, std::size_t length, std::uint8_t* offsets) noexcept;

// Reads a DNS message from a span. Every read checks bounds and leaves the position
// unchanged on failure.
class WireReader {
 public:
  explicit WireReader(std::span<const std::uint8_t> msg) noexcept : msg_(msg) {}

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return msg_.size() - pos_; }
  void seek(std::size_t pos) noexcept { pos_ = pos <= msg_.size() ? pos : msg_.size(); }

  bool read_u8(std::uint8_t& v) noexcept;
  bool read_u16(std::uint16_t& v) noexcept;
  bool read_u32(std::uint32_t& v) noexcept;
  bool read_bytes(std::size_t n, std::span<const std::uint8_t>& out) noexcept;
  bool skip(std::size_t n) noexcept;

  // Reads a name at the current position into `out` (nullptr: validate and skip).
  // With `allow_compression`, pointers are followed; each must point strictly before
  // the start of the label run that contains it, so a loop cannot be followed, and the
  // result is bounded by 255 octets / 127 labels. Extended label types (0x40, 0x80) are
  // rejected. The position moves past the name's in-place octets.
  bool read_name(Name* out, bool allow_compression = true) noexcept;
  // The same check as read_name(…, false) (no pointers, no extended label types, at most
  // 255 octets), for a name that is only copied and compared (a forwarded question): the
  // name is copied as sent to `out` and, when `lower` is not null, ASCII-lower-cased to
  // `lower` (each kMaxNameLength octets), with no label offsets. Returns its length in
  // octets (root included) and moves past it, or 0 (position unchanged) when invalid.
  std::size_t read_plain_name(std::uint8_t* out, std::uint8_t* lower) noexcept;

 private:
  std::span<const std::uint8_t> msg_;
  std::size_t pos_ = 0;
};

// Writes into a caller buffer up to a limit (which may be below the buffer size, e.g.
// the UDP payload size). A write that does not fit writes nothing and returns false.
class WireWriter {
 public:
  explicit WireWriter(std::span<std::uint8_t> buf) noexcept : buf_(buf), limit_(buf.size()) {}

  std::uint8_t* data() noexcept { return buf_.data(); }
  const std::uint8_t* data() const noexcept { return buf_.data(); }
  std::size_t size() const noexcept { return pos_; }
  std::size_t limit() const noexcept { return limit_; }
  std::size_t remaining() const noexcept { return limit_ - pos_; }
  // Clamped to the buffer size; never below the current size.
  void set_limit(std::size_t limit) noexcept;
  // Drops everything written after `pos` (pos <= size()).
  void rewind(std::size_t pos) noexcept { if (pos < pos_) pos_ = pos; }

  bool put_u8(std::uint8_t v) noexcept;
  bool put_u16(std::uint16_t v) noexcept;
  bool put_u32(std::uint32_t v) noexcept;
  bool put_bytes(const std::uint8_t* p, std::size_t n) noexcept;
  bool put_bytes(std::span<const std::uint8_t> s) noexcept { return put_bytes(s.data(), s.size()); }
  // Overwrites two octets already written.
  void patch_u16(std::size_t offset, std::uint16_t v) noexcept {
    if (offset + 2 <= pos_) store_u16(buf_.data() + offset, v);
  }

 private:
  std::span<std::uint8_t> buf_;
  std::size_t pos_ = 0;
  std::size_t limit_;
};

// RFC 1035 4.1.4 name compression against the names already written into a message.
// The table is fixed-size: when it is full, names are still written (compressed
// against what is known) but no longer remembered.
class NameCompressor {
 public:
  static constexpr std::size_t kMaxEntries = 48;

  void reset() noexcept { count_ = 0; }
  std::size_t count() const noexcept { return count_; }
  // Forgets the entries registered after the first `count` (after a writer rewind).
  void truncate(std::size_t count) noexcept { if (count < count_) count_ = count; }
  // Registers a name already present at `offset` in the message (e.g. the question).
  void add(std::size_t offset) noexcept;

  // Writes the uncompressed wire name `name` (any case; compared case-insensitively)
  // with the longest suffix already in the message replaced by a pointer, and
  // registers it. Returns the offset at which the written name can be referenced by a
  // later pointer, or -1 when it did not fit (nothing written).
  int write(WireWriter& w, const std::uint8_t* name, std::size_t length) noexcept;

 private:
  std::array<std::uint16_t, kMaxEntries> entries_{};
  std::size_t count_ = 0;
};

}  // namespace mcns::dns_wire
