//===- TrainerLog.h - Reading a run's trainer_logs.json for `fgcc plot` ---===//
//
// A training run writes `<output_dir>/runs/<run_name>_<time>/trainer_logs.json`
// (runtime/include/fgrt/train/logging/trainer_log_file.hpp): a JSON array of
// records, each `{"timestamp", "global_step", "epoch", ...}` plus the fields
// of a train log (loss, grad_norm, learning_rate, ...), an evaluation
// (eval_loss, ...) or the final metrics. This file finds that log for a
// directory the user names and turns it into one series per field.
//
// Input: a run directory (an output_dir, a log directory, or the file itself).
// Output: the log's numeric fields per global step. Entry points:
// `findTrainerLog`, `readTrainerLog`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fgcc::plot {

/// Where a run's log is and what to call the run by default.
struct LogLocation {
  std::string path;  ///< the trainer_logs.json to read
  std::string label; ///< the run's output directory name
};

/// The log of `runDir`: `runDir` itself when it is a file; its own
/// trainer_logs.json when it is a log directory; else the newest (by
/// modification time) `runs/*/trainer_logs.json` of a training output_dir.
/// Throws FatalError naming `runDir` when there is none.
LogLocation findTrainerLog(const std::string &runDir);

/// One point of a curve: a metric's value at a global step.
struct Point {
  double step;
  double value;
};

/// A trainer_logs.json, as the numeric fields of each record. Fields
/// written as null (a NaN or infinite value) or as non-numbers are left
/// out, so a record holds only what can be drawn.
struct TrainerLog {
  std::string path;
  struct Record {
    double step;
    std::map<std::string, double> fields;
  };
  std::vector<Record> records;

  /// The records that carry `metric`, in file order.
  std::vector<Point> series(const std::string &metric) const;
  /// Every field a record carries besides the header (timestamp,
  /// global_step), sorted.
  std::vector<std::string> metricNames() const;
};

/// Parses the text of a trainer_logs.json (`path` names it in errors). A
/// log that lacks its closing bracket, as a crashed run of the reference
/// leaves it, is read up to its last complete record. Throws FatalError
/// when the text is not a JSON array of records with a numeric global_step.
TrainerLog parseTrainerLog(const std::string &text, const std::string &path);
/// Reads and parses the file; an unreadable file is a FatalError.
TrainerLog readTrainerLog(const std::string &path);

} // namespace fgcc::plot
