//===- PlotCommand.cpp - `fgcc plot`: loss curves of training runs --------===//
//
// Reads the trainer_logs.json of each run named on the command line
// (compiler/plot/TrainerLog.h), draws the chosen metrics of all of them on
// one chart (compiler/plot/Chart.h) and has gnuplot render it to PNG or
// SVG. `--script` prints the gnuplot script instead, which holds its data
// inline and runs on its own (`gnuplot script.gp`).
//
//===----------------------------------------------------------------------===//
#include "driver/Commands.h"
#include "driver/Process.h"
#include "plot/Chart.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace fgcc {

namespace {

/// The gnuplot terminal that writes the kind of file `output` names.
std::string terminalFor(const std::string &output) {
  auto endsWith = [&](const std::string &suffix) {
    return output.size() > suffix.size() && output.compare(output.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (endsWith(".png"))
    return "pngcairo";
  if (endsWith(".svg"))
    return "svg";
  throw UsageError("plot -o expects a .png or .svg file name, got '" + output + "'");
}

/// `--size WxH` in pixels.
void parseSize(const std::string &text, plot::ChartOptions &chart) {
  int width = 0, height = 0;
  char trailing = 0;
  bool parsed = std::sscanf(text.c_str(), "%dx%d%c", &width, &height, &trailing) == 2;
  if (!parsed || width < 16 || height < 16 || width > 10000 || height > 10000)
    throw UsageError("--size expects WIDTHxHEIGHT in pixels (16 to 10000 each), got '" + text + "'");
  chart.width = width;
  chart.height = height;
}

/// The runs named on the command line, each with its log and label.
std::vector<plot::Run> loadRuns(const PlotOptions &options) {
  if (!options.labels.empty() && options.labels.size() != options.runDirs.size())
    throw UsageError("--label was given for " + std::to_string(options.labels.size()) + " of " +
                     std::to_string(options.runDirs.size()) + " runs: give one per run, in order");
  std::vector<plot::Run> runs;
  for (size_t i = 0; i < options.runDirs.size(); ++i) {
    plot::LogLocation where = plot::findTrainerLog(options.runDirs[i]);
    runs.push_back({options.labels.empty() ? where.label : options.labels[i], plot::readTrainerLog(where.path)});
  }
  return runs;
}

/// gnuplot's error message on one line: from its last `"SCRIPT" line N:`
/// on (the echoed script line and the caret above it say nothing the
/// message does not), the script's name left out, lines joined by "; ".
std::string gnuplotError(const std::string &errorOutput, const std::string &scriptPath) {
  std::string marker = "\"" + scriptPath + "\" ";
  size_t at = errorOutput.rfind(marker);
  std::string tail = at == std::string::npos ? errorOutput : errorOutput.substr(at + marker.size());
  std::string message;
  size_t begin = 0;
  while (begin < tail.size()) {
    size_t end = std::min(tail.find('\n', begin), tail.size());
    std::string line = tail.substr(begin, end - begin);
    if (line.find_first_not_of(" \t\r") != std::string::npos)
      message += (message.empty() ? "" : "; ") + line;
    begin = end + 1;
  }
  return message;
}

/// Runs gnuplot on `script` (through a temporary file, so that gnuplot's
/// error messages can name its lines).
void runGnuplot(const std::string &script) {
  std::optional<std::string> gnuplot = findOnPath("gnuplot");
  if (!gnuplot)
    throw FatalError(SourceLoc{}, "gnuplot is not on PATH: fgcc plot draws with it (Debian package gnuplot-nox)");
  const char *tmp = std::getenv("TMPDIR");
  std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/fgcc-plot-XXXXXX.gp";
  int fd = ::mkstemps(path.data(), 3);
  if (fd < 0)
    throw FatalError(SourceLoc{}, "cannot create a temporary file for gnuplot: " + std::string(std::strerror(errno)));
  bool written = ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  ::close(fd);
  ProcessResult result = written ? runCapturingStderr({*gnuplot, path}) : ProcessResult{-1, ""};
  ::unlink(path.c_str());
  if (!written)
    throw FatalError(SourceLoc{}, "cannot write the gnuplot script to " + path);
  if (result.status != 0) {
    std::string why = gnuplotError(result.errorOutput, path);
    throw FatalError(SourceLoc{}, "gnuplot failed: " +
                                      (why.empty() ? "exit status " + std::to_string(result.status) : why));
  }
  // Warnings (a log scale over values <= 0, say) do not stop the chart.
  std::cerr << result.errorOutput;
}

} // namespace

int runPlot(const PlotOptions &options, std::ostream &out) {
  plot::ChartOptions chart;
  chart.output = options.output;
  chart.terminal = terminalFor(options.output);
  parseSize(options.size, chart);
  chart.title = options.title;
  chart.logY = options.logY;
  int smooth = options.smooth.empty() ? 1 : parseIntOption("--smooth", options.smooth);
  if (smooth < 1)
    throw UsageError("--smooth expects a number of points >= 1, got '" + options.smooth + "'");
  std::vector<std::string> metrics = options.metrics.empty() ? std::vector<std::string>{"loss"} : options.metrics;

  std::vector<plot::Run> runs = loadRuns(options);
  std::vector<plot::Curve> curves = plot::buildCurves(runs, metrics, smooth);
  std::string script = plot::gnuplotScript(curves, metrics, chart);
  if (options.script) {
    out << script;
    return 0;
  }
  runGnuplot(script);
  out << "fgcc: wrote " << options.output << " (" << curves.size() << (curves.size() == 1 ? " curve" : " curves")
      << ")\n";
  return 0;
}

} // namespace fgcc
