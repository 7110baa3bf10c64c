//===- fuzz_graph.cpp - libFuzzer target: parse + graph + encoders --------===//
//
// Treats the input as rendered config text: parses it as YAML, builds and
// checks the graph, and encodes it in both YAML dialects and as JSON. Any
// input must end in a result or a FatalError; encoders must stay bounded on
// alias bombs.
//
//===----------------------------------------------------------------------===//
#include "graph/Encoders.h"
#include "graph/Graph.h"
#include "parse/YamlDocument.h"

#include <cstdint>
#include <string>

using namespace fgcc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 64 * 1024)
    return 0;
  std::string text(reinterpret_cast<const char *>(data), size);
  SourceManager sources;
  const SourceFile *pp = sources.add("<rendered config>", text);
  yaml::PpLocator where(pp, nullptr);
  yaml::ParseLimits parseLimits;
  parseLimits.maxNodes = 200000;
  try {
    std::unique_ptr<yaml::Document> doc = yaml::parseDocument(text, where, parseLimits);
    std::unique_ptr<graph::Graph> g = graph::buildGraph(*doc, where);
    graph::checkGraph(*g, where);
    graph::EncodeLimits limits;
    limits.maxBytes = 1 << 20;
    (void)graph::encodeYaml(*g, graph::YamlDialect::Fixed, limits);
    (void)graph::encodeYaml(*g, graph::YamlDialect::Forgather, limits);
    (void)graph::encodeJson(*g);
  } catch (const FatalError &) {
    // A diagnostic is a fine outcome.
  }
  return 0;
}
