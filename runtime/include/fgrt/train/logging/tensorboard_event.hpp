//===- tensorboard_event.hpp - TensorBoard events, hand-encoded -*- C++ -*-===//
//
// LibTorch has no SummaryWriter and fgrt has no protobuf dependency, so the
// few messages TensorBoard needs are encoded here by hand in protobuf's wire
// format (varint keys `field << 3 | wire type`; wire types 0 varint,
// 1 fixed64, 2 length-delimited, 5 fixed32; little-endian fixed fields):
//
//   Event          wall_time double = 1, step int64 = 2,
//                  file_version string = 3, summary Summary = 5
//   Summary        value Summary.Value = 1 (repeated)
//   Summary.Value  tag string = 1, simple_value float = 2,
//                  tensor TensorProto = 8, metadata SummaryMetadata = 9
//   SummaryMetadata  plugin_data PluginData = 1 { plugin_name string = 1 }
//   TensorProto    dtype = 1 (DT_STRING = 7), tensor_shape = 2
//                  { dim = 2 { size int64 = 1 } }, string_val bytes = 8
//
// A scalar is a Summary.Value with simple_value; a text entry is what
// TensorBoard's text plugin reads: plugin_name "text" and a rank-1 DT_STRING
// tensor of one string. The first event of a file carries only
// file_version "brain.Event:2", which TensorBoard checks.
//
// Each encoded event is stored as one TFRecord:
//
//   uint64 length | uint32 masked_crc32c(length bytes) | data |
//   uint32 masked_crc32c(data)                 (all little-endian)
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace fgrt::train {

/// The file_version every event file starts with.
inline constexpr const char *kTensorBoardFileVersion = "brain.Event:2";

/// The serialised Event {wall_time, step 0, file_version "brain.Event:2"}.
std::string encode_file_version_event(double wall_time);

/// The serialised Event of one scalar (TensorBoard stores it as float32).
std::string encode_scalar_event(double wall_time, int64_t step, const std::string &tag, float value);

/// The serialised Event of one text entry for TensorBoard's text plugin
/// (`text` is UTF-8; TensorBoard renders it as Markdown).
std::string encode_text_event(double wall_time, int64_t step, const std::string &tag, const std::string &text);

/// `data` framed as one TFRecord (length, masked CRCs; see the file comment).
std::string frame_tfrecord(std::string_view data);

} // namespace fgrt::train
