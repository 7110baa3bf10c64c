//===- Chart.h - Loss curves of several runs as a gnuplot script ----------===//
//
// `fgcc plot` draws one chart: a curve per run and metric, the run telling
// the colour and the metric the dash pattern (the first metric solid, the
// second dashed, ...), so that `--metric loss --metric eval_loss` shows each
// run's train loss solid and its eval loss dashed in the same colour.
//
// Input: the runs' logs and the chart options. Output: a self-contained
// gnuplot script, the points inline as data blocks. Entry points:
// `buildCurves`, `gnuplotScript`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "plot/TrainerLog.h"

#include <string>
#include <vector>

namespace fgcc::plot {

/// One run to draw: its log and the name its curves carry.
struct Run {
  std::string label;
  TrainerLog log;
};

/// One line of the chart.
struct Curve {
  std::string title;
  std::string run;    ///< the run's label (for the script's comments)
  std::string metric;
  std::vector<Point> points;
  int color = 1; ///< gnuplot line colour index: one per run
  int dash = 1;  ///< gnuplot dash type: one per metric, 1 is solid
};

/// Everything about the chart but its curves.
struct ChartOptions {
  std::string output;   ///< the image file gnuplot writes
  std::string terminal; ///< "pngcairo" or "svg"
  int width = 800;
  int height = 500;
  std::string title;    ///< empty: none
  bool logY = false;
};

/// The curves of every run and metric, in that order, each averaged over
/// a trailing window of `smooth` points (1: as logged). A run without a
/// metric has no curve for it; throws FatalError when no run has one of
/// the metrics, listing the metrics the logs do have.
std::vector<Curve> buildCurves(const std::vector<Run> &runs, const std::vector<std::string> &metrics, int smooth);

/// The mean of each point and the `window - 1` before it.
std::vector<Point> movingAverage(const std::vector<Point> &points, int window);

/// `text` as a gnuplot single-quoted string: no escapes, a quote doubled.
std::string gnuplotQuote(const std::string &text);

/// The gnuplot script that draws `curves` into `options.output`.
std::string gnuplotScript(const std::vector<Curve> &curves, const std::vector<std::string> &metrics,
                          const ChartOptions &options);

} // namespace fgcc::plot
