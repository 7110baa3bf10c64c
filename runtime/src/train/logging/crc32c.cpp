//===- crc32c.cpp - CRC-32C (Castagnoli) and TFRecord's mask ---*- C++ -*-===//
//
// See crc32c.hpp. The 256-entry table holds the CRC of each byte value
// processed alone (LSB-first, reflected polynomial), built once on first use.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/crc32c.hpp"

#include <array>

namespace fgrt::train {
namespace {

constexpr uint32_t kReflectedPolynomial = 0x82F63B78u;
constexpr uint32_t kMaskDelta = 0xa282ead8u;

std::array<uint32_t, 256> make_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1) ? (crc >> 1) ^ kReflectedPolynomial : crc >> 1;
    table[byte] = crc;
  }
  return table;
}

} // namespace

uint32_t crc32c_extend(uint32_t crc, const void *data, size_t size) {
  static const std::array<uint32_t, 256> table = make_table();
  const auto *bytes = static_cast<const unsigned char *>(data);
  // The register holds the complement between calls, so that extending
  // by nothing returns `crc` unchanged and crc32c_extend(0, ...) is crc32c.
  uint32_t reg = ~crc;
  for (size_t i = 0; i < size; ++i)
    reg = table[(reg ^ bytes[i]) & 0xFFu] ^ (reg >> 8);
  return ~reg;
}

uint32_t crc32c(std::string_view data) { return crc32c_extend(0, data.data(), data.size()); }

uint32_t mask_crc32c(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }

uint32_t unmask_crc32c(uint32_t masked) {
  uint32_t rotated = masked - kMaskDelta;
  return (rotated >> 17) | (rotated << 15);
}

} // namespace fgrt::train
