//===- trainer_log_file_test.cpp - Tests of trainer_logs.json --*- C++ -*-===//
//
// The file must be a valid JSON array after every record, including when
// the writing process is killed without closing it (checked by parsing it
// with nlohmann-json, and against exact bytes); resuming continues the
// array; an existing file is never overwritten.
//
//===----------------------------------------------------------------------===//
#include "fgrt/train/logging/trainer_log_file.hpp"

#include "logging_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <csignal>
#include <limits>

#include <sys/wait.h>
#include <unistd.h>

namespace fgrt::train {
namespace {

using testing::read_file;
using testing::ScriptedClock;
using testing::TempDir;
using testing::write_file;

const char *const kFirstRecord = R"({"timestamp": 1700000000.5, "global_step": 10, "epoch": 0.25, )"
                                 R"("loss": 2.5, "learning_rate": 0.001, "tokens": 4096})";
const char *const kSecondRecord = R"({"timestamp": 1700000001.5, "global_step": 20, "epoch": 0.5, "eval_loss": 2.25})";

class LoggingTrainerLogFile : public ::testing::Test {
protected:
  /// A log in the test's directory whose records are stamped 1700000000.5,
  /// 1700000001.5, ...
  std::unique_ptr<TrainerLogFile> open_log(TrainerLogFileOptions options = {}) {
    return std::make_unique<TrainerLogFile>(dir_.path().string(), clock_.clock(), options);
  }
  /// The two records whose JSON is kFirstRecord and kSecondRecord.
  static void write_two_records(TrainerLogFile &log) {
    log.write(10, 0.25, LogRecord().set("loss", 2.5).set("learning_rate", 0.001).set("tokens", 4096));
    log.write(20, 0.5, LogRecord().set("eval_loss", 2.25));
  }
  /// The log file parsed, failing the test if it is not a JSON array.
  nlohmann::ordered_json parsed_log() const {
    auto parsed = nlohmann::ordered_json::parse(read_file(log_path()), nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not valid JSON:\n" << read_file(log_path());
    EXPECT_TRUE(parsed.is_array());
    return parsed;
  }
  std::string log_path() const { return dir_ / "trainer_logs.json"; }

  TempDir dir_;
  ScriptedClock clock_{1700000000.5, 1.0};
};

TEST_F(LoggingTrainerLogFile, IsAnEmptyArrayBeforeTheFirstRecord) {
  auto log = open_log();
  EXPECT_EQ(log->path(), log_path());
  EXPECT_EQ(read_file(log_path()), "[\n]\n");
  EXPECT_TRUE(parsed_log().empty());
}

TEST_F(LoggingTrainerLogFile, IsValidJsonAfterEveryRecord) {
  auto log = open_log();
  for (int step = 1; step <= 5; ++step) {
    log->write(step * 10, step * 0.1, LogRecord().set("loss", 10.0 / step));
    nlohmann::ordered_json parsed = parsed_log();
    ASSERT_EQ(parsed.size(), size_t(step));
    EXPECT_EQ(parsed.back()["global_step"], step * 10);
    EXPECT_DOUBLE_EQ(parsed.back()["loss"].get<double>(), 10.0 / step);
  }
  EXPECT_EQ(log->record_count(), 5);
}

TEST_F(LoggingTrainerLogFile, WritesTheReferenceLayoutExactly) {
  auto log = open_log();
  write_two_records(*log);
  EXPECT_EQ(read_file(log_path()), std::string("[\n") + kFirstRecord + ",\n" + kSecondRecord + "\n]\n");
  // Closing adds nothing: the file was complete all along.
  log->close();
  EXPECT_EQ(read_file(log_path()), std::string("[\n") + kFirstRecord + ",\n" + kSecondRecord + "\n]\n");
}

TEST_F(LoggingTrainerLogFile, KeepsFieldOrderAndReplacesHeaderFieldsInPlace) {
  auto log = open_log();
  log->write(7, 0.1, LogRecord().set("zeta", 1).set("epoch", 0.75).set("alpha", "text"));
  nlohmann::ordered_json record = parsed_log().at(0);
  std::vector<std::string> keys;
  for (auto it = record.begin(); it != record.end(); ++it)
    keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"timestamp", "global_step", "epoch", "zeta", "alpha"}));
  EXPECT_EQ(record["epoch"], 0.75);
  EXPECT_EQ(record["alpha"], "text");
}

