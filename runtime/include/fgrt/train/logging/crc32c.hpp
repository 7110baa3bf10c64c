//===- crc32c.hpp - CRC-32C (Castagnoli) and TFRecord's mask ---*- C++ -*-===//
//
// TensorBoard's event files are TFRecord files, whose every record carries
// two CRC-32C checksums (iSCSI polynomial 0x1EDC6F41, reflected 0x82F63B78,
// initial value and final xor 0xFFFFFFFF; "123456789" -> 0xE3069283), of the
// length field and of the data. They are stored "masked",
//
//   masked = ((crc >> 15) | (crc << 17)) + 0xa282ead8      (mod 2^32)
//
// because a CRC of data that itself contains CRCs is weak; the rotation and
// offset make the stored value differ from the CRC of the stored bytes.
//
// Table-driven software CRC (one byte per step): event files are small and
// written rarely, so the SSE4.2 instruction is not worth a CPU check.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace fgrt::train {

/// Continues a CRC-32C: `crc` is the CRC of earlier bytes (0 for none), the
/// result the CRC of those bytes followed by `data[0, size)`.
uint32_t crc32c_extend(uint32_t crc, const void *data, size_t size);

/// The CRC-32C of `data`.
uint32_t crc32c(std::string_view data);

/// TFRecord's masked form of a CRC (see the file comment).
uint32_t mask_crc32c(uint32_t crc);

/// The inverse of mask_crc32c(), for readers checking a stored CRC.
uint32_t unmask_crc32c(uint32_t masked);

} // namespace fgrt::train
