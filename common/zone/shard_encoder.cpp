#include "common/zone/shard_encoder.h"

#include <cstring>
#include <memory>
#include <vector>

#include "common/dns/rr_type.h"

namespace mcns::zone {
namespace {

// Capacity is reserved up front, so this never reallocates.
void append(std::vector<std::uint8_t>& v, const std::uint8_t* p, std::size_t n) {
  std::size_t at = v.size();
  v.resize(at + n);
  std::memcpy(v.data() + at, p, n);
}

}  // namespace

const ShardPtr& ShardEncoder::empty() {
  static const ShardPtr kEmpty = encode(nullptr, 0);
  return kEmpty;
}

ShardPtr ShardEncoder::encode(const EncNode* nodes, std::size_t count) {
  auto s = std::make_shared<Shard>();
  std::size_t data_size = 0, rrset_count = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const EncNode& n = nodes[i];
    data_size += n.name_length;
    for (std::uint32_t r = 0; r < n.record_count; ++r) {
      data_size += kWireRecordOverhead + n.records[r].rdlength;
      if (r == 0 || n.records[r].type != n.records[r - 1].type) ++rrset_count;
    }
  }
  s->nodes_.reserve(count);
  s->rrsets_.reserve(rrset_count);
  s->data_.reserve(data_size);
  std::size_t index_size = 2;
  while (index_size < count * 2) index_size <<= 1;
  s->index_.assign(index_size, 0);

  std::vector<std::uint8_t>& data = s->data_;
  for (std::size_t i = 0; i < count; ++i) {
    const EncNode& in = nodes[i];
    Node node;
    node.hash = in.hash;
    node.name_offset = static_cast<std::uint32_t>(data.size());
    node.name_length = in.name_length;
    node.label_count = in.label_count;
    node.flags = in.flags & (node_flag::kApex | node_flag::kWildcardChild);
    node.children = in.children;
    node.first_rrset = static_cast<std::uint32_t>(s->rrsets_.size());
    append(data, in.name, in.name_length);
    for (std::uint32_t r = 0; r < in.record_count;) {
      RRset set;
      set.type = in.records[r].type;
      set.offset = static_cast<std::uint32_t>(data.size());
      if (const dns::RRTypeInfo* info = dns::find_type(set.type); info && info->rdata_name) {
        const dns::RdataName& name = *info->rdata_name;
        set.flags = static_cast<std::uint16_t>((name.compress ? rrset_flag::kCompressName : 0) |
                                               (name.additional ? rrset_flag::kAdditional : 0));
        set.name_pos = name.pos;
      }
      for (; r < in.record_count && in.records[r].type == set.type; ++r) {
        const EncRecord& rec = in.records[r];
        std::uint8_t head[kWireRecordOverhead];
        dns_wire::store_u16(head, 0xc00c);
        dns_wire::store_u16(head + 2, rec.type);
        dns_wire::store_u16(head + 4, dns_wire::kClassIn);
        dns_wire::store_u32(head + 6, rec.ttl);
        dns_wire::store_u16(head + 10, rec.rdlength);
        append(data, head, kWireRecordOverhead);
        append(data, rec.rdata, rec.rdlength);
        ++set.count;
      }
      set.size = static_cast<std::uint32_t>(data.size() - set.offset);
      if (set.type == dns::type::kNS && !(node.flags & node_flag::kApex)) node.flags |= node_flag::kDelegation;
      if (set.type == dns::type::kCNAME) node.flags |= node_flag::kCname;
      s->rrsets_.push_back(set);
    }
    node.rrset_count = static_cast<std::uint32_t>(s->rrsets_.size() - node.first_rrset);
    s->nodes_.push_back(node);
    std::size_t slot = in.hash & (index_size - 1);
    while (s->index_[slot] != 0) slot = (slot + 1) & (index_size - 1);
    s->index_[slot] = (std::uint64_t{in.hash} << 32) | (i + 1);
  }
  return s;
}

}  // namespace mcns::zone
