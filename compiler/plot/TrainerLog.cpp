//===- TrainerLog.cpp - Reading a run's trainer_logs.json -----------------===//
#include "plot/TrainerLog.h"

#include "support/Diagnostics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <iterator>

namespace fs = std::filesystem;

namespace fgcc::plot {

namespace {

const char *const kLogFileName = "trainer_logs.json";

[[noreturn]] void fail(const std::string &message) { throw FatalError(SourceLoc{}, message); }

/// `path` made absolute and normal, without a trailing separator, so that
/// its filename() is the last directory's name even for "." or "out/".
fs::path canonicalForm(const std::string &path) {
  fs::path p = fs::absolute(path).lexically_normal();
  return p.has_filename() ? p : p.parent_path();
}

/// The name of the output directory a log directory belongs to: the
/// trainer puts logs in `<output_dir>/runs/<name>`; a log directory
/// elsewhere (TrainingArguments.logging_dir) stands for itself.
std::string labelOfLogDir(const fs::path &logDir) {
  fs::path parent = logDir.parent_path();
  if (parent.filename() == "runs" && parent.has_parent_path())
    return parent.parent_path().filename().string();
  return logDir.filename().string();
}

/// The most recently written `runs/*/trainer_logs.json` of an output
/// directory (the name decides between equal times), or an empty path.
fs::path newestRunLog(const fs::path &outputDir) {
  std::error_code ec;
  fs::path newest;
  fs::file_time_type newestTime;
  for (const fs::directory_entry &run : fs::directory_iterator(outputDir / "runs", ec)) {
    fs::path log = run.path() / kLogFileName;
    if (!fs::is_regular_file(log, ec))
      continue;
    fs::file_time_type time = fs::last_write_time(log, ec);
    if (newest.empty() || time > newestTime || (time == newestTime && log > newest)) {
      newest = log;
      newestTime = time;
    }
  }
  return newest;
}

/// The JSON text of a log that lost its closing bracket (the reference
/// closes the array only when training ends): everything up to the last
/// complete record, closed. Empty when `text` does not look like one.
std::string closeUnterminatedArray(const std::string &text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  size_t end = text.find_last_not_of(" \t\r\n");
  if (begin == std::string::npos || text[begin] != '[' || text[end] == ']')
    return "";
  if (text[end] == ',')
    return text.substr(0, end) + "\n]";
  return text.substr(0, end + 1) + "\n]";
}

/// "line L, column C" of a byte offset, for a JSON syntax error.
std::string positionOf(const std::string &text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

nlohmann::json parseJson(const std::string &text, const std::string &path) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error &error) {
    std::string closed = closeUnterminatedArray(text);
    nlohmann::json repaired = nlohmann::json::parse(closed, nullptr, /*allow_exceptions=*/false);
    if (!closed.empty() && repaired.is_array())
      return repaired;
    fail(path + ": not valid JSON (syntax error at " + positionOf(text, error.byte) + ")");
  }
}

} // namespace

LogLocation findTrainerLog(const std::string &runDir) {
  std::error_code ec;
  fs::path dir = canonicalForm(runDir);
  if (fs::is_regular_file(dir, ec))
    return {runDir, labelOfLogDir(dir.parent_path())};
  if (!fs::is_directory(dir, ec))
    fail(runDir + ": no such directory");
  if (fs::is_regular_file(dir / kLogFileName, ec))
    return {(fs::path(runDir) / kLogFileName).string(), labelOfLogDir(dir)};
  fs::path newest = newestRunLog(dir);
  if (newest.empty())
    fail(runDir + ": no trainer_logs.json in it or in its runs/*/ (is it a training output_dir?)");
  return {(fs::path(runDir) / "runs" / newest.parent_path().filename() / kLogFileName).string(),
          dir.filename().string()};
}

std::vector<Point> TrainerLog::series(const std::string &metric) const {
  std::vector<Point> points;
  for (const Record &r : records)
    if (auto it = r.fields.find(metric); it != r.fields.end())
      points.push_back({r.step, it->second});
  return points;
}

std::vector<std::string> TrainerLog::metricNames() const {
  std::set<std::string> names;
  for (const Record &r : records)
    for (const auto &field : r.fields)
      names.insert(field.first);
  return {names.begin(), names.end()};
}

TrainerLog parseTrainerLog(const std::string &text, const std::string &path) {
  nlohmann::json json = parseJson(text, path);
  if (!json.is_array())
    fail(path + ": not a trainer_logs.json (expected a JSON array of records)");
  TrainerLog log;
  log.path = path;
  for (size_t i = 0; i < json.size(); ++i) {
    const nlohmann::json &record = json[i];
    const nlohmann::json *step = record.is_object() && record.contains("global_step") ? &record["global_step"] : nullptr;
    if (!step || !step->is_number())
      fail(path + ": record " + std::to_string(i + 1) + " has no numeric global_step");
    TrainerLog::Record r{step->get<double>(), {}};
    for (const auto &[name, value] : record.items())
      if (value.is_number() && name != "global_step" && name != "timestamp")
        r.fields[name] = value.get<double>();
    log.records.push_back(std::move(r));
  }
  return log;
}

TrainerLog readTrainerLog(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(path + ": cannot be read");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parseTrainerLog(text, path);
}

} // namespace fgcc::plot
