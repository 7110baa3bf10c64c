//===- Chart.cpp - Loss curves of several runs as a gnuplot script --------===//
#include "plot/Chart.h"

#include "support/Diagnostics.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

namespace fgcc::plot {

namespace {

/// The shortest text that reads back as `value` (gnuplot parses it as C does).
std::string numberText(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : "NaN";
}

/// `text` with its line breaks made spaces: a script line must stay one line.
std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

std::string joined(const std::vector<std::string> &items, const std::string &separator) {
  std::string text;
  for (const std::string &item : items)
    text += (text.empty() ? "" : separator) + item;
  return text;
}

/// A curve is named after what tells it apart: the run when there are
/// several, the metric when there are several, both when both vary.
std::string curveTitle(const std::string &run, const std::string &metric, size_t runs, size_t metrics) {
  if (metrics > 1 && runs > 1)
    return run + " " + metric;
  return metrics > 1 ? metric : run;
}

/// The error for metrics no run logged, with the ones they did log.
[[noreturn]] void failAbsentMetric(const std::string &metric, const std::vector<Run> &runs) {
  std::set<std::string> logged;
  for (const Run &run : runs)
    for (const std::string &name : run.log.metricNames())
      logged.insert(name);
  std::vector<std::string> names(logged.begin(), logged.end());
  std::string which = runs.size() == 1 ? "the run's log (" + runs[0].log.path + ")" : "any run's log";
  throw FatalError(SourceLoc{}, "metric '" + metric + "' is not in " + which + "; logged: " +
                                    (names.empty() ? "nothing" : joined(names, ", ")));
}

} // namespace

std::vector<Point> movingAverage(const std::vector<Point> &points, int window) {
  std::vector<Point> averaged;
  double sum = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    sum += points[i].value;
    if (i >= static_cast<size_t>(window))
      sum -= points[i - window].value;
    size_t count = std::min(i + 1, static_cast<size_t>(window));
    averaged.push_back({points[i].step, sum / static_cast<double>(count)});
  }
  return averaged;
}

std::vector<Curve> buildCurves(const std::vector<Run> &runs, const std::vector<std::string> &metrics, int smooth) {
  std::vector<Curve> curves;
  for (size_t m = 0; m < metrics.size(); ++m) {
    bool found = false;
    for (size_t r = 0; r < runs.size(); ++r) {
      std::vector<Point> points = runs[r].log.series(metrics[m]);
      if (points.empty())
        continue;
      found = true;
      Curve curve;
      curve.title = curveTitle(runs[r].label, metrics[m], runs.size(), metrics.size());
      curve.run = runs[r].label;
      curve.metric = metrics[m];
      curve.points = smooth > 1 ? movingAverage(points, smooth) : std::move(points);
      curve.color = static_cast<int>(r) + 1;
      curve.dash = static_cast<int>(m) + 1;
      curves.push_back(std::move(curve));
    }
    if (!found)
      failAbsentMetric(metrics[m], runs);
  }
  // Run by run reads better in the key: each run's metrics together.
  std::stable_sort(curves.begin(), curves.end(), [](const Curve &a, const Curve &b) { return a.color < b.color; });
  return curves;
}

std::string gnuplotQuote(const std::string &text) {
  std::string quoted = "'";
  for (char c : oneLine(text))
    quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

std::string gnuplotScript(const std::vector<Curve> &curves, const std::vector<std::string> &metrics,
                          const ChartOptions &options) {
  std::ostringstream script;
  script << "# Written by fgcc plot: " << curves.size() << " curves, one data block each.\n";
  // noenhanced: run names are full of underscores, which enhanced text
  // mode would turn into subscripts.
  script << "set terminal " << options.terminal << " noenhanced size " << options.width << "," << options.height
         << "\n";
  script << "set output " << gnuplotQuote(options.output) << "\n";
  if (!options.title.empty())
    script << "set title " << gnuplotQuote(options.title) << "\n";
  script << "set xlabel 'step'\n";
  script << "set ylabel " << gnuplotQuote(joined(metrics, ", ")) << "\n";
  if (options.logY)
    script << "set logscale y\n";
  script << "set grid\nset key top right\n";
  for (size_t i = 0; i < curves.size(); ++i) {
    script << "$curve" << i + 1 << " << EOD\n# " << curves[i].run << ": " << curves[i].metric << "\n";
    for (const Point &p : curves[i].points)
      script << numberText(p.step) << " " << numberText(p.value) << "\n";
    script << "EOD\n";
  }
  for (size_t i = 0; i < curves.size(); ++i) {
    // A single point (one evaluation, say) makes no line: draw it as a dot.
    const char *style = curves[i].points.size() > 1 ? "lines" : "points pt 7";
    script << (i == 0 ? "plot " : ", \\\n     ") << "$curve" << i + 1 << " using 1:2 with " << style << " lc "
           << curves[i].color << " dt " << curves[i].dash << " lw 1.5 title " << gnuplotQuote(curves[i].title);
  }
  script << "\n";
  return script.str();
}

} // namespace fgcc::plot