TEST_F(LoggingTrainerLogFile, WritesNonFiniteNumbersAsNullAndEscapesText) {
  auto log = open_log();
  LogRecord fields;
  fields.set("loss", std::numeric_limits<double>::quiet_NaN())
      .set("grad_norm", std::numeric_limits<double>::infinity())
      .set("note", "say \"hi\"\n\ttab \xff");
  log->write(1, 0.0, fields);
  nlohmann::ordered_json record = parsed_log().at(0);
  EXPECT_TRUE(record["loss"].is_null());
  EXPECT_TRUE(record["grad_norm"].is_null());
  // Invalid UTF-8 becomes U+FFFD instead of an unreadable file.
  EXPECT_EQ(record["note"], "say \"hi\"\n\ttab \xef\xbf\xbd");
}

// A process killed between records (no close(), no destructor) leaves a
// complete array: SIGKILL a child that has written two records.
TEST_F(LoggingTrainerLogFile, SurvivesTheWriterBeingKilled) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto log = open_log();
    write_two_records(*log);
    ::kill(::getpid(), SIGKILL);
    ::_exit(3); // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  EXPECT_EQ(parsed_log().size(), 2u);
  EXPECT_EQ(read_file(log_path()), std::string("[\n") + kFirstRecord + ",\n" + kSecondRecord + "\n]\n");
}

// The same with the writer still open (leaked) in this process: what a
// reader sees while training runs.
TEST_F(LoggingTrainerLogFile, IsCompleteWhileStillOpen) {
  TrainerLogFile *leaked = open_log().release();
  write_two_records(*leaked);
  EXPECT_EQ(parsed_log().size(), 2u);
  delete leaked;
}

TEST_F(LoggingTrainerLogFile, RefusesToOverwriteAnExistingFile) {
  write_file(log_path(), "[\n{\"global_step\": 1}\n]\n");
  try {
    open_log();
    FAIL() << "an existing log was opened without resume";
  } catch (const std::runtime_error &error) {
    EXPECT_NE(std::string(error.what()).find(log_path() + ": already exists"), std::string::npos) << error.what();
  }
  EXPECT_EQ(read_file(log_path()), "[\n{\"global_step\": 1}\n]\n");
}

TEST_F(LoggingTrainerLogFile, ResumeContinuesTheArray) {
  write_two_records(*open_log());
  auto log = open_log(TrainerLogFileOptions().resume(true));
  EXPECT_EQ(log->record_count(), 2);
  log->write(30, 0.75, LogRecord().set("loss", 2.0));
  EXPECT_EQ(read_file(log_path()), std::string("[\n") + kFirstRecord + ",\n" + kSecondRecord + ",\n" +
                                       R"({"timestamp": 1700000002.5, "global_step": 30, "epoch": 0.75, "loss": 2.0})" +
                                       "\n]\n");
}

TEST_F(LoggingTrainerLogFile, ResumeCreatesAMissingFile) {
  auto log = open_log(TrainerLogFileOptions().resume(true));
  EXPECT_EQ(log->record_count(), 0);
  EXPECT_EQ(read_file(log_path()), "[\n]\n");
}

TEST_F(LoggingTrainerLogFile, ResumeOfAnEmptyArrayAddsTheFirstRecord) {
  write_file(log_path(), "[]");
  open_log(TrainerLogFileOptions().resume(true))->write(1, 0.5, LogRecord());
  EXPECT_EQ(read_file(log_path()), "[\n{\"timestamp\": 1700000000.5, \"global_step\": 1, \"epoch\": 0.5}\n]\n");
}

// The reference closes its array only at the end of training; a file left
// by a crashed reference run is accepted and closed.
TEST_F(LoggingTrainerLogFile, ResumeClosesAnArrayLeftOpenByACrash) {
  write_file(log_path(), "[\n{\"global_step\": 1},\n{\"global_step\": 2}");
  auto log = open_log(TrainerLogFileOptions().resume(true));
  EXPECT_EQ(log->record_count(), 2);
  EXPECT_EQ(read_file(log_path()), "[\n{\"global_step\": 1},\n{\"global_step\": 2}\n]\n");
}

