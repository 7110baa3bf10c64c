//===- tensorboard_test.cpp - Tests of the TensorBoard writer --*- C++ -*-===//
//
// CRC-32C against published check values (RFC 3720 B.4 and the CRC
// catalogue's "123456789"); events against byte strings worked out by hand
// from the protobuf wire format; the writer's file against the encoders,
// record by record, with the framing and both CRCs checked. The Python
// reader (test/reference/tensorboard_events.py) checks the same files
// independently in the lit test tensorboard-roundtrip.test.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/crc32c.hpp"
#include "fgrt/train/logging/tensorboard_event.hpp"
#include "fgrt/train/logging/tensorboard_writer.hpp"

#include "logging_test_support.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <string>
#include <vector>

#include <unistd.h>

namespace fgrt::train {
namespace {

using namespace std::string_literals;
using testing::names_in;
using testing::read_file;
using testing::ScriptedClock;
using testing::TempDir;

uint64_t little_endian_at(const std::string &bytes, size_t offset, int size) {
  uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i)
    value = (value << 8) | uint8_t(bytes[offset + size_t(i)]);
  return value;
}

// The data of each TFRecord of `bytes`; fails the test on a bad length or CRC.
std::vector<std::string> tfrecords(const std::string &bytes) {
  std::vector<std::string> records;
  size_t offset = 0;
  while (offset < bytes.size()) {
    EXPECT_LE(offset + 12, bytes.size()) << "truncated header at " << offset;
    if (offset + 12 > bytes.size())
      break;
    uint64_t length = little_endian_at(bytes, offset, 8);
    EXPECT_EQ(little_endian_at(bytes, offset + 8, 4), mask_crc32c(crc32c(bytes.substr(offset, 8))));
    EXPECT_LE(offset + 16 + length, bytes.size()) << "truncated data at " << offset;
    if (offset + 16 + length > bytes.size())
      break;
    records.push_back(bytes.substr(offset + 12, length));
    EXPECT_EQ(little_endian_at(bytes, offset + 12 + length, 4), mask_crc32c(crc32c(records.back())));
    offset += 16 + length;
  }
  return records;
}

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

TEST(LoggingCrc32c, MatchesPublishedCheckValues) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending, descending;
  for (int i = 0; i < 32; ++i) {
    ascending += char(i);
    descending += char(31 - i);
  }
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(LoggingCrc32c, ExtendsPieceByPiece) {
  uint32_t crc = crc32c_extend(0, "1234", 4);
  EXPECT_EQ(crc32c_extend(crc, "56789", 5), 0xE3069283u);
  EXPECT_EQ(crc32c_extend(crc, "", 0), crc);
}

TEST(LoggingCrc32c, MasksLikeTFRecord) {
  // ((0xE3069283 >> 15) | (0xE3069283 << 17)) + 0xa282ead8, by hand.
  EXPECT_EQ(mask_crc32c(0xE3069283u), 0xC78AB0E5u);
  for (uint32_t crc : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu})
    EXPECT_EQ(unmask_crc32c(mask_crc32c(crc)), crc);
}

TEST(LoggingTensorBoardEvent, EncodesTheFileVersionEvent) {
  // wall_time (field 1, fixed64) 1.5; file_version (field 3) "brain.Event:2".
  EXPECT_EQ(encode_file_version_event(1.5), "\x09\0\0\0\0\0\0\xf8\x3f"s + "\x1a\x0d" + "brain.Event:2");
}

TEST(LoggingTensorBoardEvent, EncodesAScalar) {
  // Event {wall_time 1.5, step 10, summary {value {tag "a", simple_value 2.0f}}}.
  std::string value = "\x0a\x01"
                      "a"
                      "\x15\0\0\0\x40"s;
  std::string summary = "\x0a\x08"s + value;
  EXPECT_EQ(encode_scalar_event(1.5, 10, "a", 2.0f), "\x09\0\0\0\0\0\0\xf8\x3f\x10\x0a\x2a\x0a"s + summary);
}

