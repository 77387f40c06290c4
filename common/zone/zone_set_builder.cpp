#include "common/zone/zone_set_builder.h"

namespace mcns::zone {

// TODO(core): stub so that dependants link; records are not stored yet.
struct ZoneSetBuilder::Impl {};
ZoneSetBuilder::ZoneSetBuilder() : impl_(std::make_unique<Impl>()) {}
ZoneSetBuilder::ZoneSetBuilder(ZoneSetPtr) : impl_(std::make_unique<Impl>()) {}
ZoneSetBuilder::~ZoneSetBuilder() = default;
ZoneSetBuilder::ZoneSetBuilder(ZoneSetBuilder&&) noexcept = default;
ZoneSetBuilder& ZoneSetBuilder::operator=(ZoneSetBuilder&&) noexcept = default;
Status ZoneSetBuilder::upsert_zone(std::string_view, const SoaParams&) { return ok_status(); }
Status ZoneSetBuilder::upsert_zone_wire(std::string_view, std::uint32_t, std::span<const std::uint8_t>) {
  return ok_status();
}
Status ZoneSetBuilder::delete_zone(std::string_view) { return ok_status(); }
Status ZoneSetBuilder::clear_zone(std::string_view) { return ok_status(); }
Status ZoneSetBuilder::add_record(std::string_view, std::string_view, std::uint16_t, std::uint32_t,
                                  std::span<const std::uint8_t>) {
  return ok_status();
}
Status ZoneSetBuilder::remove_record(std::string_view, std::string_view, std::uint16_t,
                                     std::span<const std::uint8_t>) {
  return ok_status();
}
Status ZoneSetBuilder::add_record_wire(std::string_view, std::span<const std::uint8_t>, std::uint16_t,
                                       std::uint32_t, std::span<const std::uint8_t>) {
  return ok_status();
}
Status ZoneSetBuilder::remove_record_wire(std::string_view, std::span<const std::uint8_t>, std::uint16_t,
                                          std::span<const std::uint8_t>) {
  return ok_status();
}
void ZoneSetBuilder::reserve(std::size_t) {}
StatusOr<ZoneSetPtr> ZoneSetBuilder::build() {
  auto zs = std::make_shared<ZoneSet>();
  zs->ready_ = true;
  return ZoneSetPtr(std::move(zs));
}

}  // namespace mcns::zone
