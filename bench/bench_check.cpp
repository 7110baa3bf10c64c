//===- bench_check.cpp - `fgcc check` time, as a table --------------------===//
//
// Times the whole front end through check — render, parse, graph, resolve,
// check — with the component manifest already loaded (its load time is
// reported on its own row), for every example config and for a generated
// typical experiment config that calls LibTorch components (modules,
// optimizer, nested keyword arguments) through several templates.
//
//===----------------------------------------------------------------------===//
#include "BenchUtil.h"
#include "check/Checker.h"
#include "driver/Session.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace fgcc;

namespace {

/// A config in the shape of a real experiment: a base with blocks, a child
/// overriding some, 24 layers of LibTorch modules and an optimizer.
fs::path generateConfig(const fs::path &dir) {
  fs::create_directories(dir);
  std::string base = "-- set ns = namespace(d=256, layers=24)\n[model]\n";
  base += ".define: &emb !singleton:torch.nn:Embedding { num_embeddings: 2000, embedding_dim: {{ ns.d }} }\n";
  base += "layers: !singleton:named_list\n  - [\n";
  for (int i = 0; i < 24; ++i)
    base += "    !singleton:torch.nn:Linear { in_features: {{ ns.d }}, out_features: {{ ns.d * 3 }}, bias: false },\n"
            "    !singleton:torch.nn:LayerNorm { normalized_shape: [{{ ns.d }}], eps: 1.0e-5 },\n"
            "    !singleton:torch.nn:Dropout { p: 0.1 },\n";
  base += "  ]\n[optimizer]\noptimizer: !partial:torch.optim:AdamW { lr: 1.0e-3, betas: [0.9, 0.95], weight_decay: 0.01 }\n";
  std::ofstream(dir / "base.yaml") << base;
  std::ofstream(dir / "train.yaml") << "-- extends 'base.yaml'\n[optimizer]\noptimizer: !partial:torch.optim:AdamW\n"
                                       "    lr: 3.0e-4\n    weight_decay: 0.1\n";
  return dir / "train.yaml";
}

double checkOnce(const ConfigRequest &req, const resolve::Manifest &manifest, size_t &errors) {
  SourceManager sources;
  auto start = std::chrono::steady_clock::now();
  Session session(req, sources);
  RenderedConfig rc = session.render();
  ConfigGraph cg = session.buildGraph(rc);
  DiagnosticEngine diags;
  resolve::TypedGraph typed = resolve::resolveGraph(*cg.graph, manifest, *cg.where, diags);
  check::checkTypedGraph(typed, *cg.where, diags);
  errors = diags.errorCount();
  return bench::msSince(start);
}

} // namespace

int main(int argc, char **argv) {
  int reps = bench::repsArgument(argc, argv, 30);
  auto loadStart = std::chrono::steady_clock::now();
  resolve::Manifest manifest;
  for (const std::string &p : resolve::defaultManifestPaths())
    manifest.load(p);
  double loadMs = bench::msSince(loadStart);

  std::vector<std::pair<std::string, ConfigRequest>> configs;
  fs::path root(FGCC_SOURCE_DIR);
  for (const auto &entry : fs::recursive_directory_iterator(root / "examples"))
    if (entry.path().extension() == ".yaml" && entry.path().parent_path().filename() == "configs") {
      ConfigRequest req;
      req.path = entry.path().string();
      configs.emplace_back(fs::relative(entry.path(), root).string(), req);
    }
  fs::path tmp = fs::temp_directory_path() / ("fgcc-bench-check-" + std::to_string(::getpid()));
  ConfigRequest typical;
  typical.path = generateConfig(tmp).string();
  configs.emplace_back("generated: typical experiment (72 modules)", typical);

  std::printf("| config | errors | median ms | min ms |\n|---|---:|---:|---:|\n");
  std::printf("| (manifest load, %zu classes) | | %.3f | |\n", manifest.classes().size(), loadMs);
  for (const auto &config : configs) {
    size_t errors = 0;
    bench::Timing t = bench::repeat(reps, [&] { return checkOnce(config.second, manifest, errors); });
    std::printf("| %s | %zu | %.3f | %.3f |\n", config.first.c_str(), errors, t.medianMs, t.minMs);
  }
  fs::remove_all(tmp);
  return 0;
}
