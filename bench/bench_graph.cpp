//===- bench_graph.cpp - Parse + graph time, as a table -------------------===//
//
// Times the parse and graph phases (YAML tree, node graph, load-time check)
// on the rendered text of every example config and on a generated 10 MB
// config made of the constructs real configs use: `.define:` entries with
// anchors, aliases, merge keys, tagged calls with keyword arguments, vars,
// nested plain mappings and flow sequences. Rendering is done once, outside
// the timing. Reports the median and minimum of `--reps` runs.
//
//===----------------------------------------------------------------------===//
#include "BenchUtil.h"
#include "driver/Session.h"
#include "graph/Graph.h"
#include "parse/YamlDocument.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace fgcc;

namespace {

/// About `bytes` of config text in the shape of the reference's pp output.
std::string generateConfig(size_t bytes) {
  std::string out = "meta: !dict:@meta\n    config_name: \"generated\"\n";
  for (size_t i = 0; out.size() < bytes; ++i) {
    std::string n = std::to_string(i);
    out += ".define: &base" + n + " { lr: 1.0e-4, betas: [0.9, 0.999], eps: 1.0e-8 }\n";
    out += ".define: &layer" + n + " !partial:torch.nn:Linear@layer" + n + "\n";
    out += "    in_features: !var \"hidden_size\"\n    out_features: " + std::to_string(64 + i % 512) +
           "\n    bias: " + (i % 2 ? "true" : "false") + "\n";
    out += ".define: &opt" + n + " !partial:torch.optim:AdamW\n    <<: *base" + n +
           "\n    weight_decay: 0.01\n    params: !call:getattr [ *layer" + n + ", parameters ]\n";
    out += "block" + n + ":\n    layer: *layer" + n + "\n    optimizer: *opt" + n +
           "\n    settings: { name: \"block " + n + "\", depth: " + n + ", scale: 0.5, tags: [a, b, c] }\n";
  }
  out += "main: !singleton:forgather.ml.trainer:Trainer@trainer\n    model: *layer0\n    args: { max_steps: 100 }\n";
  return out;
}

struct Row {
  std::string name;
  size_t bytes = 0, nodes = 0;
  double medianMs = 0, minMs = 0;
};

Row timeGraph(const std::string &name, const std::string &text, const render::LineMap *map, int reps) {
  Row row{name, text.size(), 0, 0, 0};
  bench::Timing t = bench::repeat(reps, [&] {
    SourceManager sources;
    const SourceFile *pp = sources.add("<rendered config>", text);
    yaml::PpLocator where(pp, map);
    auto start = std::chrono::steady_clock::now();
    auto doc = yaml::parseDocument(text, where);
    auto g = graph::buildGraph(*doc, where);
    graph::checkGraph(*g, where);
    double ms = bench::msSince(start);
    row.nodes = g->size();
    return ms;
  });
  row.medianMs = t.medianMs;
  row.minMs = t.minMs;
  return row;
}

} // namespace

int main(int argc, char **argv) {
  int reps = bench::repsArgument(argc, argv, 30);
  fs::path root(FGCC_SOURCE_DIR);
  std::vector<Row> rows;
  for (const auto &entry : fs::recursive_directory_iterator(root / "examples")) {
    if (entry.path().filename() != "meta.yaml")
      continue;
    SourceManager sources;
    Session session(ConfigRequest{}, sources);
    ProjectInfo project = session.loadProject(entry.path().parent_path().string());
    for (const auto &[name, path] : findConfigs(project)) {
      ConfigRequest req;
      req.commentMode = CommentMode::Delete;
      Session one(req, sources);
      RenderedConfig rc = one.renderProjectConfig(project, name);
      rows.push_back(timeGraph(fs::relative(entry.path().parent_path(), root).string() + ":" + name,
                               rc.result.text, &rc.lineMap, reps));
    }
  }
  rows.push_back(timeGraph("generated: 10 MB config", generateConfig(10u << 20), nullptr, std::max(3, reps / 10)));
  std::printf("| config | pp bytes | graph nodes | median ms | min ms |\n|---|---:|---:|---:|---:|\n");
  for (const Row &r : rows)
    std::printf("| %s | %zu | %zu | %.3f | %.3f |\n", r.name.c_str(), r.bytes, r.nodes, r.medianMs, r.minMs);
  return 0;
}