// Only a closed array's last ']' is its own: an open one may end in an
// element that is an array.
TEST_F(LoggingTrainerLogFile, ResumeTellsAnOpenArrayEndingInAnArrayFromAClosedOne) {
  write_file(log_path(), "[\n{\"global_step\": 1},\n[2]");
  EXPECT_EQ(open_log(TrainerLogFileOptions().resume(true))->record_count(), 2);
  EXPECT_EQ(read_file(log_path()), "[\n{\"global_step\": 1},\n[2]\n]\n");
}

// Whitespace after the old bracket, longer than the new tail, must not
// leave stray characters behind.
TEST_F(LoggingTrainerLogFile, ResumeDropsTrailingWhitespace) {
  write_file(log_path(), "[\n{\"global_step\": 1}\n\n\n      ]\n\n\n\n\n              \n");
  open_log(TrainerLogFileOptions().resume(true))->write(2, 1.0, LogRecord());
  EXPECT_EQ(read_file(log_path()), "[\n{\"global_step\": 1},\n"
                                   "{\"timestamp\": 1700000000.5, \"global_step\": 2, \"epoch\": 1.0}\n]\n");
}

TEST_F(LoggingTrainerLogFile, ResumeOfAFileCutBeforeItsFirstByteStartsOver) {
  write_file(log_path(), "");
  EXPECT_EQ(open_log(TrainerLogFileOptions().resume(true))->record_count(), 0);
  EXPECT_EQ(read_file(log_path()), "[\n]\n");
}

TEST_F(LoggingTrainerLogFile, ResumeRefusesWhatIsNotAnArray) {
  for (const char *text : {"not json at all", "[\n{\"global_step\": 1},\n{\"glob", "{\"global_step\": 1}"}) {
    write_file(log_path(), text);
    try {
      open_log(TrainerLogFileOptions().resume(true));
      ADD_FAILURE() << "resumed: " << text;
    } catch (const std::runtime_error &error) {
      EXPECT_EQ(std::string(error.what()).rfind(log_path() + ": cannot resume: ", 0), 0u) << error.what();
    }
    EXPECT_EQ(read_file(log_path()), text);
  }
}

TEST_F(LoggingTrainerLogFile, HonoursFileNameAndCreatesTheDirectory) {
  std::string nested = dir_ / "runs/tiny_2024-01-01T00-00-00";
  TrainerLogFile log(nested, clock_.clock(), TrainerLogFileOptions().file_name("log.json"));
  EXPECT_EQ(log.path(), nested + "/log.json");
  EXPECT_EQ(read_file(nested + "/log.json"), "[\n]\n");
}

TEST_F(LoggingTrainerLogFile, RejectsBadFileNamesAndDirectories) {
  EXPECT_THROW(open_log(TrainerLogFileOptions().file_name("a/b.json")), std::runtime_error);
  EXPECT_THROW(open_log(TrainerLogFileOptions().file_name("")), std::runtime_error);
  write_file(dir_ / "plain-file", "x");
  try {
    TrainerLogFile log(dir_ / "plain-file", clock_.clock());
    FAIL() << "a plain file was used as the logging directory";
  } catch (const std::runtime_error &error) {
    EXPECT_EQ(std::string(error.what()).rfind(dir_ / "plain-file", 0), 0u) << error.what();
  }
}

TEST_F(LoggingTrainerLogFile, WriteAfterCloseThrows) {
  auto log = open_log();
  log->close();
  log->close();
  EXPECT_FALSE(log->is_open());
  EXPECT_THROW(log->write(1, 0.0, LogRecord()), std::runtime_error);
}

TEST(LoggingLogRecord, SetsFindsAndMerges) {
  LogRecord record;
  record.set("loss", 2.0).set("tokens", 12).set("name", "tiny");
  record.merge(LogRecord().set("tokens", int64_t(13)).set("extra", 1.5));
  ASSERT_EQ(record.size(), 4u);
  EXPECT_EQ(std::get<int64_t>(*record.find("tokens")), 13);
  EXPECT_EQ(std::get<std::string>(*record.find("name")), "tiny");
  EXPECT_EQ(record.fields().back().name, "extra");
  EXPECT_EQ(record.find("missing"), nullptr);
}

} // namespace
} // namespace fgrt::train
