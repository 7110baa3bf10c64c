//===- Resolver.h - Phase "resolve": callable specs -> components ---------===//
//
// Maps every callable node of the graph to what it calls: a component of the
// manifest (through the alias table: `torch.nn:Linear` is
// `torch::nn::Linear`; a C++ qualified name works as well), a built-in
// (`getitem`, `named_dict`, ...), or a meta function; and every `!var` to a
// parameter of the generated program, with its default or as required.
// Unknown specs are reported (all of them, with the closest names) into a
// DiagnosticEngine, so that one run shows every mistake.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "graph/Graph.h"
#include "resolve/Manifest.h"

#include <optional>
#include <unordered_map>

namespace fgcc::resolve {

/// What a callable spec resolved to; Unknown specs have been reported.
enum class Target : uint8_t { Component, Builtin, Meta, Unknown };

/// The resolution of one callable node.
struct Resolution {
  Target target = Target::Unknown;
  std::string cppName;  ///< Component: the C++ class; Builtin: its name
  const ClassInfo *component = nullptr;
  std::optional<Signature> signature;
};

/// A `!var` of the config (spec section 7.5), which becomes a parameter of
/// the generated program; uses of one name share one ProgramVar.
struct ProgramVar {
  std::string name;
  const graph::Node *defaultValue = nullptr; ///< null: required
  const graph::Node *firstUse = nullptr;
};

/// The graph plus what every reachable callable calls and the program's
/// variables: what the checker (and `--emit=resolve`) works from.
struct TypedGraph {
  const graph::Graph *graph = nullptr;
  std::unordered_map<const graph::Node *, Resolution> calls;
  std::vector<ProgramVar> vars; ///< in order of first use
};

/// The C++ spelling of a config spec (`torch.optim:AdamW` ->
/// `torch::optim::AdamW`), or empty when the spec has no such form.
std::string cppNameOf(const std::string &spec);
/// The header of a file spec (`path/to/my_attention.hpp:MyAttention`), or
/// empty when the spec does not name a C++ header.
std::string headerOfSpec(const std::string &spec);

/// The config spelling of a C++ name (`torch::nn::Linear` -> `torch.nn:Linear`).
std::string configNameOf(const std::string &cppName);

/// Resolves every callable and var reachable from the root, latent_args and
/// var defaults included (unlike the reference's walk, spec section 8.2); a
/// meta node's arguments are not entered. Unknown specs go to `diags`.
TypedGraph resolveGraph(const graph::Graph &graph, const Manifest &manifest, const yaml::PpLocator &where,
                        DiagnosticEngine &diags);

} // namespace fgcc::resolve
