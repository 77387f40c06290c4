#include "common/dns_wire/wire.h"

namespace mcns::dns_wire {

bool Header::read(std::span<const std::uint8_t> msg) noexcept {
  if (msg.size() < kHeaderSize) return false;
  const std::uint8_t* p = msg.data();
  id = load_u16(p);
  flags = load_u16(p + 2);
  qdcount = load_u16(p + 4);
  ancount = load_u16(p + 6);
  nscount = load_u16(p + 8);
  arcount = load_u16(p + 10);
  return true;
}

void Header::write(std::uint8_t* out) const noexcept {
  store_u16(out, id);
  store_u16(out + 2, flags);
  store_u16(out + 4, qdcount);
  store_u16(out + 6, ancount);
  store_u16(out + 8, nscount);
  store_u16(out + 10, arcount);
}

bool Name::assign(std::span<const std::uint8_t> wire, std::size_t* consumed) noexcept {
  std::size_t pos = 0;
  unsigned labels = 0;
  std::array<std::uint8_t, kMaxLabels + 1> offsets;
  for (;;) {
    if (pos >= wire.size()) return false;
    std::uint8_t len = wire[pos];
    if (len == 0) break;
    if (len > kMaxLabelLength) return false;  // pointers and extended labels included
    if (labels >= kMaxLabels || pos + 1 + len + 1 > kMaxNameLength) return false;
    offsets[labels++] = static_cast<std::uint8_t>(pos);
    pos += 1 + len;
  }
  std::size_t total = pos + 1;
  std::memcpy(data.data(), wire.data(), total);
  std::memcpy(label_offsets.data(), offsets.data(), labels);
  label_offsets[labels] = static_cast<std::uint8_t>(pos);
  length = static_cast<std::uint16_t>(total);
  label_count = static_cast<std::uint8_t>(labels);
  if (consumed) *consumed = total;
  return true;
}

void Name::assign_lower(const Name& other) noexcept {
  length = other.length;
  label_count = other.label_count;
  ascii_lower_copy(data.data(), other.data.data(), other.length);
  std::memcpy(label_offsets.data(), other.label_offsets.data(), other.label_count + 1u);
}

void Name::to_lower() noexcept { ascii_lower_copy(data.data(), data.data(), length); }

bool names_equal_ci(const std::uint8_t* a, std::size_t a_len, const std::uint8_t* b,
                    std::size_t b_len) noexcept {
  if (a_len != b_len) return false;
  // Length octets are < 64 and so unaffected by lower-casing.
  for (std::size_t i = 0; i < a_len; ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

unsigned label_offsets_of(const std::uint8_t* wire, std::size_t length, std::uint8_t* offsets) noexcept {
  unsigned n = 0;
  std::size_t pos = 0;
  while (pos < length && wire[pos] != 0 && n < kMaxLabels) {
    offsets[n++] = static_cast<std::uint8_t>(pos);
    pos += 1u + wire[pos];
  }
  offsets[n] = static_cast<std::uint8_t>(pos < 255 ? pos : 254);
  return n;
}

bool WireReader::read_u8(std::uint8_t& v) noexcept {
  if (remaining() < 1) return false;
  v = msg_[pos_++];
  return true;
}

bool WireReader::read_u16(std::uint16_t& v) noexcept {
  if (remaining() < 2) return false;
  v = load_u16(msg_.data() + pos_);
  pos_ += 2;
  return true;
}

bool WireReader::read_u32(std::uint32_t& v) noexcept {
  if (remaining() < 4) return false;
  v = load_u32(msg_.data() + pos_);
  pos_ += 4;
  return true;
}

bool WireReader::read_bytes(std::size_t n, std::span<const std::uint8_t>& out) noexcept {
  if (remaining() < n) return false;
  out = msg_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool WireReader::skip(std::size_t n) noexcept {
  if (remaining() < n) return false;
  pos_ += n;
  return true;
}

bool WireReader::read_name(Name* out, bool allow_compression) noexcept {
  const std::uint8_t* msg = msg_.data();
  const std::size_t size = msg_.size();
  std::size_t p = pos_;
  std::size_t run_start = pos_;  // start of the label run being read; pointers must go below it
  std::size_t end = 0;           // where the in-place part of the name ends
  bool jumped = false;
  std::size_t len = 0;
  unsigned labels = 0;
  for (;;) {
    if (p >= size) return false;
    std::uint8_t c = msg[p];
    if (c == 0) {
      if (!jumped) end = p + 1;
      break;
    }
    if ((c & 0xc0) == 0xc0) {
      if (!allow_compression || p + 1 >= size) return false;
      std::size_t target = (std::size_t{c & 0x3fu} << 8) | msg[p + 1];
      if (target >= run_start) return false;  // forward or looping pointer
      if (!jumped) end = p + 2;
      jumped = true;
      p = run_start = target;
      continue;
    }
    if (c > kMaxLabelLength) return false;  // 0x40 / 0x80: extended label types
    if (p + 1 + c > size) return false;
    if (labels >= kMaxLabels || len + 1 + c + 1 > kMaxNameLength) return false;
    if (out) {
      out->label_offsets[labels] = static_cast<std::uint8_t>(len);
      std::memcpy(out->data.data() + len, msg + p, 1u + c);
    }
    len += 1u + c;
    ++labels;
    p += 1u + c;
  }
  if (out) {
    out->data[len] = 0;
    out->label_offsets[labels] = static_cast<std::uint8_t>(len);
    out->length = static_cast<std::uint16_t>(len + 1);
    out->label_count = static_cast<std::uint8_t>(labels);
  }
  pos_ = end;
  return true;
}

namespace {
// Each octet of `w` with 'A'..'Z' given bit 0x20 (SWAR: the high bit of each lane is
// computed on the low seven bits, then masked by the octet being ASCII).
inline std::uint64_t lower8(std::uint64_t w) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  const std::uint64_t low7 = w & ~kHigh;
  const std::uint64_t ge_a = low7 + (0x80 - 'A') * kOnes;      // high bit: >= 'A'
  const std::uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * kOnes;  // high bit: > 'Z'
  const std::uint64_t upper = (ge_a ^ gt_z) & ~w & kHigh;
  return w | (upper >> 2);
}
}  // namespace

void ascii_lower_copy(std::uint8_t* dst, const std::uint8_t* src, std::size_t n) noexcept {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, src + i, 8);
    w = lower8(w);
    std::memcpy(dst + i, &w, 8);
  }
  for (; i < n; ++i) dst[i] = ascii_lower(src[i]);
}

std::size_t WireReader::read_plain_name(std::uint8_t* out, std::uint8_t* lower) noexcept {
  const std::uint8_t* msg = msg_.data();
  const std::size_t size = msg_.size();
  const std::size_t start = pos_;
  std::size_t p = start;
  for (;;) {
    if (p >= size) return 0;
    const std::uint8_t c = msg[p];
    if (c == 0) break;
    if (c > kMaxLabelLength) return 0;  // a pointer, or an extended label type
    if (p + 1 + c > size) return 0;
    if (p - start + 1 + c + 1 > kMaxNameLength) return 0;  // (so at most 127 labels)
    p += 1u + c;
  }
  const std::size_t len = p + 1 - start;
  std::memcpy(out, msg + start, len);
  if (lower) ascii_lower_copy(lower, msg + start, len);
  pos_ = p + 1;
  return len;
}

void WireWriter::set_limit(std::size_t limit) noexcept {
  if (limit > buf_.size()) limit = buf_.size();
  if (limit < pos_) limit = pos_;
  limit_ = limit;
}

bool WireWriter::put_u8(std::uint8_t v) noexcept {
  if (remaining() < 1) return false;
  buf_[pos_++] = v;
  return true;
}

bool WireWriter::put_u16(std::uint16_t v) noexcept {
  if (remaining() < 2) return false;
  store_u16(buf_.data() + pos_, v);
  pos_ += 2;
  return true;
}

bool WireWriter::put_u32(std::uint32_t v) noexcept {
  if (remaining() < 4) return false;
  store_u32(buf_.data() + pos_, v);
  pos_ += 4;
  return true;
}

bool WireWriter::put_bytes(const std::uint8_t* p, std::size_t n) noexcept {
  if (remaining() < n) return false;
  if (n) std::memcpy(buf_.data() + pos_, p, n);
  pos_ += n;
  return true;
}

void NameCompressor::add(std::size_t offset) noexcept {
  if (offset > kMaxPointerTarget || count_ == kMaxEntries) return;
  entries_[count_++] = static_cast<std::uint16_t>(offset);
}

namespace {

// Label start offsets of the (possibly compressed) name at `pos` in our own output.
// The output was written by us, but it is still walked defensively (bounded).
unsigned packet_labels(const std::uint8_t* msg, std::size_t size, std::size_t pos,
                       std::uint16_t* out) noexcept {
  unsigned n = 0;
  std::size_t limit = pos;  // pointers must go below the start of the current run
  for (unsigned guard = 0; guard < 2 * kMaxLabels + 2 && pos < size; ++guard) {
    std::uint8_t c = msg[pos];
    if (c == 0) return n;
    if ((c & 0xc0) == 0xc0) {
      if (pos + 1 >= size) return 0;
      std::size_t target = (std::size_t{c & 0x3fu} << 8) | msg[pos + 1];
      if (target >= limit) return 0;
      pos = limit = target;
      continue;
    }
    if (c > kMaxLabelLength || n >= kMaxLabels) return 0;
    out[n++] = static_cast<std::uint16_t>(pos);
    pos += 1u + c;
  }
  return 0;
}

bool label_equal_ci(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  if (a[0] != b[0]) return false;
  for (unsigned i = 1; i <= a[0]; ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

}  // namespace

int NameCompressor::write(WireWriter& w, const std::uint8_t* name, std::size_t length) noexcept {
  std::uint8_t offsets[kMaxLabels + 1];
  unsigned n = label_offsets_of(name, length, offsets);
  const std::uint8_t* msg = w.data();
  const std::size_t size = w.size();

  // Longest suffix of `name` present in the message, as (labels matched, target).
  unsigned best = 0;
  std::size_t best_target = 0;
  std::uint16_t plabels[kMaxLabels];
  for (std::size_t e = 0; e < count_ && best < n; ++e) {
    unsigned m = packet_labels(msg, size, entries_[e], plabels);
    unsigned k = 0;
    while (k < n && k < m && label_equal_ci(name + offsets[n - 1 - k], msg + plabels[m - 1 - k])) ++k;
    // A suffix is usable only if its label starts at a pointer-reachable offset.
    while (k > best && plabels[m - k] > kMaxPointerTarget) --k;
    if (k > best) {
      best = k;
      best_target = plabels[m - k];
    }
  }

  std::size_t start = w.size();
  std::size_t prefix = offsets[n - best];  // octets of the labels written in place
  std::size_t need = prefix + (best > 0 ? 2 : 1);
  if (w.remaining() < need) return -1;
  w.put_bytes(name, prefix);
  if (best > 0) {
    w.put_u16(static_cast<std::uint16_t>(0xc000 | best_target));
  } else {
    w.put_u8(0);
  }
  if (best > 0 && prefix == 0) return static_cast<int>(best_target);  // all a pointer
  if (prefix > 0) add(start);
  return static_cast<int>(start);
}

std::string lower_text(const Name& name) {
  std::string out;
  std::size_t i = 0;
  while (i < name.length && name.data[i] != 0) {
    const std::size_t len = name.data[i];
    if (!out.empty()) out.push_back('.');
    for (std::size_t k = 1; k <= len; ++k) out.push_back(static_cast<char>(ascii_lower(name.data[i + k])));
    i += len + 1;
  }
  return out;
}

}  // namespace mcns::dns_wire
