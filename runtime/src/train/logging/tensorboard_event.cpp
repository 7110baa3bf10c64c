//===- tensorboard_event.cpp - TensorBoard events, hand-encoded -*- C++ -*-===//
//
// See tensorboard_event.hpp for the messages and field numbers. ProtoWriter
// appends fields to a byte string; nested messages are encoded first and
// then written as length-delimited fields, the way protobuf serialises them.
// Fixed-width fields are written byte by byte, least significant first, so
// the output is little-endian whatever the host's byte order.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/tensorboard_event.hpp"

#include "fgrt/train/logging/crc32c.hpp"

#include <cstring>

namespace fgrt::train {
namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Field numbers, named after the .proto fields (see the header).
enum EventField : uint32_t { kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5 };
enum SummaryField : uint32_t { kSummaryValue = 1 };
enum ValueField : uint32_t { kValueTag = 1, kValueSimpleValue = 2, kValueTensor = 8, kValueMetadata = 9 };
enum MetadataField : uint32_t { kMetadataPluginData = 1, kPluginDataPluginName = 1 };
enum TensorField : uint32_t { kTensorDtype = 1, kTensorShape = 2, kTensorStringVal = 8 };
enum ShapeField : uint32_t { kShapeDim = 2, kDimSize = 1 };
constexpr uint64_t kDtypeString = 7; // tensorflow.DataType DT_STRING

class ProtoWriter {
public:
  ProtoWriter &varint(uint32_t field, uint64_t value) {
    key(field, kVarint);
    raw_varint(value);
    return *this;
  }
  ProtoWriter &fixed64(uint32_t field, double value) {
    key(field, kFixed64);
    return little_endian(value);
  }
  ProtoWriter &fixed32(uint32_t field, float value) {
    key(field, kFixed32);
    return little_endian(value);
  }
  ProtoWriter &bytes(uint32_t field, std::string_view value) {
    key(field, kLengthDelimited);
    raw_varint(value.size());
    bytes_.append(value);
    return *this;
  }
  ProtoWriter &message(uint32_t field, const ProtoWriter &nested) { return bytes(field, nested.bytes_); }
  std::string take() { return std::move(bytes_); }

private:
  void key(uint32_t field, WireType type) { raw_varint((uint64_t(field) << 3) | type); }
  void raw_varint(uint64_t value) {
    // Seven bits per byte, low group first; the high bit marks "more".
    for (; value >= 0x80; value >>= 7)
      bytes_ += char((value & 0x7F) | 0x80);
    bytes_ += char(value);
  }
  template <typename Number> ProtoWriter &little_endian(Number value) {
    static_assert(sizeof(Number) == 4 || sizeof(Number) == 8, "fixed32 or fixed64");
    using Bits = std::conditional_t<sizeof(Number) == 4, uint32_t, uint64_t>;
    Bits bits;
    std::memcpy(&bits, &value, sizeof bits);
    for (size_t i = 0; i < sizeof bits; ++i)
      bytes_ += char((bits >> (8 * i)) & 0xFF);
    return *this;
  }

  std::string bytes_;
};

// An Event {wall_time, step, summary {value}} around one Summary.Value.
std::string encode_summary_event(double wall_time, int64_t step, const ProtoWriter &value) {
  ProtoWriter summary;
  summary.message(kSummaryValue, value);
  ProtoWriter event;
  // int64 is encoded as the two's complement bit pattern (10 bytes if < 0).
  event.fixed64(kEventWallTime, wall_time).varint(kEventStep, uint64_t(step)).message(kEventSummary, summary);
  return event.take();
}

// A rank-1 DT_STRING tensor of one element.
ProtoWriter string_tensor(const std::string &text) {
  ProtoWriter dim;
  dim.varint(kDimSize, 1);
  ProtoWriter shape;
  shape.message(kShapeDim, dim);
  ProtoWriter tensor;
  tensor.varint(kTensorDtype, kDtypeString).message(kTensorShape, shape).bytes(kTensorStringVal, text);
  return tensor;
}

// SummaryMetadata naming the plugin that renders the value.
ProtoWriter plugin_metadata(const char *plugin_name) {
  ProtoWriter plugin_data;
  plugin_data.bytes(kPluginDataPluginName, plugin_name);
  ProtoWriter metadata;
  metadata.message(kMetadataPluginData, plugin_data);
  return metadata;
}

void append_little_endian(std::string &out, uint64_t value, int size) {
  for (int i = 0; i < size; ++i)
    out += char((value >> (8 * i)) & 0xFF);
}

} // namespace

std::string encode_file_version_event(double wall_time) {
  ProtoWriter event;
  // step 0 is protobuf's default and is therefore not written.
  event.fixed64(kEventWallTime, wall_time).bytes(kEventFileVersion, kTensorBoardFileVersion);
  return event.take();
}

std::string encode_scalar_event(double wall_time, int64_t step, const std::string &tag, float value) {
  ProtoWriter summary_value;
  summary_value.bytes(kValueTag, tag).fixed32(kValueSimpleValue, value);
  return encode_summary_event(wall_time, step, summary_value);
}

std::string encode_text_event(double wall_time, int64_t step, const std::string &tag, const std::string &text) {
  ProtoWriter summary_value;
  summary_value.bytes(kValueTag, tag)
      .message(kValueTensor, string_tensor(text))
      .message(kValueMetadata, plugin_metadata("text"));
  return encode_summary_event(wall_time, step, summary_value);
}

std::string frame_tfrecord(std::string_view data) {
  std::string record;
  record.reserve(data.size() + 16);
  append_little_endian(record, data.size(), 8);
  append_little_endian(record, mask_crc32c(crc32c(record)), 4);
  record.append(data);
  append_little_endian(record, mask_crc32c(crc32c(data)), 4);
  return record;
}

} // namespace fgrt::train
