//===- Encoders.h - The graph as YAML and as JSON -------------------------===//
//
// `fgcc graph --format yaml` prints the reference's encoding of the graph
// (spec section 9.2): named nodes first as `.define:` entries, then the
// targets. Two dialects:
//  * Forgather: the reference's bytes exactly, quirks included (Python
//    reprs for strings and floats, `!singleton:named_tuple!tuple`, no
//    latent_args / submodule_searchpath, shared plain containers inlined);
//  * Fixed (the default): the same layout, but valid YAML 1.1 that reads
//    back to the same graph: YAML quoting and floats, container tags,
//    captured arguments kept, var defaults as YAML, and shared plain
//    containers written once with an anchor.
// `--format json` prints a documented, stable JSON form (docs/graph-json.md).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "graph/Graph.h"

#include <string>

namespace fgcc::graph {

/// Forgather: the reference's bytes (`--compat=forgather`, spec section 14's
/// quirk table); Fixed: the reloadable form described above.
enum class YamlDialect { Fixed, Forgather };

struct EncodeLimits {
  /// Output beyond this is an error (an alias bomb inlined by the
  /// Forgather dialect would otherwise grow without bound).
  size_t maxBytes = 64u << 20;
};

/// Throws FatalError when the output would exceed the limit.
std::string encodeYaml(const Graph &graph, YamlDialect dialect, EncodeLimits limits = {});

/// The whole graph as JSON: nodes by id, sharing kept (docs/graph-json.md).
std::string encodeJson(const Graph &graph);

/// The reference's generated node names: alpha_, beta_, ..., omega_,
/// beta_alpha_, ... (index in base 24, most significant digit first).
std::string generatedName(size_t index);

} // namespace fgcc::graph