TEST(LoggingTensorBoardEvent, EncodesANegativeStepAsTenByteVarint) {
  std::string event = encode_scalar_event(0.0, -1, "a", 0.0f);
  EXPECT_EQ(event.substr(9, 11), "\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s);
}

TEST(LoggingTensorBoardEvent, EncodesTextForTheTextPlugin) {
  // TensorProto {dtype DT_STRING, tensor_shape {dim {size 1}}, string_val "hi"}.
  std::string tensor = "\x08\x07\x12\x04\x12\x02\x08\x01\x42\x02"
                       "hi"s;
  // SummaryMetadata {plugin_data {plugin_name "text"}}.
  std::string metadata = "\x0a\x06\x0a\x04"
                         "text"s;
  std::string value = "\x0a\x01"
                      "t"
                      "\x42\x0c"s +
                      tensor + "\x4a\x08" + metadata;
  ASSERT_EQ(value.size(), 0x1bu);
  std::string expected = "\x09\0\0\0\0\0\0\xf8\x3f\x10\x03\x2a\x1d\x0a\x1b"s + value;
  EXPECT_EQ(encode_text_event(1.5, 3, "t", "hi"), expected);
}

TEST(LoggingTensorBoardEvent, EncodesLongFieldsWithMultiByteLengths) {
  std::string text(300, 'x');
  std::string event = encode_text_event(0.0, 0, "t", text);
  // string_val's length 300 is the varint ac 02.
  EXPECT_NE(event.find("\x42\xac\x02"s + text), std::string::npos);
}

TEST(LoggingTensorBoardEvent, FramesRecords) {
  std::string framed = frame_tfrecord("abc");
  ASSERT_EQ(framed.size(), 3u + 16u);
  EXPECT_EQ(framed.substr(0, 8), "\x03\0\0\0\0\0\0\0"s);
  EXPECT_EQ(tfrecords(framed), std::vector<std::string>{"abc"});
}

class LoggingTensorBoardWriter : public ::testing::Test {
protected:
  std::unique_ptr<TensorBoardWriter> open_writer(TensorBoardWriterOptions options = {}) {
    return std::make_unique<TensorBoardWriter>(dir_.path().string(), clock_.clock(), options);
  }
  std::vector<std::string> records_of(const TensorBoardWriter &writer) const {
    return tfrecords(read_file(writer.path()));
  }

  TempDir dir_;
  ScriptedClock clock_{1700000000.25};
};

TEST_F(LoggingTensorBoardWriter, NamesTheFileAfterTimeAndHost) {
  auto writer = open_writer();
  EXPECT_EQ(writer->path(), dir_ / ("events.out.tfevents.1700000000." + host_name()));
  auto second = open_writer(TensorBoardWriterOptions().filename_suffix(".eval"));
  EXPECT_EQ(second->path(), dir_ / ("events.out.tfevents.1700000000." + host_name() + ".eval"));
  // The same name again in the same second gets a counter.
  auto third = open_writer();
  EXPECT_EQ(third->path(), dir_ / ("events.out.tfevents.1700000000." + host_name() + ".1"));
}

TEST_F(LoggingTensorBoardWriter, StartsWithTheFileVersionEvent) {
  auto writer = open_writer();
  EXPECT_EQ(records_of(*writer), std::vector<std::string>{encode_file_version_event(1700000000.25)});
}

TEST_F(LoggingTensorBoardWriter, WritesScalarsAndTextInOrder) {
  auto writer = open_writer();
  clock_.set(1700000005.5);
  writer->add_scalar("train-loss", 2.5, 10);
  writer->add_scalar("learning-rate", 3e-4, 10);
  writer->add_text("experiment", "# tiny\nconfig: *yaml*", 0);
  writer->flush();
  std::vector<std::string> expected = {encode_file_version_event(1700000000.25),
                                       encode_scalar_event(1700000005.5, 10, "train-loss", 2.5f),
                                       encode_scalar_event(1700000005.5, 10, "learning-rate", 3e-4f),
                                       encode_text_event(1700000005.5, 0, "experiment", "# tiny\nconfig: *yaml*")};
  EXPECT_EQ(records_of(*writer), expected);
}

TEST_F(LoggingTensorBoardWriter, QueuesUpToMaxQueueEvents) {
  auto writer = open_writer(TensorBoardWriterOptions().max_queue(3));
  writer->add_scalar("a", 1.0, 1);
  writer->add_scalar("a", 2.0, 2);
  EXPECT_EQ(writer->queued_events(), 2);
  EXPECT_EQ(records_of(*writer).size(), 1u);
  writer->add_scalar("a", 3.0, 3);
  EXPECT_EQ(writer->queued_events(), 0);
  EXPECT_EQ(records_of(*writer).size(), 4u);
}

TEST_F(LoggingTensorBoardWriter, FlushesWhenTheOldestEventIsFlushSecsOld) {
  auto writer = open_writer(TensorBoardWriterOptions().flush_secs(10.0));
  clock_.set(100.0);
  writer->add_scalar("a", 1.0, 1);
  clock_.set(109.0);
  writer->add_scalar("a", 2.0, 2);
  EXPECT_EQ(records_of(*writer).size(), 1u);
  clock_.set(110.0);
  writer->add_scalar("a", 3.0, 3);
  EXPECT_EQ(records_of(*writer).size(), 4u);
}

TEST_F(LoggingTensorBoardWriter, CloseAndDestructorWriteWhatIsQueued) {
  auto writer = open_writer();
  writer->add_scalar("a", 1.0, 1);
  std::string path = writer->path();
  writer->close();
  EXPECT_EQ(tfrecords(read_file(path)).size(), 2u);
  EXPECT_THROW(writer->add_scalar("a", 2.0, 2), std::runtime_error);
  writer->close();

  auto other = open_writer(TensorBoardWriterOptions().filename_suffix(".other"));
  other->add_text("t", "x", 0);
  path = other->path();
  other.reset();
  EXPECT_EQ(tfrecords(read_file(path)).size(), 2u);
}

TEST_F(LoggingTensorBoardWriter, RejectsBadOptionsAndTags) {
  EXPECT_THROW(open_writer(TensorBoardWriterOptions().max_queue(0)), std::runtime_error);
  EXPECT_THROW(open_writer(TensorBoardWriterOptions().flush_secs(-1.0)), std::runtime_error);
  EXPECT_THROW(open_writer(TensorBoardWriterOptions().filename_suffix("/x")), std::runtime_error);
  // None of these created a file.
  EXPECT_TRUE(names_in(dir_.path()).empty());
  auto writer = open_writer();
  EXPECT_THROW(writer->add_scalar("", 1.0, 1), std::runtime_error);
  EXPECT_THROW(writer->add_text("", "x", 1), std::runtime_error);
}

} // namespace
} // namespace fgrt::train
