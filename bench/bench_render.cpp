//===- bench_render.cpp - Render time of configs, as a table --------------===//
//
// Times load + preprocess + render (the `fgcc pp` work, without printing) of:
//  * every config of the example projects under examples/;
//  * a generated "typical" experiment: 15 templates (a 6-deep extends chain,
//    8 includes, a macro library) in the shape of the reference's configs;
//  * a generated deep config: a 50-level extends chain with 1000 blocks.
// Each is rendered `--reps` times (default 30) in a fresh environment, as
// fgcc does per config; the table shows the median and the minimum.
//
//===----------------------------------------------------------------------===//
#include "BenchUtil.h"
#include "driver/Session.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace fgcc;

namespace {

void writeFile(const fs::path &p, const std::string &text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

/// 50 templates, each overriding 20 of the root's 1000 blocks.
fs::path generateDeep(const fs::path &dir) {
  const int levels = 50, blocks = 1000;
  std::string root = "-- set ns = namespace(n=0)\n";
  for (int b = 0; b < blocks; ++b)
    root += "[b" + std::to_string(b) + "]\nkey_" + std::to_string(b) + ": {{ ns.n + " + std::to_string(b) + " }}\n";
  writeFile(dir / "level49.yaml", root);
  for (int l = levels - 2; l >= 0; --l) {
    std::string t = "-- extends 'level" + std::to_string(l + 1) + ".yaml'\n";
    for (int k = 0; k < 20; ++k) {
      int b = (l * 20 + k) % blocks;
      t += "[b" + std::to_string(b) + "]\n    == super()\nlevel" + std::to_string(l) + "_" + std::to_string(k) +
           ": {{ '{:>8}'.format(" + std::to_string(b) + ") }}\n";
    }
    writeFile(dir / ("level" + std::to_string(l) + ".yaml"), t);
  }
  return dir / "level0.yaml";
}

/// A config shaped like the reference's tiny experiments: 15 templates.
fs::path generateTypical(const fs::path &dir) {
  writeFile(dir / "inc/formatting.jinja",
            "{%- macro h2(name='Heading 2') %}{{ \"{:#^40}\".format(' ' + name + ' ') }}{% endmacro %}\n"
            "{%- macro sep() %}{{ \"# {:-^37}\".format('') }}{% endmacro %}\n");
  writeFile(dir / "config_type.yaml",
            "-- set ns = namespace()\n-- from 'inc/formatting.jinja' import h2, sep\n-- filter trim()\n"
            "-- block config_metadata\n    -- set ns.config_name = ns.config_name | default('x')\n<< endblock config_metadata\n\n"
            "-- block header\n# {{ ns.config_name }}\n<< endblock header\n\n-- block main_body required\n<< endblock main_body\n\n"
            "-- endfilter\n\n-- block config_output\nmeta: !dict:@meta\n    name: {{ ns.config_name }}\n"
            "    -- block main_output required\n    << endblock main_output\n<< endblock config_output\n");
  const char *chain[] = {"config_type.yaml", "script.yaml", "causal_lm.yaml", "tiny.yaml", "project.yaml", "train.yaml"};
  const char *includes[] = {"trainers/trainer.yaml", "callbacks/loggers.yaml", "datasets/stories.yaml",
                            "tokenizers/bpe2k.yaml", "models/llama.yaml",      "optimizers/adamw.yaml",
                            "schedulers/cosine.yaml", "prompts/short.yaml"};
  for (int i = 0; i < 8; ++i) {
    std::string t = "-- set ns.inc" + std::to_string(i) + " = " + std::to_string(i) + "\n";
    for (int k = 0; k < 8; ++k)
      t += "    key" + std::to_string(k) + ": {{ ns.inc" + std::to_string(i) + " * " + std::to_string(k) +
           " }}\n    path" + std::to_string(k) + ": \"{{ joinpath(project_dir, 'x', 'y" + std::to_string(k) + "') }}\"\n";
    writeFile(dir / includes[i], t);
  }
  for (int level = 1; level < 6; ++level) {
    std::string t = std::string("-- extends '") + chain[level - 1] + "'\n";
    t += "[config_metadata]\n    == super()\n    -- set ns.level" + std::to_string(level) + " = " +
         std::to_string(level) + "\n";
    t += "[main_body]\n== h2('Level " + std::to_string(level) + "')\n";
    if (level > 1)
      t += "    == super()\n";
    for (int k = 0; k < 3 && (level - 1) * 2 + k / 2 < 8; ++k)
      if (k < 2) {
        int inc = (level - 1) * 2 + k;
        if (inc < 8)
          t += "section" + std::to_string(inc) + ": !dict\n-- include '" + includes[inc] + "'\n\n";
      }
    for (int k = 0; k < 10; ++k)
      t += "v" + std::to_string(level) + "_" + std::to_string(k) + ": {{ " + std::to_string(k) + " * 1.5 }}\n";
    t += "[main_output]\nmain: !singleton:m:F\n    level: " + std::to_string(level) + "\n";
    writeFile(dir / chain[level], t);
  }
  return dir / "train.yaml";
}

struct Row {
  std::string name;
  double medianMs, minMs;
  size_t templates, bytes;
};

Row time(const std::string &name, const std::function<RenderedConfig(SourceManager &)> &render, int reps) {
  Row row{name, 0, 0, 0, 0};
  bench::Timing t = bench::repeat(reps, [&] {
    SourceManager sources;
    auto start = std::chrono::steady_clock::now();
    RenderedConfig rc = render(sources);
    double ms = bench::msSince(start);
    row.templates = rc.loaded.size();
    row.bytes = rc.result.text.size();
    return ms;
  });
  row.medianMs = t.medianMs;
  row.minMs = t.minMs;
  return row;
}

} // namespace

int main(int argc, char **argv) {
  int reps = bench::repsArgument(argc, argv, 30);
  fs::path root = fs::path(FGCC_SOURCE_DIR);
  std::vector<Row> rows;
  auto byPath = [](const fs::path &p) {
    return [p](SourceManager &sources) {
      ConfigRequest req;
      req.path = p.string();
      req.commentMode = CommentMode::Delete;
      return Session(req, sources).render();
    };
  };
  // Example projects: every config, by project and name like `fgcc -t`.
  for (const auto &entry : fs::recursive_directory_iterator(root / "examples")) {
    if (entry.path().filename() != "meta.yaml")
      continue;
    fs::path projectDir = entry.path().parent_path();
    SourceManager sources;
    ConfigRequest probe;
    Session session(probe, sources);
    ProjectInfo project = session.loadProject(projectDir.string());
    for (const auto &[name, path] : findConfigs(project)) {
      std::string label = fs::relative(projectDir, root).string() + ":" + name;
      rows.push_back(time(label, [&, name = name](SourceManager &s) {
        ConfigRequest req;
        req.commentMode = CommentMode::Delete;
        return Session(req, s).renderProjectConfig(project, name);
      }, reps));
    }
  }
  fs::path tmp = fs::temp_directory_path() / ("fgcc-bench-" + std::to_string(::getpid()));
  rows.push_back(time("generated: typical (15 templates)", byPath(generateTypical(tmp / "typical")), reps));
  rows.push_back(time("generated: deep (50 levels, 1000 blocks)", byPath(generateDeep(tmp / "deep")), std::max(3, reps / 5)));
  fs::remove_all(tmp);

  std::printf("| config | templates | output bytes | median ms | min ms |\n|---|---:|---:|---:|---:|\n");
  for (const Row &r : rows)
    std::printf("| %s | %zu | %zu | %.3f | %.3f |\n", r.name.c_str(), r.templates, r.bytes, r.medianMs, r.minMs);
  return 0;
}
